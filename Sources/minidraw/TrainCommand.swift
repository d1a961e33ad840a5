import Foundation
import MiniDRAW

/// `minidraw train`: trains DRAW on the shipped binarized MNIST, a set made from it (`--dataset`) or
/// the user's own images (`--data`), with checkpoints, a CSV log and a sample.
enum TrainCommand: Command {
    static let spec = CommandSpec(name: "train", summary: "train DRAW on binarized MNIST, two-digit or colour MNIST, or your own images (checkpoints, log, sample)",
                                  options: [
        .value("preset", placeholder: "NAME", help: "model preset: \(DRAWConfig.allPresets.map(\.name).joined(separator: ", "))",
               defaultValue: "small"),
        CommandConfig.datasetOption(help: "images to train on (default: the preset's, else mnist: the --data images as they are)"),
        DataArguments.pixels,
        .value("timesteps", placeholder: "T", help: "drawing steps T (preset's value by default)"),
        .value("encoder-size", placeholder: "N", help: "encoder LSTM size"),
        .value("decoder-size", placeholder: "N", help: "decoder LSTM size"),
        .value("latent-size", placeholder: "N", help: "latent size |z| per step"),
        .value("read-size", placeholder: "N", help: "read glimpse N x N (attention)"),
        .value("write-size", placeholder: "N", help: "write patch N x N (attention)"),
        .flag("no-attention", help: "read and write whole images (Eq. 17-18)"),
        .value("batch-size", placeholder: "N", help: "images per step", defaultValue: "100"),
        .value("learning-rate", placeholder: "X", help: "Adam step size", defaultValue: "0.001"),
        .value("beta1", placeholder: "X", help: "Adam first-moment decay", defaultValue: "0.9"),
        .value("beta2", placeholder: "X", help: "Adam second-moment decay", defaultValue: "0.999"),
        .value("clip-norm", placeholder: "X", help: "clip the gradient's global norm to X (0: off)", defaultValue: "10"),
        .value("decay-from", placeholder: "STEP", help: "cosine learning-rate decay after this step (default: constant)"),
        .value("decay-to", placeholder: "STEP", help: "step where the decay ends (default: the last step)"),
        .value("final-learning-rate", placeholder: "X", help: "learning rate at the end of the decay (default: a tenth)"),
        .value("steps", placeholder: "N", help: "training steps (default: \(TrainingSettings.defaultSteps(preset: "small")) for small, "
                                                            + "\(TrainingSettings.defaultSteps(preset: "paperMNIST")) otherwise)"),
        .value("epochs", placeholder: "N", help: "train for N passes over the training set instead of --steps"),
        .value("seed", placeholder: "N", help: "seed for parameters, noise and shuffling", defaultValue: "1"),
        .value("initial-canvas", placeholder: "X", help: "start value of every pixel of the learned c_0 (new runs)",
               defaultValue: "\(DRAWModel<Float>.defaultInitialCanvasValue)"),
        CommonOptions.threads,
        CommonOptions.engine,
        .value("out", placeholder: "DIR", help: "run folder (default: runs/<preset>); one that holds a run stops a new one"),
        .flag("overwrite", help: "replace the run already in --out: remove its checkpoints, log and pictures first "
              + "(with --resume from an earlier checkpoint: what came after it)"),
        .value("checkpoint-every", placeholder: "N", help: "save a checkpoint every N steps", defaultValue: "500"),
        .value("checkpoint-minutes", placeholder: "M", help: "also save one when M minutes have passed since the last "
               + "(0: by steps only); Ctrl-C saves one and stops", defaultValue: "10"),
        .value("keep-checkpoints", placeholder: "N", help: "newest checkpoints of this run kept in its folder (0: all)", defaultValue: "2"),
        .value("validate-every", placeholder: "N", help: "validation bound every N steps (0: at the end only)", defaultValue: "1000"),
        .value("validation-images", placeholder: "N", help: "validation images for the logged bound", defaultValue: "10000"),
        .value("training-bound-images", placeholder: "N", help: "also log the bound of the first N training images at each "
               + "validation, to see overfitting (0: off)", defaultValue: "10000"),
        .value("average-decay", placeholder: "D", help: "keep a moving average of the weights (Polyak averaging), e.g. 0.999: "
               + "saved as checkpoint-<step>.average.safetensors and validated beside the weights (0: off)", defaultValue: "0"),
        .value("log-every", placeholder: "N", help: "CSV row and progress line every N steps", defaultValue: "10"),
        .value("resume", placeholder: "PATH", help: "continue from a checkpoint file or the newest one in a run folder"),
        .value("weights", placeholder: "FILE", help: "start a new run from a model file's weights (fine-tuning, e.g. "
               + "Data/pretrained/draw-attention.safetensors): its shape and data, step 0, fresh Adam moments, this run's schedule"),
        DataArguments.data,
    ])

