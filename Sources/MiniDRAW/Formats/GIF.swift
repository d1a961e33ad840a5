// MARK: - Writer

/// Animated GIF89a writer (W3C "Graphics Interchange Format Version 89a", 1990; § numbers below).
///
/// File layout: Header (§17), Logical Screen Descriptor (§18), Global Color Table (§19),
/// NETSCAPE2.0 Application Extension for looping (§26), then per frame a Graphic Control
/// Extension (§23) with the delay, an Image Descriptor (§20) and Table Based Image Data (§22)
/// compressed with `GIFLZW`, and finally the Trailer (§27).
public enum GIFWriter {
    /// Grey frames use a 256-entry grey ramp as the global colour table: pixel level = colour index.
    /// - frames: all the same size; delaysCentiseconds: one per frame (hundredths of a second).
    public static func encode(frames: [GreyImage], delaysCentiseconds: [Int], loop: Bool = true) -> [UInt8] {
        let ramp = (0...255).map { RGBColor(grey: UInt8($0)) }
        return assemble(frames.map { ($0.width, $0.height, $0.pixels) }, palette: ramp,
                        delaysCentiseconds: delaysCentiseconds, loop: loop)
    }

    /// RGB frames are mapped to one global palette of at most 256 colours, see `GIFPalette`.
    public static func encode(frames: [RGBImage], delaysCentiseconds: [Int], loop: Bool = true) -> [UInt8] {
        let palette = GIFPalette(frames: frames)
        return assemble(frames.map { ($0.width, $0.height, palette.indices(of: $0)) }, palette: palette.colors,
                        delaysCentiseconds: delaysCentiseconds, loop: loop)
    }

    /// Same delay for every frame.
    public static func encode(frames: [GreyImage], delayCentiseconds: Int, loop: Bool = true) -> [UInt8] {
        encode(frames: frames, delaysCentiseconds: Array(repeating: delayCentiseconds, count: frames.count), loop: loop)
    }

    /// Same delay for every frame.
    public static func encode(frames: [RGBImage], delayCentiseconds: Int, loop: Bool = true) -> [UInt8] {
        encode(frames: frames, delaysCentiseconds: Array(repeating: delayCentiseconds, count: frames.count), loop: loop)
    }

    /// - frames: (width, height, colour indices [height * width]); palette: 1...256 colours.
    private static func assemble(_ frames: [(width: Int, height: Int, indices: [UInt8])], palette: [RGBColor],
                                 delaysCentiseconds: [Int], loop: Bool) -> [UInt8] {
        precondition(!frames.isEmpty, "a GIF needs at least one frame")
        precondition(delaysCentiseconds.count == frames.count,
                     "\(frames.count) frames need \(frames.count) delays, got \(delaysCentiseconds.count)")
        let width = frames[0].width, height = frames[0].height
        precondition(frames.allSatisfy { $0.width == width && $0.height == height }, "GIF frames must share one size")
        precondition(width <= 0xFFFF && height <= 0xFFFF, "GIF size \(width)x\(height) exceeds 65535")

        // §19: the table holds 2^(N+1) entries; pad the palette to that size with black.
        var tableBits = 1
        while 1 << tableBits < palette.count { tableBits += 1 }
        // §22 / Appendix F: the LZW minimum code size is at least 2.
        let minimumCodeSize = max(2, tableBits)

        var bytes = Array("GIF89a".utf8)                                     // §17 Header
        appendLittleEndian16(width, to: &bytes)                              // §18 Logical Screen Descriptor
        appendLittleEndian16(height, to: &bytes)
        // packed: global colour table flag | colour resolution 8 bits (7) | not sorted | size N
        bytes += [0x80 | 0x70 | UInt8(tableBits - 1), 0, 0]                  // background 0, aspect 0
        for index in 0..<(1 << tableBits) {                                  // §19 Global Color Table
            let color = index < palette.count ? palette[index] : .black
            bytes += [color.red, color.green, color.blue]
        }
        if loop {                                                            // §26 Application Extension
            bytes += [0x21, 0xFF, 11] + Array("NETSCAPE2.0".utf8)
            bytes += [3, 1, 0, 0, 0]                                         // sub-block: id 1, loop count 0 = forever
        }
        for (frame, delay) in zip(frames, delaysCentiseconds) {
            // §23 Graphic Control Extension: disposal 1 (leave in place), no transparency.
            bytes += [0x21, 0xF9, 4, 1 << 2]
            appendLittleEndian16(min(max(delay, 0), 0xFFFF), to: &bytes)
            bytes += [0, 0]
            bytes += [0x2C, 0, 0, 0, 0]                                      // §20 Image Descriptor at (0, 0)
            appendLittleEndian16(width, to: &bytes)
            appendLittleEndian16(height, to: &bytes)
            bytes.append(0)                                                  // no local table, not interlaced
            bytes.append(UInt8(minimumCodeSize))                             // §22 Table Based Image Data
            let compressed = GIFLZW.encode(frame.indices, minimumCodeSize: minimumCodeSize)
            for start in stride(from: 0, to: compressed.count, by: 255) {    // §15 Data Sub-blocks
                let end = min(start + 255, compressed.count)
                bytes.append(UInt8(end - start))
                bytes += compressed[start..<end]
            }
            bytes.append(0)                                                  // §16 Block Terminator
        }
        bytes.append(0x3B)                                                   // §27 Trailer
        return bytes
    }

