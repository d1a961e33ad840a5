// MARK: - Writer

/// PNG writer (W3C "Portable Network Graphics (PNG) Specification", Second Edition; § numbers below).
///
/// A file is the 8-byte signature (§5.2) and the chunks IHDR, IDAT, IEND (§11.2), each stored as
/// length, type, data, CRC-32 of type + data (§5.3). Images are 8-bit grey (colour type 0) or
/// 8-bit RGB (colour type 2), not interlaced. IDAT holds a zlib stream (`Deflate.zlibCompress`) of
/// the filtered scanlines: each row is one filter-type byte followed by the filtered bytes (§9).
public enum PNGWriter {
    /// How each scanline's filter type is chosen (§9.2, §12.8).
    public enum FilterChoice: Sendable {
        /// Filter type 0 (None) on every row.
        case none
        /// Per row, the filter type among the five whose output has the smallest sum of absolute
        /// values when bytes are read as signed — the heuristic suggested in §12.8.
        case minimumSumOfAbsoluteValues
    }

    /// The 8-byte PNG signature (§5.2).
    package static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    public static func encode(_ image: GreyImage, filter: FilterChoice = .minimumSumOfAbsoluteValues) -> [UInt8] {
        encode(width: image.width, height: image.height, colorType: 0, bytesPerPixel: 1,
               pixels: image.pixels, filter: filter)
    }

    public static func encode(_ image: RGBImage, filter: FilterChoice = .minimumSumOfAbsoluteValues) -> [UInt8] {
        encode(width: image.width, height: image.height, colorType: 2, bytesPerPixel: 3,
               pixels: image.pixels, filter: filter)
    }

    private static func encode(width: Int, height: Int, colorType: UInt8, bytesPerPixel: Int,
                               pixels: [UInt8], filter: FilterChoice) -> [UInt8] {
        // §11.2.2 IHDR: width, height, bit depth 8, colour type, compression 0, filter 0, interlace 0.
        var header = bigEndian32(UInt32(width)) + bigEndian32(UInt32(height))
        header += [8, colorType, 0, 0, 0]
        let scanlines = filteredScanlines(pixels, rowByteCount: width * bytesPerPixel,
                                          bytesPerPixel: bytesPerPixel, choice: filter)
        return signature
            + chunk("IHDR", header)
            + chunk("IDAT", Deflate.zlibCompress(scanlines))                 // §11.2.4
            + chunk("IEND", [])                                              // §11.2.5
    }

    /// One chunk (§5.3): length (4 bytes, big-endian), type, data, CRC-32 over type and data.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeAndData = Array(type.utf8) + data
        return bigEndian32(UInt32(data.count)) + typeAndData + bigEndian32(CRC32.checksum(typeAndData))
    }

    private static func bigEndian32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    // MARK: - Filtering (§9)

    /// The five filter types of filter method 0 (§9.2). For byte x: a = byte one pixel to the left,
    /// b = byte above, c = byte above and to the left, each 0 outside the image.
    enum FilterType: UInt8, CaseIterable {
        case none = 0, sub, up, average, paeth

        /// What this filter predicts byte x to be from a (left), b (above) and c (above left):
        /// Filt(x) = Orig(x) - prediction and Recon(x) = Filt(x) + prediction, modulo 256.
        func prediction(a: Int, b: Int, c: Int) -> Int {
            switch self {
            case .none: return 0
            case .sub: return a
            case .up: return b
            case .average: return (a + b) / 2
            case .paeth: return PNGWriter.paethPredictor(a, b, c)
            }
        }
    }

    /// The Paeth predictor (§9.4): whichever of a, b, c is closest to a + b - c, ties in that order.
    static func paethPredictor(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let estimate = a + b - c
        let distanceA = abs(estimate - a), distanceB = abs(estimate - b), distanceC = abs(estimate - c)
        if distanceA <= distanceB && distanceA <= distanceC { return a }
        return distanceB <= distanceC ? b : c
    }

    /// Filt(x) = Orig(x) - predictor, modulo 256.
    /// - row, previousRow: [rowByteCount]; returns [rowByteCount]
    static func filter(_ row: ArraySlice<UInt8>, previousRow: ArraySlice<UInt8>?, bytesPerPixel: Int,
                       type: FilterType) -> [UInt8] {
        let row = Array(row)
        let above = previousRow.map(Array.init) ?? [UInt8](repeating: 0, count: row.count)
        return (0..<row.count).map { index in
            let a = index >= bytesPerPixel ? Int(row[index - bytesPerPixel]) : 0
            let b = Int(above[index])
            let c = index >= bytesPerPixel ? Int(above[index - bytesPerPixel]) : 0
            return UInt8(truncatingIfNeeded: Int(row[index]) - type.prediction(a: a, b: b, c: c))
        }
    }

    /// Every row prefixed with its filter-type byte.
    /// - pixels: [height * rowByteCount]; returns [height * (1 + rowByteCount)]
    static func filteredScanlines(_ pixels: [UInt8], rowByteCount: Int, bytesPerPixel: Int,
                                  choice: FilterChoice) -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(pixels.count + pixels.count / rowByteCount)
        for start in stride(from: 0, to: pixels.count, by: rowByteCount) {
            let row = pixels[start..<(start + rowByteCount)]
            let previousRow = start == 0 ? nil : pixels[(start - rowByteCount)..<start]
            let types: [FilterType] = choice == .none ? [.none] : FilterType.allCases
            let candidates = types.map { type in
                (type: type, bytes: filter(row, previousRow: previousRow, bytesPerPixel: bytesPerPixel, type: type))
            }
            let best = candidates.min { cost($0.bytes) < cost($1.bytes) }!
            output.append(best.type.rawValue)
            output += best.bytes
        }
        return output
    }

    /// Sum of |Int8(byte)| over the row, the §12.8 heuristic's cost.
    private static func cost(_ bytes: [UInt8]) -> Int {
        bytes.reduce(0) { $0 + abs(Int(Int8(bitPattern: $1))) }
    }
}
