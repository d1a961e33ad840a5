import Foundation

/// Training and evaluating the cluttered-MNIST classifiers (paper §4.1).
///
/// Training images are cluttered afresh every epoch: epoch e visits the training digits in a
/// shuffled order and draws every placement from a generator seeded by (seed, e), so a run is
/// reproducible and no two epochs see the same images. The held-out images are cluttered once,
/// from `heldOutSeed`, the same for every model and every `--seed`.

// MARK: - Settings

public struct ClassifierTrainingSettings: Equatable, Sendable {
    /// Images per Adam step.
    public var batchSize = 50
    /// Adam steps in all.
    public var totalSteps = 1000
    /// Adam step size, betas, epsilon and global-norm clipping (as for DRAW).
    public var adam = AdamSettings()
    /// Seeds the parameters, the shuffles and the training clutter.
    public var seed: UInt64 = 1

    public init() {}

    /// Seeds the held-out clutter, fixed so every run is scored on the same 1,000 images.
    public static let heldOutSeed: UInt64 = 2015
}

/// One training step as logged.
public struct ClassifierStepResult: Sendable {
    public var step: Int
    /// The epoch (1-based) the step's batch came from.
    public var epoch: Int
    public var meanLoss: Double
    /// Fraction of the batch misclassified.
    public var errorRate: Double
    public var gradientNorm: Double
}

/// A loss or gradient that is not a finite number, at training step `step` (1-based).
public struct ClassifierTrainingError: Error, CustomStringConvertible, Equatable {
    public let step: Int
    public let loss: Double
    public let gradientNorm: Double

    public var description: String {
        "step \(step): loss \(loss), gradient norm \(gradientNorm) is not finite"
    }
}

// MARK: - Trainer

/// Adam on a classifier over freshly cluttered batches of `data`.
public final class ClassifierTrainer<Model: ImageClassifier> where Model.Scalar == Float {
    public private(set) var model: Model
    public let data: ClutteredMNIST
    public let settings: ClassifierTrainingSettings
    public private(set) var step = 0
    public private(set) var epoch = 0
    var adam: AdamState<Model>
    var gradient: Model
    var workspace: Model.Workspace
    var images: Matrix<Float>
    /// This epoch's order of digits and the next position in it.
    var order: [Int] = []
    var position = 0
    /// Draws this epoch's clutter.
    var clutter = SeededGenerator(seed: 0)

    public init(model: Model, data: ClutteredMNIST, settings: ClassifierTrainingSettings) {
        precondition(model.inputSize == data.pixelCount, "classifier takes \(model.inputSize) pixels, images have \(data.pixelCount)")
        precondition(settings.batchSize <= data.count, "batch of \(settings.batchSize) from \(data.count) images")
        self.model = model
        self.data = data
        self.settings = settings
        adam = AdamState(model: model)
        gradient = model.zeros()
        workspace = model.makeWorkspace(batchSize: settings.batchSize)
        images = Matrix(rows: settings.batchSize, columns: data.pixelCount)
    }

    /// Steps in one pass over the training digits (a last partial batch is dropped).
    public var stepsPerEpoch: Int { data.count / settings.batchSize }

    /// Starts epoch `epoch + 1`: a new shuffle and a new clutter generator.
    func startEpoch() {
        epoch += 1
        let epochSeed = settings.seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(epoch)
        var shuffle = SeededGenerator(seed: epochSeed)
        order = shuffle.permutation(count: data.count)
        clutter = SeededGenerator(seed: epochSeed ^ 0xC1A5_51F1_E5C0_FFEE)
        position = 0
    }

    /// One Adam step on the next batch. Throws, changing nothing, if the loss or gradient is not finite.
    public func trainStep() throws -> ClassifierStepResult {
        let subnormals = SubnormalsFlushed()                         // Subnormals.swift
        defer { subnormals.restore() }
        if epoch == 0 || position + settings.batchSize > order.count { startEpoch() }
        let indices = Array(order[position..<(position + settings.batchSize)])
        position += settings.batchSize
        let labels = data.batch(indices: indices, generator: &clutter, into: &images)
        gradient.setZero()
        let result = model.lossAndGradient(images: images, labels: labels, workspace: &workspace, gradient: &gradient)
        let norm = gradient.globalNorm
        guard result.meanLoss.isFinite && norm.isFinite else {
            throw ClassifierTrainingError(step: step + 1, loss: result.meanLoss, gradientNorm: norm)
        }
        adam.update(model: &model, gradient: gradient, settings: settings.adam, gradientNorm: norm)
        step += 1
        return ClassifierStepResult(step: step, epoch: epoch, meanLoss: result.meanLoss,
                                    errorRate: 1 - Double(result.correctCount) / Double(settings.batchSize), gradientNorm: norm)
    }
}

// MARK: - The two kinds, specialised

