import Testing
@testable import MiniDRAW

@Suite("GIF")
struct GIFTests {
    @Test("grey frames: header, loop extension, delays, grey-ramp palette, every pixel")
    func greyFrames() throws {
        let frames = (0..<3).map { frame in
            GreyImage(width: 5, height: 4, pixels: (0..<20).map { UInt8((($0 * 13) + frame * 50) % 256) })
        }
        let gif = try DecodedGIF(GIFWriter.encode(frames: frames, delaysCentiseconds: [10, 20, 150]))
        #expect(gif.width == 5 && gif.height == 4)
        #expect(gif.loopCount == 0)
        #expect(gif.palette == (0...255).map { RGBColor(grey: UInt8($0)) })
        #expect(gif.frames.map(\.delay) == [10, 20, 150])
        #expect(gif.frames.map(\.indices) == frames.map(\.pixels))
    }

    @Test("128x128 random frame: more than 4096 codes, so the Clear code path is used")
    func tableReset() throws {
        var generator = SeededGenerator(seed: 7)
        let noise = GreyImage(width: 128, height: 128, pixels: (0..<(128 * 128)).map { _ in
            UInt8(generator.nextInt(below: 256))
        })
        let flat = GreyImage(width: 128, height: 128, fill: 9)
        let gif = try DecodedGIF(GIFWriter.encode(frames: [noise, flat], delayCentiseconds: 5, loop: false))
        #expect(gif.loopCount == nil)
        #expect(gif.frames[0].clearCodeCount >= 4)       // 16,384 codes refill the table at least 3 times
        #expect(gif.frames[0].indices == noise.pixels)
        #expect(gif.frames[1].clearCodeCount == 1)
        #expect(gif.frames[1].indices == flat.pixels)
        #expect(gif.frames.allSatisfy { $0.subBlockSizes.dropLast().allSatisfy { $0 == 255 } })
    }

    @Test("LZW code width grows exactly when the decoder's next code no longer fits")
    func lzwBits() {
        // [0, 0, 0, 0], minimum code size 2: Clear(4) 0 6 0 in 3 bits, then End(5) in 4 bits.
        // As one integer: 4 | 0 << 3 | 6 << 6 | 0 << 9 | 5 << 12 = 0x5184, stored low byte first.
        #expect(GIFLZW.encode([0, 0, 0, 0], minimumCodeSize: 2) == [0x84, 0x51])
    }

    @Test("RGB frames with few colours get an exact palette")
    func exactPalette() throws {
        var frame = RGBImage(width: 6, height: 5, fill: .black)
        frame.drawRectangle(x0: 1, y0: 1, x1: 4, y1: 3, color: .red)
        frame[0, 4] = RGBColor(grey: 77)
        let gif = try DecodedGIF(GIFWriter.encode(frames: [frame, RGBImage(width: 6, height: 5, fill: .blue)],
                                                  delayCentiseconds: 3))
        #expect(gif.palette.count == 4)
        for (decoded, original) in zip(gif.frames, [frame, RGBImage(width: 6, height: 5, fill: .blue)]) {
            #expect(decoded.indices.map { gif.palette[Int($0)] } == pixels(original))
        }
    }

    @Test("grey canvas + box colours: 248 grey levels then the box colours")
    func greyPlusBoxPalette() throws {
        // Rows 0 and 3 keep all 256 grey levels, so the frame has 257 colours.
        var frame = RGBImage(grey: GreyImage(width: 256, height: 4, pixels: (0..<1024).map { UInt8($0 % 256) }))
        frame.drawRectangle(x0: 10, y0: 1, x1: 20, y1: 2, color: .green)
        let palette = GIFPalette(frames: [frame])
        #expect(palette.colors.count == 249)
        #expect(palette.colors[0] == .black && palette.colors[247] == .white && palette.colors[248] == .green)
        let gif = try DecodedGIF(GIFWriter.encode(frames: [frame], delayCentiseconds: 1))
        for (index, original) in pixels(frame).enumerated() {
            let decoded = gif.palette[Int(gif.frames[0].indices[index])]
            if original.isGrey {
                #expect(decoded.isGrey && abs(Int(decoded.red) - Int(original.red)) <= 1)
            } else {
                #expect(decoded == original)
            }
        }
    }

    @Test("many non-grey colours fall back to the 6x7x6 colour cube, each channel to its nearest level")
    func colourCube() {
        // 1,200 distinct colours: too many for an exact palette.
        var bytes: [UInt8] = []
        for pixel in 0..<(40 * 30) {
            bytes += [UInt8(pixel % 251), UInt8(pixel * 7 % 253), UInt8(pixel * 3 % 256)]
        }
        let frame = RGBImage(width: 40, height: 30, pixels: bytes)
        let palette = GIFPalette(frames: [frame])
        #expect(palette.colors.count == 6 * 7 * 6 + 4)
        for exact in [RGBColor.red, RGBColor.green, RGBColor.yellow, RGBColor(grey: 128), RGBColor.white, RGBColor.black] {
            #expect(palette.colors[Int(palette.index(of: exact))] == exact, "\(exact) is not exact")
        }
        let indices = palette.indices(of: frame)
        for (index, color) in pixels(frame).enumerated() {
            let mapped = palette.colors[Int(indices[index])]
            // Half the step between levels: 255 / 10 for 6 levels, 255 / 12 for 7.
            let redError: Int = abs(Int(color.red) - Int(mapped.red))
            let greenError: Int = abs(Int(color.green) - Int(mapped.green))
            let blueError: Int = abs(Int(color.blue) - Int(mapped.blue))
            #expect(redError <= 26 && greenError <= 22 && blueError <= 26, "\(color) -> \(mapped)")
        }
        let pureRed: Int = 5 * 7 * 6                           // red level 5, green 0, blue 0
        #expect(palette.index(of: RGBColor(red: 250, green: 10, blue: 20)) == UInt8(pureRed))
    }

