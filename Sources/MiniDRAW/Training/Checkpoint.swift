import Foundation

/// Checkpoints in the safetensors format, readable as-is by Python's `safetensors`/PyTorch.
///
/// A checkpoint is two files written atomically, the state first:
/// - `checkpoint-<step>.safetensors`: the model, every tensor F32 under its PyTorch name
///   (see `DRAWModel.parameterPaths`), the config in `__metadata__` with the reference's keys;
/// - `checkpoint-<step>.state.safetensors`: Adam's moments (`adam.m.<name>`, `adam.v.<name>`),
///   and in `__metadata__` the step, the random generator's state and the training settings,
///   so that `--resume` continues bit for bit.
public enum Checkpoint {
    /// `__metadata__["format"]` of MiniDRAW's files.
    package static let format = "minidraw-1"

    // MARK: - Config <-> metadata

    /// The config under the reference files' keys (width, height, timesteps, encoder, ...).
    package static func metadata(for config: DRAWConfig) -> [String: String] {
        ["format": format, "width": "\(config.width)", "height": "\(config.height)", "channels": "\(config.channels)",
         "timesteps": "\(config.timesteps)", "encoder": "\(config.encoderSize)", "decoder": "\(config.decoderSize)",
         "latent": "\(config.latentSize)", "read": "\(config.readSize)", "write": "\(config.writeSize)",
         "attention": config.attention ? "true" : "false"]
    }

    /// Reads the config back, naming the file and key when one is missing or not a number.
    public static func config(from file: SafeTensorsFile) throws -> DRAWConfig {
        func integer(_ key: String) throws -> Int {
            let text = try file.metadataValue(key)
            guard let value = Int(text), value >= 0 else {
                throw SafeTensorsError(source: file.source, problem: "metadata \(key) = \"\(text)\" is not a non-negative integer")
            }
            return value
        }
        let attention = try file.metadataValue("attention")
        guard attention == "true" || attention == "false" else {
            throw SafeTensorsError(source: file.source, problem: "metadata attention = \"\(attention)\", expected true or false")
        }
        let channels = file.metadata["channels"] == nil ? 1 : try integer("channels")
        let config = DRAWConfig(width: try integer("width"), height: try integer("height"), channels: channels,
                                timesteps: try integer("timesteps"), encoderSize: try integer("encoder"),
                                decoderSize: try integer("decoder"), latentSize: try integer("latent"),
                                readSize: try integer("read"), writeSize: try integer("write"), attention: attention == "true")
        do { try config.validate() } catch {
            throw SafeTensorsError(source: file.source, problem: "metadata describes an impossible model: \(error)")
        }
        return config
    }

    // MARK: - Model file

    /// Parameters that files written before they existed lack: such a file loads them as zero
    /// (the initial states of those models), so older checkpoints evaluate and resume unchanged.
    package static func mayBeAbsent(_ name: String) -> Bool { name.hasPrefix("initial.") }

    /// The tensor shape a file stores for `matrix` under `name` (`DRAWModel.parameterPaths`): `[n]` for
    /// biases and initial states, which the model holds as `[1, n]` matrices.
    package static func fileShape<Scalar>(name: String, matrix: Matrix<Scalar>) -> [Int] {
        name.hasSuffix("bias") || name.hasSuffix("bias_ih") || name.hasSuffix("bias_hh") || mayBeAbsent(name)
            ? [matrix.columns] : matrix.shape
    }

    /// The model as a file: every parameter F32 with its file shape.
    public static func modelFile<Scalar>(_ model: DRAWModel<Scalar>, extraMetadata: [String: String] = [:]) -> SafeTensorsFile {
        var file = SafeTensorsFile(metadata: metadata(for: model.config).merging(extraMetadata) { $1 })
        for (name, path) in DRAWModel<Scalar>.parameterPaths(config: model.config) {
            let matrix = model[keyPath: path]
            file.tensors[name] = StoredTensor(dtype: .float32, shape: fileShape(name: name, matrix: matrix),
                                              values: matrix.storage.map(Double.init))
        }
        return file
    }

