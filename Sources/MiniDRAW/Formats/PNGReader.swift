/// PNG reader (W3C "Portable Network Graphics (PNG) Specification", Second Edition; § numbers
/// below), the inverse of `PNGWriter` for every non-interlaced file:
///
/// - chunks (§5.3) are checked against their CRC-32; IHDR, PLTE, tRNS (palette images), IDAT and
///   IEND are read, other ancillary chunks skipped, an unknown critical chunk refused;
/// - the IDAT data, concatenated, is one zlib stream (`Zlib.decompress`, Adler-32 checked) of
///   filtered scanlines, each unfiltered with its own filter type 0-4 (§9.2);
/// - every colour type and bit depth of §11.2.2 is read: grey (1, 2, 4, 8, 16 bits), RGB (8, 16),
///   palette (1, 2, 4, 8), grey + alpha and RGBA (8, 16). 16-bit samples are rounded to 8 bits, and
///   grey levels of 1, 2 and 4 bits stretched to 0...255;
/// - alpha (an alpha channel, or palette alpha from tRNS) is composited over black,
///   value * alpha / 255, so transparent pixels are background; tRNS of grey and RGB images is ignored;
/// - a palette image is grey when every palette entry is, colour otherwise;
/// - interlaced (Adam7) files are refused.
///
///     let image = try PNGReader.read(path: "letters/a.png")     // .grey(GreyImage) or .color(RGBImage)
public enum PNGReader {
    /// Reads and decodes a PNG file; I/O errors are `FileError`s, bad contents `DataError`s naming `path`.
    public static func read(path: String) throws -> DecodedImage {
        do {
            return try decode(try AtomicFile.read(path))
        } catch let error as PNGError {
            throw DataError.invalidData(path: path, problem: error.description)
        }
    }

    /// Decodes PNG bytes; errors are `PNGError`s.
    public static func decode(_ bytes: [UInt8]) throws -> DecodedImage {
        let chunks = try readChunks(bytes)
        let header = chunks.header
        let scanlines: [UInt8]
        do {
            scanlines = try Zlib.decompress(chunks.imageData)
        } catch let error as CompressionError {
            throw PNGError.compression(error)
        }
        let rows = try unfilter(scanlines, header: header)
        return try image(rows: rows, header: header, palette: chunks.palette, paletteAlpha: chunks.paletteAlpha)
    }

    // MARK: - Chunks (§5.3, §11.2)

    /// The fields of IHDR (§11.2.2).
    struct Header {
        var width: Int, height: Int, bitDepth: Int, colorType: Int

        /// Samples per pixel: grey 1, RGB 3, palette index 1, grey + alpha 2, RGBA 4.
        var samplesPerPixel: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }
        /// Bytes in one unfiltered scanline, without its filter-type byte.
        var rowByteCount: Int { (width * samplesPerPixel * bitDepth + 7) / 8 }
        /// The filters' "one pixel to the left", in bytes: at least 1 (§9.2).
        var filterStride: Int { max(1, samplesPerPixel * bitDepth / 8) }

        /// The bit depths §11.2.2 allows for each colour type, and the type's name.
        static let allowedBitDepths: [Int: (depths: [Int], name: String)] = [
            0: ([1, 2, 4, 8, 16], "grey"), 2: ([8, 16], "RGB"), 3: ([1, 2, 4, 8], "palette"),
            4: ([8, 16], "grey + alpha"), 6: ([8, 16], "RGBA"),
        ]