    private func pixels(_ image: RGBImage) -> [RGBColor] {
        (0..<(image.width * image.height)).map { image[$0 % image.width, $0 / image.width] }
    }
}

// MARK: - Test decoder

/// A minimal GIF89a reader for the files `GIFWriter` makes: global colour table, NETSCAPE2.0 loop,
/// Graphic Control delays, full-size frames, LZW decoded independently of the encoder.
private struct DecodedGIF {
    struct Frame {
        var delay = 0
        var indices: [UInt8] = []
        var clearCodeCount = 0
        var subBlockSizes: [Int] = []
    }

    struct FormatError: Error { let reason: String }

    var width = 0, height = 0
    var palette: [RGBColor] = []
    var loopCount: Int?
    var frames: [Frame] = []

    init(_ bytes: [UInt8]) throws {
        var position = 0
        func byte() throws -> Int {
            guard position < bytes.count else { throw FormatError(reason: "file ends early") }
            position += 1
            return Int(bytes[position - 1])
        }
        func uint16() throws -> Int { try byte() | (try byte() << 8) }
        func subBlocks() throws -> [[UInt8]] {
            var blocks: [[UInt8]] = []
            while case let size = try byte(), size > 0 {
                blocks.append(try (0..<size).map { _ in UInt8(try byte()) })
            }
            return blocks
        }

        guard try (0..<6).map({ _ in UInt8(try byte()) }) == Array("GIF89a".utf8) else {
            throw FormatError(reason: "no GIF89a header")
        }
        width = try uint16()
        height = try uint16()
        let packed = try byte()
        guard packed & 0x80 != 0 else { throw FormatError(reason: "no global colour table") }
        _ = try byte(); _ = try byte()
        palette = try (0..<(2 << (packed & 7))).map { _ in
            RGBColor(red: UInt8(try byte()), green: UInt8(try byte()), blue: UInt8(try byte()))
        }
        var pendingDelay = 0
        while true {
            switch try byte() {
            case 0x21:
                let label = try byte()
                let blocks = try subBlocks()
                if label == 0xFF, blocks.first == Array("NETSCAPE2.0".utf8), blocks.count == 2 {
                    loopCount = Int(blocks[1][1]) | Int(blocks[1][2]) << 8
                } else if label == 0xF9 {
                    pendingDelay = Int(blocks[0][1]) | Int(blocks[0][2]) << 8
                }
            case 0x2C:
                let (left, top, frameWidth, frameHeight) = (try uint16(), try uint16(), try uint16(), try uint16())
                guard left == 0, top == 0, frameWidth == width, frameHeight == height, try byte() == 0 else {
                    throw FormatError(reason: "unexpected image descriptor")
                }
                let minimumCodeSize = try byte()
                let blocks = try subBlocks()
                var frame = Frame(delay: pendingDelay, subBlockSizes: blocks.map(\.count))
                (frame.indices, frame.clearCodeCount) = try Self.lzwDecode(Array(blocks.joined()),
                                                                           minimumCodeSize: minimumCodeSize)
                guard frame.indices.count == width * height else { throw FormatError(reason: "wrong pixel count") }
                frames.append(frame)
            case 0x3B:
                return
            default:
                throw FormatError(reason: "unknown block at byte \(position - 1)")
            }
        }
    }

    /// GIF LZW decoding (GIF89a Appendix F): after each code except the first after a Clear,
    /// add previous + first(current); widen when the next free code reaches 2^codeSize.
    static func lzwDecode(_ data: [UInt8], minimumCodeSize: Int) throws -> ([UInt8], Int) {
        let clearCode = 1 << minimumCodeSize, endCode = clearCode + 1
        let initialTable = (0..<clearCode).map { [UInt8($0)] } + [[], []]
        var table = initialTable, codeSize = minimumCodeSize + 1
        var output: [UInt8] = [], previous: [UInt8]?, clearCount = 0, bitPosition = 0
        while true {
            guard bitPosition + codeSize <= data.count * 8 else { throw FormatError(reason: "no End code") }
            var code = 0
            for bit in 0..<codeSize {
                let index = bitPosition + bit
                code |= Int(data[index / 8] >> (index % 8) & 1) << bit
            }
            bitPosition += codeSize
            if code == clearCode {
                (table, codeSize, previous) = (initialTable, minimumCodeSize + 1, nil)
                clearCount += 1
                continue
            }
            if code == endCode { return (output, clearCount) }
            let entry: [UInt8]
            if code < table.count {
                entry = table[code]
            } else if code == table.count, let previous {
                entry = previous + [previous[0]]
            } else {
                throw FormatError(reason: "code \(code) beyond table of \(table.count)")
            }
            output += entry
            if let previous, table.count < 4096 {
                table.append(previous + [entry[0]])
                if table.count == 1 << codeSize && codeSize < 12 { codeSize += 1 }
            }
            previous = entry
        }
    }
}
