import Foundation
import MiniDRAW

/// `minidraw eval`: the test-set bound (Eq. 12) and an importance-sampled log-likelihood estimate.
enum EvalCommand: Command {
    static let spec = CommandSpec(name: "eval", summary: "negative log-likelihood bound and importance-sampled estimate", options: [
        .value("checkpoint", placeholder: "PATH", help: "model file or run folder (default: newest in runs/small)"),
        .value("split", placeholder: "NAME", help: "test or valid", defaultValue: "test"),
        CommandConfig.datasetOption(help: "images to evaluate on (default: the checkpoint's)"),
        .value("samples", placeholder: "K", help: "importance samples per image for the estimate (0: bound only)", defaultValue: "10"),
        .value("images", placeholder: "N", help: "evaluate the first N images of the split (default: all)"),
        .value("batch-size", placeholder: "N", help: "images per forward pass", defaultValue: "100"),
        .value("seed", placeholder: "N", help: "seed for the noise", defaultValue: "1"),
        CommonOptions.threads,
        CommonOptions.engine,
        DataArguments.data,
    ] + ResultsArguments.options)

    static func run(_ parsed: ParsedCommand) throws {
        try CommonOptions.applyThreads(parsed)
        let engine = try CommonOptions.engine(parsed)
        let results = try ResultsArguments.target(parsed)
        let modelPath = try CheckpointArgument.modelPath(parsed.optionalString("checkpoint"))
        let modelFile = try SafeTensorsFile(contentsOf: modelPath)
        let model: DRAWModel<Float> = try Checkpoint.loadModel(modelFile)
        let splitName = try parsed.string("split")
        guard splitName == "test" || splitName == "valid", let split = BinarizedMNIST.Split(rawValue: splitName) else {
            throw CommandLineError("--split must be test or valid, got \"\(splitName)\"")
        }
        let data = try DataArguments.runData(parsed, for: model.config, metadata: modelFile.metadata, modelPath: modelPath)
        let count = parsed.isGiven("images") ? try parsed.positiveInt("images") : nil
        let images = data.evaluationImages(split: split, count: count)
        let samples = try parsed.nonNegativeInt("samples")
        let seed = try CommonOptions.seed(parsed), batchSize = try parsed.positiveInt("batch-size")
        print("model   \(modelPath): \(model.config.summary); \(engine) engine")
        print("data    \(data.summary)")
        let progress = ProgressLine()
        let result = model.evaluate(images: images, batchSize: batchSize,
                                    importanceSamples: samples, seed: seed, engine: engine) { done, total in
            if done % 1000 == 0 || done == total { progress.show("evaluated \(done)/\(total) images") }
        }
        progress.finish()
        // Grey targets make Eq. 9 a cross-entropy against pixel values, not the log-likelihood of an
        // image: its bound and estimate are then named for what they are.
        let isLikelihood = data.pixels != .grey
        print(String(format: "%@ %@  %.2f nats  (L^x %.2f + L^z %.2f, Eq. 12, %d images)", splitName,
                     isLikelihood ? "bound" : "cross-entropy bound", result.bound, result.reconstructionLoss,
                     result.latentLoss, result.imageCount))
        if let estimate = result.importanceEstimate {
            print(isLikelihood
                  ? String(format: "%@ -log p(x) ~ %.2f nats  (importance sampling, K = %d)", splitName, estimate, samples)
                  : String(format: "%@ importance-weighted cross-entropy ~ %.2f nats  (K = %d; grey targets: not a likelihood)",
                           splitName, estimate, samples))
        }
        if let results {
            try ResultsArguments.record(figures(result, split: splitName, firstImages: count, samples: samples,
                                                command: ResultsArguments.commandLine), at: results)
        }
    }

    /// The figures of one evaluation as the results file names them: `test_bound`, `test_reconstruction`,
    /// `test_latent` and `test_k10` (K = 10); `validation_...` for `--split valid`; `first100_test_...`
    /// for `--images 100`.
    static func figures(_ result: EvaluationResult, split: String, firstImages: Int?, samples: Int, command: String) -> [ResultFigure] {
        let prefix = (firstImages.map { "first\($0)_" } ?? "") + (split == "valid" ? "validation" : split)
        var figures = [
            ResultFigure(name: "\(prefix)_bound", value: result.bound, images: result.imageCount, how: "\(command) (its bound line, Eq. 12)"),
            ResultFigure(name: "\(prefix)_reconstruction", value: result.reconstructionLoss, how: "L^x of the bound line of \(command)"),
            ResultFigure(name: "\(prefix)_latent", value: result.latentLoss, how: "L^z of the bound line of \(command)"),
        ]
        if let estimate = result.importanceEstimate {
            figures.append(ResultFigure(name: "\(prefix)_k\(samples)", value: estimate, images: result.imageCount,
                                        how: "the importance-sampled line of \(command) (K = \(samples))"))
        }
        return figures
    }
}

/// Resolves `--checkpoint`: a model file, a run folder (its newest checkpoint), or the default run.
enum CheckpointArgument {
    static let defaultRun = "runs/small"

    static func modelPath(_ argument: String?) throws -> String {
        let path = argument ?? defaultRun
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CommandLineError(argument == nil
                ? "no checkpoint given and \(defaultRun) does not exist (train first: swift run -c release minidraw train)"
                : "--checkpoint: \(path) does not exist")
        }
        guard isDirectory.boolValue else { return path }
        guard let newest = Checkpoint.newestModelPath(in: path) else {
            throw CommandLineError("--checkpoint: \(path) holds no checkpoint-<step>.safetensors")
        }
        return newest
    }
}