    static func run(_ parsed: ParsedCommand) throws {
        try CommonOptions.applyThreads(parsed)
        let engine = try CommonOptions.engine(parsed)
        let resumed = try parsed.optionalString("resume").map(resumePoint)
        let start = try parsed.optionalString("weights").map(startingWeights)
        if start != nil && resumed != nil {
            throw CommandLineError("--weights starts a new run from a model file and --resume continues a run; give one of them")
        }
        let (images, dataPath) = try DataArguments.images(parsed, saved: resumed?.state.settings.data ?? start?.data,
                                                          savedBy: start?.path)
        var (config, presetName, dataset) = try CommandConfig.modelConfig(parsed, images: images)
        var settings = resumed?.state.settings ?? TrainingSettings()
        if let start {
            try refuseShapeFlags(parsed, "--weights trains the model file's shape")
            config = start.model.config
            presetName = start.name
            if !parsed.isGiven("dataset") { dataset = start.dataset ?? Dataset.matching(config) ?? dataset }
        }
        if let resumed {
            try refuseShapeFlags(parsed, "--resume continues the checkpoint's model")
            if parsed.isGiven("dataset") && dataset != resumed.state.settings.dataset {
                throw CommandLineError("--dataset \(dataset.rawValue) conflicts with the resumed checkpoint, which trains on "
                                       + "\(resumed.state.settings.dataset.rawValue); drop --dataset")
            }
            config = resumed.model.config
            dataset = resumed.state.settings.dataset
        }
        settings.dataset = dataset
        settings.data = dataPath
        // A resumed run keeps its pixel rule; a run from --weights takes the file's unless --pixels is given.
        let pixels: PixelTargets?
        if let resumed {
            let saved = resumed.state.settings.pixels ?? RunData.defaultPixels(dataset: dataset, images: images)
            pixels = try DataArguments.pixels(parsed, saved: saved)
        } else {
            pixels = try DataArguments.pixels(parsed, saved: nil) ?? start?.pixels
        }
        let runData = try RunData(dataset: dataset, images: images, pixels: pixels)
        settings.pixels = runData.pixels
        if let resumed { try DataArguments.requireFit(runData, config: config, modelPath: resumed.directory) }
        if let start { try DataArguments.requireFit(runData, config: config, modelPath: start.path) }
        try applyTrainingFlags(parsed, to: &settings, resuming: resumed != nil, presetName: presetName)
        let presetDataset = DRAWConfig.allPresets.first { $0.name == presetName }.flatMap { Dataset.matching($0.config) }
        let defaultDirectory = start != nil || presetDataset == dataset ? "runs/\(presetName)" : "runs/\(presetName)-\(dataset.rawValue)"
        let directory = parsed.optionalString("out") ?? resumed?.directory ?? defaultDirectory
        let keepCheckpoints = try parsed.nonNegativeInt("keep-checkpoints"), logEvery = try parsed.positiveInt("log-every")
        let checkpointMinutes = try parsed.double("checkpoint-minutes")
        guard checkpointMinutes >= 0 else { throw CommandLineError("--checkpoint-minutes must be 0 or more, got \(checkpointMinutes)") }
        let runFolder = RunFolder(directory)
        let cleanup = try runFolder.cleanupBeforeTraining(resumedFrom: resumed.map { ($0.directory, $0.state.step) },
                                                          overwrite: parsed.flag("overwrite"))
        let training = runData.trainingImages(seed: settings.seed)
        let validation = runData.evaluationImages(split: .valid, count: settings.validationImages)
        let trainingSubset = settings.trainingBoundImages.map { runData.evaluationImages(split: .train, count: $0) }
        if parsed.isGiven("epochs") {
            let epochs = try parsed.positiveInt("epochs")
            settings.totalSteps = (epochs * training.imageCount + settings.batchSize - 1) / settings.batchSize
        }
        try applySchedule(parsed, to: &settings)
        if let step = resumed?.state.step, settings.totalSteps <= step {
            throw CommandLineError("--resume: the checkpoint is at step \(step), which --steps \(settings.totalSteps) already reaches; "
                                   + "give --steps above \(step) to train on")
        }
        print("data     \(runData.summary)")
        let trainer: Trainer
        if var state = resumed?.state, let model = resumed?.model {
            state.settings = settings
            trainer = try Trainer(model: model, state: state, images: training, engine: engine)
        } else if let start {
            print("weights  \(start.path): a new run from its weights (step 0, fresh Adam moments)")
            trainer = try Trainer(startingFrom: start.model, settings: settings, images: training, engine: engine)
        } else {
            trainer = try Trainer(config: config, settings: settings, images: training,
                                  initialCanvasValue: try parsed.double("initial-canvas"), engine: engine)
        }
        // Nothing is written before this point: every refusal above leaves the folder as it was.
        let removed = try runFolder.perform(cleanup)
        if !removed.isEmpty { print("removed  \(removed) from \(directory) (--overwrite)") }
        if let resumed, !RunFolder.isSameFolder(resumed.directory, directory) {
            try carryLog(from: resumed.directory, to: directory)
        }
        for warning in config.attentionSizeWarnings { writeToStandardError("minidraw: warning: \(warning)\n") }
        Interruption.install(what: "training")
        try TrainingRun(trainer: trainer, directory: directory, validation: validation, trainingSubset: trainingSubset,
                        keepCheckpoints: keepCheckpoints,
                        checkpointMinutes: checkpointMinutes, logEvery: logEvery, resumedStep: resumed?.state.step).run()
    }

