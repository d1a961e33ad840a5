import Foundation

// The safetensors checkpoint format (huggingface/safetensors):
//
//   [8 bytes]  N, the header length, little-endian u64
//   [N bytes]  UTF-8 JSON object, possibly padded with spaces:
//              {"__metadata__": {"key": "value", ...},
//               "name": {"dtype": "F64", "shape": [2, 35], "data_offsets": [begin, end]}, ...}
//   [rest]     the data buffer; each tensor is bytes [begin, end) of it, little-endian, row-major.
//              The tensors cover the buffer exactly: no overlaps, no holes.

// MARK: - Types

/// The element types MiniDRAW reads and writes, spelled as in the header.
public enum DType: String, Sendable, CaseIterable {
    case float32 = "F32"
    case float64 = "F64"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float32: return 4
        case .float64: return 8
        }
    }
}

/// One tensor of a checkpoint. Values are held as Double whatever the stored type.
public struct StoredTensor: Equatable, Sendable {
    /// How the values are stored in the file (F32 values are rounded when written).
    public var dtype: DType
    /// Dimensions, outermost first; `[]` is a scalar with one value.
    public var shape: [Int]
    /// Row-major values, `shape.reduce(1, *)` of them.
    public var values: [Double]

    public init(dtype: DType = .float64, shape: [Int], values: [Double]) {
        self.dtype = dtype
        self.shape = shape
        self.values = values
    }
}

/// A whole checkpoint: string metadata and named tensors.
public struct SafeTensorsFile: Equatable, Sendable {
    /// The `__metadata__` object (string to string).
    public var metadata: [String: String]
    /// Tensors by name, e.g. "encoder.weight_ih".
    public var tensors: [String: StoredTensor]
    /// Names the checkpoint in errors: its path, or "(in memory)".
    public var source: String

    public init(metadata: [String: String] = [:], tensors: [String: StoredTensor] = [:],
                source: String = "(in memory)") {
        self.metadata = metadata
        self.tensors = tensors
        self.source = source
    }
}

/// A malformed or unexpected checkpoint, in one line:
/// `checkpoint run1.safetensors: tensor decoder.bias_hh is missing`.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// The checkpoint's path (or "(in memory)").
    public let source: String
    /// What is wrong with it.
    public let problem: String

    public var description: String { "checkpoint \(source): \(problem)" }
}

// MARK: - Lookup

extension SafeTensorsFile {
    /// The values of tensor `name`, which must have exactly the shape `expected`.
    public func tensor(_ name: String, shape expected: [Int]) throws -> [Double] {
        guard let stored = tensors[name] else {
            throw SafeTensorsError(source: source, problem: "tensor \(name) is missing")
        }
        guard stored.shape == expected else {
            throw SafeTensorsError(source: source,
                                   problem: "tensor \(name) has shape \(stored.shape), expected \(expected)")
        }
        return stored.values
    }

    /// The metadata entry `key`, which must be present.
    public func metadataValue(_ key: String) throws -> String {
        guard let value = metadata[key] else {
            throw SafeTensorsError(source: source, problem: "__metadata__ has no entry \"\(key)\"")
        }
        return value
    }
}

// MARK: - Reading

extension SafeTensorsFile {
    /// Reads and validates the checkpoint at `path`.
    public init(contentsOf path: String) throws {
        try self.init(bytes: AtomicFile.read(path), source: path)
    }

    /// Parses and validates a whole checkpoint; `source` names it in errors.
    public init(bytes: [UInt8], source: String) throws {
        func failure(_ problem: String) -> SafeTensorsError {
            SafeTensorsError(source: source, problem: problem)
        }
        guard bytes.count >= 8 else {
            throw failure("file is \(bytes.count) bytes, too short for the 8-byte header length")
        }
        let declaredLength = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard declaredLength <= UInt64(bytes.count - 8) else {
            throw failure("header length \(declaredLength) runs past the end of the \(bytes.count)-byte file (truncated?)")
        }
        let dataStart = 8 + Int(declaredLength)
        let header = try parseHeader(Array(bytes[8..<dataStart]), failure: failure)
        let dataByteCount = bytes.count - dataStart

        var metadata: [String: String] = [:]
        var entries: [TensorEntry] = []
        for (name, value) in header.sorted(by: { $0.key < $1.key }) {   // first problem by name, every time
            if name == "__metadata__" {
                guard let pairs = value as? [String: Any] else { throw failure("__metadata__ is not an object") }
                for (key, text) in pairs {
                    guard let text = text as? String else {
                        throw failure("__metadata__ must map strings to strings, but \"\(key)\" is \(jsonText(text))")
                    }
                    metadata[key] = text
                }
            } else {
                let entry = try TensorEntry(name: name, json: value, failure: failure)
                guard entry.end <= dataByteCount else {
                    throw failure("tensor \(name): data_offsets [\(entry.begin), \(entry.end)] run past the end of the \(dataByteCount)-byte data buffer")
                }
                entries.append(entry)
            }
        }
        try checkCoverage(entries, dataByteCount: dataByteCount, failure: failure)

        var tensors: [String: StoredTensor] = [:]
        bytes.withUnsafeBytes { raw in
            for entry in entries {
                let start = dataStart + entry.begin
                let count = (entry.end - entry.begin) / entry.dtype.byteCount
                let values: [Double]
                switch entry.dtype {
                case .float32:
                    values = (0..<count).map { index in
                        let bits = raw.loadUnaligned(fromByteOffset: start + 4 * index, as: UInt32.self)
                        return Double(Float(bitPattern: UInt32(littleEndian: bits)))
                    }
                case .float64:
                    values = (0..<count).map { index in
                        let bits = raw.loadUnaligned(fromByteOffset: start + 8 * index, as: UInt64.self)
                        return Double(bitPattern: UInt64(littleEndian: bits))
                    }
                }
                tensors[entry.name] = StoredTensor(dtype: entry.dtype, shape: entry.shape, values: values)
            }
        }
        self.init(metadata: metadata, tensors: tensors, source: source)
    }
}

