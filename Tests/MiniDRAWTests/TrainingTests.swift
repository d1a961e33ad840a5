import Foundation
import Testing
@testable import MiniDRAW

/// Adam, clipping, the training loop, checkpoints and bit-identical resume.
@Suite("Training")
struct TrainingTests {
    static let config = DRAWConfig(width: 8, height: 6, timesteps: 3, encoderSize: 8, decoderSize: 8, latentSize: 3,
                                   readSize: 2, writeSize: 3, attention: true)

    /// `count` random binary 8x6 images.
    static func images(count: Int, seed: UInt64 = 3) -> ImageSet {
        var generator = SeededGenerator(seed: seed)
        let pixels = (0..<(count * 48)).map { _ in Float(generator.nextUniform() < 0.35 ? 1 : 0) }
        return ImageSet(imageCount: count, height: 6, width: 8, pixels: pixels)
    }

    static func settings(batchSize: Int = 4, steps: Int) -> TrainingSettings {
        var settings = TrainingSettings()
        settings.batchSize = batchSize
        settings.totalSteps = steps
        settings.seed = 42
        return settings
    }


    @Test("Adam: two steps against hand-computed values, and global-norm clipping")
    func adamByHand() {
        var model = DRAWModel<Float>(config: Self.config)
        var gradient = model.zeros()
        let paths = DRAWModel<Float>.parameterPaths(config: Self.config)
        for (_, path) in paths { for index in gradient[keyPath: path].storage.indices { gradient[keyPath: path].storage[index] = 0.5 } }
        var settings = AdamSettings()
        settings.learningRate = 0.1
        settings.clipNorm = 0
        var adam = AdamState(model: model)
        adam.update(model: &model, gradient: gradient, settings: settings)
        // t = 1: m = 0.05, v = 0.00025, m_hat = 0.5, v_hat = 0.25 -> theta = -0.1 * 0.5 / (0.5 + 1e-8)
        let first = model.encoder.weightIH[0, 0]
        #expect(abs(Double(first) - (-0.1 * 0.5 / (0.5 + 1e-8))) < 1e-5, "theta after step 1: \(first)")
        adam.update(model: &model, gradient: gradient, settings: settings)
        // t = 2 with the same g: m_hat = 0.5, v_hat = 0.25 again -> another -0.1
        #expect(abs(Double(model.encoder.weightIH[0, 0]) - (-0.2)) < 1e-5, "theta after step 2: \(model.encoder.weightIH[0, 0])")

        var clipped = DRAWModel<Float>(config: Self.config)
        var clippedAdam = AdamState(model: clipped)
        settings.clipNorm = 1e-3
        let norm = clippedAdam.update(model: &clipped, gradient: gradient, settings: settings)
        #expect(abs(norm - 0.5 * Double(clipped.parameterCount).squareRoot()) < 1e-3, "norm \(norm)")
        // Clipping scales g, and Adam's first step is invariant to the scale of g (up to epsilon).
        #expect(abs(clippedAdam.firstMoment.encoder.weightIH[0, 0] - Float(0.1 * 0.5 * 1e-3 / norm)) < 1e-9)
    }

    @Test("Adam: the eight-lane update gives the bits of the one-element formula, tail included", arguments: [1, 2])
    func adamLanesKeepTheBits(threads: Int) {
        var generator = SeededGenerator(seed: 11)
        func random(_ count: Int, scale: Float) -> Matrix<Float> {
            Matrix(rows: 1, columns: count, storage: (0..<count).map { _ in scale * Float(generator.nextUniform() - 0.3) })
        }
        let count = 40_000 + 5                               // two threads' ranges, eight-lane blocks and a tail
        let gradient = random(count, scale: 3)
        var parameter = random(count, scale: 1), firstMoment = random(count, scale: 0.1)
        var secondMoment = random(count, scale: 0.01)
        secondMoment.storage = secondMoment.storage.map { $0 * $0 }                  // v >= 0
        var settings = AdamSettings()
        settings.learningRate = 3e-3
        let coefficients = AdamCoefficients<Float>(settings: settings, stepCount: 7, gradientNorm: 25)
        // The formula element by element, as written in `adamTensorUpdate`'s documentation.
        var expected = parameter.storage, expectedFirst = firstMoment.storage, expectedSecond = secondMoment.storage
        let c = coefficients
        for index in 0..<count {
            let clipped = gradient.storage[index] * c.clipScale
            expectedFirst[index] = c.beta1 * expectedFirst[index] + (1 - c.beta1) * clipped
            expectedSecond[index] = c.beta2 * expectedSecond[index] + (1 - c.beta2) * clipped * clipped
            expected[index] -= c.stepSize * expectedFirst[index]
                / ((expectedSecond[index] * c.inverseSecondCorrection).squareRoot() + c.epsilon)
        }
        let savedThreadCount = GEMM.threadCount
        defer { GEMM.threadCount = savedThreadCount }
        GEMM.threadCount = threads
        adamTensorUpdate(parameter: &parameter, gradient: gradient, firstMoment: &firstMoment,
                         secondMoment: &secondMoment, coefficients: coefficients)
        #expect(coefficients.clipScale < 1, "clipping is part of what is checked")
        for (name, observed, wanted) in [("theta", parameter.storage, expected), ("m", firstMoment.storage, expectedFirst),
                                         ("v", secondMoment.storage, expectedSecond)] {
            let differing = (0..<count).filter { observed[$0].bitPattern != wanted[$0].bitPattern }
            let differingCount = differing.count, firstDiffering = differing.first ?? -1
            #expect(differingCount == 0, "\(name): \(differingCount) of \(count) elements differ, the first at \(firstDiffering)")
        }
    }

