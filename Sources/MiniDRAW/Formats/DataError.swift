/// Why a data file could not be used. Each description is one line that names the file
/// and says what was expected, e.g.
/// `cannot read Data/x.gz: gzip stream ends after 1,024 bytes, inside the compressed data (truncated file?)`.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
    case missingFile(path: String)
    case unreadableFile(path: String, reason: String)
    case compression(path: String, CompressionError)
    case invalidIDX(path: String, IDXError)
    case wrongImageSize(path: String, height: Int, width: Int, expectedHeight: Int?, expectedWidth: Int?)
    case invalidLabel(path: String, index: Int, value: UInt8)
    case missingDirectory(path: String)
    case dataDirectoryNotFound(searched: [String], base: String)
    /// A file or folder whose contents are not what its format promises (a bad PNG, a truncated
    /// CIFAR-10 record, images of mixed sizes, a folder without images).
    case invalidData(path: String, problem: String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "cannot read \(path): no such file"
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .compression(let path, let error):
            return "cannot read \(path): \(error)"
        case .invalidIDX(let path, let error):
            return "\(path): \(error)"
        case .wrongImageSize(let path, let height, let width, let expectedHeight, let expectedWidth):
            let expected = "\(expectedHeight.map(String.init) ?? "any")x\(expectedWidth.map(String.init) ?? "any")"
            return "\(path): images are \(height)x\(width), the model expects \(expected)"
        case .invalidLabel(let path, let index, let value):
            return "\(path): label \(groupedDigits(index)) is \(value), expected a digit 0-9"
        case .missingDirectory(let path):
            return "data folder \(path) does not exist"
        case .dataDirectoryNotFound(let searched, let base):
            return "no data folder found: looked for \(searched.joined(separator: " and ")) in \(base) "
                + "(run from the project root or name the folder explicitly)"
        case .invalidData(let path, let problem):
            return "\(path): \(problem)"
        }
    }
}

// MARK: - Formatting numbers in messages

/// `groupedDigits(1844334) == "1,844,334"`.
func groupedDigits(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
        result.append(digit)
    }
    return value < 0 ? "-" + result : result
}

/// `hexDigits(0x803, count: 8) == "0x00000803"`.
func hexDigits(_ value: Int, count: Int) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: max(0, count - digits.count)) + digits
}
