import Testing
@testable import MiniDRAW

/// RFC 1951 DEFLATE: streams written bit by bit here, plus streams made by Python's zlib
/// (an independent encoder; see the byte arrays at the bottom).
@Suite("Inflate (RFC 1951)")
struct InflateTests {
    // MARK: - Stored blocks (§3.2.4)

    @Test("a stored block written byte by byte")
    func storedBlock() throws {
        // BFINAL 1, BTYPE 00, then LEN = 5, NLEN = ~5, little-endian, then the bytes.
        let stream: [UInt8] = [0x01, 0x05, 0x00, 0xFA, 0xFF] + Array("hello".utf8) + [0xEE]
        var consumed = 0
        let output = try Inflate.inflate(stream[...], consumed: &consumed)
        #expect(output == Array("hello".utf8))
        #expect(consumed == 10)      // the trailing 0xEE is not part of the stream
    }

    @Test("a stored block after a fixed block starts at the next byte boundary")
    func storedBlockAfterBits() throws {
        var writer = BitWriter()
        writer.write(0, bitCount: 1)                   // not final
        writer.write(1, bitCount: 2)                   // fixed Huffman
        writer.writeFixedLiteral(Int(UInt8(ascii: "a")))
        writer.writeFixedLiteral(256)
        writer.write(1, bitCount: 1)                   // final
        writer.write(0, bitCount: 2)                   // stored
        writer.skipToByteBoundary()
        writer.bytes += [0x02, 0x00, 0xFD, 0xFF] + Array("bc".utf8)
        #expect(try Inflate.inflate(writer.bytes) == Array("abc".utf8))
    }

    // MARK: - Fixed Huffman blocks (§3.2.6)

    @Test("a fixed-Huffman block encoded by hand: literals and a copy with extra bits")
    func fixedHandEncoded() throws {
        var writer = BitWriter.fixedBlock()
        for byte in "abcdef".utf8 { writer.writeFixedLiteral(Int(byte)) }
        writer.writeFixedLiteral(265)                  // length 11 + 1 extra bit
        writer.write(1, bitCount: 1)                   // -> 12
        writer.writeFixedDistance(4)                   // distance 5 + 1 extra bit
        writer.write(1, bitCount: 1)                   // -> 6
        writer.writeFixedLiteral(256)
        #expect(try Inflate.inflate(writer.bytes) == Array("abcdefabcdefabcdef".utf8))
    }

    @Test("a fixed-Huffman stream made by zlib")
    func fixedFromZlib() throws {
        #expect((Self.fixedHello[0] >> 1) & 3 == 1)   // BTYPE 01
        #expect(try Inflate.inflate(Self.fixedHello) == Array("hello hello hello hello".utf8))
    }

    @Test("overlapping back-references: distance 1 length 258, distance 2 length 7")
    func overlappingCopies() throws {
        var writer = BitWriter.fixedBlock()
        writer.writeFixedLiteral(Int(UInt8(ascii: "z")))
        writer.writeFixedLiteral(285)                  // length 258, no extra bits
        writer.writeFixedDistance(0)                   // distance 1
        writer.writeFixedLiteral(Int(UInt8(ascii: "a")))
        writer.writeFixedLiteral(Int(UInt8(ascii: "b")))
        writer.writeFixedLiteral(261)                  // length 7
        writer.writeFixedDistance(1)                   // distance 2
        writer.writeFixedLiteral(256)
        let expected = Array(repeating: UInt8(ascii: "z"), count: 259) + Array("ababababa".utf8)
        #expect(try Inflate.inflate(writer.bytes) == expected)
    }

    // MARK: - Dynamic Huffman blocks (§3.2.7)

    @Test("a dynamic-Huffman stream made by zlib (run-length coded code lengths)")
    func dynamicFromZlib() throws {
        #expect((Self.dynamicWords[0] >> 1) & 3 == 2)  // BTYPE 10
        let output = try Inflate.inflate(Self.dynamicWords)
        #expect(output == Self.wordsText(count: 400))
        #expect(output.count == 2655)
    }