    /// Loads a model, checking every tensor's presence and shape against the file's config.
    public static func loadModel<Scalar>(_ file: SafeTensorsFile, as _: Scalar.Type = Scalar.self) throws -> DRAWModel<Scalar> {
        let config = try config(from: file)
        var model = DRAWModel<Scalar>(config: config)
        for (name, path) in DRAWModel<Scalar>.parameterPaths(config: config) {
            let shape = fileShape(name: name, matrix: model[keyPath: path])
            if let values = try parameterValues(file, tensor: name, parameter: name, shape: shape) {
                model[keyPath: path].storage = values.map { Scalar($0) }
            }
        }
        return model
    }

    /// The values of tensor `tensorName`, which stores parameter `parameter` (its own name, or Adam's
    /// `adam.m.<parameter>`), checked against `shape`. Nil when the file was written before that
    /// parameter existed (`mayBeAbsent`, the learned initial states): it then stays zero.
    /// A NaN or infinite value is refused with the tensor and element named: such a model evaluates
    /// to NaN and draws nothing.
    package static func parameterValues(_ file: SafeTensorsFile, tensor tensorName: String, parameter: String,
                                        shape: [Int]) throws -> [Double]? {
        if file.tensors[tensorName] == nil && mayBeAbsent(parameter) { return nil }
        let values = try file.tensor(tensorName, shape: shape)
        if let element = values.firstIndex(where: { !$0.isFinite }) {
            let value = values[element].isNaN ? "NaN" : values[element] > 0 ? "+infinity" : "-infinity"
            throw SafeTensorsError(source: file.source, problem: "tensor \(tensorName) holds \(value) at element \(element)")
        }
        return values
    }

    public static func loadModel<Scalar>(path: String, as _: Scalar.Type = Scalar.self) throws -> DRAWModel<Scalar> {
        try loadModel(SafeTensorsFile(contentsOf: path))
    }

    // MARK: - Run folders

    /// `checkpoint-000500.safetensors` for step 500.
    package static func modelFileName(step: Int) -> String { String(format: "checkpoint-%06d.safetensors", step) }

    /// `checkpoint-000500.state.safetensors` for step 500.
    package static func stateFileName(step: Int) -> String { String(format: "checkpoint-%06d.state.safetensors", step) }

    /// `checkpoint-000500.average.safetensors`: the weight average (`WeightAverage`) saved with step 500's
    /// checkpoint, a model file of its own for `eval`, `sample` and the rest; never resumed from.
    package static func averageFileName(step: Int) -> String { String(format: "checkpoint-%06d.average.safetensors", step) }

    /// The step of a model file `checkpoint-<step>.safetensors`, a state file
    /// `checkpoint-<step>.state.safetensors` or an average `checkpoint-<step>.average.safetensors`;
    /// nil for any other name.
    package static func step(fileName name: String) -> Int? {
        guard name.hasPrefix("checkpoint-"), name.hasSuffix(".safetensors") else { return nil }
        var number = name.dropFirst("checkpoint-".count).dropLast(".safetensors".count)
        for suffix in [".state", ".average"] where number.hasSuffix(suffix) { number = number.dropLast(suffix.count) }
        guard !number.isEmpty, number.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        return Int(number)
    }

    /// The steps of the complete checkpoints (model and state both present) in `directory`, ascending.
    package static func completeSteps(in directory: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let nameSet = Set(names)
        return names.compactMap { name -> Int? in
            guard let step = step(fileName: name), name == modelFileName(step: step),
                  nameSet.contains(stateFileName(step: step)) else { return nil }
            return step
        }.sorted()
    }

    /// The newest complete checkpoint's model file in `directory`, if any.
    public static func newestModelPath(in directory: String) -> String? {
        completeSteps(in: directory).last.map { "\(directory)/\(modelFileName(step: $0))" }
    }
}
