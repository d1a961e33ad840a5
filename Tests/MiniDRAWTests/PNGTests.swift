import Testing
@testable import MiniDRAW

@Suite("PNG and Deflate")
struct PNGTests {
    @Test("chunk layout and CRCs match known values")
    func knownChunks() {
        #expect(PNGWriter.chunk("IEND", []) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
        let png = PNGWriter.encode(GreyImage(width: 1, height: 1, pixels: [200]))
        #expect(Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // IHDR of a 1x1 8-bit grey image; its CRC-32 is 0x3A7E9B55.
        #expect(Array(png[8..<33]) == [0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1,
                                       8, 0, 0, 0, 0, 0x3A, 0x7E, 0x9B, 0x55])
        #expect(Array(png.suffix(12)) == PNGWriter.chunk("IEND", []))
    }

    @Test("grey and RGB images decode back to every pixel, with and without filters")
    func roundTrip() throws {
        var generator = SeededGenerator(seed: 3)
        let pixels = (0..<(29 * 17)).map { (index: Int) -> UInt8 in
            index % 7 == 0 ? UInt8(generator.nextInt(below: 256)) : UInt8((index % 29) * 8)
        }
        let grey = GreyImage(width: 29, height: 17, pixels: pixels)
        var rgb = RGBImage(grey: grey)
        rgb.drawRectangle(x0: 2, y0: 3, x1: 20, y1: 12, color: .red)
        for filter in [PNGWriter.FilterChoice.none, .minimumSumOfAbsoluteValues] {
            let decodedGrey = try DecodedPNG(PNGWriter.encode(grey, filter: filter))
            #expect(decodedGrey.colorType == 0 && decodedGrey.width == 29 && decodedGrey.height == 17)
            #expect(decodedGrey.pixels == grey.pixels)
            let decodedRGB = try DecodedPNG(PNGWriter.encode(rgb, filter: filter))
            #expect(decodedRGB.colorType == 2 && decodedRGB.pixels == rgb.pixels)
        }
    }

    @Test("the adaptive choice uses filters other than None on smooth images")
    func filterChoice() throws {
        let ramp = GreyImage(width: 64, height: 8, pixels: (0..<512).map { UInt8($0 % 64 * 4) })
        let scanlines = PNGWriter.filteredScanlines(ramp.pixels, rowByteCount: 64, bytesPerPixel: 1,
                                                    choice: .minimumSumOfAbsoluteValues)
        let types = stride(from: 0, to: scanlines.count, by: 65).map { scanlines[$0] }
        #expect(types == [1, 2, 2, 2, 2, 2, 2, 2])      // Sub on the first row, then Up (all zeros)
        #expect(PNGWriter.paethPredictor(10, 20, 10) == 20)
        #expect(PNGWriter.paethPredictor(10, 20, 20) == 10)
        #expect(PNGWriter.paethPredictor(10, 10, 10) == 10)
    }

    @Test("zlib wrapper: header multiple of 31, Adler-32 trailer, decompresses back")
    func zlibWrapper() throws {
        let data = Array("Wikipedia".utf8)
        let stream = Deflate.zlibCompress(data)
        #expect(stream[0] == 0x78 && (Int(stream[0]) * 256 + Int(stream[1])) % 31 == 0)
        #expect(Array(stream.suffix(4)) == [0x11, 0xE6, 0x03, 0x98])
        #expect(try Zlib.decompress(stream) == data)
    }

    @Test("deflate round-trips repetitive, random, empty and multi-block inputs")
    func deflateRoundTrip() throws {
        var generator = SeededGenerator(seed: 11)
        let random = (0..<70_000).map { _ in UInt8(generator.nextInt(below: 256)) }
        let zeros = [UInt8](repeating: 0, count: 10_000)
        let text = Array(String(repeating: "the canvas is updated at every step; ", count: 40).utf8)
        for data in [random, zeros, text, [], [42]] {
            for strategy in [Deflate.Strategy.stored, .fixedHuffman] {
                #expect(try Inflate.inflate(Deflate.compress(data, strategy: strategy)) == data)
            }
        }
        #expect(Deflate.compress(zeros).count < 80)           // 39 matches of 258 bytes, 13 bits each
        #expect(Deflate.compress(text).count < text.count / 10)
        #expect(Deflate.compress(random).count == 70_000 + 2 * 5)   // falls back to two stored blocks
        #expect(Deflate.compress([], strategy: .stored) == [1, 0, 0, 0xFF, 0xFF])
        #expect(Deflate.compress([]) == [0b011, 0])              // BFINAL, BTYPE 01, end-of-block 0000000
    }
}

// MARK: - Test decoders

/// Parses the PNG files `PNGWriter` makes: checks every chunk CRC, decompresses IDAT, undoes the filters.
private struct DecodedPNG {
    struct FormatError: Error { let reason: String }

    var width = 0, height = 0, colorType = 0
    var pixels: [UInt8] = []

    init(_ bytes: [UInt8]) throws {
        guard Array(bytes.prefix(8)) == PNGWriter.signature else { throw FormatError(reason: "no signature") }
        var position = 8, compressed: [UInt8] = []
        func uint32(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        while position < bytes.count {
            let length = uint32(position)
            let type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            let data = Array(bytes[(position + 8)..<(position + 8 + length)])
            guard UInt32(uint32(position + 8 + length)) == CRC32.checksum(bytes[(position + 4)..<(position + 8 + length)]) else {
                throw FormatError(reason: "bad CRC in \(type)")
            }
            if type == "IHDR" {
                (width, height, colorType) = (uint32(position + 8), uint32(position + 12), Int(data[9]))
            } else if type == "IDAT" {
                compressed += data
            }
            position += 12 + length
        }
        let scanlines = try Zlib.decompress(compressed)
        let bytesPerPixel = colorType == 2 ? 3 : 1, rowByteCount = width * bytesPerPixel
        var previous = [UInt8](repeating: 0, count: rowByteCount)
        for row in 0..<height {
            let start = row * (rowByteCount + 1)
            var current = Array(scanlines[(start + 1)...(start + rowByteCount)])
            for index in 0..<rowByteCount {
                let a = index >= bytesPerPixel ? Int(current[index - bytesPerPixel]) : 0
                let b = Int(previous[index]), c = index >= bytesPerPixel ? Int(previous[index - bytesPerPixel]) : 0
                let p = a + b - c
                let paeth = abs(p - a) <= abs(p - b) && abs(p - a) <= abs(p - c) ? a : abs(p - b) <= abs(p - c) ? b : c
                let prediction = [0, a, b, (a + b) / 2, paeth][Int(scanlines[start])]
                current[index] = UInt8(truncatingIfNeeded: Int(current[index]) + prediction)
            }
            pixels += current
            previous = current
        }
    }
}