/// A trainer of either classifier behind one non-generic type. The generic code above is
/// compiled for these two concrete models here, inside the library: called generically from
/// the command-line tool it would run unspecialised, several times slower.
public enum ClutteredClassifierTrainer {
    case attention(ClassifierTrainer<GlimpseClassifier<Float>>)
    case pixels(ClassifierTrainer<PixelClassifier<Float>>)

    public func trainStep() throws -> ClassifierStepResult {
        switch self {
        case .attention(let trainer): return try trainer.trainStep()
        case .pixels(let trainer): return try trainer.trainStep()
        }
    }

    public func evaluate(images: Matrix<Float>, labels: [Int], batchSize: Int) -> ClassifierEvaluation {
        switch self {
        case .attention(let trainer): return trainer.model.evaluate(images: images, labels: labels, batchSize: batchSize)
        case .pixels(let trainer): return trainer.model.evaluate(images: images, labels: labels, batchSize: batchSize)
        }
    }

    public func checkpoint() -> SafeTensorsFile {
        switch self {
        case .attention(let trainer): return trainer.model.checkpoint()
        case .pixels(let trainer): return trainer.model.checkpoint()
        }
    }

    public var step: Int {
        switch self {
        case .attention(let trainer): return trainer.step
        case .pixels(let trainer): return trainer.step
        }
    }

    public var stepsPerEpoch: Int {
        switch self {
        case .attention(let trainer): return trainer.stepsPerEpoch
        case .pixels(let trainer): return trainer.stepsPerEpoch
        }
    }

    public var parameterCount: Int {
        switch self {
        case .attention(let trainer): return trainer.model.parameterCount
        case .pixels(let trainer): return trainer.model.parameterCount
        }
    }
}

// MARK: - Evaluation

/// Error rate and mean cross-entropy of a classifier on a fixed set.
public struct ClassifierEvaluation: Equatable, Sendable {
    public var errorRate: Double
    public var meanLoss: Double
    public var imageCount: Int
}

extension ImageClassifier {
    /// Scores `images` [count, inputSize] against `labels`, `batchSize` images at a time.
    public func evaluate(images: Matrix<Scalar>, labels: [Int], batchSize: Int) -> ClassifierEvaluation {
        let subnormals = SubnormalsFlushed()                         // Subnormals.swift
        defer { subnormals.restore() }
        var lossSum = 0.0, correct = 0, start = 0
        var workspace = makeWorkspace(batchSize: min(batchSize, images.rows))
        var probabilities = Matrix<Scalar>(rows: 0, columns: 0)
        while start < images.rows {
            let count = min(batchSize, images.rows - start)
            if count != min(batchSize, images.rows) { workspace = makeWorkspace(batchSize: count) }
            let batch = Matrix(rows: count, columns: images.columns,
                               storage: Array(images.storage[(start * images.columns)..<((start + count) * images.columns)]))
            let batchLabels = Array(labels[start..<(start + count)])
            probabilities = self.probabilities(images: batch, workspace: &workspace)
            for (row, label) in batchLabels.enumerated() {
                lossSum -= Double.log(max(Double(probabilities[row, label]), 1e-30))
            }
            correct += zip(predictedClasses(probabilities), batchLabels).filter { $0 == $1 }.count
            start += count
        }
        let total = max(images.rows, 1)
        return ClassifierEvaluation(errorRate: 1 - Double(correct) / Double(total), meanLoss: lossSum / Double(total),
                                    imageCount: images.rows)
    }
}

// MARK: - Log

/// `log.csv` of a classifier run: step, epoch, elapsed_seconds, loss, train_error,
/// heldout_loss, heldout_error, images_per_second, gradient_norm (held-out columns empty except
/// on evaluation steps; errors are fractions).
public final class ClassifierLog {
    public static let header = "step,epoch,elapsed_seconds,loss,train_error,heldout_loss,heldout_error,images_per_second,gradient_norm"
    let handle: FileHandle

    public init(path: String) throws {
        try AtomicFile.write(Data((Self.header + "\n").utf8), to: path)
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw FileError(operation: "open for appending", path: path, reason: "FileHandle failed")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Appends one row; `trainError` is the mean over the steps since the last row.
    public func append(_ result: ClassifierStepResult, trainLoss: Double, trainError: Double, elapsedSeconds: Double,
                       imagesPerSecond: Double, heldOut: ClassifierEvaluation?) {
        let fields = [String(result.step), String(result.epoch), String(format: "%.1f", elapsedSeconds),
                      String(format: "%.4f", trainLoss), String(format: "%.4f", trainError),
                      heldOut.map { String(format: "%.4f", $0.meanLoss) } ?? "", heldOut.map { String(format: "%.4f", $0.errorRate) } ?? "",
                      String(format: "%.1f", imagesPerSecond), String(format: "%.3f", result.gradientNorm)]
        handle.write(Data((fields.joined(separator: ",") + "\n").utf8))
    }
}
