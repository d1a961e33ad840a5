import Foundation
import Testing
@testable import MiniDRAW

/// A fresh empty directory under the system's temporary directory, removed by `cleanUp`.
private func makeScratchDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "/minidraw-tests-\(UUID().uuidString)"
    try AtomicFile.ensureDirectory(path)
    return path
}

private func cleanUp(_ directory: String) {
    try? FileManager.default.removeItem(atPath: directory)
}

/// Bytes of a checkpoint with the given header text and a zero-filled data buffer.
private func checkpoint(header: String, dataByteCount: Int) -> [UInt8] {
    checkpoint(headerBytes: Array(header.utf8), dataByteCount: dataByteCount)
}

private func checkpoint(headerBytes: [UInt8], dataByteCount: Int) -> [UInt8] {
    let length = UInt64(headerBytes.count)
    return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + headerBytes
        + [UInt8](repeating: 0, count: dataByteCount)
}

/// The one-line error the reader gives for `bytes`, or nil if it accepts them.
private func readError(_ bytes: [UInt8]) -> String? {
    do {
        _ = try SafeTensorsFile(bytes: bytes, source: "bad.safetensors")
        return nil
    } catch {
        return "\(error)"
    }
}

/// One malformed checkpoint and the error it must produce.
struct MalformedCheckpoint: Sendable, CustomTestStringConvertible {
    let bytes: [UInt8]
    let expected: String
    var testDescription: String { expected }

    init(_ header: String, data dataByteCount: Int = 0, _ expected: String) {
        self.init(bytes: checkpoint(header: header, dataByteCount: dataByteCount), expected)
    }

    init(bytes: [UInt8], _ expected: String) {
        self.bytes = bytes
        self.expected = "checkpoint bad.safetensors: " + expected
    }
}

private func entry(_ dtype: String, _ shape: String, _ offsets: String) -> String {
    "{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":\(offsets)}"
}

