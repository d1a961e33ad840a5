import Foundation

/// The figures of one training step, batch means in nats.
public struct StepResult: Sendable {
    public var step: Int
    /// L = L^x + L^z (Eq. 12)
    public var loss: Double
    /// L^x (Eq. 9)
    public var reconstructionLoss: Double
    /// L^z (Eq. 10-11)
    public var latentLoss: Double
    /// The KL term of each step t = 1...T (Eq. 11), to watch the KL plateau.
    public var klPerStep: [Double]
    /// The gradient's global norm before clipping.
    public var gradientNorm: Double
}

/// A loss that stopped being a number: training stops without saving.
public struct TrainingError: Error, CustomStringConvertible {
    public var description: String
}

/// Trains a Float DRAW model with Adam on a source of training images, one batch per `step()`.
///
/// Images are visited in shuffled epochs; epoch e's order is a permutation drawn from its own
/// generator (seed, e), and a generated source makes image i of epoch e from (its seed, e, i),
/// so a resumed run finds its place from the step count alone. The noise epsilon comes from the
/// run's generator, whose state checkpoints save. The `engine` computes each batch's forward and
/// backward; everything else (data, noise order, Adam, clipping, schedule, checkpoints) is shared.
public final class Trainer {
    public private(set) var model: DRAWModel<Float>
    public private(set) var state: TrainingState
    /// Which code runs the forward and backward passes (`Engine`).
    public let engine: Engine
    let images: any TrainingImages
    /// Images per slice of the batch: how the fast engine splits it and the order both draw its noise in.
    let sliceSize: Int
    /// The batch's fixed slices, each with its cache, workspace and gradient (`BatchSlices`); the fast
    /// engine's only, so made when it first runs.
    lazy var batchSlices = BatchSlices(config: model.config, batchSize: state.settings.batchSize, size: sliceSize)
    var gradient: DRAWModel<Float>
    var batch: Matrix<Float>
    var shuffledEpoch = -1
    var order: [Int] = []

    /// A new run from `seed`-initialised parameters, or a resumed one from (model, state).
    public convenience init(model: DRAWModel<Float>, state: TrainingState, images: any TrainingImages,
                            engine: Engine = .fast) throws {
        try self.init(model: model, state: state, images: images, engine: engine, sliceSize: BatchSlices.defaultSize)
    }

    /// - sliceSize: images per slice of the batch (`BatchSlices`); tests choose small ones.
    init(model: DRAWModel<Float>, state: TrainingState, images: any TrainingImages, engine: Engine = .fast,
         sliceSize: Int) throws {
        let config = model.config
        guard images.width == config.width, images.height == config.height, images.channels == config.channels else {
            throw TrainingError(description: "images are \(images.width)x\(images.height)x\(images.channels), "
                                + "the model expects \(config.width)x\(config.height)x\(config.channels)")
        }
        guard images.imageCount > 0 else { throw TrainingError(description: "the training set holds no images") }
        self.model = model
        self.state = state
        // A run that keeps a weight average starts it at the weights when its checkpoint had none.
        if state.settings.averageDecay == nil {
            self.state.average = nil
        } else if state.average == nil {
            self.state.average = model
        }
        self.engine = engine
        self.images = images
        self.sliceSize = sliceSize
        gradient = model.zeros()
        batch = Matrix(rows: state.settings.batchSize, columns: config.imageSize)
    }

    /// A fresh run: parameters from `settings.seed`, the noise stream from a generator derived from it;
    /// every pixel of the learned c_0 starts at `initialCanvasValue`.
    public convenience init(config: DRAWConfig, settings: TrainingSettings, images: any TrainingImages,
                            initialCanvasValue: Double = DRAWModel<Float>.defaultInitialCanvasValue,
                            engine: Engine = .fast) throws {
        let model = DRAWModel<Float>.initialized(config: config, seed: settings.seed, initialCanvasValue: initialCanvasValue)
        try self.init(startingFrom: model, settings: settings, images: images, engine: engine)
    }

