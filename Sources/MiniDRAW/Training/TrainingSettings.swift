import Foundation

/// Everything about a training run that is not the model's shape.
public struct TrainingSettings: Equatable, Sendable, Codable {
    /// Images per Adam step (Table 3: 100).
    public var batchSize: Int = 100
    public var adam = AdamSettings()
    /// Seeds the parameters, the noise epsilon and the epoch shuffles.
    public var seed: UInt64 = 1
    /// Total Adam steps of the run; `defaultSteps(preset:)` of the `small` preset unless set.
    public var totalSteps: Int = TrainingSettings.defaultSteps(preset: "small")
    /// Save a checkpoint every this many steps (and at the end).
    public var checkpointEvery: Int = 500
    /// Compute the validation bound every this many steps (0: only at the end).
    public var validateEvery: Int = 1000
    /// Validation images used for the bound in the log (the whole validation set at most).
    public var validationImages: Int = 10000
    /// The images trained on. Checkpoints from before data sets had a name hold no such key and
    /// decode as `.mnist`.
    public var dataset: Dataset = .mnist
    /// How Adam's step size moves over the run; files from before schedules existed decode as constant.
    public var schedule = LearningRateSchedule()
    /// How image values became targets (`--pixels`); nil in checkpoints from before the choice was
    /// saved, which trained on their data set's default (`RunData.defaultPixels`).
    public var pixels: PixelTargets?
    /// The `--data PATH` trained on, as given; nil: the shipped binarized MNIST (`BinarizedMNIST.findDirectory`).
    public var data: String?
    /// Decay d of the moving average of the weights kept beside them (`WeightAverage`), e.g. 0.999;
    /// nil: none kept. Absent from files of runs that keep none, which decode as nil.
    public var averageDecay: Double?
    /// Training images (the first of the training set, fixed) whose bound is logged beside the
    /// validation bound at each check, to show overfitting; nil: not logged.
    public var trainingBoundImages: Int?

    public init() {}

    /// The steps a new run of a preset trains for when no count is given: 2000 for `small`, which
    /// trains in minutes, and 100000 for the paper-sized presets.
    /// - Parameter preset: a name from `DRAWConfig.allPresets`.
    public static func defaultSteps(preset: String) -> Int { preset == "small" ? 2000 : 100_000 }

    /// What the model file records about the images, for `eval`, `sample` and `reconstruct`:
    /// `dataset`, and `pixels` and `data` when known.
    package var dataMetadata: [String: String] {
        var metadata = ["dataset": dataset.rawValue]
        metadata["pixels"] = pixels?.rawValue
        metadata["data"] = data
        return metadata
    }

    // MARK: - JSON keys

    enum CodingKeys: String, CodingKey {
        case batchSize, adam, seed, totalSteps, checkpointEvery, validateEvery, validationImages, dataset, schedule, pixels, data
        case averageDecay, trainingBoundImages
    }

    /// Every key is required except `dataset`, which defaults to `.mnist`, `schedule` (constant), and
    /// `pixels`, `data`, `averageDecay` and `trainingBoundImages` (nil; the encoder leaves nil keys out,
    /// so a run that uses neither writes the same state file as before they existed).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        batchSize = try container.decode(Int.self, forKey: .batchSize)
        adam = try container.decode(AdamSettings.self, forKey: .adam)
        seed = try container.decode(UInt64.self, forKey: .seed)
        totalSteps = try container.decode(Int.self, forKey: .totalSteps)
        checkpointEvery = try container.decode(Int.self, forKey: .checkpointEvery)
        validateEvery = try container.decode(Int.self, forKey: .validateEvery)
        validationImages = try container.decode(Int.self, forKey: .validationImages)
        dataset = try container.decodeIfPresent(Dataset.self, forKey: .dataset) ?? .mnist
        schedule = try container.decodeIfPresent(LearningRateSchedule.self, forKey: .schedule) ?? LearningRateSchedule()
        pixels = try container.decodeIfPresent(PixelTargets.self, forKey: .pixels)
        data = try container.decodeIfPresent(String.self, forKey: .data)
        averageDecay = try container.decodeIfPresent(Double.self, forKey: .averageDecay)
        trainingBoundImages = try container.decodeIfPresent(Int.self, forKey: .trainingBoundImages)
    }

    /// As JSON, for a checkpoint's metadata.
    package func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// From a checkpoint's metadata.
    package static func fromJSON(_ text: String, source: String) throws -> TrainingSettings {
        do {
            return try JSONDecoder().decode(TrainingSettings.self, from: Data(text.utf8))
        } catch {
            throw SafeTensorsError(source: source, problem: "metadata training settings are not valid: \(error)")
        }
    }
}

