/// A raw DEFLATE decoder (RFC 1951), the compression inside gzip, zlib and PNG.
///
/// A DEFLATE stream is a sequence of blocks (§3.2.3). Each block is stored (copied
/// verbatim), or Huffman-coded with the fixed codes of §3.2.6, or Huffman-coded with codes
/// sent at the start of the block (§3.2.7). Huffman-coded blocks hold literal bytes and
/// back-references "copy `length` bytes from `distance` bytes back" (§3.2.5).
///
///     let bytes = try Inflate.inflate(compressed)
package enum Inflate {
    /// Decompresses one complete DEFLATE stream. Bytes after the final block are ignored.
    package static func inflate(_ data: [UInt8]) throws -> [UInt8] {
        var consumed = 0
        return try inflate(data[...], consumed: &consumed)
    }

    /// Decompresses the DEFLATE stream at the start of `data` and sets `consumed` to the
    /// number of input bytes it occupied (the last byte counts even if only partly used),
    /// so that a container can find its trailer. `sizeHint` pre-sizes the output.
    package static func inflate(
        _ data: ArraySlice<UInt8>, consumed: inout Int, sizeHint: Int = 0
    ) throws -> [UInt8] {
        var output = OutputBuffer(capacity: max(sizeHint, 4 * data.count))
        consumed = try data.withUnsafeBufferPointer { buffer in
            var reader = BitReader(bytes: buffer)
            var isFinalBlock = false
            while !isFinalBlock {
                isFinalBlock = try reader.readBits(1) == 1
                switch try reader.readBits(2) {
                case 0: try copyStoredBlock(&reader, into: &output)
                case 1: try decodeBlock(&reader, literalLength: fixedLiteralLength,
                                        distance: fixedDistance, into: &output)
                case 2:
                    let (literalLength, distance) = try readDynamicCodes(&reader)
                    try decodeBlock(&reader, literalLength: literalLength,
                                    distance: distance, into: &output)
                default: throw InflateError.reservedBlockType
                }
            }
            return reader.consumedByteCount
        }
        return output.finish()
    }

    // MARK: - Stored blocks (§3.2.4)

    /// Skips to a byte boundary, reads LEN and its ones' complement NLEN, then copies LEN bytes.
    private static func copyStoredBlock(_ reader: inout BitReader, into output: inout OutputBuffer) throws {
        reader.skipToByteBoundary()
        let length = try reader.readBits(16)
        let complement = try reader.readBits(16)
        guard length == complement ^ 0xFFFF else {
            throw InflateError.storedLengthMismatch(length: length, complement: complement)
        }
        output.append(contentsOf: try reader.readAlignedBytes(length))
    }

    // MARK: - Huffman-coded blocks (§3.2.5)

    /// Lengths 3...258 for literal/length symbols 257...285: base value and extra bits.
    static let lengthBase: [Int] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
        35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    static let lengthExtraBits: [Int] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
        3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    /// Distances 1...32768 for distance symbols 0...29: base value and extra bits.
    static let distanceBase: [Int] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
        257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtraBits: [Int] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
        7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    /// Decodes literals and back-references until the end-of-block symbol 256.
    private static func decodeBlock(
        _ reader: inout BitReader, literalLength: HuffmanCode, distance: HuffmanCode,
        into output: inout OutputBuffer
    ) throws {
        while true {
            let symbol = try reader.decodeSymbol(literalLength)
            if symbol < 256 {
                output.append(UInt8(truncatingIfNeeded: symbol))
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < lengthBase.count else {
                throw InflateError.invalidSymbol(.literalLength, symbol)
            }
            let length = lengthBase[lengthIndex] + (try reader.readBits(lengthExtraBits[lengthIndex]))
            let distanceSymbol = try reader.decodeSymbol(distance)
            guard distanceSymbol < distanceBase.count else {
                throw InflateError.invalidSymbol(.distance, distanceSymbol)
            }
            let backDistance = distanceBase[distanceSymbol]
                + (try reader.readBits(distanceExtraBits[distanceSymbol]))
            guard backDistance <= output.count else {
                throw InflateError.distanceTooFar(distance: backDistance, available: output.count)
            }
            output.copy(distance: backDistance, length: length)
        }
    }

    // MARK: - Fixed codes (§3.2.6)

    /// Literal/length code lengths: 8 bits for 0-143, 9 for 144-255, 7 for 256-279, 8 for 280-287.
    private static let fixedLiteralLength = try! HuffmanCode(
        lengths: Array(repeating: 8, count: 144) + Array(repeating: 9, count: 112)
            + Array(repeating: 7, count: 24) + Array(repeating: 8, count: 8),
        kind: .literalLength)
    /// Distance codes: 5 bits each for symbols 0-31.
    private static let fixedDistance = try! HuffmanCode(
        lengths: Array(repeating: 5, count: 32), kind: .distance)

    // MARK: - Dynamic codes (§3.2.7)

    /// The order in which the code-length code's own lengths are sent.
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// Reads HLIT, HDIST, HCLEN, the code-length code, then the literal/length and distance
    /// code lengths it encodes (run-length coded with symbols 16, 17 and 18).
    private static func readDynamicCodes(_ reader: inout BitReader) throws
        -> (literalLength: HuffmanCode, distance: HuffmanCode)
    {
        let literalLengthCount = try reader.readBits(5) + 257
        let distanceCount = try reader.readBits(5) + 1
        let codeLengthCount = try reader.readBits(4) + 4
        guard literalLengthCount <= 286, distanceCount <= 30 else {
            throw InflateError.tooManySymbols(literalLength: literalLengthCount, distance: distanceCount)
        }
        var codeLengthLengths = [Int](repeating: 0, count: 19)
        for position in 0..<codeLengthCount {
            codeLengthLengths[codeLengthOrder[position]] = try reader.readBits(3)
        }
        let codeLengthCode = try HuffmanCode(lengths: codeLengthLengths, kind: .codeLength)

        let totalCount = literalLengthCount + distanceCount
        var lengths: [Int] = []
        lengths.reserveCapacity(totalCount)
        while lengths.count < totalCount {
            let symbol = try reader.decodeSymbol(codeLengthCode)
            let repeatedLength: Int
            let repeatCount: Int
            switch symbol {
            case 0...15:
                lengths.append(symbol)
                continue
            case 16:
                guard let previous = lengths.last else { throw InflateError.repeatWithoutPreviousLength }
                repeatedLength = previous
                repeatCount = 3 + (try reader.readBits(2))
            case 17:
                repeatedLength = 0
                repeatCount = 3 + (try reader.readBits(3))
            default:
                repeatedLength = 0
                repeatCount = 11 + (try reader.readBits(7))
            }
            guard lengths.count + repeatCount <= totalCount else {
                throw InflateError.tooManyCodeLengths(declared: totalCount)
            }
            lengths.append(contentsOf: repeatElement(repeatedLength, count: repeatCount))
        }
        guard lengths[256] != 0 else { throw InflateError.missingEndOfBlock }
        return (try HuffmanCode(lengths: Array(lengths[..<literalLengthCount]), kind: .literalLength),
                try HuffmanCode(lengths: Array(lengths[literalLengthCount...]), kind: .distance))
    }
}

// MARK: - Output

/// The decompressed bytes, kept in an array that doubles when full so that back-references
/// can be copied without growing it byte by byte.
struct OutputBuffer {
    private var storage: [UInt8]
    /// Bytes produced so far: `storage[0..<count]`.
    private(set) var count = 0

    init(capacity: Int) { storage = [UInt8](repeating: 0, count: max(capacity, 1024)) }

    private mutating func reserve(_ extraCount: Int) {
        guard count + extraCount > storage.count else { return }
        storage += [UInt8](repeating: 0, count: max(storage.count, extraCount))
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        storage.replaceSubrange(count..<count + bytes.count, with: bytes)
        count += bytes.count
    }

    /// Appends `length` bytes copied from `distance` bytes back, with the meaning of copying
    /// one byte at a time, `output[i] = output[i - distance]`, so that a copy may overlap the
    /// bytes it produces (distance 1, length 258 repeats the last byte 258 times). Everything
    /// from `source` on then repeats with period `distance`: a block copied from `source` to
    /// a multiple of `distance` further on is right, and does not overlap itself if it is no
    /// longer than that gap. The gap doubles with each block.
    mutating func copy(distance: Int, length: Int) {
        reserve(length)
        let source = count - distance
        let end = count + length
        var destination = count
        storage.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            while destination < end {
                let blockLength = min(destination - source, end - destination)
                (base + destination).update(from: base + source, count: blockLength)
                destination += blockLength
            }
        }
        count = end
    }

    /// The bytes produced, as an array of exactly `count` elements.
    consuming func finish() -> [UInt8] {
        storage.removeSubrange(count...)
        return storage
    }
}

