import Foundation
@testable import MiniDRAW

/// A PNG encoder written for the tests, apart from `PNGWriter.encode` and `PNGReader`: any colour
/// type and bit depth, one chosen filter type on every row, optional PLTE and tRNS, the IDAT data
/// split over two chunks, and an ancillary chunk the reader must skip.
enum TestPNG {
    /// Packs one row of samples (each below 2^bitDepth) big-endian, leftmost in the high bits (§7.2).
    static func pack(_ samples: ArraySlice<Int>, bitDepth: Int) -> [UInt8] {
        switch bitDepth {
        case 8: return samples.map { UInt8($0) }
        case 16: return samples.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        default:
            var bytes = [UInt8](repeating: 0, count: (samples.count * bitDepth + 7) / 8)
            for (index, sample) in samples.enumerated() {
                let bit = index * bitDepth
                bytes[bit / 8] |= UInt8(sample << (8 - bitDepth - bit % 8))
            }
            return bytes
        }
    }

    /// Filters `row` with `type` (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth; §9.2-9.4); an invalid
    /// type leaves the bytes as they are, for files a reader must refuse.
    static func filter(_ row: [UInt8], above: [UInt8], stride: Int, type: UInt8) -> [UInt8] {
        (0..<row.count).map { index in
            let a = index >= stride ? Int(row[index - stride]) : 0, b = Int(above[index])
            let c = index >= stride ? Int(above[index - stride]) : 0
            let p = a + b - c
            let paeth = abs(p - a) <= abs(p - b) && abs(p - a) <= abs(p - c) ? a : abs(p - b) <= abs(p - c) ? b : c
            let prediction = type <= 4 ? [0, a, b, (a + b) / 2, paeth][Int(type)] : 0
            return UInt8(truncatingIfNeeded: Int(row[index]) - prediction)
        }
    }

    /// A complete PNG file of `samples` (row-major, interleaved, `samplesPerPixel` per pixel).
    static func encode(width: Int, height: Int, colorType: UInt8, bitDepth: Int, samples: [Int], filter type: UInt8,
                       palette: [UInt8]? = nil, transparency: [UInt8]? = nil, interlace: UInt8 = 0) -> [UInt8] {
        let samplesPerPixel = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(colorType)]!
        let stride = max(1, samplesPerPixel * bitDepth / 8)
        var scanlines = [UInt8](), above = [UInt8](repeating: 0, count: (width * samplesPerPixel * bitDepth + 7) / 8)
        for row in 0..<height {
            let packed = pack(samples[(row * width * samplesPerPixel)..<((row + 1) * width * samplesPerPixel)], bitDepth: bitDepth)
            scanlines += [type] + filter(packed, above: above, stride: stride, type: type)
            above = packed
        }
        let compressed = Deflate.zlibCompress(scanlines)
        var header = [UInt8]()
        for value in [width, height] { header += (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        header += [UInt8(bitDepth), colorType, 0, 0, interlace]
        var file = PNGWriter.signature + PNGWriter.chunk("IHDR", header) + PNGWriter.chunk("tEXt", Array("Comment\0test".utf8))
        if let palette { file += PNGWriter.chunk("PLTE", palette) }
        if let transparency { file += PNGWriter.chunk("tRNS", transparency) }
        let half = compressed.count / 2
        file += PNGWriter.chunk("IDAT", Array(compressed[..<half])) + PNGWriter.chunk("IDAT", Array(compressed[half...]))
        return file + PNGWriter.chunk("IEND", [])
    }
}

/// Data files the tests make: CIFAR-10 records and gzip members.
enum TestDataFiles {
    /// A CIFAR-10 batch: per image, its label then its 3,072 bytes (R, G, B planes of 32x32).
    static func cifarBatch(labels: [UInt8], images: [[UInt8]]) -> [UInt8] {
        zip(labels, images).flatMap { [$0] + $1 }
    }

    /// A 32x32 RGB image whose sample (channel c, row y, column x) is (seed + 7c + 3y + x) mod 256.
    static func cifarImage(seed: Int) -> [UInt8] {
        (0..<3).flatMap { channel in
            (0..<32).flatMap { row in (0..<32).map { column in UInt8((seed + 7 * channel + 3 * row + column) % 256) } }
        }
    }

    /// One gzip member (RFC 1952) holding `data`: header, DEFLATE data, CRC-32 and length.
    static func gzip(_ data: [UInt8]) -> [UInt8] {
        func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        return [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF] + Deflate.compress(data)
            + littleEndian(CRC32.checksum(data)) + littleEndian(UInt32(data.count))
    }

    /// Writes `bytes` to `folder/name`, making `folder` first.
    static func write(_ bytes: [UInt8], _ folder: String, _ name: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try writeFile(folder + "/" + name, bytes: bytes)
    }

    /// The message of the error `body` throws, or "no error".
    static func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }
}