        init(_ data: ArraySlice<UInt8>) throws {
            guard data.count == 13 else { throw PNGError.invalidHeader("IHDR holds \(data.count) bytes, expected 13") }
            let start = data.startIndex
            width = Int(PNGReader.bigEndian32(data, at: start))
            height = Int(PNGReader.bigEndian32(data, at: start + 4))
            bitDepth = Int(data[start + 8])
            colorType = Int(data[start + 9])
            guard (1...Int(Int32.max)).contains(width), (1...Int(Int32.max)).contains(height), width * height <= 1 << 28 else {
                throw PNGError.invalidHeader("size \(width)x\(height) is not in 1...2^31-1 per side and 2^28 pixels in all")
            }
            guard let allowed = Self.allowedBitDepths[colorType] else {
                throw PNGError.invalidHeader("colour type \(colorType) does not exist (expected 0, 2, 3, 4 or 6)")
            }
            guard allowed.depths.contains(bitDepth) else {
                throw PNGError.unsupportedBitDepth(bitDepth: bitDepth, colorType: colorType, typeName: allowed.name,
                                                   allowed: allowed.depths)
            }
            guard data[start + 10] == 0, data[start + 11] == 0 else {
                throw PNGError.invalidHeader("compression method \(data[start + 10]) / filter method \(data[start + 11]), expected 0 / 0")
            }
            guard data[start + 12] == 0 else {
                throw data[start + 12] == 1 ? PNGError.interlaced : PNGError.invalidHeader("interlace method \(data[start + 12]), expected 0 or 1")
            }
        }
    }

    /// What the chunks of a file hold.
    struct Chunks {
        var header: Header
        var palette: [RGBColor]?
        var paletteAlpha: [UInt8] = []
        /// The IDAT chunks' data, concatenated (§10.1).
        var imageData: [UInt8] = []
    }

    /// Walks the chunks from the signature to IEND, checking each CRC.
    static func readChunks(_ bytes: [UInt8]) throws -> Chunks {
        guard bytes.count >= 8, Array(bytes[0..<8]) == PNGWriter.signature else { throw PNGError.notPNG(Array(bytes.prefix(8))) }
        var chunks: Chunks?
        var position = 8
        while true {
            guard position + 8 <= bytes.count else { throw PNGError.truncated(offset: bytes.count, chunk: nil) }
            let length = Int(bigEndian32(bytes[...], at: position))
            let type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            guard length <= Int(Int32.max), position + 12 + length <= bytes.count else {
                throw PNGError.truncated(offset: bytes.count, chunk: type)
            }
            let data = bytes[(position + 8)..<(position + 8 + length)]
            let stored = bigEndian32(bytes[...], at: position + 8 + length)
            let computed = CRC32.checksum(bytes[(position + 4)..<(position + 8 + length)])
            guard stored == computed else {
                throw PNGError.checksumMismatch(chunk: type, offset: position, stored: stored, computed: computed)
            }
            position += 12 + length
            if type == "IHDR" {
                guard chunks == nil else { throw PNGError.invalidHeader("a second IHDR chunk") }
                chunks = Chunks(header: try Header(data))
                continue
            }
            guard chunks != nil else { throw PNGError.invalidHeader("the first chunk is \(type), expected IHDR") }
            switch type {
            case "PLTE":
                guard length % 3 == 0, (3...768).contains(length) else {
                    throw PNGError.invalidPalette("PLTE holds \(length) bytes, expected 1-256 entries of 3")
                }
                chunks?.palette = stride(from: data.startIndex, to: data.endIndex, by: 3).map {
                    RGBColor(red: bytes[$0], green: bytes[$0 + 1], blue: bytes[$0 + 2])
                }
            case "tRNS":
                if chunks?.header.colorType == 3 { chunks?.paletteAlpha = Array(data) }
            case "IDAT":
                chunks?.imageData += data
            case "IEND":
                guard var found = chunks, !found.imageData.isEmpty else { throw PNGError.missingImageData }
                if found.header.colorType == 3 && found.palette == nil {
                    throw PNGError.invalidPalette("a palette image without a PLTE chunk")
                }
                found.paletteAlpha = Array(found.paletteAlpha.prefix(found.palette?.count ?? 0))
                return found
            default:
                // Bit 5 of the first byte clear: a critical chunk, which a reader must understand (§5.4).
                if let first = type.utf8.first, first & 0x20 == 0 { throw PNGError.unknownCriticalChunk(type) }
            }
        }
    }

    // MARK: - Unfiltering (§9)

    /// Undoes each scanline's filter: Recon(x) = Filt(x) + predictor(a, b, c), modulo 256, with
    /// a = the byte one pixel to the left, b = the byte above, c = above and to the left (0 outside).
    /// - scanlines: [height * (1 + rowByteCount)]; returns [height * rowByteCount]
    static func unfilter(_ scanlines: [UInt8], header: Header) throws -> [UInt8] {
        let rowBytes = header.rowByteCount, stride = header.filterStride
        let expected = header.height * (1 + rowBytes)
        guard scanlines.count >= expected else {
            throw PNGError.imageDataSize(actual: scanlines.count, expected: expected)
        }
        var rows = [UInt8](repeating: 0, count: header.height * rowBytes)
        for row in 0..<header.height {
            let source = row * (1 + rowBytes) + 1, target = row * rowBytes, above = target - rowBytes
            guard let filter = PNGWriter.FilterType(rawValue: scanlines[source - 1]) else {
                throw PNGError.invalidFilterType(row: row, type: Int(scanlines[source - 1]))
            }
            for index in 0..<rowBytes {
                let a = index >= stride ? Int(rows[target + index - stride]) : 0
                let b = row > 0 ? Int(rows[above + index]) : 0
                let c = row > 0 && index >= stride ? Int(rows[above + index - stride]) : 0
                rows[target + index] = UInt8(truncatingIfNeeded: Int(scanlines[source + index]) + filter.prediction(a: a, b: b, c: c))
            }
        }
        return rows
    }

    // MARK: - Samples to pixels

    /// The unfiltered rows as an 8-bit grey or RGB image.
    static func image(rows: [UInt8], header: Header, palette: [RGBColor]?, paletteAlpha: [UInt8]) throws -> DecodedImage {
        let (width, height, depth) = (header.width, header.height, header.bitDepth)
        let samplesPerRow = width * header.samplesPerPixel
        /// Sample `index` of row `row`, at its own bit depth.
        func sample(_ row: Int, _ index: Int) -> Int {
            let rowStart = row * header.rowByteCount
            switch depth {
            case 8: return Int(rows[rowStart + index])
            case 16: return Int(rows[rowStart + 2 * index]) << 8 | Int(rows[rowStart + 2 * index + 1])
            default:
                let bit = index * depth
                return Int(rows[rowStart + bit / 8]) >> (8 - depth - bit % 8) & (1 << depth - 1)
            }
        }
        /// A non-index sample as 0...255: 16 bits rounded, 1-4 bits stretched (§12.5).
        func level(_ value: Int) -> Int {
            depth == 16 ? (value * 255 + 32767) / 65535 : value * 255 / (1 << depth - 1)
        }
        /// value * alpha / 255, rounded: over a black background.
        func over(_ value: Int, _ alpha: Int) -> UInt8 { UInt8((value * alpha + 127) / 255) }

        var grey = [UInt8](), rgb = [UInt8]()
        switch header.colorType {
        case 0, 4:
            grey.reserveCapacity(width * height)
            for row in 0..<height {
                for index in stride(from: 0, to: samplesPerRow, by: header.samplesPerPixel) {
                    let value = level(sample(row, index))
                    grey.append(header.colorType == 0 ? UInt8(value) : over(value, level(sample(row, index + 1))))
                }
            }
        case 2, 6:
            rgb.reserveCapacity(3 * width * height)
            for row in 0..<height {
                for index in stride(from: 0, to: samplesPerRow, by: header.samplesPerPixel) {
                    let alpha = header.colorType == 6 ? level(sample(row, index + 3)) : 255
                    for channel in 0..<3 { rgb.append(over(level(sample(row, index + channel)), alpha)) }
                }
            }
        default:
            let entries = palette ?? []
            let isGrey = entries.allSatisfy(\.isGrey)
            for row in 0..<height {
                for index in 0..<width {
                    let entry = sample(row, index)
                    guard entry < entries.count else {
                        throw PNGError.invalidPalette("pixel (\(index), \(row)) uses entry \(entry) of a \(entries.count)-entry palette")
                    }
                    let color = entries[entry], alpha = entry < paletteAlpha.count ? Int(paletteAlpha[entry]) : 255
                    if isGrey {
                        grey.append(over(Int(color.red), alpha))
                    } else {
                        rgb += [over(Int(color.red), alpha), over(Int(color.green), alpha), over(Int(color.blue), alpha)]
                    }
                }
            }
        }
        return grey.isEmpty ? .color(RGBImage(width: width, height: height, pixels: rgb))
            : .grey(GreyImage(width: width, height: height, pixels: grey))
    }

    /// The big-endian 32-bit number at `index`.
    static func bigEndian32(_ bytes: ArraySlice<UInt8>, at index: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { value, offset in value << 8 | UInt32(bytes[index + offset]) }
    }
}

