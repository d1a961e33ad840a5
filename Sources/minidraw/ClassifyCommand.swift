import Foundation
import MiniDRAW

/// `minidraw classify`: paper §4.1, cluttered MNIST classification with the attention classifier
/// ("Differentiable RAM") or a pixel baseline, trained on 9,000 of the labelled test digits and
/// scored on the other 1,000 (a fixed shuffle splits them: the shipped test set is ordered by class).
enum ClassifyCommand: Command {
    static let spec = CommandSpec(name: "classify", summary: "classify cluttered MNIST with G glimpses (paper §4.1, Table 1)", options: [
        .value("dataset", placeholder: "NAME", help: "data set: cluttered (100x100, digit + 8 pieces of clutter)", defaultValue: "cluttered"),
        .value("model", placeholder: "NAME", help: "attention (LSTM + 12x12 reads), mlp or linear (raw pixels)", defaultValue: "attention"),
        .value("glimpses", placeholder: "G", help: "glimpses before the softmax (attention)", defaultValue: "8"),
        .value("read-size", placeholder: "N", help: "glimpse N x N (attention)", defaultValue: "12"),
        .value("hidden-size", placeholder: "N", help: "LSTM units (attention) or ReLU units (mlp)", defaultValue: "256"),
        .value("batch-size", placeholder: "N", help: "images per step", defaultValue: "50"),
        .value("learning-rate", placeholder: "X", help: "Adam step size", defaultValue: "0.001"),
        .value("clip-norm", placeholder: "X", help: "clip the gradient's global norm to X (0: off)", defaultValue: "10"),
        .value("steps", placeholder: "N", help: "training steps", defaultValue: "1000"),
        .value("epochs", placeholder: "N", help: "train for N passes over the 9,000 training digits instead of --steps"),
        .value("seed", placeholder: "N", help: "seed for parameters, shuffles and training clutter", defaultValue: "1"),
        .value("eval-every", placeholder: "N", help: "held-out error every N steps (and at the end)", defaultValue: "500"),
        .value("log-every", placeholder: "N", help: "CSV row and progress line every N steps", defaultValue: "20"),
        CommonOptions.threads,
        .value("out", placeholder: "DIR", help: "run folder (default: runs/cluttered-<model>[-g<G>]); one that holds a run stops a new one; "
               + "with --checkpoint, where glimpses.png goes (none without --out)"),
        .flag("overwrite", help: "replace the run already in --out (its log.csv, classifier.safetensors and glimpses.png)"),
        .value("checkpoint", placeholder: "PATH", help: "train nothing: score this classifier (a classifier.safetensors or its run folder) "
               + "on the 1,000 held-out images"),
        CommonOptions.data,
    ] + ResultsArguments.options)

    /// The options that shape or train a new classifier, refused with --checkpoint.
    static let trainingOptions = ["model", "glimpses", "read-size", "hidden-size", "learning-rate", "clip-norm", "steps", "epochs",
                                  "seed", "eval-every", "log-every"]

    /// Labelled test images used for training; the rest (1,000) are held out.
    static let trainingCount = 9000

    /// What a run writes into its folder.
    static let runFiles = ["log.csv", "classifier.safetensors", "glimpses.png"]

