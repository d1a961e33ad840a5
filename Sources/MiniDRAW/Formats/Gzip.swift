/// The gzip file format (RFC 1952): a header, a DEFLATE stream, and a trailer holding the
/// CRC-32 and the length (mod 2^32) of the decompressed data. A file may hold several such
/// members back to back; their contents are concatenated.
///
///     let idxBytes = try Gzip.decompress(fileBytes)
package enum Gzip {
    /// Header flag bits (§2.3.1). FTEXT only hints that the data is text and is ignored.
    private static let headerCRCFlag: UInt8 = 0x02
    private static let extraFieldFlag: UInt8 = 0x04
    private static let fileNameFlag: UInt8 = 0x08
    private static let commentFlag: UInt8 = 0x10
    private static let reservedFlags: UInt8 = 0xE0

    /// True if `data` starts with the gzip magic number 1f 8b.
    package static func hasMagic(_ data: [UInt8]) -> Bool {
        data.count >= 2 && data[0] == 0x1F && data[1] == 0x8B
    }

    /// Decompresses every member of a gzip file, checking each CRC-32 and length.
    package static func decompress(_ data: [UInt8]) throws -> [UInt8] {
        // The last 4 bytes are the (last member's) ISIZE; a corrupt value must not make us
        // reserve more than DEFLATE's maximum expansion of about 1032:1.
        var sizeHint = 0
        if data.count >= 4 {
            sizeHint = min(Int(readLittleEndian32(data, at: data.count - 4)), 1032 * data.count)
        }
        var output: [UInt8] = []
        var memberStart = 0
        repeat {
            memberStart = try decompressMember(data, from: memberStart, sizeHint: sizeHint, appendingTo: &output)
        } while memberStart < data.count
        return output
    }

    // MARK: - One member (§2.3)

    /// Decodes the member starting at `start`, appends its data to `output` and returns
    /// the index just past it.
    private static func decompressMember(
        _ data: [UInt8], from start: Int, sizeHint: Int, appendingTo output: inout [UInt8]
    ) throws -> Int {
        var position = start
        func require(_ count: Int, _ part: CompressionError.Part) throws {
            guard position + count <= data.count else {
                throw CompressionError.truncated(.gzip, byteCount: data.count, part: part)
            }
        }

        // Fixed header: ID1 ID2 CM FLG MTIME(4) XFL OS.
        try require(2, .header)
        guard data[start] == 0x1F, data[start + 1] == 0x8B else {
            throw CompressionError.notGzip(offset: start, firstBytes: [data[start], data[start + 1]])
        }
        try require(10, .header)
        guard data[start + 2] == 8 else { throw CompressionError.unsupportedMethod(.gzip, method: Int(data[start + 2])) }
        let flags = data[start + 3]
        guard flags & reservedFlags == 0 else { throw CompressionError.reservedFlags(Int(flags & reservedFlags)) }
        position += 10

        // Optional fields, in this order: FEXTRA, FNAME, FCOMMENT, FHCRC.
        if flags & extraFieldFlag != 0 {
            try require(2, .header)
            let extraLength = Int(data[position]) | Int(data[position + 1]) << 8
            position += 2
            try require(extraLength, .header)
            position += extraLength
        }
        for flag in [fileNameFlag, commentFlag] where flags & flag != 0 {
            while true {                       // a zero-terminated ISO 8859-1 string
                try require(1, .header)
                position += 1
                if data[position - 1] == 0 { break }
            }
        }
        if flags & headerCRCFlag != 0 {
            try require(2, .header)
            let stored = UInt32(data[position]) | UInt32(data[position + 1]) << 8
            let computed = CRC32.checksum(data[start..<position]) & 0xFFFF
            guard stored == computed else {
                throw CompressionError.headerChecksumMismatch(stored: stored, computed: computed)
            }
            position += 2
        }

        var consumed = 0
        let memberData: [UInt8]
        do {
            memberData = try Inflate.inflate(data[position...], consumed: &consumed, sizeHint: sizeHint)
        } catch InflateError.truncated {
            throw CompressionError.truncated(.gzip, byteCount: data.count, part: .compressedData)
        } catch let error as InflateError {
            throw CompressionError.corrupt(.gzip, error)
        }
        position += consumed

        // Trailer: CRC32 and ISIZE, both little-endian.
        try require(8, .trailer)
        let storedCRC = readLittleEndian32(data, at: position)
        let computedCRC = CRC32.checksum(memberData)
        guard storedCRC == computedCRC else {
            throw CompressionError.checksumMismatch(.gzip, stored: storedCRC, computed: computedCRC)
        }
        let storedSize = readLittleEndian32(data, at: position + 4)
        guard storedSize == UInt32(truncatingIfNeeded: memberData.count) else {
            throw CompressionError.sizeMismatch(stored: storedSize, actual: memberData.count)
        }
        if output.isEmpty { output = memberData } else { output.append(contentsOf: memberData) }
        return position + 8
    }

    private static func readLittleEndian32(_ data: [UInt8], at index: Int) -> UInt32 {
        (0..<4).reduce(0) { value, offset in value | UInt32(data[index + offset]) << (8 * offset) }
    }
}

