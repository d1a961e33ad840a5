// MARK: - Deflate

/// A small DEFLATE compressor (RFC 1951) and its zlib wrapper (RFC 1950).
///
/// Two block kinds: stored blocks (§3.2.4) and one fixed-Huffman block (§3.2.6) holding the
/// literals and <length, distance> pairs of a greedy LZ77 matcher over a 32 KiB window with
/// hash chains (§4). `compress` returns whichever of the two encodings is shorter.
package enum Deflate {
    package enum Strategy: Sendable {
        /// Only stored blocks: no compression, 5 bytes of overhead per 65,535 input bytes.
        case stored
        /// LZ77 + fixed Huffman codes, falling back to stored blocks if that is not smaller.
        case fixedHuffman
    }

    /// Raw DEFLATE data (no zlib or gzip wrapper).
    package static func compress(_ data: [UInt8], strategy: Strategy = .fixedHuffman) -> [UInt8] {
        let stored = storedBlocks(data)
        guard strategy == .fixedHuffman else { return stored }
        let fixed = fixedHuffmanBlock(LZ77.tokens(of: data))
        return fixed.count < stored.count ? fixed : stored
    }

    /// A zlib stream (RFC 1950 §2.2): CMF, FLG, the DEFLATE data, then the Adler-32 of `data` (big-endian).
    package static func zlibCompress(_ data: [UInt8], strategy: Strategy = .fixedHuffman) -> [UInt8] {
        // CMF: CM = 8 (deflate), CINFO = 7 (32 KiB window). FLG: FLEVEL = 0, no dictionary,
        // FCHECK chosen so that (CMF * 256 + FLG) is a multiple of 31.
        let cmf = 0x78
        let flg = 31 - (cmf * 256) % 31
        let adler = Adler32.checksum(data)
        return [UInt8(cmf), UInt8(flg)] + compress(data, strategy: strategy)
            + [UInt8(adler >> 24), UInt8((adler >> 16) & 0xFF), UInt8((adler >> 8) & 0xFF), UInt8(adler & 0xFF)]
    }

    // MARK: - Stored blocks (§3.2.4)

    /// Header bits BFINAL, BTYPE = 00, pad to a byte, then LEN and NLEN = ~LEN (little-endian) and LEN bytes.
    static func storedBlocks(_ data: [UInt8]) -> [UInt8] {
        var bytes = [UInt8]()
        var start = 0
        repeat {
            let end = min(start + 0xFFFF, data.count)
            let length = end - start
            bytes.append(end == data.count ? 1 : 0)                         // BFINAL, BTYPE = 00, padding
            bytes += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            bytes += data[start..<end]
            start = end
        } while start < data.count
        return bytes
    }

    // MARK: - Fixed Huffman block (§3.2.5, §3.2.6)

    /// Length code bases and extra-bit counts for codes 257...285 (§3.2.5).
    static let lengthBases: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                     35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtraBits: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                         3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    /// Distance code bases and extra-bit counts for codes 0...29 (§3.2.5).
    static let distanceBases: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                       257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                       8193, 12289, 16385, 24577]
    static let distanceExtraBits: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                           7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// One block with BFINAL = 1, BTYPE = 01, the tokens, and end-of-block (256).
    static func fixedHuffmanBlock(_ tokens: [LZ77.Token]) -> [UInt8] {
        var writer = LSBBitWriter()
        writer.write(1, bitCount: 1)                                        // BFINAL
        writer.write(1, bitCount: 2)                                        // BTYPE = 01
        for token in tokens {
            switch token {
            case .literal(let byte):
                writeFixedLiteralLength(Int(byte), to: &writer)
            case .match(let length, let distance):
                let lengthIndex = lengthBases.lastIndex { $0 <= length }!
                writeFixedLiteralLength(257 + lengthIndex, to: &writer)
                writer.write(length - lengthBases[lengthIndex], bitCount: lengthExtraBits[lengthIndex])
                let distanceIndex = distanceBases.lastIndex { $0 <= distance }!
                writeHuffmanCode(distanceIndex, length: 5, to: &writer)      // distance codes: fixed 5 bits
                writer.write(distance - distanceBases[distanceIndex], bitCount: distanceExtraBits[distanceIndex])
            }
        }
        writeFixedLiteralLength(256, to: &writer)                           // end of block
        return writer.finish()
    }

    /// The fixed literal/length code of §3.2.6:
    /// 0-143 -> 8 bits from 0x30, 144-255 -> 9 bits from 0x190, 256-279 -> 7 bits from 0, 280-287 -> 8 bits from 0xC0.
    private static func writeFixedLiteralLength(_ symbol: Int, to writer: inout LSBBitWriter) {
        switch symbol {
        case 0...143: writeHuffmanCode(0x30 + symbol, length: 8, to: &writer)
        case 144...255: writeHuffmanCode(0x190 + symbol - 144, length: 9, to: &writer)
        case 256...279: writeHuffmanCode(symbol - 256, length: 7, to: &writer)
        default: writeHuffmanCode(0xC0 + symbol - 280, length: 8, to: &writer)
        }
    }

    /// Huffman codes are packed starting with their most significant bit (§3.1.1), so reverse them
    /// before the least-significant-bit-first writer.
    private static func writeHuffmanCode(_ code: Int, length: Int, to writer: inout LSBBitWriter) {
        var reversed = 0
        for bit in 0..<length { reversed |= ((code >> bit) & 1) << (length - 1 - bit) }
        writer.write(reversed, bitCount: length)
    }
}