    /// A fresh run from given weights (fine-tuning, `minidraw train --weights FILE`): step 0, Adam's
    /// moments at zero, the noise stream from `settings.seed`, as a run from `settings.seed`'s own
    /// initial parameters would start.
    public convenience init(startingFrom model: DRAWModel<Float>, settings: TrainingSettings, images: any TrainingImages,
                            engine: Engine = .fast) throws {
        let state = TrainingState(step: 0, settings: settings, adam: AdamState(model: model),
                                  generator: SeededGenerator(seed: settings.seed &+ 0x6E6F_6973_65), elapsedSeconds: 0)
        try self.init(model: model, state: state, images: images, engine: engine)
    }

    /// Images in one epoch.
    public var trainingImageCount: Int { images.imageCount }

    // MARK: - One step

    /// One Adam step on the next batch. Throws, changing nothing, if the loss is not finite.
    /// The fast engine runs the batch as fixed slices side by side (`BatchSlices`), so the result
    /// does not depend on the thread count; the paper engine runs it whole on this thread.
    @discardableResult
    public func step() throws -> StepResult {
        let subnormals = SubnormalsFlushed()                         // Subnormals.swift
        defer { subnormals.restore() }
        fillNextBatch()
        var generator = state.generator
        let figures = forwardBackward(generator: &generator)                       // Eq. 1-12 and their gradients
        let loss = figures.reconstructionLoss + figures.latentLoss                 // Eq. 12
        guard loss.isFinite else {
            throw TrainingError(description: "loss became \(loss) at step \(state.step + 1); stopping without saving (the last checkpoint is intact)")
        }
        let norm = gradient.globalNorm
        guard norm.isFinite else {
            throw TrainingError(description: "gradient norm became \(norm) at step \(state.step + 1); stopping without saving (the last checkpoint is intact)")
        }
        var adam = state.settings.adam
        adam.learningRate = state.settings.schedule.learningRate(base: adam.learningRate, step: state.step + 1)
        state.adam.update(model: &model, gradient: gradient, settings: adam, gradientNorm: norm)
        if let decay = state.settings.averageDecay, state.average != nil {
            WeightAverage.update(average: &state.average!, toward: model, decay: decay)           // Polyak averaging
        }
        state.generator = generator
        state.step += 1
        return StepResult(step: state.step, loss: loss, reconstructionLoss: figures.reconstructionLoss,
                          latentLoss: figures.latentLoss, klPerStep: figures.klPerStep, gradientNorm: norm)
    }

    /// Eq. 1-12 on `batch` and the gradient of their batch mean into `gradient` (overwritten), by the
    /// run's engine, the noise epsilon_t (Eq. 6) drawn from `generator` slice after slice for both.
    /// Returns the batch means of L^x (Eq. 9), L^z (Eq. 10) and each step's KL (Eq. 11).
    private func forwardBackward(generator: inout SeededGenerator)
        -> (reconstructionLoss: Double, latentLoss: Double, klPerStep: [Double]) {
        switch engine {
        case .fast:
            batchSlices.load(batch: batch, model: model, generator: &generator)         // Eq. 6: epsilon ~ N(0, I)
            batchSlices.forwardBackward(model: model, gradient: &gradient)
            return (batchSlices.meanReconstructionLoss, batchSlices.meanLatentLoss, batchSlices.klPerStep)
        case .paper:
            let paper = PaperDRAW(model)
            let noise = paper.noise(batchSize: batch.rows, sliceSize: sliceSize, generator: &generator)   // Eq. 6
            let forward = paper.forward(image: batch, noise: noise)
            gradient = paper.backward(image: batch, forward: forward)
            return (forward.meanReconstructionLoss, forward.meanLatentLoss, forward.klPerStep)
        }
    }

