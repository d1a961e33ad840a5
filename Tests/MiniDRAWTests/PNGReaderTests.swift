import Foundation
import Testing
@testable import MiniDRAW

/// The PNG reader: every filter type, colour type and bit depth, alpha, palettes, and the files it refuses.
@Suite("PNG reader")
struct PNGReaderTests {
    /// A 5x4 image's samples, varied enough that every filter predicts something different.
    static func samples(width: Int = 5, height: Int = 4, perPixel: Int, levels: Int = 256) -> [Int] {
        (0..<(width * height * perPixel)).map { ($0 * 37 + $0 / 7 * 11) % levels }
    }

    // MARK: - Decoding

    @Test("PNGWriter's grey and RGB files decode to their pixels, with and without filters")
    func writerRoundTrip() throws {
        let grey = GreyImage(width: 9, height: 6, pixels: (0..<54).map { UInt8($0 * 29 % 256) })
        let rgb = RGBImage(width: 9, height: 6, pixels: (0..<162).map { UInt8($0 * 13 % 256) })
        for filter in [PNGWriter.FilterChoice.none, .minimumSumOfAbsoluteValues] {
            #expect(try PNGReader.decode(PNGWriter.encode(grey, filter: filter)) == .grey(grey))
            #expect(try PNGReader.decode(PNGWriter.encode(rgb, filter: filter)) == .color(rgb))
        }
    }

    @Test("a file made outside MiniDRAW (Python's zlib, rows filtered None, Sub, Up, Average, Paeth) decodes")
    func independentFile() throws {
        let file: [UInt8] = [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x04,
            0x00, 0x00, 0x00, 0x05, 0x08, 0x02, 0x00, 0x00, 0x00, 0xED, 0xCF, 0xDA, 0x8C, 0x00, 0x00, 0x00, 0x11, 0x74, 0x45, 0x58,
            0x74, 0x43, 0x6F, 0x6D, 0x6D, 0x65, 0x6E, 0x74, 0x00, 0x61, 0x6E, 0x63, 0x69, 0x6C, 0x6C, 0x61, 0x72, 0x79, 0x1B, 0x66,
            0x27, 0xE7, 0x00, 0x00, 0x00, 0x29, 0x49, 0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0x60, 0x70, 0xEB, 0xD1, 0xC8, 0xDB, 0x12,
            0x30, 0xED, 0x4E, 0xC5, 0x3E, 0x16, 0x46, 0xC1, 0xF0, 0xB9, 0x1A, 0x30, 0xC0, 0x24, 0x88, 0x04, 0x98, 0x95, 0x5C, 0x33,
            0x64, 0x61, 0x80, 0x05, 0x59, 0x06, 0x00, 0xDC, 0x76, 0x0A, 0xFC, 0x14, 0x12, 0xCC, 0xCC, 0x00, 0x00, 0x00, 0x00, 0x49,
            0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
        ]
        // Sample (x, y, c) of the 4x5 RGB image is (40x + 17y + 70c) mod 256.
        var expected = [UInt8]()
        for y in 0..<5 { for x in 0..<4 { for c in 0..<3 { expected.append(UInt8((40 * x + 17 * y + 70 * c) % 256)) } } }
        #expect(try PNGReader.decode(file) == .color(RGBImage(width: 4, height: 5, pixels: expected)))
    }