private let malformedCheckpoints: [MalformedCheckpoint] = [
    .init(bytes: [1, 2, 3], "file is 3 bytes, too short for the 8-byte header length"),
    .init(bytes: [100, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8), "header length 100 runs past the end of the 10-byte file (truncated?)"),
    .init(bytes: checkpoint(headerBytes: [0x7B, 0xFF, 0x7D], dataByteCount: 0), "header is not valid UTF-8"),
    .init("[1,2]", "header must be a JSON object starting with \"{\""),
    .init("  {}", "header must be a JSON object starting with \"{\""),
    .init("{\"a\":3}", "tensor a: entry is 3, not an object"),
    .init("{\"a\":{\"shape\":[],\"data_offsets\":[0,8]}}", data: 8, "tensor a: dtype is missing or not a string"),
    .init("{\"a\":\(entry("BF16", "[4]", "[0,8]"))}", data: 8, "tensor a has dtype BF16; MiniDRAW reads only F32 and F64"),
    .init("{\"a\":\(entry("Q7", "[4]", "[0,8]"))}", data: 8, "tensor a has unknown dtype \"Q7\""),
    .init("{\"a\":\(entry("F64", "[2,-1]", "[0,8]"))}", data: 8, "tensor a: shape must be a list of non-negative integers, got [2,-1]"),
    .init("{\"a\":\(entry("F64", "[2.5]", "[0,8]"))}", data: 8, "tensor a: shape must be a list of non-negative integers, got [2.5]"),
    .init("{\"a\":\(entry("F64", "[1.0]", "[0,8]"))}", data: 8, "tensor a: shape must be a list of non-negative integers, got [1]"),
    .init("{\"a\":\(entry("F64", "[true]", "[0,8]"))}", data: 8, "tensor a: shape must be a list of non-negative integers, got [true]"),
    .init("{\"a\":\(entry("F64", "[\"1\"]", "[0,8]"))}", data: 8, "tensor a: shape must be a list of non-negative integers, got [\"1\"]"),
    .init("{\"a\":{\"dtype\":\"F64\",\"data_offsets\":[0,8]}}", data: 8, "tensor a: shape must be a list of non-negative integers, got null"),
    .init("{\"a\":\(entry("F64", "[1]", "[8,0]"))}", data: 8, "tensor a: data_offsets must be [begin, end] with 0 <= begin <= end, got [8,0]"),
    .init("{\"a\":\(entry("F64", "[1]", "[8]"))}", data: 8, "tensor a: data_offsets must be [begin, end] with 0 <= begin <= end, got [8]"),
    .init("{\"a\":\(entry("F64", "[1]", "[-8,0]"))}", data: 8, "tensor a: data_offsets must be [begin, end] with 0 <= begin <= end, got [-8,0]"),
    .init("{\"a\":\(entry("F64", "[2]", "[0,16]"))}", data: 8, "tensor a: data_offsets [0, 16] run past the end of the 8-byte data buffer"),
    .init("{\"a\":\(entry("F64", "[2]", "[0,8]"))}", data: 8, "tensor a: data_offsets [0, 8] hold 8 bytes, but F64 shape [2] needs 16"),
    .init("{\"a\":\(entry("F32", "[2,3]", "[0,8]"))}", data: 8, "tensor a: data_offsets [0, 8] hold 8 bytes, but F32 shape [2, 3] needs 24"),
    .init("{\"a\":\(entry("F64", "[2]", "[0,16]")),\"b\":\(entry("F64", "[1]", "[8,16]"))}", data: 16,
          "tensors a [0, 16] and b [8, 16] overlap"),
    .init("{\"a\":\(entry("F64", "[1]", "[0,8]")),\"b\":\(entry("F64", "[1]", "[16,24]"))}", data: 24,
          "bytes [8, 16) of the data buffer, before tensor b, belong to no tensor"),
    .init("{\"a\":\(entry("F64", "[1]", "[0,8]"))}", data: 16, "bytes [8, 16) at the end of the data buffer belong to no tensor"),
    .init("{}", data: 4, "bytes [0, 4) at the end of the data buffer belong to no tensor"),
    .init("{\"a\":\(entry("F64", "[1]", "[0,8]")),\"a\":\(entry("F64", "[1]", "[0,8]"))}", data: 8, "header names \"a\" twice"),
    .init("{\"a\":\(entry("F64", "[1]", "[0,8]")), \"\\u0061\" :\(entry("F64", "[1]", "[0,8]"))}", data: 8, "header names \"a\" twice"),
    .init("{\"__metadata__\":{\"k\":1}}", "__metadata__ must map strings to strings, but \"k\" is 1"),
    .init("{\"__metadata__\":[]}", "__metadata__ is not an object"),
]

@Suite("SafeTensors checkpoint format")
struct SafeTensorsTests {
    /// The reference checkpoints beside this file, made by an independent implementation.
    static func resource(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Resources/\(name)").path
    }