    static func run(_ parsed: ParsedCommand) throws {
        try CommonOptions.applyThreads(parsed)
        let dataset = try parsed.string("dataset")
        guard dataset == "cluttered" else { throw CommandLineError("--dataset must be cluttered, got \"\(dataset)\"") }
        if parsed.isGiven("checkpoint") { return try ClassifierCheck.run(parsed) }
        if parsed.isGiven("results") || parsed.isGiven("key") {
            throw CommandLineError("--results and --key record a trained classifier's figures: give --checkpoint too")
        }
        let modelName = try parsed.string("model")
        guard ["attention", "mlp", "linear"].contains(modelName) else {
            throw CommandLineError("--model must be one of attention, mlp, linear, got \"\(modelName)\"")
        }
        var settings = ClassifierTrainingSettings()
        settings.batchSize = try parsed.positiveInt("batch-size")
        guard settings.batchSize <= trainingCount else {
            throw CommandLineError("--batch-size must be at most \(trainingCount) (the training digits), got \(settings.batchSize)")
        }
        settings.adam.learningRate = try parsed.positiveDouble("learning-rate")
        settings.adam.clipNorm = try parsed.double("clip-norm")
        if settings.adam.clipNorm < 0 { throw CommandLineError("--clip-norm must be 0 (off) or positive, got \(settings.adam.clipNorm)") }
        settings.seed = try CommonOptions.seed(parsed)
        if parsed.isGiven("steps") && parsed.isGiven("epochs") { throw CommandLineError("give --steps or --epochs, not both") }
        settings.totalSteps = parsed.isGiven("epochs")
            ? try parsed.positiveInt("epochs") * (trainingCount / settings.batchSize) : try parsed.positiveInt("steps")
        let glimpses = try parsed.positiveInt("glimpses"), hiddenSize = try parsed.positiveInt("hidden-size")
        let directory = parsed.optionalString("out") ?? "runs/cluttered-\(modelName)" + (modelName == "attention" ? "-g\(glimpses)" : "")
        let runPaths = runFiles.map { "\(directory)/\($0)" }
        try OutputFiles.checkNew(runPaths, overwrite: parsed.flag("overwrite"))
        let evalEvery = try parsed.positiveInt("eval-every"), logEvery = try parsed.positiveInt("log-every")
        let readSize = try parsed.positiveInt("read-size")

        let (training, heldOut) = try labelledData(parsed)
        let run = ClassifierRun(directory: directory, settings: settings,
                                heldOutImages: heldOut.images, heldOutLabels: heldOut.labels, evalEvery: evalEvery, logEvery: logEvery)
        // Nothing is written before this point; with --overwrite the old run goes first, so the folder never mixes two.
        for path in runPaths where FileManager.default.fileExists(atPath: path) {
            try FileManager.default.removeItem(atPath: path)
            print("removed  \(path) (--overwrite)")
        }
        if modelName == "attention" {
            let config = GlimpseClassifierConfig(readSize: readSize, hiddenSize: hiddenSize, glimpses: glimpses)
            let trainer = ClassifierTrainer(model: GlimpseClassifier<Float>.initialized(config: config, seed: settings.seed),
                                            data: training, settings: settings)
            try run.train(.attention(trainer), summary: config.summary)
            try ClassifierCheck.writeGlimpses(model: trainer.model, heldOut: heldOut, to: "\(directory)/glimpses.png")
        } else {
            let model = PixelClassifier<Float>.initialized(inputSize: training.pixelCount, hiddenSize: modelName == "mlp" ? hiddenSize : 0,
                                                           seed: settings.seed)
            try run.train(.pixels(ClassifierTrainer(model: model, data: training, settings: settings)), summary: model.summary)
        }
    }

    /// The 9,000 training digits and the 1,000 held out, cluttered once (seed 2015), from the labelled
    /// test split of the `--data` folder.
    static func labelledData(_ parsed: ParsedCommand) throws
        -> (training: ClutteredMNIST, heldOut: (images: Matrix<Float>, labels: [Int], placements: [ClutteredPlacement])) {
        let folder = try BinarizedMNIST.findDirectory(explicit: parsed.optionalString("data"))
        let images = try BinarizedMNIST.load(split: .test, directory: folder)
        let labels = try BinarizedMNIST.loadTestLabels(directory: folder)
        guard images.imageCount > trainingCount, labels.count == images.imageCount else {
            throw CommandLineError("\(folder): need more than \(trainingCount) labelled test images, found \(images.imageCount) images and \(labels.count) labels")
        }
        let (training, heldOut) = ClutteredMNIST.labelledSplit(images: images, labels: labels,
                                                               heldOutCount: images.imageCount - trainingCount,
                                                               seed: ClassifierTrainingSettings.heldOutSeed)
        return (training, heldOut.fixedSet(seed: ClassifierTrainingSettings.heldOutSeed))
    }
}

/// A classifier's training loop as the user sees it: progress, `log.csv`, held-out error, checkpoint.
struct ClassifierRun {
    let directory: String
    let settings: ClassifierTrainingSettings
    let heldOutImages: Matrix<Float>
    let heldOutLabels: [Int]
    let evalEvery: Int
    let logEvery: Int