/// What a run saves besides the model so that `--resume` continues bit for bit.
public struct TrainingState: Sendable {
    public var step: Int
    public var settings: TrainingSettings
    package var adam: AdamState<DRAWModel<Float>>
    /// The noise generator, mid-stream.
    public var generator: SeededGenerator
    /// Wall-clock seconds spent training before this state was saved.
    public var elapsedSeconds: Double
    /// The moving average of the weights (`WeightAverage`) when the settings keep one.
    public var average: DRAWModel<Float>?

    // MARK: - File form

    /// `adam.m.<name>` and `adam.v.<name>` tensors, `average.<name>` when an average is kept, plus the
    /// step, settings and generator in metadata.
    package func file() -> SafeTensorsFile {
        let state = generator.state
        let spare = generator.spareGaussian.map { String($0.bitPattern, radix: 16) } ?? "none"
        var file = SafeTensorsFile(metadata: [
            "format": Checkpoint.format, "step": "\(step)", "adam_steps": "\(adam.stepCount)",
            "generator": [state.0, state.1, state.2, state.3].map { String($0, radix: 16) }.joined(separator: " "),
            "generator_spare": spare, "training": settings.json(),
            "elapsed_seconds": "\(elapsedSeconds)",
        ])
        let config = adam.firstMoment.config
        for (name, path) in DRAWModel<Float>.parameterPaths(config: config) {
            let shape = Checkpoint.fileShape(name: name, matrix: adam.firstMoment[keyPath: path])
            file.tensors["adam.m.\(name)"] = StoredTensor(dtype: .float32, shape: shape,
                                                         values: adam.firstMoment[keyPath: path].storage.map(Double.init))
            file.tensors["adam.v.\(name)"] = StoredTensor(dtype: .float32, shape: shape,
                                                         values: adam.secondMoment[keyPath: path].storage.map(Double.init))
            if let average {
                file.tensors["average.\(name)"] = StoredTensor(dtype: .float32, shape: shape,
                                                              values: average[keyPath: path].storage.map(Double.init))
            }
        }
        return file
    }

    /// Reads a state file for a model of `config`, validating every tensor and metadata field.
    package init(file: SafeTensorsFile, config: DRAWConfig) throws {
        func problem(_ text: String) -> SafeTensorsError { SafeTensorsError(source: file.source, problem: text) }
        guard let step = Int(try file.metadataValue("step")), step >= 0 else { throw problem("metadata step is not a count") }
        guard let adamSteps = Int(try file.metadataValue("adam_steps")) else { throw problem("metadata adam_steps is not a count") }
        let words = try file.metadataValue("generator").split(separator: " ").compactMap { UInt64($0, radix: 16) }
        guard words.count == 4 else { throw problem("metadata generator must hold 4 hexadecimal words") }
        let spareText = try file.metadataValue("generator_spare")
        var spare: Double?
        if spareText != "none" {
            guard let bits = UInt64(spareText, radix: 16) else { throw problem("metadata generator_spare is not hexadecimal") }
            spare = Double(bitPattern: bits)
        }
        guard let elapsed = Double(try file.metadataValue("elapsed_seconds")) else {
            throw problem("metadata elapsed_seconds is not a number")
        }
        self.step = step
        self.settings = try TrainingSettings.fromJSON(try file.metadataValue("training"), source: file.source)
        self.generator = SeededGenerator(state: (words[0], words[1], words[2], words[3]), spareGaussian: spare)
        self.elapsedSeconds = elapsed
        var adam = AdamState(model: DRAWModel<Float>(config: config))
        adam.stepCount = adamSteps
        var average = file.tensors.keys.contains { $0.hasPrefix("average.") } ? DRAWModel<Float>(config: config) : nil
        for (name, path) in DRAWModel<Float>.parameterPaths(config: config) {
            let shape = Checkpoint.fileShape(name: name, matrix: adam.firstMoment[keyPath: path])
            if let m = try Checkpoint.parameterValues(file, tensor: "adam.m.\(name)", parameter: name, shape: shape) {
                adam.firstMoment[keyPath: path].storage = m.map { Float($0) }
            }
            if let v = try Checkpoint.parameterValues(file, tensor: "adam.v.\(name)", parameter: name, shape: shape) {
                adam.secondMoment[keyPath: path].storage = v.map { Float($0) }
            }
            if average != nil, let values = try Checkpoint.parameterValues(file, tensor: "average.\(name)", parameter: name, shape: shape) {
                average?[keyPath: path].storage = values.map { Float($0) }
            }
        }
        self.adam = adam
        self.average = average
    }

    package init(step: Int, settings: TrainingSettings, adam: AdamState<DRAWModel<Float>>, generator: SeededGenerator,
                 elapsedSeconds: Double, average: DRAWModel<Float>? = nil) {
        self.step = step
        self.settings = settings
        self.adam = adam
        self.generator = generator
        self.elapsedSeconds = elapsedSeconds
        self.average = average
    }
}