    @Test("the loss goes down when overfitting four images (Eq. 12)", arguments: [true, false])
    func overfits(attention: Bool) throws {
        var config = Self.config
        config.attention = attention
        config.decoderSize = 16
        config.writeSize = 4
        var settings = Self.settings(batchSize: 4, steps: 300)
        settings.adam.learningRate = 1e-2
        let trainer = try Trainer(config: config, settings: settings, images: Self.images(count: 4))
        let first = try trainer.step().loss
        var last = first
        for _ in 1..<300 { last = try trainer.step().loss }
        #expect(last < 0.6 * first, "L went from \(first) to \(last)")
    }

    /// The same run twice: `before + after` steps straight; and `before` steps with a checkpoint in
    /// `directory` after each (the newest two kept), then `after` steps resumed from the last.
    static func straightAndResumed(settings: TrainingSettings, before: Int, after: Int, directory: String) throws
        -> (straight: Trainer, first: Trainer, resumed: Trainer) {
        let images = Self.images(count: 10)
        let straight = try Trainer(config: Self.config, settings: settings, images: images)
        for _ in 0..<(before + after) { try straight.step() }
        let first = try Trainer(config: Self.config, settings: settings, images: images)
        var path = ""
        for _ in 0..<before {
            try first.step()
            path = try first.saveCheckpoint(directory: directory, elapsedSeconds: 1, keep: 2)
        }
        let (model, state) = try Trainer.loadCheckpoint(modelPath: path)
        let resumed = try Trainer(model: model, state: state, images: images)
        for _ in 0..<after { try resumed.step() }
        return (straight, first, resumed)
    }

    @Test("N + M steps in one run equal N steps, checkpoint, resume, M steps (bit for bit)")
    func resumeIsBitIdentical() throws {
        let directory = makeTemporaryFolder("minidraw-tests")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (straight, _, resumed) = try Self.straightAndResumed(settings: Self.settings(steps: 8), before: 5, after: 3, directory: directory)

        #expect(resumed.model == straight.model)
        #expect(resumed.state.adam == straight.state.adam)
        #expect(resumed.state.generator == straight.state.generator)
    }

    @Test("checkpoints: --keep-checkpoints N leaves the newest N, 0 leaves every one")
    func checkpointsKept() throws {
        let directory = makeTemporaryFolder("minidraw-tests")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trainer = try Trainer(config: Self.config, settings: Self.settings(steps: 5), images: Self.images(count: 10))
        for _ in 0..<3 {
            try trainer.step()
            try trainer.saveCheckpoint(directory: directory, elapsedSeconds: 0, keep: 0)
        }
        #expect(Checkpoint.completeSteps(in: directory) == [1, 2, 3])
        try trainer.step()
        try trainer.saveCheckpoint(directory: directory, elapsedSeconds: 0, keep: 1)
        #expect(Checkpoint.completeSteps(in: directory) == [4])
    }