    /// Writes the next `batchSize` images of the shuffled stream into `batch`.
    func fillNextBatch() {
        let batchSize = state.settings.batchSize, imageSize = images.valuesPerImage
        batch.storage.withUnsafeMutableBufferPointer { target in
            for row in 0..<batchSize {
                let sample = state.step * batchSize + row
                let epoch = sample / images.imageCount
                if epoch != shuffledEpoch {
                    var shuffle = SeededGenerator(seed: state.settings.seed &+ 0x5348_5546 &* UInt64(epoch + 1))
                    order = shuffle.permutation(count: images.imageCount)
                    shuffledEpoch = epoch
                }
                images.fill(index: order[sample % images.imageCount], epoch: epoch,
                            into: UnsafeMutableBufferPointer(rebasing: target[(row * imageSize)..<((row + 1) * imageSize)]))
            }
        }
    }

    // MARK: - Checkpoints

    /// Writes `checkpoint-<step>.state.safetensors`, the weight average's `checkpoint-<step>.average.safetensors`
    /// when the run keeps one, then `checkpoint-<step>.safetensors` into `directory`, each atomically
    /// (the model file last: its presence marks the checkpoint complete), and removes the complete checkpoints of this run older than its
    /// newest `keep` (0 keeps them all). Only steps up to this one count: a checkpoint of a later step
    /// is not this run's past, so it never pushes out the one just written. Returns the model file's path.
    @discardableResult
    public func saveCheckpoint(directory: String, elapsedSeconds: Double, keep: Int = 2) throws -> String {
        try AtomicFile.ensureDirectory(directory)
        var saved = state
        saved.elapsedSeconds = elapsedSeconds
        try saved.file().write(to: "\(directory)/\(Checkpoint.stateFileName(step: state.step))")
        let metadata = state.settings.dataMetadata.merging(["step": "\(state.step)"]) { $1 }
        if let average = state.average, let decay = state.settings.averageDecay {
            try Checkpoint.modelFile(average, extraMetadata: metadata.merging(["average_decay": "\(decay)"]) { $1 })
                .write(to: "\(directory)/\(Checkpoint.averageFileName(step: state.step))")
        }
        let modelPath = "\(directory)/\(Checkpoint.modelFileName(step: state.step))"
        try Checkpoint.modelFile(model, extraMetadata: metadata).write(to: modelPath)
        guard keep > 0 else { return modelPath }
        for old in Checkpoint.completeSteps(in: directory).filter({ $0 <= state.step }).dropLast(keep) {
            try? FileManager.default.removeItem(atPath: "\(directory)/\(Checkpoint.modelFileName(step: old))")
            try? FileManager.default.removeItem(atPath: "\(directory)/\(Checkpoint.stateFileName(step: old))")
            try? FileManager.default.removeItem(atPath: "\(directory)/\(Checkpoint.averageFileName(step: old))")
        }
        return modelPath
    }

    /// Loads the model and state saved at `modelPath` (its `.state.safetensors` beside it).
    public static func loadCheckpoint(modelPath: String) throws -> (model: DRAWModel<Float>, state: TrainingState) {
        let modelFile = try SafeTensorsFile(contentsOf: modelPath)
        let model: DRAWModel<Float> = try Checkpoint.loadModel(modelFile)
        guard modelPath.hasSuffix(".safetensors") else {
            throw TrainingError(description: "cannot resume from \(modelPath): expected a checkpoint-<step>.safetensors file or a run folder")
        }
        let statePath = String(modelPath.dropLast(".safetensors".count)) + ".state.safetensors"
        guard FileManager.default.fileExists(atPath: statePath) else {
            throw TrainingError(description: "cannot resume from \(modelPath): its optimiser state \(statePath) is missing")
        }
        let state = try TrainingState(file: try SafeTensorsFile(contentsOf: statePath), config: model.config)
        if let step = modelFile.metadata["step"], step != "\(state.step)" {
            throw TrainingError(description: "cannot resume from \(modelPath): model is at step \(step) but \(statePath) at step \(state.step)")
        }
        return (model, state)
    }
}

extension ImageSet {
    /// The first `count` images (all of them if there are fewer).
    public func prefix(_ count: Int) -> ImageSet {
        let kept = min(count, imageCount)
        return ImageSet(imageCount: kept, height: height, width: width, channels: channels,
                        pixels: Array(pixels[0..<(kept * pixelsPerImage)]))
    }
}