    @Test("codes of every length 1...15 decode (the longest bypass the look-up table)")
    func fifteenBitCodes() throws {
        // "A" gets 1 bit, "B" 2 bits, ... "N" 14 bits, "O" and end-of-block 15 bits:
        // 1/2 + 1/4 + ... + 1/2^14 + 2/2^15 = 1, a complete code.
        var literalLengths = [Int](repeating: 0, count: 257)
        for (index, letter) in "ABCDEFGHIJKLMN".utf8.enumerated() { literalLengths[Int(letter)] = index + 1 }
        literalLengths[Int(UInt8(ascii: "O"))] = 15
        literalLengths[256] = 15
        let message = Array("ONMLKJIHGFEDCBAAO".utf8)
        var writer = BitWriter.dynamicBlock(literalLengths: literalLengths, distanceLengths: [1])
        let codes = BitWriter.canonicalCodes(literalLengths)
        for symbol in message.map(Int.init) + [256] {
            writer.writeCode(codes[symbol], length: literalLengths[symbol])
        }
        #expect(literalLengths.max() == 15)
        #expect(try Inflate.inflate(writer.bytes) == message)
    }

    @Test("a single 1-bit distance code is accepted; its unused pattern is an invalid code")
    func singleDistanceCode() throws {
        var literalLengths = [Int](repeating: 0, count: 258)
        literalLengths[Int(UInt8(ascii: "a"))] = 2
        literalLengths[256] = 2
        literalLengths[257] = 1                        // length 3
        let codes = BitWriter.canonicalCodes(literalLengths)
        func stream(distanceBit: Int) -> [UInt8] {
            var writer = BitWriter.dynamicBlock(literalLengths: literalLengths, distanceLengths: [1])
            for symbol in [97, 257] { writer.writeCode(codes[symbol], length: literalLengths[symbol]) }
            writer.write(distanceBit, bitCount: 1)
            writer.writeCode(codes[256], length: 2)
            return writer.bytes
        }
        #expect(try Inflate.inflate(stream(distanceBit: 0)) == Array("aaaa".utf8))
        #expect(throws: InflateError.invalidCode(.distance)) { try Inflate.inflate(stream(distanceBit: 1)) }
    }

    // MARK: - Corrupt streams

