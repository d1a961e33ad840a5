import Foundation
import Testing
@testable import MiniDRAW

/// Agreement with an independent float64 DRAW written from the paper (shared/reference): every
/// forward value of every step (Eq. 1-8, 21-27, 29) and every parameter gradient, with zero and
/// with learned initial states c_0, h^enc_0, h^dec_0 (§2.1).
@Suite("Reference implementation agreement")
struct ReferenceTests {
    /// The two models with zero initial states, and the same two with learned ones (§2.1).
    static let files = ["draw-attention.safetensors", "draw-no-attention.safetensors",
                        "draw-attention-initial-state.safetensors", "draw-no-attention-initial-state.safetensors"]
    static let tolerance = 1e-10

    /// Every place the reference can be read from: the repository copy, and shared/ when present.
    static var locations: [String] {
        files.map(PackagePaths.resource) + files.compactMap(PackagePaths.sharedReference)
    }

    /// The worst |observed - expected| / |expected| over one tensor; a failure names the tensor, step and element.
    func compare(_ name: String, step: Int? = nil, observed: [Double], expected: ArraySlice<Double>) {
        #expect(observed.count == expected.count, "\(name): \(observed.count) values, reference has \(expected.count)")
        var worst = (error: 0.0, index: 0)
        for (index, (value, reference)) in zip(observed, expected).enumerated() {
            let error = abs(value - reference) / max(abs(reference), 1e-300)
            if error > worst.error { worst = (error, index) }
        }
        let stepText = step.map { " at step t = \($0 + 1)" } ?? ""
        let at = worst.index
        #expect(worst.error <= Self.tolerance,
                "\(name)\(stepText): element \(at) expected \(expected[expected.startIndex + at]), observed \(observed[at]), relative error \(worst.error), tolerance \(Self.tolerance)")
    }

    @Test("Eq. 1-29: forward values and gradients match the reference", arguments: locations)
    func agreement(path: String) throws {
        let file = try SafeTensorsFile(contentsOf: path)
        let config = try ReferenceModel.config(file)
        let model = try ReferenceModel.model(file, config: config)
        let batchSize = try Int(file.metadataValue("batch")) ?? 0
        let image = Matrix(rows: batchSize, columns: config.imageSize,
                           storage: try file.tensor("input.x", shape: [batchSize, config.imageSize]))
        var cache = DRAWForwardCache<Double>(config: config, batchSize: batchSize)
        let perStep = batchSize * config.latentSize
        let noise = try file.tensor("input.noise", shape: [config.timesteps, batchSize, config.latentSize])
        for t in 0..<config.timesteps { cache.steps[t].latent.noise.storage = Array(noise[t * perStep..<(t + 1) * perStep]) }

        model.forward(image: image, cache: &cache)
        var gradient = model.zeros()
        var workspace = DRAWBackwardWorkspace<Double>(config: config, batchSize: batchSize)
        model.backward(image: image, cache: cache, workspace: &workspace, gradient: &gradient)

        func perStepTensor(_ name: String, columns: Int, _ value: (DRAWStepCache<Double>) -> Matrix<Double>) throws {
            let reference = try file.tensor(name, shape: [config.timesteps, batchSize, columns])
            let size = batchSize * columns
            for t in 0..<config.timesteps {
                compare(name, step: t, observed: value(cache.steps[t]).storage, expected: reference[t * size..<(t + 1) * size])
            }
        }
        try perStepTensor("output.canvas", columns: config.imageSize) { $0.canvas }            // Eq. 8
        try perStepTensor("output.glimpse", columns: config.glimpseSize) { $0.glimpse }        // Eq. 17 / 27
        try perStepTensor("output.mu", columns: config.latentSize) { $0.latent.mu }            // Eq. 1
        try perStepTensor("output.sigma", columns: config.latentSize) { $0.latent.sigma }      // Eq. 2
        try perStepTensor("output.z", columns: config.latentSize) { $0.latent.z }              // Eq. 6
        if config.attention {
            try perStepTensor("output.read_attention", columns: 5) { $0.readAttention.window }   // Eq. 21-24
            try perStepTensor("output.write_attention", columns: 5) { $0.writeAttention.window } // Eq. 21-24
        }
        compare("output.loss_x", observed: cache.reconstructionLoss, expected: try file.tensor("output.loss_x", shape: [batchSize])[...])
        compare("output.loss_z", observed: cache.latentLoss, expected: try file.tensor("output.loss_z", shape: [batchSize])[...])
        compare("output.loss", observed: [cache.meanLoss], expected: try file.tensor("output.loss", shape: [1])[...])
        if path.contains("initial-state") {      // these files must hold the learned c_0, h^enc_0, h^dec_0 and their gradients
            for name in ["initial.canvas", "initial.encoder_hidden", "initial.decoder_hidden"] {
                #expect(file.tensors[name] != nil && file.tensors["grad.\(name)"] != nil, "\(path) lacks \(name) or its gradient")
            }
        }
        for (name, path) in DRAWModel<Double>.parameterPaths(config: config) {
            let shape = Checkpoint.fileShape(name: name, matrix: gradient[keyPath: path])
            guard let expected = try Checkpoint.parameterValues(file, tensor: "grad.\(name)", parameter: name, shape: shape) else { continue }
            compare("grad.\(name)", observed: gradient[keyPath: path].storage, expected: expected[...])
        }
    }

    /// Size and CRC-32 of each file as shipped in shared/reference, so the copies are checked even
    /// in a checkout without ../shared.
    static let pinned: [String: (bytes: Int, crc32: UInt32)] = [
        "draw-attention.safetensors": (22168, 0x3d7b_ace2),
        "draw-no-attention.safetensors": (49192, 0x124c_d82a),
        "draw-attention-initial-state.safetensors": (23400, 0xb434_6173),
        "draw-no-attention-initial-state.safetensors": (50416, 0x9048_739c),
    ]

    @Test("the repository's copies are the shared/reference files: pinned size and CRC-32, and byte-identical when ../shared is there")
    func copiesMatchShared() throws {
        #expect(Set(Self.pinned.keys) == Set(Self.files))
        for name in Self.files {
            let copy = try Data(contentsOf: URL(fileURLWithPath: PackagePaths.resource(name)))
            let pinned = try #require(Self.pinned[name])
            #expect(copy.count == pinned.bytes && CRC32.checksum([UInt8](copy)) == pinned.crc32,
                    "\(name): \(copy.count) bytes, CRC-32 \(String(CRC32.checksum([UInt8](copy)), radix: 16)); expected \(pinned.bytes) bytes, \(String(pinned.crc32, radix: 16))")
            guard let shared = PackagePaths.sharedReference(name) else { continue }
            #expect(copy == (try Data(contentsOf: URL(fileURLWithPath: shared))), "\(name) differs from ../shared/reference")
        }
    }
}

/// Builds a MiniDRAW model from a reference file's metadata and parameter tensors.
enum ReferenceModel {
    static func config(_ file: SafeTensorsFile) throws -> DRAWConfig {
        func integer(_ key: String) throws -> Int { Int(try file.metadataValue(key)) ?? -1 }
        return DRAWConfig(width: try integer("width"), height: try integer("height"), timesteps: try integer("timesteps"),
                          encoderSize: try integer("encoder"), decoderSize: try integer("decoder"),
                          latentSize: try integer("latent"), readSize: try integer("read"), writeSize: try integer("write"),
                          attention: try file.metadataValue("attention") == "true")
    }

    static func model(_ file: SafeTensorsFile, config: DRAWConfig) throws -> DRAWModel<Double> {
        var model = DRAWModel<Double>(config: config)
        for (name, path) in DRAWModel<Double>.parameterPaths(config: config) {
            let shape = Checkpoint.fileShape(name: name, matrix: model[keyPath: path])
            if let values = try Checkpoint.parameterValues(file, tensor: name, parameter: name, shape: shape) {
                model[keyPath: path].storage = values
            }
        }
        return model
    }
}
