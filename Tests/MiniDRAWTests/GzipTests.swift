import Foundation
import Testing
@testable import MiniDRAW

/// RFC 1952 gzip and RFC 1950 zlib containers, with streams made by Python's gzip/zlib.
@Suite("Gzip and Zlib (RFC 1952, RFC 1950)")
struct GzipTests {
    static let hello = Array("hello hello hello hello".utf8)

    // MARK: - gzip

    @Test("a member with FTEXT, FHCRC, FEXTRA, FNAME and FCOMMENT")
    func allHeaderFields() throws {
        #expect(try Gzip.decompress(Self.gzipAllFlags) == Self.hello)
    }

    @Test("two members back to back are concatenated")
    func twoMembers() throws {
        #expect(try Gzip.decompress(Self.gzipTwoMembers) == Array("first second".utf8))
    }

    @Test("bad magic, method, flags and header CRC are rejected")
    func badHeaders() {
        var magic = Self.gzipAllFlags
        magic[0] = 0x1E
        let error = #expect(throws: CompressionError.self) { try Gzip.decompress(magic) }
        #expect(error == .notGzip(offset: 0, firstBytes: [0x1E, 0x8B]))
        #expect(error?.description == "not a gzip stream: it starts with 0x1E 0x8B, expected 0x1F 0x8B")

        var method = Self.gzipAllFlags
        method[2] = 7
        #expect(throws: CompressionError.unsupportedMethod(.gzip, method: 7)) { try Gzip.decompress(method) }

        var flags = Self.gzipAllFlags
        flags[3] |= 0x20
        #expect(throws: CompressionError.reservedFlags(0x20)) { try Gzip.decompress(flags) }

        var headerCRC = Self.gzipAllFlags
        headerCRC[40] = 0x84                           // stored 0xFC83 -> 0xFC84
        #expect(throws: CompressionError.headerChecksumMismatch(stored: 0xFC84, computed: 0xFC83)) {
            try Gzip.decompress(headerCRC)
        }
    }

    @Test("a wrong CRC-32 or ISIZE in the trailer is rejected")
    func badTrailer() {
        var crc = Self.gzipAllFlags
        crc[52] = 0xE4                                 // stored 0x8D3D51E3 -> 0x8D3D51E4
        let error = #expect(throws: CompressionError.self) { try Gzip.decompress(crc) }
        #expect(error == .checksumMismatch(.gzip, stored: 0x8D3D_51E4, computed: 0x8D3D_51E3))
        #expect(error?.description == "gzip CRC-32 mismatch: the trailer says 0x8D3D51E4 but the decompressed data gives 0x8D3D51E3 (corrupt file?)")

        var size = Self.gzipAllFlags
        size[56] = 24
        #expect(throws: CompressionError.sizeMismatch(stored: 24, actual: 23)) { try Gzip.decompress(size) }
    }

    @Test("truncated files say where they end")
    func truncated() {
        let cases: [(Int, CompressionError.Part)] = [(5, .header), (35, .header), (48, .compressedData), (58, .trailer)]
        for (length, part) in cases {
            #expect(throws: CompressionError.truncated(.gzip, byteCount: length, part: part)) {
                try Gzip.decompress(Array(Self.gzipAllFlags[..<length]))
            }
        }
        let description = CompressionError.truncated(.gzip, byteCount: 1024, part: .compressedData).description
        #expect(description == "gzip stream ends after 1,024 bytes, inside the compressed data (truncated file?)")
    }

    @Test("corrupt deflate data and trailing garbage are rejected")
    func corruptContents() {
        var blockType = Self.gzipAllFlags
        blockType[42] = 0x07                           // first deflate byte: final block of type 3
        #expect(throws: CompressionError.corrupt(.gzip, .reservedBlockType)) { try Gzip.decompress(blockType) }
        #expect(throws: CompressionError.notGzip(offset: 60, firstBytes: [0, 0])) {
            try Gzip.decompress(Self.gzipAllFlags + [0, 0])
        }
    }

    @Test("the shipped test images decompress to 10000x28x28 values 0 and 255, CRC-32 checked")
    func shippedTestImages() throws {
        let path = IOTestPaths.binarizedMNIST + "/test-images-idx3-ubyte.gz"
        let compressed = try #require(FileManager.default.contents(atPath: path).map { [UInt8]($0) })
        // The trailer holds the CRC-32 that Python computes for the data, 0xD6A40F83;
        // decompress throws unless the data it produced has the same CRC.
        #expect(Array(compressed[(compressed.count - 8)...]) == [0x83, 0x0F, 0xA4, 0xD6, 0x10, 0xA1, 0x77, 0x00])
        let bytes = try Gzip.decompress(compressed)
        #expect(bytes.count == 16 + 10000 * 28 * 28)
        #expect(Array(bytes[..<16]) == [0, 0, 8, 3, 0, 0, 0x27, 0x10, 0, 0, 0, 28, 0, 0, 0, 28])
        var zeroCount = 0, fullCount = 0
        for value in bytes[16...] {
            if value == 0 { zeroCount += 1 } else if value == 255 { fullCount += 1 }
        }
        #expect((zeroCount, fullCount) == (6_801_104, 1_038_896))  // counted with Python
    }

    @Test("a changed CRC-32 in the shipped labels file is caught")
    func shippedLabelsCRC() throws {
        let path = IOTestPaths.binarizedMNIST + "/test-labels-idx1-ubyte.gz"
        var compressed = try #require(FileManager.default.contents(atPath: path).map { [UInt8]($0) })
        #expect(try Gzip.decompress(compressed).count == 8 + 10000)
        compressed[compressed.count - 8] ^= 0x01       // CRC-32 0xC027457B -> 0xC027457A
        #expect(throws: CompressionError.checksumMismatch(.gzip, stored: 0xC027_457A, computed: 0xC027_457B)) {
            try Gzip.decompress(compressed)
        }
    }

    // MARK: - zlib and Adler-32

    @Test("a zlib stream decompresses and its Adler-32 is checked")
    func zlibStream() throws {
        #expect(try Zlib.decompress(Self.zlibHello) == Self.hello)
        var adler = Self.zlibHello
        adler[adler.count - 1] = 0xB2
        #expect(throws: CompressionError.checksumMismatch(.zlib, stored: 0x6803_08B2, computed: 0x6803_08B1)) {
            try Zlib.decompress(adler)
        }
        #expect(throws: CompressionError.truncated(.zlib, byteCount: 14, part: .trailer)) {
            try Zlib.decompress(Array(Self.zlibHello[..<14]))
        }
    }

    @Test("bad zlib headers are rejected")
    func zlibHeaders() {
        #expect(throws: CompressionError.zlibHeaderCheck(cmf: 0x78, flg: 0xDB)) { try Zlib.decompress([0x78, 0xDB, 0, 0]) }
        #expect(throws: CompressionError.unsupportedMethod(.zlib, method: 9)) { try Zlib.decompress([0x79, 0x18, 0, 0]) }
        #expect(throws: CompressionError.zlibWindowTooLarge(windowBits: 16)) { try Zlib.decompress([0x88, 0x1C, 0, 0]) }
        #expect(throws: CompressionError.zlibPresetDictionary) { try Zlib.decompress([0x78, 0x20, 0, 0]) }
    }

    @Test("Adler-32 known values, in one piece and in pieces")
    func adler32() {
        #expect(Adler32.checksum([]) == 1)
        #expect(Adler32.checksum(Array("Wikipedia".utf8)) == 0x11E6_0398)
        // Long enough that the sums must be reduced modulo 65521 along the way (Python: 0x2E6C7BF2).
        let long = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 31 + $0 / 7) }
        #expect(Adler32.checksum(long) == 0x2E6C_7BF2)
        var pieces = Adler32()
        pieces.update(long[..<7000])
        pieces.update(long[7000...])
        #expect(pieces.value == 0x2E6C_7BF2)
    }

    // MARK: - Vectors from Python (fixtures/make_vectors.py in the io scratch folder)

    /// A gzip member with every optional header field and a header CRC, holding `hello`.
    static let gzipAllFlags: [UInt8] = [
        0x1F, 0x8B, 0x08, 0x1F, 0xD2, 0x02, 0x96, 0x49, 0x02, 0x03, 0x07, 0x00, 0x4D, 0x44, 0x03, 0x00,
        0x78, 0x79, 0x7A, 0x64, 0x69, 0x67, 0x69, 0x74, 0x73, 0x2E, 0x74, 0x78, 0x74, 0x00, 0x61, 0x20,
        0x63, 0x6F, 0x6D, 0x6D, 0x65, 0x6E, 0x74, 0x00, 0x83, 0xFC, 0xCB, 0x48, 0xCD, 0xC9, 0xC9, 0x57,
        0xC8, 0x40, 0x27, 0x01, 0xE3, 0x51, 0x3D, 0x8D, 0x17, 0x00, 0x00, 0x00,
    ]

    /// Two plain gzip members holding "first " and "second".
    static let gzipTwoMembers: [UInt8] = [
        0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x4B, 0xCB, 0x2C, 0x2A, 0x2E, 0x51,
        0x00, 0x00, 0xFC, 0x7A, 0xF1, 0x1C, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0xFF, 0x2B, 0x4E, 0x4D, 0xCE, 0xCF, 0x4B, 0x01, 0x00, 0x69, 0x11, 0x1F, 0xB6,
        0x06, 0x00, 0x00, 0x00,
    ]

    /// `zlib.compress(hello, 9)`.
    static let zlibHello: [UInt8] = [
        0x78, 0xDA, 0xCB, 0x48, 0xCD, 0xC9, 0xC9, 0x57, 0xC8, 0x40, 0x27, 0x01, 0x68, 0x03, 0x08, 0xB1,
    ]
}