    @Test("truncated streams: empty, cut inside Huffman data, stored block short of LEN")
    func truncated() {
        #expect(throws: InflateError.truncated(inputByteCount: 0)) { try Inflate.inflate([]) }
        let cut = Array(Self.dynamicWords[..<200])
        #expect(throws: InflateError.truncated(inputByteCount: 200)) { try Inflate.inflate(cut) }
        #expect(throws: InflateError.truncated(inputByteCount: 8)) {
            try Inflate.inflate([0x01, 0x05, 0x00, 0xFA, 0xFF, 0x68, 0x65, 0x6C])
        }
    }

    @Test("block type 3 is rejected")
    func reservedBlockType() {
        #expect(throws: InflateError.reservedBlockType) { try Inflate.inflate([0x07, 0x00]) }
    }

    @Test("a stored block whose NLEN is not the complement of LEN is rejected")
    func storedLengthMismatch() {
        let error = #expect(throws: InflateError.self) { try Inflate.inflate([0x01, 0x05, 0x00, 0xFF, 0xFF, 0, 0, 0, 0, 0]) }
        #expect(error == .storedLengthMismatch(length: 5, complement: 0xFFFF))
        #expect(error?.description == "stored deflate block length 0x0005 does not match its complement 0xFFFF (expected 0xFFFA)")
    }

    @Test("a back-reference before the start of the output is rejected")
    func distanceTooFar() {
        var writer = BitWriter.fixedBlock()
        writer.writeFixedLiteral(Int(UInt8(ascii: "a")))
        writer.writeFixedLiteral(257)                  // length 3
        writer.writeFixedDistance(1)                   // distance 2, but only 1 byte so far
        writer.writeFixedLiteral(256)
        #expect(throws: InflateError.distanceTooFar(distance: 2, available: 1)) { try Inflate.inflate(writer.bytes) }
    }

    @Test("fixed-code symbols 286 and distance 30 are invalid")
    func invalidSymbols() {
        var literal = BitWriter.fixedBlock()
        literal.writeFixedLiteral(286)
        #expect(throws: InflateError.invalidSymbol(.literalLength, 286)) { try Inflate.inflate(literal.bytes) }
        var distance = BitWriter.fixedBlock()
        distance.writeFixedLiteral(Int(UInt8(ascii: "a")))
        distance.writeFixedLiteral(257)
        distance.writeFixedDistance(30)
        #expect(throws: InflateError.invalidSymbol(.distance, 30)) { try Inflate.inflate(distance.bytes) }
    }

    @Test("over-subscribed and incomplete code lengths are rejected")
    func badCodeLengths() {
        var twoBitLiterals = [Int](repeating: 0, count: 257)
        twoBitLiterals[0] = 2
        twoBitLiterals[256] = 2                        // 1/4 + 1/4 leaves half the patterns unused
        #expect(throws: InflateError.incomplete(.literalLength)) {
            try Inflate.inflate(BitWriter.dynamicBlock(literalLengths: twoBitLiterals, distanceLengths: [0]).bytes)
        }
        var threeOneBitLiterals = twoBitLiterals
        threeOneBitLiterals[0...2] = [1, 1, 1]
        #expect(throws: InflateError.overSubscribed(.literalLength)) {
            try Inflate.inflate(BitWriter.dynamicBlock(literalLengths: threeOneBitLiterals, distanceLengths: [0]).bytes)
        }
        var noEndOfBlock = twoBitLiterals
        noEndOfBlock[256] = 0
        noEndOfBlock[1] = 2
        #expect(throws: InflateError.missingEndOfBlock) {
            try Inflate.inflate(BitWriter.dynamicBlock(literalLengths: noEndOfBlock, distanceLengths: [0]).bytes)
        }
        let allOneBit = [Int](repeating: 1, count: 19)
        #expect(throws: InflateError.overSubscribed(.codeLength)) {
            try Inflate.inflate(BitWriter.dynamicHeader(literalCount: 257, distanceCount: 1, codeLengthLengths: allOneBit).bytes)
        }
        let oneTwoBit = [2] + [Int](repeating: 0, count: 18)
        #expect(throws: InflateError.incomplete(.codeLength)) {
            try Inflate.inflate(BitWriter.dynamicHeader(literalCount: 257, distanceCount: 1, codeLengthLengths: oneTwoBit).bytes)
        }
    }

    @Test("bad run-length coding of code lengths is rejected")
    func badCodeLengthRuns() {
        let lengths = BitWriter.standardCodeLengthLengths
        let codes = BitWriter.canonicalCodes(lengths)
        var repeatFirst = BitWriter.dynamicHeader(literalCount: 257, distanceCount: 1, codeLengthLengths: lengths)
        repeatFirst.writeCode(codes[16], length: lengths[16])
        repeatFirst.write(0, bitCount: 2)
        #expect(throws: InflateError.repeatWithoutPreviousLength) { try Inflate.inflate(repeatFirst.bytes) }

        var overrun = BitWriter.dynamicHeader(literalCount: 257, distanceCount: 1, codeLengthLengths: lengths)
        for _ in 0..<256 { overrun.writeCode(codes[0], length: lengths[0]) }
        overrun.writeCode(codes[16], length: lengths[16])
        overrun.write(3, bitCount: 2)                  // 6 more lengths: 262 > 258
        #expect(throws: InflateError.tooManyCodeLengths(declared: 258)) { try Inflate.inflate(overrun.bytes) }

        #expect(throws: InflateError.tooManySymbols(literalLength: 287, distance: 1)) {
            try Inflate.inflate(BitWriter.dynamicHeader(literalCount: 287, distanceCount: 1, codeLengthLengths: lengths).bytes)
        }
    }

    // MARK: - Vectors from Python's zlib (fixtures/make_vectors.py in the io scratch folder)

    /// The text compressed in `dynamicWords`: `count` words picked by a C-style LCG.
    static func wordsText(count: Int) -> [UInt8] {
        let words = ["the", "draw", "network", "attention", "canvas", "read", "write", "glimpse"]
        var state: UInt32 = 1
        var chosen: [String] = []
        for _ in 0..<count {
            state = (state &* 1_103_515_245 &+ 12345) & 0x7FFF_FFFF
            chosen.append(words[Int(state >> 16) % words.count])
        }
        return Array(chosen.joined(separator: " ").utf8)
    }

    /// `zlib.compressobj(9, DEFLATED, -15, 9, Z_FIXED)` of "hello hello hello hello".
    static let fixedHello: [UInt8] = [0xCB, 0x48, 0xCD, 0xC9, 0xC9, 0x57, 0xC8, 0x40, 0x27, 0x01]

    /// Raw deflate, level 9, of `wordsText(count: 400)` (2,655 bytes).
    static let dynamicWords: [UInt8] = [
        0x8D, 0x56, 0x5B, 0x6E, 0xC3, 0x30, 0x0C, 0xBB, 0x4A, 0xAE, 0x16, 0xAC, 0xC6, 0x16, 0x6C, 0x4B,
        0x87, 0xD4, 0x98, 0xAF, 0x3F, 0xC4, 0xF1, 0x83, 0x94, 0xA8, 0x60, 0x1F, 0x75, 0x1E, 0x8E, 0x25,
        0x92, 0xA2, 0xE5, 0x96, 0x63, 0xCB, 0x69, 0x29, 0x75, 0x7C, 0x1C, 0x6B, 0x59, 0xD6, 0x9C, 0xD3,
        0x9E, 0xB7, 0xE7, 0x2E, 0xEF, 0xF6, 0x94, 0xCB, 0xF3, 0xF8, 0x84, 0x37, 0x6F, 0xEB, 0xFE, 0xBB,
        0xBE, 0x5A, 0x84, 0x23, 0xAD, 0x8F, 0xE5, 0xFD, 0x6B, 0xFB, 0xFE, 0x79, 0xA5, 0x3E, 0xD3, 0x2E,
        0x35, 0x78, 0x9F, 0xF2, 0x0F, 0x05, 0x70, 0xF4, 0x24, 0xFD, 0x03, 0x7B, 0xBD, 0xBE, 0xA2, 0xE5,
        0x7D, 0x49, 0xFE, 0x48, 0x94, 0xB0, 0xBF, 0xBF, 0x96, 0xDC, 0x31, 0xAA, 0xD0, 0xEB, 0x1A, 0x88,
        0xD1, 0x2E, 0x44, 0x8B, 0x51, 0xD4, 0x29, 0x1F, 0xAD, 0x5F, 0x6D, 0x40, 0xFF, 0x25, 0x12, 0x27,
        0x4A, 0xA4, 0x91, 0x4E, 0x6E, 0x59, 0x9D, 0x89, 0x2A, 0xA0, 0x3A, 0xA8, 0x0C, 0xFD, 0x1D, 0x55,
        0xED, 0x1A, 0x51, 0xB6, 0xBA, 0x9E, 0x31, 0x81, 0x45, 0xCE, 0x34, 0xE7, 0x6F, 0x26, 0x26, 0xE0,
        0x03, 0xC5, 0xB8, 0xA9, 0xAF, 0x9D, 0x02, 0x04, 0x92, 0x49, 0x50, 0xED, 0x82, 0x5A, 0x31, 0x3C,
        0x9A, 0x8A, 0xAA, 0xEE, 0x42, 0x83, 0xF5, 0x1A, 0x3C, 0x34, 0x12, 0xC2, 0xE6, 0x90, 0x93, 0x15,
        0xA3, 0x10, 0x62, 0x01, 0x56, 0x61, 0xD2, 0xA1, 0x53, 0x7B, 0x36, 0x7B, 0xC7, 0xEC, 0xC8, 0x28,
        0xED, 0x00, 0x4B, 0x75, 0xF0, 0xE5, 0x51, 0x91, 0xD8, 0x33, 0x73, 0x50, 0x7B, 0x05, 0xB8, 0x28,
        0x73, 0x5C, 0x23, 0xB0, 0x61, 0xDA, 0x61, 0x7B, 0xB1, 0x9B, 0xC4, 0xC3, 0x45, 0xE5, 0x06, 0xD9,
        0x1B, 0xFB, 0x59, 0x57, 0x18, 0x0A, 0x23, 0x04, 0x89, 0x46, 0xD6, 0x19, 0xDF, 0x29, 0x8A, 0x26,
        0xBD, 0x81, 0xCD, 0xB6, 0x67, 0x0D, 0xE6, 0xA2, 0x29, 0xD6, 0xF9, 0xD3, 0x36, 0xF2, 0xBD, 0x55,
        0x58, 0x88, 0xED, 0x1D, 0x88, 0x62, 0x5C, 0x1C, 0x2B, 0x2B, 0xB6, 0x96, 0xEC, 0x7E, 0x2D, 0xA0,
        0xC4, 0xE1, 0x94, 0x89, 0xF6, 0xA3, 0x6E, 0x09, 0x42, 0x36, 0xDD, 0x25, 0x8C, 0x4F, 0xDD, 0x39,
        0x82, 0xCC, 0x7D, 0x6B, 0x8D, 0x5A, 0x71, 0xD0, 0x96, 0x80, 0x30, 0x24, 0x52, 0x1B, 0xD4, 0x48,
        0x44, 0xF6, 0xD7, 0x8D, 0x02, 0x8B, 0x30, 0x25, 0x20, 0x20, 0xF1, 0x9E, 0x88, 0x2A, 0xE6, 0x76,
        0xA3, 0x90, 0x0C, 0xDB, 0x8C, 0x2B, 0x86, 0xE1, 0x11, 0x34, 0x91, 0xFF, 0xFC, 0x23, 0x98, 0xA2,
        0xD3, 0xF9, 0x61, 0xC5, 0x40, 0x18, 0xAA, 0x11, 0xE1, 0x1A, 0x83, 0x02, 0x89, 0x88, 0x4E, 0x02,
        0xC5, 0xF2, 0x78, 0x49, 0xB5, 0xF8, 0x28, 0xBF, 0xB5, 0x04, 0x24, 0xA0, 0xE3, 0x84, 0x24, 0x32,
        0x87, 0x2F, 0x54, 0xE9, 0xCE, 0x95, 0xE4, 0x9B, 0xC8, 0xB4, 0xA2, 0x90, 0x68, 0x2A, 0xAD, 0x96,
        0x98, 0xB1, 0x50, 0xD9, 0x9F, 0xD3, 0x52, 0x4E, 0x74, 0x20, 0x83, 0x81, 0xFE, 0x00,
    ]
}