// MARK: - Errors

/// Why a DEFLATE stream could not be decoded; each description is one line.
public enum InflateError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The three Huffman alphabets of §3.2.7.
    public enum CodeKind: String, Sendable {
        case literalLength = "literal/length"
        case distance = "distance"
        case codeLength = "code-length"
    }

    case truncated(inputByteCount: Int)
    case reservedBlockType
    case storedLengthMismatch(length: Int, complement: Int)
    case tooManySymbols(literalLength: Int, distance: Int)
    case repeatWithoutPreviousLength
    case tooManyCodeLengths(declared: Int)
    case missingEndOfBlock
    case overSubscribed(CodeKind)
    case incomplete(CodeKind)
    case invalidCode(CodeKind)
    case invalidSymbol(CodeKind, Int)
    case distanceTooFar(distance: Int, available: Int)

    public var description: String {
        switch self {
        case .truncated(let inputByteCount):
            return "deflate data ends after \(groupedDigits(inputByteCount)) bytes, "
                + "before its final block is complete (truncated file?)"
        case .reservedBlockType:
            return "deflate block type 3 is reserved (corrupt data?)"
        case .storedLengthMismatch(let length, let complement):
            return "stored deflate block length \(hexDigits(length, count: 4)) does not match its complement "
                + "\(hexDigits(complement, count: 4)) (expected \(hexDigits(length ^ 0xFFFF, count: 4)))"
        case .tooManySymbols(let literalLength, let distance):
            return "dynamic deflate block declares \(literalLength) literal/length and \(distance) "
                + "distance codes (at most 286 and 30)"
        case .repeatWithoutPreviousLength:
            return "dynamic deflate block repeats the previous code length (symbol 16) before any was given"
        case .tooManyCodeLengths(let declared):
            return "dynamic deflate block's repeated code lengths run past its \(declared) declared lengths"
        case .missingEndOfBlock:
            return "dynamic deflate block has no code for end-of-block (symbol 256)"
        case .overSubscribed(let kind):
            return "over-subscribed \(kind.rawValue) code: its code lengths describe more codes than fit"
        case .incomplete(let kind):
            return "incomplete \(kind.rawValue) code: its code lengths leave bit patterns unused"
        case .invalidCode(let kind):
            return "invalid \(kind.rawValue) code in deflate data: the bits match no symbol"
        case .invalidSymbol(let kind, let symbol):
            let valid = kind == .distance ? "0-29" : "0-285"
            return "invalid \(kind.rawValue) symbol \(symbol) in deflate data (valid: \(valid))"
        case .distanceTooFar(let distance, let available):
            return "deflate back-reference distance \(groupedDigits(distance)) reaches before the start "
                + "of the output (only \(groupedDigits(available)) bytes decoded)"
        }
    }
}