    /// The expected bytes are also what huggingface's `safetensors.numpy.save` writes for
    /// `{"a": float32 [1, -2, 0.5], "b": float64 0.25}` with metadata `{"k": "v"}`.
    @Test("a tiny file has exactly the expected bytes: F64 before F32, header padded to 8")
    func exactBytes() throws {
        let file = SafeTensorsFile(metadata: ["k": "v"], tensors: [
            "a": StoredTensor(dtype: .float32, shape: [3], values: [1, -2, 0.5]),
            "b": StoredTensor(dtype: .float64, shape: [], values: [0.25]),
        ])
        let header = #"{"__metadata__":{"k":"v"},"b":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"#
            + #""a":{"dtype":"F32","shape":[3],"data_offsets":[8,20]}}    "#
        #expect(header.utf8.count == 136)
        let expected: [UInt8] = [136, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8)
            + [0, 0, 0, 0, 0, 0, 0xD0, 0x3F]                    // b = 0.25 as F64
            + [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0, 0, 0, 0, 0x3F]  // a = 1, -2, 0.5 as F32
        #expect(try file.serialized() == expected)
        #expect(try SafeTensorsFile(bytes: expected, source: "tiny") == SafeTensorsFile(
            metadata: file.metadata, tensors: file.tensors, source: "tiny"))
    }

    @Test("F64 round trip keeps every bit, including scalars, zero-size tensors and odd names")
    func float64RoundTrip() throws {
        let specials: [Double] = [0, -0.0, .leastNormalMagnitude / 3, -.greatestFiniteMagnitude, .infinity, -.infinity, .nan, .pi]
        let file = SafeTensorsFile(
            metadata: ["timesteps": "10", "quote\"back\\slash": "line\nbreak\t\u{1}é✓", "": ""],
            tensors: [
                "weights": StoredTensor(shape: [2, 4], values: specials),
                "scalar": StoredTensor(shape: [], values: [42]),
                "empty": StoredTensor(shape: [0], values: []),
                "empty.matrix": StoredTensor(shape: [3, 0, 2], values: []),
                "cube": StoredTensor(shape: [2, 3, 4], values: (0..<24).map { Double($0) / 7 }),
                "naïve \"name\"": StoredTensor(shape: [1], values: [-1]),
            ])
        let bytes = try file.serialized()
        let read = try SafeTensorsFile(bytes: bytes, source: "roundtrip")
        #expect(read.metadata == file.metadata)
        #expect(Set(read.tensors.keys) == Set(file.tensors.keys))
        for (name, tensor) in file.tensors {
            let copy = try #require(read.tensors[name])
            #expect(copy.dtype == .float64 && copy.shape == tensor.shape)
            #expect(copy.values.map(\.bitPattern) == tensor.values.map(\.bitPattern), "\(name)")
        }
        #expect(try read.serialized() == bytes)
    }

    @Test("F32 round trip rounds each Double to the nearest Float")
    func float32RoundTrip() throws {
        let values: [Double] = [0.1, -1.0 / 3, 1e-40, 3.4e38, 1e39, 16_777_217]
        let file = SafeTensorsFile(tensors: [
            "w": StoredTensor(dtype: .float32, shape: [2, 3], values: values),
            "odd": StoredTensor(dtype: .float32, shape: [1], values: [2.5]),
            "scalar": StoredTensor(dtype: .float32, shape: [], values: [7]),
            "empty": StoredTensor(dtype: .float32, shape: [0, 5], values: []),
        ])
        let read = try SafeTensorsFile(bytes: file.serialized(), source: "f32")
        #expect(read.tensors["w"]?.values == values.map { Double(Float($0)) })
        #expect(read.tensors["w"]?.values[0] == 0.10000000149011612)
        #expect(read.tensors["w"]?.values[4] == .infinity)       // 1e39 overflows Float
        #expect(read.tensors["w"]?.values[5] == 16_777_216)      // 2^24 + 1 rounds to even
        #expect(read.tensors["odd"] == StoredTensor(dtype: .float32, shape: [1], values: [2.5]))
        #expect(read.tensors["scalar"]?.values == [7])
        #expect(read.tensors["empty"]?.shape == [0, 5])
    }

    @Test("the same tensors always give the same bytes, whatever the insertion order")
    func deterministic() throws {
        var first = SafeTensorsFile(metadata: ["b": "2", "a": "1"])
        var second = SafeTensorsFile(metadata: ["a": "1", "b": "2"])
        let names = (0..<40).map { "layer\($0).weight" }
        for name in names { first.tensors[name] = StoredTensor(shape: [1], values: [Double(name.count)]) }
        for name in names.reversed() { second.tensors[name] = StoredTensor(shape: [1], values: [Double(name.count)]) }
        let bytes = try first.serialized()
        #expect(try second.serialized() == bytes)
        #expect(bytes.count % 8 == 0)
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect(headerLength % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix(#"{"__metadata__":{"a":"1","b":"2"},"layer0.weight":"#))
    }

    @Test("writing refuses tensors whose values do not fill their shape")
    func writeValidation() {
        let file = SafeTensorsFile(tensors: ["w": StoredTensor(shape: [2, 2], values: [1, 2, 3])], source: "out.safetensors")
        #expect(throws: SafeTensorsError(source: "out.safetensors", problem: "tensor w has shape [2, 2] (4 values) but holds 3")) {
            try file.serialized()
        }
        let reserved = SafeTensorsFile(tensors: ["__metadata__": StoredTensor(shape: [], values: [1])])
        #expect(throws: SafeTensorsError.self) { try reserved.serialized() }
    }

    @Test("reads the reference checkpoint with attention (F64, metadata, shapes, values)")
    func referenceWithAttention() throws {
        let path = Self.resource("draw-attention.safetensors")
        let file = try SafeTensorsFile(contentsOf: path)
        #expect(file.tensors.count == 48)
        #expect(file.metadata["timesteps"] == "3")
        #expect(try file.metadataValue("attention") == "true")
        #expect(file.tensors["input.x"]?.shape == [2, 35])
        #expect(file.tensors["input.x"]?.dtype == .float64)
        #expect(try file.tensor("input.x", shape: [2, 35]).prefix(4) == [0, 1, 0, 1])
        #expect(try file.tensor("output.loss", shape: [1]) == [27.73939538013665])
        #expect(try file.tensor("output.canvas", shape: [3, 2, 35]).count == 210)
        #expect(throws: SafeTensorsError(source: path, problem: "tensor encoder.weight_ih has shape [24, 13], expected [24, 75]")) {
            try file.tensor("encoder.weight_ih", shape: [24, 75])
        }
        #expect(throws: SafeTensorsError(source: path, problem: "tensor decoder.bias_hx is missing")) {
            try file.tensor("decoder.bias_hx", shape: [20])
        }
        #expect(throws: SafeTensorsError(source: path, problem: "__metadata__ has no entry \"seed\"")) {
            try file.metadataValue("seed")
        }
        let rewritten = try SafeTensorsFile(bytes: file.serialized(), source: path)
        #expect(rewritten == file)
    }

    @Test("reads the reference checkpoint without attention")
    func referenceWithoutAttention() throws {
        let file = try SafeTensorsFile(contentsOf: Self.resource("draw-no-attention.safetensors"))
        #expect(file.metadata["attention"] == "false")
        #expect(try file.tensor("encoder.weight_ih", shape: [24, 75]).count == 1800)
        #expect(file.tensors["read_attention.weight"] == nil)
    }

    @Test("a missing file is named in the error")
    func missingFile() {
        #expect(throws: FileError(operation: "read", path: "/nonexistent/run.safetensors", reason: "No such file or directory")) {
            try SafeTensorsFile(contentsOf: "/nonexistent/run.safetensors")
        }
    }

    @Test("malformed checkpoints are refused with a one-line reason", arguments: malformedCheckpoints)
    func malformed(_ example: MalformedCheckpoint) {
        #expect(readError(example.bytes) == example.expected)
    }

    @Test("invalid JSON is reported with the parser's position")
    func invalidJSON() throws {
        let message = try #require(readError(checkpoint(header: "{\"a\":", dataByteCount: 0)))
        #expect(message.hasPrefix("checkpoint bad.safetensors: header is not valid JSON ("))
        #expect(!message.contains("\n"))
    }

    @Test("valid edge cases are accepted: empty file, zero-size tensors sharing an offset, space padding")
    func validEdgeCases() throws {
        #expect(readError(checkpoint(header: "{}", dataByteCount: 0)) == nil)
        let shared = "{\"a\":\(entry("F64", "[0]", "[8,8]")),\"b\":\(entry("F64", "[1]", "[0,8]")),\"c\":\(entry("F32", "[0,3]", "[8,8]"))}    "
        let file = try SafeTensorsFile(bytes: checkpoint(header: shared, dataByteCount: 8), source: "edge")
        #expect(file.tensors["c"]?.shape == [0, 3])
        #expect(file.tensors["b"]?.values == [0])
    }
}