    /// Refuses --preset, --initial-canvas and the size flags where a model file fixes the shape: "`reason`; drop ...".
    static func refuseShapeFlags(_ parsed: ParsedCommand, _ reason: String) throws {
        if parsed.isGiven("preset") || parsed.isGiven("initial-canvas") || CommandConfig.shapeFlags.contains(where: parsed.isGiven) {
            throw CommandLineError("\(reason); drop --preset, --initial-canvas and the size flags")
        }
    }

    /// The model file `--weights FILE` names, its weights and config, and the default run folder's name
    /// (`runs/<file name without .safetensors>`); the images (`--data` path), data set and pixel rule it
    /// was trained on, as its metadata names them (nil where it names none).
    static func startingWeights(_ path: String) throws -> (model: DRAWModel<Float>, path: String, name: String,
                                                             data: String?, dataset: Dataset?, pixels: PixelTargets?) {
        guard FileManager.default.fileExists(atPath: path) else { throw CommandLineError("--weights: \(path) does not exist") }
        let file = try SafeTensorsFile(contentsOf: path)
        let model: DRAWModel<Float> = try Checkpoint.loadModel(file)
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let saved = try DataArguments.savedNames(file.metadata, modelPath: path)
        return (model, path, name, file.metadata["data"], saved.dataset, saved.pixels)
    }