    private static func appendLittleEndian16(_ value: Int, to bytes: inout [UInt8]) {
        bytes += [UInt8(value & 0xFF), UInt8(value >> 8)]
    }
}

// MARK: - Palette

/// The global colour table for RGB frames (at most 256 colours, §19), chosen in this order:
/// 1. every distinct colour of all frames, if there are at most 256 (exact; sorted for determinism);
/// 2. else, if at most 8 colours are not grey: a fixed palette of 248 evenly spaced grey levels
///    (level k = round(255 k / 247)) followed by those colours. Grey pixels go to the nearest level,
///    the others are exact. This is the case of a grey canvas with a few attention-box colours;
/// 3. else a 6 x 7 x 6 colour cube (6 red, 7 green, 6 blue levels, evenly spaced from 0 to 255:
///    252 colours), each channel rounded to its nearest level, followed by the 4 `cubeExtras`
///    (the tile border and the attention-box colours), which stay exact. Green gets the extra
///    level because the eye tells greens apart best. This is the case of colour images (§3.3).
package struct GIFPalette {
    package let colors: [RGBColor]
    private let exactIndex: [RGBColor: UInt8]
    private let mapping: Mapping

    private enum Mapping { case exact, greyLevelsPlusExtras, colourCube }

    /// Number of grey levels in the fixed grey-plus-box-colours palette.
    package static let greyLevelCount = 248

    package init(frames: [RGBImage]) {
        var distinct = Set<RGBColor>()
        for frame in frames {
            for base in stride(from: 0, to: frame.pixels.count, by: 3) {
                distinct.insert(RGBColor(red: frame.pixels[base], green: frame.pixels[base + 1], blue: frame.pixels[base + 2]))
            }
        }
        let sorted = distinct.sorted { ($0.red, $0.green, $0.blue) < ($1.red, $1.green, $1.blue) }
        let extras = sorted.filter { !$0.isGrey }
        if sorted.count <= 256 {
            mapping = .exact
            colors = sorted.isEmpty ? [.black] : sorted
        } else if extras.count <= 256 - Self.greyLevelCount {
            mapping = .greyLevelsPlusExtras
            colors = (0..<Self.greyLevelCount).map { RGBColor(grey: Self.greyValue(level: $0)) } + extras
        } else {
            mapping = .colourCube
            let (red, green, blue) = Self.cubeLevels
            colors = (0..<(red * green * blue)).map { index in
                RGBColor(red: Self.cubeValue(level: index / (green * blue), levels: red),
                         green: Self.cubeValue(level: index / blue % green, levels: green),
                         blue: Self.cubeValue(level: index % blue, levels: blue))
            } + Self.cubeExtras
        }
        exactIndex = Dictionary(uniqueKeysWithValues: colors.enumerated().map { ($1, UInt8($0)) })
    }

    /// Colours kept exact beside the colour cube: the grey between tiles and the read, write and
    /// filter-centre colours of the attention pictures.
    package static let cubeExtras = [RGBColor(grey: 128), RGBColor.red, RGBColor.green, RGBColor.yellow]

    /// Levels per channel of the colour cube: red, green, blue.
    package static let cubeLevels = (red: 6, green: 7, blue: 6)

    /// The value of level `level` of a channel with `levels` evenly spaced levels from 0 to 255.
    static func cubeValue(level: Int, levels: Int) -> UInt8 {
        UInt8((Double(level * 255) / Double(levels - 1)).rounded())
    }

    /// The nearest of `levels` evenly spaced levels to `value`.
    static func cubeLevel(_ value: UInt8, levels: Int) -> Int {
        Int((Double(value) * Double(levels - 1) / 255).rounded())
    }

    /// The grey value of grey level `level` in 0..<248.
    static func greyValue(level: Int) -> UInt8 {
        UInt8((Double(level * 255) / Double(greyLevelCount - 1)).rounded())
    }

    /// The palette index of `color`.
    package func index(of color: RGBColor) -> UInt8 {
        switch mapping {
        case .exact:
            return exactIndex[color]!
        case .greyLevelsPlusExtras:
            if color.isGrey {
                return UInt8((Double(Int(color.red) * (Self.greyLevelCount - 1)) / 255).rounded())
            }
            return exactIndex[color]!
        case .colourCube:
            if let exact = exactIndex[color], Int(exact) >= colors.count - Self.cubeExtras.count { return exact }
            let (red, green, blue) = Self.cubeLevels
            let index = (Self.cubeLevel(color.red, levels: red) * green + Self.cubeLevel(color.green, levels: green)) * blue
                + Self.cubeLevel(color.blue, levels: blue)
            return UInt8(index)
        }
    }

    /// The palette indices of every pixel of `image`, row-major.
    /// - returns: [height * width]
    package func indices(of image: RGBImage) -> [UInt8] {
        stride(from: 0, to: image.pixels.count, by: 3).map { base in
            index(of: RGBColor(red: image.pixels[base], green: image.pixels[base + 1], blue: image.pixels[base + 2]))
        }
    }
}