// MARK: - A tiny DEFLATE writer for the tests

/// Packs bits as DEFLATE does (§3.1.1): each byte filled from its least significant bit;
/// numbers least significant bit first, Huffman codes most significant bit first.
struct BitWriter {
    var bytes: [UInt8] = []
    private var usedBitsInLastByte = 8

    mutating func write(_ value: Int, bitCount: Int) {
        for bit in 0..<bitCount { writeBit((value >> bit) & 1) }
    }

    mutating func writeCode(_ code: Int, length: Int) {
        for bit in stride(from: length - 1, through: 0, by: -1) { writeBit((code >> bit) & 1) }
    }

    mutating func skipToByteBoundary() { usedBitsInLastByte = 8 }

    private mutating func writeBit(_ bit: Int) {
        if usedBitsInLastByte == 8 {
            bytes.append(0)
            usedBitsInLastByte = 0
        }
        bytes[bytes.count - 1] |= UInt8(bit) << UInt8(usedBitsInLastByte)
        usedBitsInLastByte += 1
    }

    // MARK: Fixed codes, from the table in §3.2.6

    /// A writer holding the 3-bit header of a final fixed-Huffman block.
    static func fixedBlock() -> BitWriter {
        var writer = BitWriter()
        writer.write(1, bitCount: 1)
        writer.write(1, bitCount: 2)
        return writer
    }