@Suite("AtomicFile")
struct AtomicFileTests {
    @Test("writing over an existing file replaces it whole and leaves no temporary file")
    func replaces() throws {
        let directory = try makeScratchDirectory()
        defer { cleanUp(directory) }
        let path = directory + "/out.bin"
        try AtomicFile.write([UInt8](repeating: 7, count: 1000), to: path)
        try AtomicFile.write(Data([1, 2, 3]), to: path)
        #expect(try AtomicFile.read(path) == [1, 2, 3])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["out.bin"])
    }

    @Test("a write into a missing directory throws, naming the path")
    func missingDirectory() throws {
        let directory = try makeScratchDirectory()
        defer { cleanUp(directory) }
        let path = directory + "/missing/out.bin"
        #expect(throws: FileError(operation: "write", path: path, reason: "No such file or directory")) {
            try AtomicFile.write([1], to: path)
        }
    }

    @Test("a failed rename leaves the target as it was and removes the temporary file")
    func failedRename() throws {
        let directory = try makeScratchDirectory()
        defer { cleanUp(directory) }
        let target = directory + "/run"                // a non-empty directory cannot be replaced by a file
        try AtomicFile.ensureDirectory(target)
        try AtomicFile.write([9, 9], to: target + "/keep.bin")
        #expect(throws: FileError.self) { try AtomicFile.write([1, 2, 3], to: target) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["run"])
        #expect(try AtomicFile.read(target + "/keep.bin") == [9, 9])
    }

    @Test("ensureDirectory creates parents, accepts an existing directory, refuses a file")
    func ensureDirectory() throws {
        let directory = try makeScratchDirectory()
        defer { cleanUp(directory) }
        let nested = directory + "/a/b/c"
        try AtomicFile.ensureDirectory(nested)
        try AtomicFile.ensureDirectory(nested + "/")
        try AtomicFile.write([1], to: nested + "/file")
        #expect(try AtomicFile.read(nested + "/file") == [1])
        #expect(throws: FileError(operation: "create directory", path: nested + "/file", reason: "a file of that name exists")) {
            try AtomicFile.ensureDirectory(nested + "/file")
        }
    }

    @Test("a checkpoint written to a path reads back equal")
    func checkpointFile() throws {
        let directory = try makeScratchDirectory()
        defer { cleanUp(directory) }
        let path = directory + "/run.safetensors"
        let file = SafeTensorsFile(metadata: ["seed": "1"], tensors: ["w": StoredTensor(shape: [2], values: [1, 2])], source: path)
        try file.write(to: path)
        #expect(try SafeTensorsFile(contentsOf: path) == file)
    }

    @Test("a checkpoint is read as it was written: a transposed weight of the same size is refused, naming tensor and shapes")
    func transposedTensorRefused() throws {
        let model = DRAWModel<Float>.initialized(config: TinyModels.config(attention: true), seed: 5)
        var file = Checkpoint.modelFile(model)
        // A 2 x 3 weight stored as 3 x 2 holds the same number of values in another order: a loader that
        // compared element counts would read every value into the wrong place.
        for name in ["encoder.weight_ih", "write.weight", "latent.mu.weight"] {
            var changed = file
            let stored = try #require(changed.tensors[name])
            #expect(stored.shape.count == 2 && stored.shape[0] != stored.shape[1], "\(name) \(stored.shape)")
            changed.tensors[name]?.shape = [stored.shape[1], stored.shape[0]]
            let error = #expect(throws: SafeTensorsError.self) { _ = try Checkpoint.loadModel(changed, as: Float.self) }
            #expect(error?.problem == "tensor \(name) has shape \([stored.shape[1], stored.shape[0]]), expected \(stored.shape)",
                    "\(String(describing: error))")
        }
        // A bias stored as [1, n] instead of [n]: same values, another shape, refused too.
        file.tensors["write.bias"]?.shape = [1, model.config.writePatchSize]
        #expect(throws: SafeTensorsError.self) { _ = try Checkpoint.loadModel(file, as: Float.self) }
    }
}