// MARK: - LZW

/// Variable-length-code LZW as GIF uses it (GIF89a Appendix F, §22).
///
/// Codes start `minimumCodeSize + 1` bits wide. The stream begins with a Clear code
/// (2^minimumCodeSize) and ends with End of Information (Clear + 1); codes are packed least
/// significant bit first. The decoder adds each table entry one code later than the encoder, so
/// after every code both sides look at the same "next free code" and widen the codes by one bit
/// when it no longer fits, up to 12 bits. When the table holds 4096 entries the encoder sends
/// another Clear code and both restart the table.
package enum GIFLZW {
    /// - indices: colour indices, each below 2^minimumCodeSize; minimumCodeSize: 2...8.
    package static func encode(_ indices: [UInt8], minimumCodeSize: Int) -> [UInt8] {
        precondition((2...8).contains(minimumCodeSize), "GIF minimum code size must be 2...8")
        let clearCode = 1 << minimumCodeSize
        let endCode = clearCode + 1
        var writer = LSBBitWriter()
        var codeSize = minimumCodeSize + 1
        var nextCode = endCode + 1
        // Table entries: (prefix code << 8 | next index) -> code. Single indices are codes 0..<clearCode.
        var table = [Int: Int]()

        func emit(_ code: Int) {
            writer.write(code, bitCount: codeSize)
            if nextCode == 1 << codeSize && codeSize < 12 { codeSize += 1 }
        }

        emit(clearCode)
        guard var prefix = indices.first.map(Int.init) else {
            emit(endCode)
            return writer.finish()
        }
        for index in indices.dropFirst() {
            precondition(Int(index) < clearCode, "colour index \(index) needs more than \(minimumCodeSize) bits")
            let key = prefix << 8 | Int(index)
            if let code = table[key] {
                prefix = code
                continue
            }
            emit(prefix)
            prefix = Int(index)
            if nextCode == 4096 {
                emit(clearCode)
                table.removeAll(keepingCapacity: true)
                codeSize = minimumCodeSize + 1
                nextCode = endCode + 1
            } else {
                table[key] = nextCode
                nextCode += 1
            }
        }
        emit(prefix)
        emit(endCode)
        return writer.finish()
    }
}

/// Packs values least significant bit first into bytes (GIF89a Appendix F; also RFC 1951 §3.1.1).
struct LSBBitWriter {
    private(set) var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var bufferedBits = 0

    /// Appends the low `bitCount` bits of `value` (bitCount <= 32).
    mutating func write(_ value: Int, bitCount: Int) {
        let mask: UInt64 = (1 << UInt64(bitCount)) - 1
        buffer |= (UInt64(truncatingIfNeeded: value) & mask) << UInt64(bufferedBits)
        bufferedBits += bitCount
        while bufferedBits >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            bufferedBits -= 8
        }
    }

    /// Pads with zero bits to a byte boundary.
    mutating func alignToByte() {
        if bufferedBits > 0 { write(0, bitCount: 8 - bufferedBits) }
    }

    /// The bytes written, the last one zero-padded.
    mutating func finish() -> [UInt8] {
        alignToByte()
        return bytes
    }
}