    mutating func writeFixedLiteral(_ symbol: Int) {
        switch symbol {
        case 0...143: writeCode(0x30 + symbol, length: 8)
        case 144...255: writeCode(0x190 + symbol - 144, length: 9)
        case 256...279: writeCode(symbol - 256, length: 7)
        default: writeCode(0xC0 + symbol - 280, length: 8)
        }
    }

    mutating func writeFixedDistance(_ symbol: Int) { writeCode(symbol, length: 5) }

    // MARK: Dynamic codes (§3.2.7)

    /// Code-length code: symbols 0-14 get 4 bits, 15 and 16 get 5 bits (complete), 17-18 none.
    static let standardCodeLengthLengths = [Int](repeating: 4, count: 15) + [5, 5, 0, 0]

    /// The canonical codes for `lengths`, computed as in §3.2.2.
    static func canonicalCodes(_ lengths: [Int]) -> [Int] {
        var lengthCounts = [Int](repeating: 0, count: 16)
        for length in lengths where length > 0 { lengthCounts[length] += 1 }
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for bits in 1...15 {
            code = (code + lengthCounts[bits - 1]) << 1
            nextCode[bits] = code
        }
        return lengths.map { length in
            guard length > 0 else { return 0 }
            defer { nextCode[length] += 1 }
            return nextCode[length]
        }
    }

