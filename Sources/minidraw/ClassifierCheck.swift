import Foundation
import MiniDRAW

/// `minidraw classify --checkpoint PATH`: a trained classifier (`TrainedClassifier`) scored on the
/// 1,000 held-out images, training nothing; with `--out DIR` its glimpse paths on the first 8
/// (`glimpses.png`); with `--results FILE --key KEY` its error and cross-entropy recorded there.
enum ClassifierCheck {
    static func run(_ parsed: ParsedCommand) throws {
        if let given = ClassifyCommand.trainingOptions.first(where: parsed.isGiven) {
            throw CommandLineError("--\(given) shapes or trains a new classifier; with --checkpoint nothing is trained "
                                   + "(the checkpoint's metadata gives the model)")
        }
        let results = try ResultsArguments.target(parsed)
        let path = try checkpointPath(try parsed.string("checkpoint"))
        let classifier = try TrainedClassifier(path: path)
        let picturePath = parsed.optionalString("out").map { "\($0)/glimpses.png" }
        if let picturePath { try OutputFiles.checkNew([picturePath], overwrite: parsed.flag("overwrite")) }
        let batchSize = try parsed.positiveInt("batch-size")
        let (_, heldOut) = try ClassifyCommand.labelledData(parsed)
        guard classifier.inputSize == heldOut.images.columns else {
            throw CommandLineError("\(path): the classifier takes \(classifier.inputSize) pixels, "
                                   + "the cluttered images have \(heldOut.images.columns) (100x100)")
        }
        print("model    \(path): \(classifier.summary), \(classifier.parameterCount) parameters")
        print("data     cluttered MNIST 100x100: \(heldOut.images.rows) held-out digits (split and clutter fixed, "
              + "seed \(ClassifierTrainingSettings.heldOutSeed))")
        let evaluation = classifier.evaluate(images: heldOut.images, labels: heldOut.labels, batchSize: batchSize)
        print(heldOutLine(evaluation))
        if case .attention(let model) = classifier, let picturePath {
            try AtomicFile.ensureDirectory((picturePath as NSString).deletingLastPathComponent)
            try writeGlimpses(model: model, heldOut: heldOut, to: picturePath)
        }
        if let results {
            let command = ResultsArguments.commandLine
            try ResultsArguments.record([
                ResultFigure(name: "heldout_error", value: 100 * evaluation.errorRate, images: evaluation.imageCount,
                             how: "\(command) (its held-out error line, percent)"),
                ResultFigure(name: "heldout_loss", value: evaluation.meanLoss, decimals: 4, images: evaluation.imageCount,
                             how: "the cross-entropy of the same line, nats"),
            ], at: results)
        }
    }

    /// `--checkpoint`: a classifier file, or a run folder holding `classifier.safetensors`.
    static func checkpointPath(_ argument: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
            throw CommandLineError("--checkpoint: \(argument) does not exist")
        }
        guard isDirectory.boolValue else { return argument }
        let path = "\(argument)/classifier.safetensors"
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandLineError("--checkpoint: \(argument) holds no classifier.safetensors (is it a minidraw classify run?)")
        }
        return path
    }

    /// `held-out error 9.70% (97 of 1000 images), cross-entropy 0.3350`.
    static func heldOutLine(_ evaluation: ClassifierEvaluation) -> String {
        String(format: "held-out error %.2f%% (%d of %d images), cross-entropy %.4f", 100 * evaluation.errorRate,
               Int((evaluation.errorRate * Double(evaluation.imageCount)).rounded()), evaluation.imageCount, evaluation.meanLoss)
    }

    /// `glimpses.png`: the first 8 held-out images with the windows of every glimpse, and a line with
    /// their labels and what the model predicts.
    static func writeGlimpses(model: GlimpseClassifier<Float>, heldOut: (images: Matrix<Float>, labels: [Int], placements: [ClutteredPlacement]),
                              to path: String) throws {
        let picture = GlimpsePath.png(model: model, images: heldOut.images, count: 8)
        try AtomicFile.write(picture.png, to: path)
        print("glimpses   \(path) (first 8 held-out images, boxes blue = glimpse 1 to red = glimpse \(model.config.glimpses); "
              + "labels \(heldOut.labels.prefix(8).map(String.init).joined()), predicted \(picture.predicted.map(String.init).joined()))")
    }
}
