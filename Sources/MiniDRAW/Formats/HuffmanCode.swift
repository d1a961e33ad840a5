/// The bit-level half of the DEFLATE decoder in `Inflate.swift`: canonical Huffman codes
/// and the reader that pulls bits and Huffman-coded symbols from the compressed bytes.

// MARK: - Canonical Huffman codes (§3.2.2)

/// A prefix code given by one bit length per symbol (0 = symbol unused). Codes of the same
/// length are consecutive binary numbers in symbol order, and shorter codes come first, so
/// the lengths alone define the code. Lengths are at most 15 bits.
struct HuffmanCode {
    /// Codes whose length is at most this are decoded with one table look-up.
    static let lookupBits = 9

    /// `counts[length]`: how many symbols have a code of that length; `counts[0]` is 0.
    let counts: [Int]
    /// The used symbols in canonical order: by code length, then by symbol value.
    let symbols: [Int]
    /// Indexed by the next `lookupBits` input bits: `symbol << 4 | length` for codes of at
    /// most `lookupBits` bits, 0 for longer codes (and for bit patterns no code starts).
    let lookup: [UInt16]
    /// Which of the three alphabets this is, for error messages.
    let kind: InflateError.CodeKind

    /// Builds the code, rejecting lengths that describe more codes than fit (over-subscribed)
    /// or that leave bit patterns unused (incomplete). As in zlib, a literal/length or distance
    /// code may be a single 1-bit code, and a distance code may be empty.
    init(lengths: [Int], kind: InflateError.CodeKind) throws {
        self.kind = kind
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths where length != 0 { counts[length] += 1 }
        var unusedPatterns = 1
        for length in 1...15 {
            unusedPatterns = 2 * unusedPatterns - counts[length]
            guard unusedPatterns >= 0 else { throw InflateError.overSubscribed(kind) }
        }
        let codeCount = counts.reduce(0, +)
        if unusedPatterns > 0 {
            let isSingleOneBitCode = codeCount == 1 && counts[1] == 1 && kind != .codeLength
            let isEmptyDistanceCode = codeCount == 0 && kind == .distance
            guard isSingleOneBitCode || isEmptyDistanceCode else { throw InflateError.incomplete(kind) }
        }
        self.counts = counts

        var nextIndex = [Int](repeating: 0, count: 16)
        for length in 1..<15 { nextIndex[length + 1] = nextIndex[length] + counts[length] }
        var symbols = [Int](repeating: 0, count: codeCount)
        for (symbol, length) in lengths.enumerated() where length != 0 {
            symbols[nextIndex[length]] = symbol
            nextIndex[length] += 1
        }
        self.symbols = symbols

        // The first bit of a code is its most significant bit, and the bit reader hands out
        // the next input bit as bit 0, so a code sits bit-reversed in the look-up index; the
        // input bits after a short code are anything, so each code fills several slots.
        let tableSize = 1 << Self.lookupBits
        var lookup = [UInt16](repeating: 0, count: tableSize)
        var code = 0
        var symbolIndex = 0
        for length in 1...Self.lookupBits {
            for _ in 0..<counts[length] {
                var slot = Self.reversed(code, bitCount: length)
                while slot < tableSize {
                    lookup[slot] = UInt16(symbols[symbolIndex] << 4 | length)
                    slot += 1 << length
                }
                code += 1
                symbolIndex += 1
            }
            code <<= 1
        }
        self.lookup = lookup
    }

    /// The lowest `bitCount` bits of `value` in reverse order.
    static func reversed(_ value: Int, bitCount: Int) -> Int {
        var result = 0
        for bit in 0..<bitCount { result |= ((value >> bit) & 1) << (bitCount - 1 - bit) }
        return result
    }
}

// MARK: - Bit reader (§3.1.1)

/// Reads a byte buffer as a stream of bits, each byte from its least significant bit up.
struct BitReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var nextByteIndex = 0
    /// Bits fetched from `bytes` but not consumed yet; the next bit is bit 0.
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Input bytes used so far, counting a partly used byte.
    var consumedByteCount: Int { nextByteIndex - bitCount / 8 }

    /// Tops the buffer up to at least 57 bits, or to everything that is left.
    private mutating func refill() {
        while bitCount <= 56 && nextByteIndex < bytes.count {
            bitBuffer |= UInt64(bytes[nextByteIndex]) << UInt64(bitCount)
            nextByteIndex += 1
            bitCount += 8
        }
    }

    private mutating func consume(_ count: Int) {
        bitBuffer >>= UInt64(count)
        bitCount -= count
    }

    /// The next `count` bits (0...16) as a number, first bit least significant.
    mutating func readBits(_ count: Int) throws -> Int {
        if bitCount < count {
            refill()
            guard bitCount >= count else { throw InflateError.truncated(inputByteCount: bytes.count) }
        }
        let value = Int(truncatingIfNeeded: bitBuffer & ((1 << UInt64(count)) - 1))
        consume(count)
        return value
    }

    /// Drops the bits left in the current byte.
    mutating func skipToByteBoundary() { consume(bitCount % 8) }

    /// The next `count` whole bytes; call after `skipToByteBoundary`.
    mutating func readAlignedBytes(_ count: Int) throws -> UnsafeBufferPointer<UInt8> {
        nextByteIndex -= bitCount / 8      // hand back the whole bytes still buffered
        bitBuffer = 0
        bitCount = 0
        guard nextByteIndex + count <= bytes.count else {
            throw InflateError.truncated(inputByteCount: bytes.count)
        }
        let slice = UnsafeBufferPointer(rebasing: bytes[nextByteIndex..<nextByteIndex + count])
        nextByteIndex += count
        return slice
    }

    /// Reads one Huffman-coded symbol: a table look-up for short codes, otherwise bit by bit.
    mutating func decodeSymbol(_ code: HuffmanCode) throws -> Int {
        if bitCount < 15 { refill() }
        let entry = Int(code.lookup[Int(truncatingIfNeeded: bitBuffer) & ((1 << HuffmanCode.lookupBits) - 1)])
        let length = entry & 15
        guard length != 0 else { return try decodeLongSymbol(code) }
        guard length <= bitCount else { throw InflateError.truncated(inputByteCount: bytes.count) }
        consume(length)
        return entry >> 4
    }

    /// Walks the canonical code one bit at a time: the codes of each length are the
    /// consecutive numbers `first ..< first + counts[length]`.
    private mutating func decodeLongSymbol(_ huffman: HuffmanCode) throws -> Int {
        var code = 0
        var first = 0
        var index = 0
        for length in 1...15 {
            guard length <= bitCount else { throw InflateError.truncated(inputByteCount: bytes.count) }
            code |= Int(truncatingIfNeeded: bitBuffer >> UInt64(length - 1)) & 1
            let count = huffman.counts[length]
            if code - first < count {
                consume(length)
                return huffman.symbols[index + code - first]
            }
            index += count
            guard index < huffman.symbols.count else { break }     // no longer codes exist
            first = (first + count) << 1
            code <<= 1
        }
        throw InflateError.invalidCode(huffman.kind)
    }
}