    /// A final dynamic block's header up to (not including) the code lengths themselves.
    static func dynamicHeader(literalCount: Int, distanceCount: Int, codeLengthLengths: [Int]) -> BitWriter {
        var writer = BitWriter()
        writer.write(1, bitCount: 1)
        writer.write(2, bitCount: 2)
        writer.write(literalCount - 257, bitCount: 5)
        writer.write(distanceCount - 1, bitCount: 5)
        writer.write(19 - 4, bitCount: 4)
        for symbol in [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15] {
            writer.write(codeLengthLengths[symbol], bitCount: 3)
        }
        return writer
    }

    /// A final dynamic block's header with every code length sent as a plain symbol 0-15.
    static func dynamicBlock(literalLengths: [Int], distanceLengths: [Int]) -> BitWriter {
        let lengths = standardCodeLengthLengths
        let codes = canonicalCodes(lengths)
        var writer = dynamicHeader(literalCount: literalLengths.count, distanceCount: distanceLengths.count,
                                   codeLengthLengths: lengths)
        for length in literalLengths + distanceLengths { writer.writeCode(codes[length], length: lengths[length]) }
        return writer
    }

    /// RFC 1951 §3.2.5 defines the tables by a rule: each code's extra bits cover exactly the values up
    /// to the next code's base. Rebuilt here from that rule, not copied, so an off-by-one in one entry
    /// of the decoder's tables fails with the symbol named.
    @Test("the length and distance tables follow RFC 1951 §3.2.5: 3...258 and 1...32768, each base the last plus 2^extra")
    func lengthAndDistanceTables() {
        // Lengths: symbols 257-264 carry 0 extra bits, then four symbols each of 1...5 bits; 285 is 258 alone.
        var lengthExtra = [Int](repeating: 0, count: 8)
        for bits in 1...5 { lengthExtra += [bits, bits, bits, bits] }
        lengthExtra.append(0)
        var lengthBase = [3]
        for symbol in 1..<28 { lengthBase.append(lengthBase[symbol - 1] + (1 << lengthExtra[symbol - 1])) }
        lengthBase.append(258)
        #expect(lengthBase[27] == 227, "the RFC's table: symbol 284 covers 227-257 (258 is symbol 285's alone)")
        // Distances: codes 0-3 carry 0 extra bits, then two codes each of 1...13 bits.
        var distanceExtra = [0, 0, 0, 0]
        for bits in 1...13 { distanceExtra += [bits, bits] }
        var distanceBase = [1]
        for code in 1..<30 { distanceBase.append(distanceBase[code - 1] + (1 << distanceExtra[code - 1])) }
        #expect(distanceBase[29] + (1 << distanceExtra[29]) - 1 == 32768, "code 29 must end at 32768")
        for (symbol, (expected, actual)) in zip(lengthBase, Inflate.lengthBase).enumerated() where expected != actual {
            Issue.record("length symbol \(257 + symbol): base \(actual), RFC 1951 gives \(expected)")
        }
        for (symbol, (expected, actual)) in zip(lengthExtra, Inflate.lengthExtraBits).enumerated() where expected != actual {
            Issue.record("length symbol \(257 + symbol): \(actual) extra bits, RFC 1951 gives \(expected)")
        }
        for (code, (expected, actual)) in zip(distanceBase, Inflate.distanceBase).enumerated() where expected != actual {
            Issue.record("distance code \(code): base \(actual), RFC 1951 gives \(expected)")
        }
        for (code, (expected, actual)) in zip(distanceExtra, Inflate.distanceExtraBits).enumerated() where expected != actual {
            Issue.record("distance code \(code): \(actual) extra bits, RFC 1951 gives \(expected)")
        }
        #expect(Inflate.lengthBase.count == 29 && Inflate.lengthExtraBits.count == 29)
        #expect(Inflate.distanceBase.count == 30 && Inflate.distanceExtraBits.count == 30)
    }
}