// MARK: - LZ77

/// Greedy LZ77 matching with hash chains (RFC 1951 §4): the three bytes at each position are
/// hashed; `head[hash]` is the latest position with that hash and `previous[position % window]`
/// links to the one before. At each position the longest match among the last
/// `maximumChainLength` candidates within 32 KiB is taken if it is at least 3 bytes long.
enum LZ77 {
    enum Token: Equatable {
        case literal(UInt8)
        /// length 3...258, distance 1...32768.
        case match(length: Int, distance: Int)
    }

    static let windowSize = 32768
    static let minimumMatch = 3
    static let maximumMatch = 258
    static let maximumChainLength = 64
    private static let hashBits = 15

    static func tokens(of data: [UInt8]) -> [Token] {
        var tokens = [Token]()
        var head = [Int](repeating: -1, count: 1 << hashBits)
        var previous = [Int](repeating: -1, count: windowSize)

        func hash(at position: Int) -> Int {
            let value = Int(data[position]) << 16 | Int(data[position + 1]) << 8 | Int(data[position + 2])
            return (value &* 2_654_435_761) >> 16 & ((1 << hashBits) - 1)
        }
        func insert(at position: Int) {
            guard position + minimumMatch <= data.count else { return }
            let key = hash(at: position)
            previous[position % windowSize] = head[key]
            head[key] = position
        }

        var position = 0
        while position < data.count {
            var bestLength = 0, bestDistance = 0
            if position + minimumMatch <= data.count {
                let limit = min(maximumMatch, data.count - position)
                var candidate = head[hash(at: position)]
                var chainLeft = maximumChainLength
                while candidate >= 0 && position - candidate <= windowSize && chainLeft > 0 {
                    var length = 0
                    while length < limit && data[candidate + length] == data[position + length] { length += 1 }
                    if length > bestLength {
                        bestLength = length
                        bestDistance = position - candidate
                        if length == limit { break }
                    }
                    candidate = previous[candidate % windowSize]
                    chainLeft -= 1
                }
            }
            if bestLength >= minimumMatch {
                tokens.append(.match(length: bestLength, distance: bestDistance))
                for covered in position..<(position + bestLength) { insert(at: covered) }
                position += bestLength
            } else {
                tokens.append(.literal(data[position]))
                insert(at: position)
                position += 1
            }
        }
        return tokens
    }
}