/// The zlib format (RFC 1950), used inside PNG: a 2-byte header (CMF, FLG), a DEFLATE
/// stream, and the Adler-32 of the decompressed data, big-endian. Bytes after it are ignored.
package enum Zlib {
    package static func decompress(_ data: [UInt8]) throws -> [UInt8] {
        guard data.count >= 2 else { throw CompressionError.truncated(.zlib, byteCount: data.count, part: .header) }
        let cmf = data[0], flg = data[1]
        guard (Int(cmf) << 8 | Int(flg)) % 31 == 0 else { throw CompressionError.zlibHeaderCheck(cmf: cmf, flg: flg) }
        guard cmf & 0x0F == 8 else { throw CompressionError.unsupportedMethod(.zlib, method: Int(cmf & 0x0F)) }
        guard cmf >> 4 <= 7 else { throw CompressionError.zlibWindowTooLarge(windowBits: Int(cmf >> 4) + 8) }
        guard flg & 0x20 == 0 else { throw CompressionError.zlibPresetDictionary }

        var consumed = 0
        let output: [UInt8]
        do {
            output = try Inflate.inflate(data[2...], consumed: &consumed)
        } catch InflateError.truncated {
            throw CompressionError.truncated(.zlib, byteCount: data.count, part: .compressedData)
        } catch let error as InflateError {
            throw CompressionError.corrupt(.zlib, error)
        }
        let trailer = 2 + consumed
        guard trailer + 4 <= data.count else {
            throw CompressionError.truncated(.zlib, byteCount: data.count, part: .trailer)
        }
        let stored = (0..<4).reduce(UInt32(0)) { value, offset in value << 8 | UInt32(data[trailer + offset]) }
        let computed = Adler32.checksum(output)
        guard stored == computed else {
            throw CompressionError.checksumMismatch(.zlib, stored: stored, computed: computed)
        }
        return output
    }
}

// MARK: - Errors

/// Why a gzip or zlib stream could not be decompressed; each description is one line.
public enum CompressionError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Format: String, Sendable { case gzip, zlib }
    /// Where a truncated stream ends.
    public enum Part: String, Sendable {
        case header = "inside its header"
        case compressedData = "inside the compressed data"
        case trailer = "before the end of its trailer"
    }

    case notGzip(offset: Int, firstBytes: [UInt8])
    case unsupportedMethod(Format, method: Int)
    case reservedFlags(Int)
    case truncated(Format, byteCount: Int, part: Part)
    case headerChecksumMismatch(stored: UInt32, computed: UInt32)
    case corrupt(Format, InflateError)
    case checksumMismatch(Format, stored: UInt32, computed: UInt32)
    case sizeMismatch(stored: UInt32, actual: Int)
    case zlibHeaderCheck(cmf: UInt8, flg: UInt8)
    case zlibWindowTooLarge(windowBits: Int)
    case zlibPresetDictionary

    public var description: String {
        switch self {
        case .notGzip(let offset, let firstBytes):
            let found = firstBytes.map { hexDigits(Int($0), count: 2) }.joined(separator: " ")
            return offset == 0
                ? "not a gzip stream: it starts with \(found), expected 0x1F 0x8B"
                : "unexpected bytes \(found) after the gzip member ending at byte \(groupedDigits(offset)) "
                    + "(expected another member starting 0x1F 0x8B)"
        case .unsupportedMethod(let format, let method):
            return "\(format) compression method \(method) is not supported (expected 8, deflate)"
        case .reservedFlags(let bits):
            return "gzip header sets reserved flag bits \(hexDigits(bits, count: 2)) (corrupt file?)"
        case .truncated(let format, let byteCount, let part):
            return "\(format) stream ends after \(groupedDigits(byteCount)) bytes, \(part.rawValue) (truncated file?)"
        case .headerChecksumMismatch(let stored, let computed):
            return "gzip header CRC mismatch: the header says \(hexDigits(Int(stored), count: 4)) "
                + "but its bytes give \(hexDigits(Int(computed), count: 4)) (corrupt file?)"
        case .corrupt(let format, let error):
            return "corrupt \(format) stream: \(error)"
        case .checksumMismatch(let format, let stored, let computed):
            let name = format == .gzip ? "CRC-32" : "Adler-32"
            return "\(format) \(name) mismatch: the trailer says \(hexDigits(Int(stored), count: 8)) but the "
                + "decompressed data gives \(hexDigits(Int(computed), count: 8)) (corrupt file?)"
        case .sizeMismatch(let stored, let actual):
            return "gzip ISIZE mismatch: the trailer says \(groupedDigits(Int(stored))) bytes but "
                + "\(groupedDigits(actual)) were decompressed (corrupt file?)"
        case .zlibHeaderCheck(let cmf, let flg):
            return "not a zlib stream: header \(hexDigits(Int(cmf), count: 2)) \(hexDigits(Int(flg), count: 2)) "
                + "fails its check (CMF * 256 + FLG must be a multiple of 31)"
        case .zlibWindowTooLarge(let windowBits):
            return "zlib window of 2^\(windowBits) bytes exceeds the maximum 2^15"
        case .zlibPresetDictionary:
            return "zlib stream needs a preset dictionary, which is not supported"
        }
    }
}
