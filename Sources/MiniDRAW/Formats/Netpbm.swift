// MARK: - Image values

/// An 8-bit grey image, row-major: `pixels[y * width + x]`, 0 = black, 255 = white.
/// - pixels: [height * width]
public struct GreyImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "image size must be positive, got \(width)x\(height)")
        precondition(pixels.count == width * height,
                     "GreyImage \(width)x\(height) needs \(width * height) pixels, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A uniform image.
    public init(width: Int, height: Int, fill: UInt8 = 0) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: fill, count: width * height))
    }

    /// From intensities in [0, 1]: each value is clamped to [0, 1] and rounded to the nearest of 256 levels.
    /// - values: [height * width]
    public init(width: Int, height: Int, values: [Float]) {
        self.init(width: width, height: height, pixels: values.map(quantise))
    }

    public subscript(x: Int, y: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }
}

/// One 8-bit RGB colour.
public struct RGBColor: Hashable, Sendable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// The grey with all three channels equal to `level`.
    public init(grey level: UInt8) { self.init(red: level, green: level, blue: level) }

    /// True when the three channels are equal.
    public var isGrey: Bool { red == green && green == blue }

    public static let black = RGBColor(grey: 0)
    public static let white = RGBColor(grey: 255)
    public static let red = RGBColor(red: 230, green: 40, blue: 40)
    public static let green = RGBColor(red: 40, green: 200, blue: 60)
    public static let blue = RGBColor(red: 50, green: 110, blue: 240)
    public static let yellow = RGBColor(red: 240, green: 200, blue: 30)
}