/// One tensor's header entry, validated on its own (dtype, shape, offsets, byte count).
private struct TensorEntry {
    let name: String
    let dtype: DType
    let shape: [Int]
    let begin: Int
    let end: Int

    /// Every dtype the safetensors format defines; MiniDRAW reads only F32 and F64.
    static let formatDTypes: Set<String> = [
        "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2",
        "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "I64", "U64", "F64", "C64",
    ]

    init(name: String, json: Any, failure: (String) -> SafeTensorsError) throws {
        guard let fields = json as? [String: Any] else {
            throw failure("tensor \(name): entry is \(jsonText(json)), not an object")
        }
        guard let typeName = fields["dtype"] as? String else {
            throw failure("tensor \(name): dtype is missing or not a string")
        }
        guard let dtype = DType(rawValue: typeName) else {
            if Self.formatDTypes.contains(typeName) {
                throw failure("tensor \(name) has dtype \(typeName); MiniDRAW reads only F32 and F64")
            }
            throw failure("tensor \(name) has unknown dtype \"\(typeName)\"")
        }
        let shapeJSON = fields["shape"] ?? NSNull()
        guard let shape = naturalNumbers(shapeJSON) else {
            throw failure("tensor \(name): shape must be a list of non-negative integers, got \(jsonText(shapeJSON))")
        }
        let offsetsJSON = fields["data_offsets"] ?? NSNull()
        guard let offsets = naturalNumbers(offsetsJSON), offsets.count == 2, offsets[0] <= offsets[1] else {
            throw failure("tensor \(name): data_offsets must be [begin, end] with 0 <= begin <= end, got \(jsonText(offsetsJSON))")
        }
        var expectedBytes = dtype.byteCount
        for dimension in shape {
            let (product, overflow) = expectedBytes.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw failure("tensor \(name): shape \(shape) is too large") }
            expectedBytes = product
        }
        guard offsets[1] - offsets[0] == expectedBytes else {
            throw failure("tensor \(name): data_offsets \(offsets) hold \(offsets[1] - offsets[0]) bytes, but \(typeName) shape \(shape) needs \(expectedBytes)")
        }
        (self.name, self.dtype, self.shape, self.begin, self.end) = (name, dtype, shape, offsets[0], offsets[1])
    }
}

// MARK: - Header validation

/// The header as a JSON object, refusing invalid UTF-8, non-objects and duplicate names.
private func parseHeader(_ header: [UInt8], failure: (String) -> SafeTensorsError) throws -> [String: Any] {
    guard String(validating: header, as: UTF8.self) != nil else { throw failure("header is not valid UTF-8") }
    let notAnObject = failure("header must be a JSON object starting with \"{\"")
    guard header.first == UInt8(ascii: "{") else { throw notAnObject }
    let parsed: Any
    do {
        parsed = try JSONSerialization.jsonObject(with: Data(header))
    } catch {
        let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        throw failure("header is not valid JSON (\(detail))")
    }
    guard let object = parsed as? [String: Any] else { throw notAnObject }
    // JSONSerialization silently keeps the last of repeated names, so look at the text itself.
    var seen: Set<String> = []
    for key in topLevelKeys(header) where !seen.insert(key).inserted {
        throw failure("header names \"\(key)\" twice")
    }
    return object
}

/// The names of a valid JSON object's top-level members, in text order, repeats included.
private func topLevelKeys(_ text: [UInt8]) -> [String] {
    var keys: [String] = []
    var depth = 0
    var index = 0
    while index < text.count {
        switch text[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
        case UInt8(ascii: "\""):
            let start = index
            index += 1
            while text[index] != UInt8(ascii: "\"") { index += text[index] == UInt8(ascii: "\\") ? 2 : 1 }
            var next = index + 1
            while next < text.count, [0x20, 0x09, 0x0A, 0x0D].contains(text[next]) { next += 1 }
            // At depth 1 a string followed by ":" is a member name; decode its escapes.
            if depth == 1, next < text.count, text[next] == UInt8(ascii: ":"),
               let key = try? JSONSerialization.jsonObject(with: Data(text[start...index]),
                                                           options: [.fragmentsAllowed]) as? String {
                keys.append(key)
            }
        default: break
        }
        index += 1
    }
    return keys
}

