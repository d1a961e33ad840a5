import Foundation

/// A file in the IDX format of the MNIST distribution: the magic number 00 00 <type>
/// <dimension count>, one big-endian UInt32 size per dimension, then the elements in
/// row-major order. Only element type 0x08 (unsigned byte), all MNIST uses, is supported.
///
///     let images = try IDXFile.read(path: "Data/binarized-mnist/test-images-idx3-ubyte.gz",
///                                   expectedDimensionCount: 3)
///     images.dimensions   // [10000, 28, 28]
public struct IDXFile: Equatable, Sendable {
    /// Size of each dimension, outermost first, e.g. [imageCount, height, width].
    public let dimensions: [Int]
    /// The elements, row-major: `dimensions.reduce(1, *)` bytes.
    public let bytes: [UInt8]

    /// The IDX element type code for unsigned bytes.
    public static let unsignedByteType = 0x08

    public init(dimensions: [Int], bytes: [UInt8]) {
        self.dimensions = dimensions
        self.bytes = bytes
    }

    // MARK: - Reading

    /// Reads an IDX file, gzip-compressed (recognised by its magic number, whatever the file
    /// name) or not, and checks its header; errors name `path`.
    public static func read(path: String, expectedDimensionCount: Int? = nil) throws -> IDXFile {
        var fileBytes = try readFile(path: path)
        if Gzip.hasMagic(fileBytes) {
            do {
                fileBytes = try Gzip.decompress(fileBytes)
            } catch let error as CompressionError {
                throw DataError.compression(path: path, error)
            }
        }
        do {
            return try parse(fileBytes, expectedDimensionCount: expectedDimensionCount)
        } catch let error as IDXError {
            throw DataError.invalidIDX(path: path, error)
        }
    }

    /// Decodes uncompressed IDX bytes.
    public static func parse(_ data: [UInt8], expectedDimensionCount: Int? = nil) throws -> IDXFile {
        guard data.count >= 4 else { throw IDXError.tooShort(byteCount: data.count, needed: 4) }
        let magic = readBigEndian32(data, at: 0)
        let dimensionCount = Int(data[3])
        let isUnsignedBytes = data[0] == 0 && data[1] == 0 && Int(data[2]) == unsignedByteType
        guard isUnsignedBytes, dimensionCount == expectedDimensionCount ?? dimensionCount else {
            throw IDXError.wrongMagic(found: magic, expectedDimensionCount: expectedDimensionCount)
        }
        let headerLength = 4 + 4 * dimensionCount
        guard data.count >= headerLength else {
            throw IDXError.tooShort(byteCount: data.count, needed: headerLength)
        }
        let dimensions = (0..<dimensionCount).map { Int(readBigEndian32(data, at: 4 + 4 * $0)) }
        var elementCount = 1
        for size in dimensions {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            elementCount = overflow ? Int.max - headerLength : product
        }
        guard data.count - headerLength == elementCount else {
            throw IDXError.byteCountMismatch(
                dimensions: dimensions, needed: headerLength + elementCount, actual: data.count)
        }
        return IDXFile(dimensions: dimensions, bytes: Array(data[headerLength...]))
    }

    /// The whole file, or a `DataError` naming `path`.
    static func readFile(path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.missingFile(path: path)
        }
        guard !isDirectory.boolValue else { throw DataError.unreadableFile(path: path, reason: "it is a folder") }
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw DataError.unreadableFile(path: path, reason: "the file exists but could not be read (permissions?)")
        }
        return [UInt8](contents)
    }

    private static func readBigEndian32(_ data: [UInt8], at index: Int) -> UInt32 {
        (0..<4).reduce(0) { value, offset in value << 8 | UInt32(data[index + offset]) }
    }
}

// MARK: - Errors

/// Why bytes are not a usable IDX file; each description is one line.
public enum IDXError: Error, CustomStringConvertible, Equatable, Sendable {
    case tooShort(byteCount: Int, needed: Int)
    case wrongMagic(found: UInt32, expectedDimensionCount: Int?)
    case byteCountMismatch(dimensions: [Int], needed: Int, actual: Int)

    public var description: String {
        switch self {
        case .tooShort(let byteCount, let needed):
            return "only \(groupedDigits(byteCount)) bytes, too short for an IDX header "
                + "(needs \(groupedDigits(needed)))"
        case .wrongMagic(let found, let expectedDimensionCount):
            let expected = expectedDimensionCount.map {
                "\(hexDigits(0x800 + $0, count: 8)) for \($0)-d unsigned-byte \(Self.noun(dimensionCount: $0))"
            } ?? "0x000008nn for unsigned-byte data"
            return "wrong IDX magic \(hexDigits(Int(found), count: 8)) "
                + "(\(Self.meaning(ofMagic: found)); expected \(expected))"
        case .byteCountMismatch(let dimensions, let needed, let actual):
            let shape = dimensions.map(String.init).joined(separator: "x")
            return "IDX dimensions \(shape) need \(groupedDigits(needed)) bytes with the header, "
                + "but the file holds \(groupedDigits(actual))"
        }
    }

    /// What the file's magic number says it holds, e.g. "3-d float data".
    private static func meaning(ofMagic magic: UInt32) -> String {
        guard magic >> 16 == 0 else { return "not an IDX file" }
        let typeNames = [0x08: "unsigned-byte", 0x09: "signed-byte", 0x0B: "16-bit integer",
                         0x0C: "32-bit integer", 0x0D: "float", 0x0E: "double"]
        let type = Int(magic >> 8 & 0xFF)
        let typeName = typeNames[type] ?? "unknown element type \(hexDigits(type, count: 2))"
        return "\(Int(magic & 0xFF))-d \(typeName) data"
    }

    private static func noun(dimensionCount: Int) -> String {
        switch dimensionCount {
        case 1: return "labels"
        case 3: return "images"
        default: return "data"
        }
    }
}