    @Test("checkpoints: Python-compatible names and shapes, old ones pruned, a mismatched state refused")
    func checkpointFiles() throws {
        let directory = makeTemporaryFolder("minidraw-tests")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trainer = try Trainer(config: Self.config, settings: Self.settings(steps: 3), images: Self.images(count: 10))
        for _ in 0..<3 {
            try trainer.step()
            try trainer.saveCheckpoint(directory: directory, elapsedSeconds: 0)
        }
        #expect(Checkpoint.completeSteps(in: directory) == [2, 3])
        let file = try SafeTensorsFile(contentsOf: "\(directory)/\(Checkpoint.modelFileName(step: 3))")
        #expect(file.tensors["encoder.weight_ih"]?.shape == [32, 8 + 8])
        #expect(file.tensors["encoder.bias_hh"]?.shape == [32])
        #expect(file.tensors["write_attention.weight"]?.shape == [5, 8])
        #expect(file.tensors.values.allSatisfy { $0.dtype == .float32 })
        #expect(try Checkpoint.config(from: file) == Self.config)

        try FileManager.default.copyItem(atPath: "\(directory)/\(Checkpoint.stateFileName(step: 2))",
                                         toPath: "\(directory)/odd.state.safetensors")
        try FileManager.default.copyItem(atPath: "\(directory)/\(Checkpoint.modelFileName(step: 3))",
                                         toPath: "\(directory)/odd.safetensors")
        #expect(throws: TrainingError.self) { try Trainer.loadCheckpoint(modelPath: "\(directory)/odd.safetensors") }
    }

    @Test("a checkpoint whose tensor has the wrong shape is refused with the tensor named")
    func wrongShapeRefused() throws {
        var file = Checkpoint.modelFile(DRAWModel<Float>(config: Self.config))
        file.metadata["read"] = "3"
        do {
            let _: DRAWModel<Float> = try Checkpoint.loadModel(file)
            Issue.record("a read-size mismatch was accepted")
        } catch {
            #expect("\(error)".contains("encoder.weight_ih"), "\(error)")
        }
    }

    @Test("a NaN loss stops training with the step named and the model unchanged")
    func nanStops() throws {
        let trainer = try Trainer(config: Self.config, settings: Self.settings(steps: 2), images: Self.images(count: 10))
        var broken = trainer.model
        broken.write.bias.storage[0] = .nan
        let poisoned = try Trainer(model: broken, state: trainer.state, images: Self.images(count: 10))
        #expect(throws: TrainingError.self) { try poisoned.step() }
        #expect(poisoned.state.step == 0)
        #expect(poisoned.state.adam == trainer.state.adam && poisoned.state.generator == trainer.state.generator)
        for (name, path) in DRAWModel<Float>.parameterPaths(config: Self.config) {     // NaN != NaN: compare the bits
            #expect(poisoned.model[keyPath: path].storage.map(\.bitPattern) == broken[keyPath: path].storage.map(\.bitPattern),
                    "\(name) changed although the step was refused")
        }
    }

    @Test("epochs: each batch of a one-batch epoch is a permutation of the images, epoch e+1's differs from epoch e's, and (seed, e) always gives the same")
    func epochShuffle() throws {
        // Image i lights pixel i alone, so a batch row names the image it holds.
        let count = 12
        let pixels = (0..<count).flatMap { image in (0..<48).map { Float($0 == image ? 1 : 0) } }
        let images = ImageSet(imageCount: count, height: 6, width: 8, pixels: pixels)
        func orders(seed: UInt64, steps: Int) throws -> [[Int]] {
            var settings = Self.settings(batchSize: count, steps: steps)
            settings.seed = seed
            let trainer = try Trainer(config: Self.config, settings: settings, images: images)
            return try (0..<steps).map { _ in
                try trainer.step()
                return (0..<count).map { row in (0..<48).first { trainer.batch[row, $0] == 1 }! }
            }
        }
        let first = try orders(seed: 42, steps: 3)
        for order in first { #expect(order.sorted() == Array(0..<count), "a batch is not a permutation: \(order)") }
        #expect(first[0] != first[1] && first[1] != first[2], "consecutive epochs share an order: \(first)")
        #expect(try orders(seed: 42, steps: 3) == first, "the same seed gave other orders")
        #expect(try orders(seed: 43, steps: 1)[0] != first[0], "another seed gave the same order")
    }

    @Test("importance-sampled estimate is finite and not above the bound by more than noise")
    func importanceEstimate() throws {
        var settings = Self.settings(batchSize: 5, steps: 40)
        settings.adam.learningRate = 3e-3
        let images = Self.images(count: 10)
        let trainer = try Trainer(config: Self.config, settings: settings, images: images)
        for _ in 0..<40 { try trainer.step() }
        let result = trainer.model.evaluate(images: images, batchSize: 4, importanceSamples: 50, seed: 9)
        let estimate = try #require(result.importanceEstimate)
        #expect(estimate.isFinite && estimate > 0)
        #expect(estimate <= result.bound + 1, "estimate \(estimate) vs bound \(result.bound)")
        #expect(abs(result.bound - (result.reconstructionLoss + result.latentLoss)) < 1e-9)
    }
}