    @Test("filter types 0-4 (§9.2) unfilter to the original samples for each colour type at 8 bits")
    func everyFilterAndColorType() throws {
        let palette: [UInt8] = (0..<64).flatMap { (entry: Int) -> [UInt8] in [UInt8(entry * 4), UInt8(255 - entry * 4), UInt8(entry * 2)] }
        for filter in UInt8(0)...4 {
            let grey = Self.samples(perPixel: 1)
            #expect(try PNGReader.decode(TestPNG.encode(width: 5, height: 4, colorType: 0, bitDepth: 8, samples: grey, filter: filter))
                    == .grey(GreyImage(width: 5, height: 4, pixels: grey.map { UInt8($0) })), "grey, filter \(filter)")
            let rgb = Self.samples(perPixel: 3)
            #expect(try PNGReader.decode(TestPNG.encode(width: 5, height: 4, colorType: 2, bitDepth: 8, samples: rgb, filter: filter))
                    == .color(RGBImage(width: 5, height: 4, pixels: rgb.map { UInt8($0) })), "RGB, filter \(filter)")
            let indices = Self.samples(perPixel: 1, levels: 64)
            let expectedPalette = indices.flatMap { Array(palette[(3 * $0)..<(3 * $0 + 3)]) }
            #expect(try PNGReader.decode(TestPNG.encode(width: 5, height: 4, colorType: 3, bitDepth: 8, samples: indices,
                                                        filter: filter, palette: palette))
                    == .color(RGBImage(width: 5, height: 4, pixels: expectedPalette)), "palette, filter \(filter)")
            let opaqueGreyAlpha = Self.samples(perPixel: 1).flatMap { [$0, 255] }
            #expect(try PNGReader.decode(TestPNG.encode(width: 5, height: 4, colorType: 4, bitDepth: 8, samples: opaqueGreyAlpha, filter: filter))
                    == .grey(GreyImage(width: 5, height: 4, pixels: grey.map { UInt8($0) })), "grey + alpha, filter \(filter)")
            let opaqueRGBA = stride(from: 0, to: rgb.count, by: 3).flatMap { Array(rgb[$0..<($0 + 3)]) + [255] }
            #expect(try PNGReader.decode(TestPNG.encode(width: 5, height: 4, colorType: 6, bitDepth: 8, samples: opaqueRGBA, filter: filter))
                    == .color(RGBImage(width: 5, height: 4, pixels: rgb.map { UInt8($0) })), "RGBA, filter \(filter)")
        }
    }

    @Test("bit depths 1, 2, 4 are stretched to 0...255, 16 rounded to 8 bits; palettes of 1-4 bits index entries")
    func bitDepths() throws {
        for depth in [1, 2, 4] {
            let levels = Self.samples(width: 11, height: 3, perPixel: 1, levels: 1 << depth)
            let file = TestPNG.encode(width: 11, height: 3, colorType: 0, bitDepth: depth, samples: levels, filter: 4)
            #expect(try PNGReader.decode(file) == .grey(GreyImage(width: 11, height: 3,
                                                                   pixels: levels.map { UInt8($0 * 255 / (1 << depth - 1)) })), "grey \(depth) bits")
            let palette: [UInt8] = (0..<(1 << depth)).flatMap { (entry: Int) -> [UInt8] in [UInt8(entry * 9), UInt8(entry * 5), 200] }
            let paletted = TestPNG.encode(width: 11, height: 3, colorType: 3, bitDepth: depth, samples: levels, filter: 1, palette: palette)
            #expect(try PNGReader.decode(paletted) == .color(RGBImage(width: 11, height: 3,
                                                                       pixels: levels.flatMap { (entry: Int) -> [UInt8] in [UInt8(entry * 9), UInt8(entry * 5), 200] })))
        }
        let wide = [0, 128, 257, 32_767, 32_896, 65_535]                     // -> 0, 0, 1, 127, 128, 255
        let grey16 = TestPNG.encode(width: 6, height: 1, colorType: 0, bitDepth: 16, samples: wide, filter: 3)
        #expect(try PNGReader.decode(grey16) == .grey(GreyImage(width: 6, height: 1, pixels: [0, 0, 1, 127, 128, 255])))
        let rgb16 = TestPNG.encode(width: 2, height: 1, colorType: 2, bitDepth: 16, samples: wide, filter: 2)
        #expect(try PNGReader.decode(rgb16) == .color(RGBImage(width: 2, height: 1, pixels: [0, 0, 1, 127, 128, 255])))
    }

    @Test("alpha is composited over black (value * alpha / 255), palette alpha from tRNS; grey palettes give grey images")
    func alphaAndPalettes() throws {
        let greyAlpha = TestPNG.encode(width: 3, height: 1, colorType: 4, bitDepth: 8, samples: [200, 255, 200, 128, 200, 0], filter: 1)
        #expect(try PNGReader.decode(greyAlpha) == .grey(GreyImage(width: 3, height: 1, pixels: [200, 100, 0])))
        let rgba = TestPNG.encode(width: 1, height: 2, colorType: 6, bitDepth: 8, samples: [255, 100, 50, 51, 10, 20, 30, 255], filter: 4)
        #expect(try PNGReader.decode(rgba) == .color(RGBImage(width: 1, height: 2, pixels: [51, 20, 10, 10, 20, 30])))
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255]
        let transparent = TestPNG.encode(width: 3, height: 1, colorType: 3, bitDepth: 8, samples: [0, 1, 2], filter: 0,
                                         palette: palette, transparency: [0, 102])        // entry 2 stays opaque
        #expect(try PNGReader.decode(transparent) == .color(RGBImage(width: 3, height: 1, pixels: [0, 0, 0, 0, 102, 0, 0, 0, 255])))
        let greyPalette = TestPNG.encode(width: 3, height: 1, colorType: 3, bitDepth: 2, samples: [2, 0, 1], filter: 0,
                                         palette: [0, 0, 0, 90, 90, 90, 250, 250, 250])
        #expect(try PNGReader.decode(greyPalette) == .grey(GreyImage(width: 3, height: 1, pixels: [250, 0, 90])))
    }

    // MARK: - Refusals

    @Test("refused with one line: interlaced, bad CRC, truncated, unsupported bit depth, bad filter, palette faults")
    func refusals() throws {
        func message(_ bytes: [UInt8]) -> String { TestDataFiles.message { _ = try PNGReader.decode(bytes) } }
        let good = TestPNG.encode(width: 2, height: 2, colorType: 0, bitDepth: 8, samples: [1, 2, 3, 4], filter: 0)
        #expect(message(TestPNG.encode(width: 2, height: 2, colorType: 0, bitDepth: 8, samples: [1, 2, 3, 4], filter: 0, interlace: 1))
                == "interlaced (Adam7) PNG is not supported; save the image without interlacing")
        var corrupt = good
        corrupt[20] ^= 0x01                                                        // IHDR's height
        #expect(message(corrupt).hasPrefix("chunk IHDR at byte 8 has CRC 0x"))
        #expect(message(corrupt).hasSuffix("(corrupt file?)"))
        #expect(message(Array(good.dropLast(20))) == "file ends after \(good.count - 20) bytes, inside chunk IDAT (truncated file?)")
        #expect(message(Array(good.dropLast(12))) == "file ends after \(good.count - 12) bytes, before the IEND chunk (truncated file?)")
        #expect(message(Array("GIF89a".utf8)) == "not a PNG file (starts with 0x47 0x49 0x46 0x38 0x39 0x61)")
        #expect(message(TestPNG.encode(width: 1, height: 1, colorType: 2, bitDepth: 4, samples: [1, 2, 3], filter: 0))
                == "bit depth 4 is not supported for colour type 2 (RGB); PNG allows 8, 16")
        #expect(message(TestPNG.encode(width: 1, height: 1, colorType: 0, bitDepth: 8, samples: [1], filter: 5))
                == "row 0 has filter type 5, expected 0-4")
        #expect(message(TestPNG.encode(width: 2, height: 1, colorType: 3, bitDepth: 8, samples: [0, 3], filter: 0, palette: [1, 2, 3]))
                == "invalid palette: pixel (1, 0) uses entry 3 of a 1-entry palette")
        #expect(message(TestPNG.encode(width: 1, height: 1, colorType: 3, bitDepth: 8, samples: [0], filter: 0))
                == "invalid palette: a palette image without a PLTE chunk")
        let unknown = Array(good[..<33]) + PNGWriter.chunk("ABCD", [1]) + Array(good[33...])
        #expect(message(unknown) == "unknown critical chunk ABCD")
        #expect(message(Array(good[..<33]) + Array(good.suffix(12))) == "no IDAT chunk before IEND")
    }

    @Test("a bad file read from disk is refused naming its path")
    func namesThePath() throws {
        try withTemporaryFolder { folder in
            var bytes = TestPNG.encode(width: 2, height: 2, colorType: 2, bitDepth: 8, samples: Array(0..<12), filter: 2)
            bytes[bytes.count - 13] ^= 0xFF                                         // the last IDAT chunk's CRC
            try writeFile(folder + "/broken.png", bytes: bytes)
            let error = #expect(throws: DataError.self) { try PNGReader.read(path: folder + "/broken.png") }
            #expect(error?.description.hasPrefix("\(folder)/broken.png: chunk IDAT at byte ") == true)
            #expect(error?.description.contains("\n") == false)
        }
    }
}