    func train(_ trainer: ClutteredClassifierTrainer, summary: String) throws {
        try AtomicFile.ensureDirectory(directory)
        let log = try ClassifierLog(path: "\(directory)/log.csv")
        print("model    \(summary), \(trainer.parameterCount) parameters")
        print("data     cluttered MNIST 100x100: \(ClassifyCommand.trainingCount) training digits (clutter redrawn every epoch), "
              + "\(heldOutImages.rows) held out (split and clutter fixed, seed \(ClassifierTrainingSettings.heldOutSeed))")
        print("training batch \(settings.batchSize), Adam lr \(settings.adam.learningRate), clip \(settings.adam.clipNorm), "
              + "seed \(settings.seed), \(GEMM.threadCount) threads, \(settings.totalSteps) steps (\(trainer.stepsPerEpoch) per epoch)")
        var files = ClassifyCommand.runFiles
        if case .pixels = trainer { files.removeAll { $0 == "glimpses.png" } }
        print("run      \(directory) (\(files.joined(separator: ", ")))")
        let progress = ProgressLine()
        let clock = ContinuousClock()
        let started = clock.now
        var windowStart = clock.now, windowSteps = 0, windowLoss = 0.0, windowError = 0.0
        var last: ClassifierEvaluation?
        Interruption.install(what: "training the classifier")
        while trainer.step < settings.totalSteps && Interruption.requested == nil {
            let result = try trainer.trainStep()
            windowSteps += 1
            windowLoss += result.meanLoss
            windowError += result.errorRate
            let isLast = result.step == settings.totalSteps
            guard result.step % logEvery == 0 || isLast else { continue }
            let imagesPerSecond = Double(windowSteps * settings.batchSize) / max((clock.now - windowStart).secondsValue, 1e-9)
            var heldOut: ClassifierEvaluation?
            if result.step % evalEvery == 0 || isLast {
                heldOut = trainer.evaluate(images: heldOutImages, labels: heldOutLabels, batchSize: settings.batchSize)
                last = heldOut
            }
            let elapsed = (clock.now - started).secondsValue
            log.append(result, trainLoss: windowLoss / Double(windowSteps), trainError: windowError / Double(windowSteps),
                       elapsedSeconds: elapsed, imagesPerSecond: imagesPerSecond, heldOut: heldOut)
            let remaining = Double(settings.totalSteps - result.step) * Double(settings.batchSize) / max(imagesPerSecond, 1e-9)
            progress.show(String(format: "step %d/%d  epoch %d  %.0f img/s  loss %.3f  train error %.1f%%%@  ETA %@",
                                 result.step, settings.totalSteps, result.epoch, imagesPerSecond, windowLoss / Double(windowSteps),
                                 100 * windowError / Double(windowSteps),
                                 heldOut.map { String(format: "  held-out error %.2f%%", 100 * $0.errorRate) } ?? "",
                                 formatDuration(remaining)))
            windowStart = clock.now
            windowSteps = 0
            windowLoss = 0
            windowError = 0
        }
        progress.finish()
        var checkpoint = trainer.checkpoint()
        checkpoint.metadata["steps"] = "\(trainer.step)"
        checkpoint.metadata["seed"] = "\(settings.seed)"
        try checkpoint.write(to: "\(directory)/classifier.safetensors")
        print("checkpoint \(directory)/classifier.safetensors")
        if let interruption = Interruption.requested, trainer.step < settings.totalSteps {   // Ctrl-C or SIGTERM
            print("interrupted at step \(trainer.step); the classifier trained so far is in \(directory)/classifier.safetensors "
                  + "(classify starts over: run it again with --overwrite)")
            exit(Interruption.exitStatus(for: interruption))
        }
        print(String(format: "trained %d steps (%.1f epochs) in %@", settings.totalSteps,
                     Double(settings.totalSteps) / Double(trainer.stepsPerEpoch), formatDuration((clock.now - started).secondsValue)))
        if let last { print(ClassifierCheck.heldOutLine(last)) }
    }
}