/// Refuses overlapping tensors and bytes of the data buffer that belong to no tensor.
private func checkCoverage(_ entries: [TensorEntry], dataByteCount: Int,
                           failure: (String) -> SafeTensorsError) throws {
    var coveredUpTo = 0
    var previous: TensorEntry?
    for entry in entries.sorted(by: { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }) {
        if entry.begin < coveredUpTo, let previous {
            throw failure("tensors \(previous.name) [\(previous.begin), \(previous.end)] and \(entry.name) [\(entry.begin), \(entry.end)] overlap")
        }
        if entry.begin > coveredUpTo {
            throw failure("bytes [\(coveredUpTo), \(entry.begin)) of the data buffer, before tensor \(entry.name), belong to no tensor")
        }
        coveredUpTo = entry.end
        previous = entry
    }
    if coveredUpTo < dataByteCount {
        throw failure("bytes [\(coveredUpTo), \(dataByteCount)) at the end of the data buffer belong to no tensor")
    }
}

/// The value as `[Int]` if it is a JSON list of integer literals >= 0 (not 2.0, not true).
private func naturalNumbers(_ json: Any) -> [Int]? {
    guard let list = json as? [Any] else { return nil }
    var numbers: [Int] = []
    for item in list {
        // JSONSerialization gives NSNumber for numbers and booleans; objCType tells them apart.
        guard let number = item as? NSNumber, !["c", "f", "d"].contains(String(cString: number.objCType)),
              let value = item as? Int, value >= 0 else { return nil }
        numbers.append(value)
    }
    return numbers
}

/// A parsed JSON value written back as compact JSON, for error messages.
private func jsonText(_ json: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed]) else {
        return "\(json)"
    }
    return String(decoding: data, as: UTF8.self)
}

// MARK: - Writing

extension SafeTensorsFile {
    /// The checkpoint as bytes, the same bytes for the same content.
    ///
    /// Tensors are laid out back to back, F64 before F32 and by name (UTF-8 byte order) within
    /// each type, so each starts at a multiple of its element size without padding (padding
    /// would be a hole the format forbids). The header lists `__metadata__` (keys sorted), then
    /// the tensors in that same order, and is padded with spaces so the data buffer starts at a
    /// multiple of 8. This is the layout of huggingface's own writer.
    public func serialized() throws -> [UInt8] {
        for (name, tensor) in tensors {
            let problem = { (text: String) in SafeTensorsError(source: source, problem: text) }
            guard name != "__metadata__" else { throw problem("a tensor cannot be named __metadata__") }
            guard tensor.shape.allSatisfy({ $0 >= 0 }) else {
                throw problem("tensor \(name) has a negative dimension in shape \(tensor.shape)")
            }
            let expectedCount = tensor.shape.reduce(1, *)
            guard tensor.values.count == expectedCount else {
                throw problem("tensor \(name) has shape \(tensor.shape) (\(expectedCount) values) but holds \(tensor.values.count)")
            }
        }
        let byName = { (left: String, right: String) in left.utf8.lexicographicallyPrecedes(right.utf8) }
        let layoutOrder = tensors.keys.sorted { left, right in
            let (leftSize, rightSize) = (tensors[left]!.dtype.byteCount, tensors[right]!.dtype.byteCount)
            return leftSize != rightSize ? leftSize > rightSize : byName(left, right)
        }
        var offsets: [String: (begin: Int, end: Int)] = [:]
        var dataByteCount = 0
        for name in layoutOrder {
            let tensor = tensors[name]!
            offsets[name] = (dataByteCount, dataByteCount + tensor.values.count * tensor.dtype.byteCount)
            dataByteCount = offsets[name]!.end
        }

        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted(by: byName).map { "\(jsonStringLiteral($0)):\(jsonStringLiteral(metadata[$0]!))" }
            members.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        for name in layoutOrder {
            let tensor = tensors[name]!, range = offsets[name]!
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            members.append("\(jsonStringLiteral(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(range.begin),\(range.end)]}")
        }
        var header = Array("{\(members.joined(separator: ","))}".utf8)
        header += [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)

        var bytes = [UInt8](repeating: 0, count: 8 + header.count + dataByteCount)
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt64(header.count).littleEndian, as: UInt64.self)
            raw.baseAddress!.advanced(by: 8).copyMemory(from: header, byteCount: header.count)
            for name in layoutOrder {
                let tensor = tensors[name]!
                let start = 8 + header.count + offsets[name]!.begin
                switch tensor.dtype {
                case .float32:
                    for (index, value) in tensor.values.enumerated() {
                        raw.storeBytes(of: Float(value).bitPattern.littleEndian, toByteOffset: start + 4 * index, as: UInt32.self)
                    }
                case .float64:
                    for (index, value) in tensor.values.enumerated() {
                        raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: start + 8 * index, as: UInt64.self)
                    }
                }
            }
        }
        return bytes
    }

    /// Writes the checkpoint to `path` atomically (see `AtomicFile`).
    public func write(to path: String) throws {
        try AtomicFile.write(serialized(), to: path)
    }
}