// MARK: - Errors

/// Why bytes are not a PNG image MiniDRAW can read; each description is one line.
public enum PNGError: Error, CustomStringConvertible, Equatable, Sendable {
    case notPNG([UInt8])
    /// The file ends at byte `offset`, inside chunk `chunk` (nil: between chunks, before IEND).
    case truncated(offset: Int, chunk: String?)
    case checksumMismatch(chunk: String, offset: Int, stored: UInt32, computed: UInt32)
    case invalidHeader(String)
    case unsupportedBitDepth(bitDepth: Int, colorType: Int, typeName: String, allowed: [Int])
    case interlaced
    case invalidPalette(String)
    case unknownCriticalChunk(String)
    case missingImageData
    case compression(CompressionError)
    case imageDataSize(actual: Int, expected: Int)
    case invalidFilterType(row: Int, type: Int)

    public var description: String {
        switch self {
        case .notPNG(let firstBytes):
            return "not a PNG file (starts with \(firstBytes.map { hexDigits(Int($0), count: 2) }.joined(separator: " ")))"
        case .truncated(let offset, let chunk):
            return "file ends after \(groupedDigits(offset)) bytes, \(chunk.map { "inside chunk \($0)" } ?? "before the IEND chunk") (truncated file?)"
        case .checksumMismatch(let chunk, let offset, let stored, let computed):
            return "chunk \(chunk) at byte \(groupedDigits(offset)) has CRC \(hexDigits(Int(stored), count: 8)), "
                + "but its bytes give \(hexDigits(Int(computed), count: 8)) (corrupt file?)"
        case .invalidHeader(let problem):
            return "invalid PNG header: \(problem)"
        case .unsupportedBitDepth(let bitDepth, let colorType, let typeName, let allowed):
            return "bit depth \(bitDepth) is not supported for colour type \(colorType) (\(typeName)); "
                + "PNG allows \(allowed.map(String.init).joined(separator: ", "))"
        case .interlaced:
            return "interlaced (Adam7) PNG is not supported; save the image without interlacing"
        case .invalidPalette(let problem):
            return "invalid palette: \(problem)"
        case .unknownCriticalChunk(let type):
            return "unknown critical chunk \(type)"
        case .missingImageData:
            return "no IDAT chunk before IEND"
        case .compression(let error):
            return "image data: \(error)"
        case .imageDataSize(let actual, let expected):
            return "image data holds \(groupedDigits(actual)) bytes, the header needs \(groupedDigits(expected)) (truncated file?)"
        case .invalidFilterType(let row, let type):
            return "row \(row) has filter type \(type), expected 0-4"
        }
    }
}