/// An 8-bit RGB image, row-major with channels interleaved: `pixels[3 * (y * width + x) + c]`.
/// - pixels: [height * width * 3]
public struct RGBImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "image size must be positive, got \(width)x\(height)")
        precondition(pixels.count == 3 * width * height,
                     "RGBImage \(width)x\(height) needs \(3 * width * height) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A uniform image.
    public init(width: Int, height: Int, fill: RGBColor = .black) {
        var pixels = [UInt8](repeating: 0, count: 3 * width * height)
        for index in 0..<(width * height) {
            pixels[3 * index] = fill.red
            pixels[3 * index + 1] = fill.green
            pixels[3 * index + 2] = fill.blue
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// From interleaved r, g, b intensities in [0, 1], clamped and rounded like `GreyImage(values:)`.
    /// - values: [height * width * 3]
    public init(width: Int, height: Int, values: [Float]) {
        self.init(width: width, height: height, pixels: values.map(quantise))
    }

    /// From channel planes in [0, 1], clamped and rounded like `GreyImage(values:)`: one plane
    /// (grey, copied to all three channels) or three (red, green, blue), as DRAW's C-channel images
    /// hold them (paper §3.3).
    /// - planes: [channels * height * width], channels 1 or 3
    public init(width: Int, height: Int, planes: [Float]) {
        let planeSize = width * height
        precondition(planes.count == planeSize || planes.count == 3 * planeSize,
                     "RGBImage \(width)x\(height) needs 1 or 3 planes of \(planeSize) values, got \(planes.count) values")
        let channels = planes.count / planeSize
        var pixels = [UInt8](repeating: 0, count: 3 * planeSize)
        for pixel in 0..<planeSize {
            for channel in 0..<3 {
                pixels[3 * pixel + channel] = quantise(planes[(channels == 1 ? 0 : channel) * planeSize + pixel])
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// The grey image with each level copied to all three channels.
    public init(grey: GreyImage) {
        var pixels = [UInt8](repeating: 0, count: 3 * grey.pixels.count)
        for (index, level) in grey.pixels.enumerated() {
            pixels[3 * index] = level
            pixels[3 * index + 1] = level
            pixels[3 * index + 2] = level
        }
        self.init(width: grey.width, height: grey.height, pixels: pixels)
    }

    public subscript(x: Int, y: Int) -> RGBColor {
        get {
            let base = 3 * (y * width + x)
            return RGBColor(red: pixels[base], green: pixels[base + 1], blue: pixels[base + 2])
        }
        set {
            let base = 3 * (y * width + x)
            pixels[base] = newValue.red
            pixels[base + 1] = newValue.green
            pixels[base + 2] = newValue.blue
        }
    }
}

/// Maps an intensity in [0, 1] to 0...255: clamp, scale, round to nearest. NaN maps to 0.
@inline(__always)
func quantise(_ value: Float) -> UInt8 {
    guard value > 0 else { return 0 }
    return UInt8((min(value, 1) * 255).rounded())
}

// MARK: - Errors

/// A PGM or PPM file that could not be parsed; `description` is one line naming the file.
public struct NetpbmError: Error, CustomStringConvertible {
    public let file: String
    public let reason: String
    public var description: String { "\(file): \(reason)" }
}

// MARK: - Writers

/// Netpbm grey and colour maps (netpbm.sourceforge.net, pgm(5) and ppm(5)):
/// a text header `magic width height maxval` followed by the samples, maxval 255 here.
/// P5/P6 store one byte per sample; P2/P3 ("plain") store decimal text, lines at most 70 characters.
public enum Netpbm {
    /// PGM: P5 (raw bytes) or, with `plain`, P2 (decimal text).
    public static func pgm(_ image: GreyImage, plain: Bool = false) -> [UInt8] {
        encode(magic: plain ? "P2" : "P5", width: image.width, height: image.height,
               samplesPerRow: image.width, samples: image.pixels, plain: plain)
    }

    /// PPM: P6 (raw bytes) or, with `plain`, P3 (decimal text).
    public static func ppm(_ image: RGBImage, plain: Bool = false) -> [UInt8] {
        encode(magic: plain ? "P3" : "P6", width: image.width, height: image.height,
               samplesPerRow: 3 * image.width, samples: image.pixels, plain: plain)
    }

    private static func encode(magic: String, width: Int, height: Int,
                               samplesPerRow: Int, samples: [UInt8], plain: Bool) -> [UInt8] {
        var bytes = Array("\(magic)\n\(width) \(height)\n255\n".utf8)
        guard plain else { return bytes + samples }
        for rowStart in stride(from: 0, to: samples.count, by: samplesPerRow) {
            var line = ""
            for sample in samples[rowStart..<(rowStart + samplesPerRow)] {
                let token = String(sample)
                if !line.isEmpty && line.count + 1 + token.count > 70 {
                    bytes += Array(line.utf8) + [0x0A]
                    line = ""
                }
                line += line.isEmpty ? token : " " + token
            }
            bytes += Array(line.utf8) + [0x0A]
        }
        return bytes
    }

    // MARK: - Reader

    /// Reads a P5 or P2 PGM file (I/O errors are `FileError`s). Samples are rescaled to 0...255 when maxval is below 255.
    public static func readPGM(path: String) throws -> GreyImage {
        try readPGM(try AtomicFile.read(path), name: path)
    }

    /// Parses P5 or P2 PGM bytes; `name` is the file name used in errors.
    public static func readPGM(_ bytes: [UInt8], name: String) throws -> GreyImage {
        guard case .grey(let image) = try decode(bytes, name: name, accepted: ["P5", "P2"]) else {
            preconditionFailure("a PGM file decodes to a grey image")
        }
        return image
    }

    /// Reads a PGM (P5, P2) or PPM (P6, P3) file as a grey or colour image, rescaled to 0...255 like `readPGM`.
    public static func read(path: String) throws -> DecodedImage {
        try decode(try AtomicFile.read(path), name: path)
    }

    /// Parses PGM (P5, P2) or PPM (P6, P3) bytes; `name` is the file name used in errors.
    public static func decode(_ bytes: [UInt8], name: String) throws -> DecodedImage {
        try decode(bytes, name: name, accepted: ["P5", "P2", "P6", "P3"])
    }

    /// Parses the formats whose magic numbers are in `accepted`: binary (P5, P6) samples are bytes,
    /// plain (P2, P3) ones decimal text; PPM samples are interleaved r, g, b.
    private static func decode(_ bytes: [UInt8], name: String, accepted: [String]) throws -> DecodedImage {
        func fail(_ reason: String) -> NetpbmError { NetpbmError(file: name, reason: reason) }
        var scanner = HeaderScanner(bytes: bytes)
        let magic = scanner.nextToken()
        guard accepted.contains(magic) else {
            let expected = accepted.count == 2 ? "a PGM file" : "a PGM or PPM file"
            throw fail("not \(expected) (starts with \"\(magic.prefix(2))\", expected \(accepted.joined(separator: " or ")))")
        }
        let isColor = magic == "P6" || magic == "P3", kind = isColor ? "PPM" : "PGM"
        guard let width = Int(scanner.nextToken()), let height = Int(scanner.nextToken()),
              let maxValue = Int(scanner.nextToken()) else {
            throw fail("\(kind) header ends early or is not numeric (expected width, height, maxval)")
        }
        guard width > 0, height > 0, width <= 1 << 15, height <= 1 << 15 else {
            throw fail("\(kind) size \(width)x\(height) is not in 1...32768")
        }
        guard (1...255).contains(maxValue) else {
            throw fail("\(kind) maxval \(maxValue) is not supported (expected 1...255, 8-bit)")
        }
        let sampleCount = width * height * (isColor ? 3 : 1)
        var samples = [Int]()
        samples.reserveCapacity(sampleCount)
        if magic == "P5" || magic == "P6" {
            let start = scanner.position + 1              // exactly one whitespace byte after maxval
            guard start + sampleCount <= bytes.count else {
                throw fail("pixel data ends after \(max(0, bytes.count - start)) of \(sampleCount) bytes (truncated file?)")
            }
            samples = bytes[start..<(start + sampleCount)].map(Int.init)
        } else {
            for index in 0..<sampleCount {
                guard let sample = Int(scanner.nextToken()) else {
                    throw fail("\(magic) sample \(index) of \(sampleCount) is missing or not a number (truncated file?)")
                }
                samples.append(sample)
            }
        }
        if let bad = samples.first(where: { $0 > maxValue }) {
            throw fail("sample \(bad) exceeds maxval \(maxValue)")
        }
        let pixels = samples.map { UInt8(($0 * 255 + maxValue / 2) / maxValue) }
        return isColor ? .color(RGBImage(width: width, height: height, pixels: pixels))
            : .grey(GreyImage(width: width, height: height, pixels: pixels))
    }
}

/// Splits a Netpbm header into whitespace-separated tokens, skipping `#` comments to end of line.
private struct HeaderScanner {
    let bytes: [UInt8]
    /// Index of the byte just after the last token (the whitespace that ends it).
    var position = 0

    /// The next token, or "" at end of input.
    mutating func nextToken() -> String {
        while position < bytes.count {
            if bytes[position] == UInt8(ascii: "#") {
                while position < bytes.count && bytes[position] != 0x0A { position += 1 }
            } else if Self.isSpace(bytes[position]) {
                position += 1
            } else {
                break
            }
        }
        let start = position
        while position < bytes.count && !Self.isSpace(bytes[position]) && bytes[position] != UInt8(ascii: "#") {
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }
}