    /// The checkpoint a `--resume PATH` names: a model file, or a run folder's newest checkpoint.
    static func resumePoint(_ path: String) throws -> (model: DRAWModel<Float>, state: TrainingState, directory: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CommandLineError("--resume: \(path) does not exist")
        }
        let modelPath: String
        if isDirectory.boolValue {
            guard let newest = Checkpoint.newestModelPath(in: path) else {
                throw CommandLineError("--resume: \(path) holds no complete checkpoint (checkpoint-<step>.safetensors with its .state file)")
            }
            modelPath = newest
        } else {
            modelPath = path
        }
        let (model, state) = try Trainer.loadCheckpoint(modelPath: modelPath)
        return (model, state, (modelPath as NSString).deletingLastPathComponent)
    }

    /// A run resumed into a new folder starts from the old folder's log (when the new one has none),
    /// so its CSV keeps the whole history.
    static func carryLog(from source: String, to directory: String) throws {
        let target = "\(directory)/log.csv"
        guard FileManager.default.fileExists(atPath: "\(source)/log.csv"), !FileManager.default.fileExists(atPath: target) else { return }
        try AtomicFile.ensureDirectory(directory)
        try AtomicFile.write(try AtomicFile.read("\(source)/log.csv"), to: target)
    }

    /// `--decay-from STEP [--decay-to STEP] [--final-learning-rate X]`: a cosine decay, saved with the
    /// run; a resumed run keeps its schedule unless these flags are given.
    static func applySchedule(_ parsed: ParsedCommand, to settings: inout TrainingSettings) throws {
        guard parsed.isGiven("decay-from") else {
            if parsed.isGiven("decay-to") || parsed.isGiven("final-learning-rate") {
                throw CommandLineError("--decay-to and --final-learning-rate need --decay-from STEP")
            }
            return
        }
        let start = try parsed.nonNegativeInt("decay-from")
        let end = parsed.isGiven("decay-to") ? try parsed.positiveInt("decay-to") : settings.totalSteps
        guard end > start else { throw CommandLineError("--decay-to must be after --decay-from (\(start)), got \(end)") }
        let final = parsed.isGiven("final-learning-rate") ? try parsed.positiveDouble("final-learning-rate")
                                                          : settings.adam.learningRate / 10
        settings.schedule = .cosine(start: start, end: end, final: final)
    }

    /// Training flags: defaults for a new run; for a resumed run only the flags actually given.
    static func applyTrainingFlags(_ parsed: ParsedCommand, to settings: inout TrainingSettings,
                                   resuming: Bool, presetName: String) throws {
        func use(_ name: String) -> Bool { !resuming || parsed.isGiven(name) }
        if use("batch-size") { settings.batchSize = try parsed.positiveInt("batch-size") }
        if use("learning-rate") { settings.adam.learningRate = try parsed.positiveDouble("learning-rate") }
        if use("beta1") { settings.adam.beta1 = try CommandConfig.unitInterval(parsed, "beta1") }
        if use("beta2") { settings.adam.beta2 = try CommandConfig.unitInterval(parsed, "beta2") }
        if use("clip-norm") {
            settings.adam.clipNorm = try parsed.double("clip-norm")
            if settings.adam.clipNorm < 0 { throw CommandLineError("--clip-norm must be 0 (off) or positive, got \(settings.adam.clipNorm)") }
        }
        if use("seed") {
            settings.seed = try CommonOptions.seed(parsed)
        }
        if parsed.isGiven("steps") {
            settings.totalSteps = try parsed.positiveInt("steps")
        } else if !resuming {
            settings.totalSteps = TrainingSettings.defaultSteps(preset: presetName)
        }
        if use("checkpoint-every") { settings.checkpointEvery = try parsed.positiveInt("checkpoint-every") }
        if use("validate-every") { settings.validateEvery = try parsed.nonNegativeInt("validate-every") }
        if use("validation-images") { settings.validationImages = try parsed.positiveInt("validation-images") }
        if use("training-bound-images") {
            let count = try parsed.nonNegativeInt("training-bound-images")
            settings.trainingBoundImages = count > 0 ? count : nil
        }
        if use("average-decay") {
            let decay = try parsed.double("average-decay")
            guard decay == 0 || WeightAverage.isValidDecay(decay) else {
                throw CommandLineError("--average-decay must be 0 (off) or between 0 and 1, such as 0.999; got \(decay)")
            }
            settings.averageDecay = decay > 0 ? decay : nil
        }
        if parsed.isGiven("steps") && parsed.isGiven("epochs") {
            throw CommandLineError("give --steps or --epochs, not both")
        }
    }
}
