import Foundation
import Testing
@testable import MiniDRAW

/// A seed fixes everything: the initial parameters, the noise epsilon_t (Eq. 6) and therefore the
/// loss (Eq. 12) and every gradient, bit for bit, whatever the number of GEMM threads.
/// Serialized because one test changes the global `GEMM.threadCount` (and restores it); suites
/// running meanwhile are unaffected, since GEMM's results never depend on it (which is what is tested).
@Suite("Determinism of forward and backward passes", .serialized)
struct DeterminismTests {
    /// Large enough that products are split over threads: the encoder's gates are
    /// [8, 256] = [8, 2*4 + 64] · [72, 256], which `FloatProductPlan` splits by columns on 2 threads
    /// (half the tiles each saves more cycles than waking the second thread costs).
    static let config = DRAWConfig(width: 12, height: 12, timesteps: 3, encoderSize: 64, decoderSize: 64,
                                   latentSize: 8, readSize: 2, writeSize: 3, attention: true)
    static let batchSize = 8

    /// A model, images and noise all drawn from `seed`; returns the batch-mean loss and its gradient.
    static func lossAndGradient<Scalar: DRAWScalar>(_: Scalar.Type, seed: UInt64) -> (loss: Double, gradient: DRAWModel<Scalar>) {
        let model = DRAWModel<Scalar>.initialized(config: config, seed: seed)
        var generator = SeededGenerator(seed: seed &+ 1)
        var image = Matrix<Scalar>(rows: batchSize, columns: config.imageSize)
        for index in image.storage.indices { image.storage[index] = generator.nextUniform() < 0.3 ? 1 : 0 }
        var cache = DRAWForwardCache<Scalar>(config: config, batchSize: batchSize)
        model.fillNoise(cache: &cache, generator: &generator)
        model.forward(image: image, cache: &cache)
        var gradient = model.zeros()
        var workspace = DRAWBackwardWorkspace<Scalar>(config: config, batchSize: batchSize)
        model.backward(image: image, cache: cache, workspace: &workspace, gradient: &gradient)
        return (cache.meanLoss, gradient)
    }

    /// The first parameter element where two gradients differ in any bit, or nil when they are identical.
    static func firstDifference<Scalar: DRAWScalar>(_ first: DRAWModel<Scalar>, _ second: DRAWModel<Scalar>) -> String? {
        for (name, path) in DRAWModel<Scalar>.parameterPaths(config: config) {
            let a = first[keyPath: path].storage, b = second[keyPath: path].storage
            if let index = a.indices.first(where: { a[$0] != b[$0] || a[$0].sign != b[$0].sign }) {
                return "grad.\(name) element \(index): \(a[index]) then \(b[index])"
            }
        }
        return nil
    }

    func checkRepeatable<Scalar: DRAWScalar>(_ type: Scalar.Type) {
        let first = Self.lossAndGradient(type, seed: 21), second = Self.lossAndGradient(type, seed: 21)
        #expect(first.loss.isFinite && first.loss == second.loss, "\(type) loss: \(first.loss) then \(second.loss)")
        let difference = Self.firstDifference(first.gradient, second.gradient)
        #expect(difference == nil, "\(type): \(difference ?? "")")
        let other = Self.lossAndGradient(type, seed: 22)
        #expect(other.loss != first.loss, "\(type): seeds 21 and 22 gave the same loss \(first.loss)")
    }

    @Test("Eq. 1-12: the same seed gives bit-identical loss and gradients, in Double")
    func repeatableDouble() { checkRepeatable(Double.self) }

    @Test("Eq. 1-12: the same seed gives bit-identical loss and gradients, in Float")
    func repeatableFloat() { checkRepeatable(Float.self) }

    @Test("Eq. 1-12: 1 and 2 GEMM threads give bit-identical loss and gradients, in Float and Double")
    func threadCountDoesNotMatter() {
        let saved = GEMM.threadCount
        defer { GEMM.threadCount = saved }
        GEMM.threadCount = 1
        let singleFloat = Self.lossAndGradient(Float.self, seed: 23), singleDouble = Self.lossAndGradient(Double.self, seed: 23)
        GEMM.threadCount = 2
        let pairFloat = Self.lossAndGradient(Float.self, seed: 23), pairDouble = Self.lossAndGradient(Double.self, seed: 23)
        #expect(singleFloat.loss == pairFloat.loss, "Float loss: \(singleFloat.loss) with 1 thread, \(pairFloat.loss) with 2")
        #expect(singleDouble.loss == pairDouble.loss, "Double loss: \(singleDouble.loss) with 1 thread, \(pairDouble.loss) with 2")
        let floatDifference = Self.firstDifference(singleFloat.gradient, pairFloat.gradient)
        let doubleDifference = Self.firstDifference(singleDouble.gradient, pairDouble.gradient)
        #expect(floatDifference == nil, "Float, 1 vs 2 threads: \(floatDifference ?? "")")
        #expect(doubleDifference == nil, "Double, 1 vs 2 threads: \(doubleDifference ?? "")")
    }

    // MARK: The batch in slices (BatchSlices)

    /// Ten random binary images of `config`'s size.
    static func images(seed: UInt64) -> ImageSet {
        var generator = SeededGenerator(seed: seed)
        let pixels = (0..<(10 * config.imageSize)).map { _ in Float(generator.nextUniform() < 0.3 ? 1 : 0) }
        return ImageSet(imageCount: 10, height: config.height, width: config.width, pixels: pixels)
    }

    @Test("GEMM.serially: 1 thread inside, on that thread only; the setting again after")
    func seriallyIsPerThread() {
        let saved = GEMM.threadCount
        defer { GEMM.threadCount = saved }
        GEMM.threadCount = 2
        GEMM.serially {
            #expect(GEMM.threadCount == 1)
            let elsewhere = LockedSetting(0)
            let thread = Thread { elsewhere.value = GEMM.threadCount }
            thread.start()
            while !thread.isFinished { usleep(1000) }
            #expect(elsewhere.value == 2, "another thread saw \(elsewhere.value) threads")
        }
        #expect(GEMM.threadCount == 2)
    }

    @Test("training on slices of 4, 4 and 2 images: 1 and 2 threads give bit-identical models after 3 steps")
    func slicedTrainingIgnoresThreadCount() throws {
        let saved = GEMM.threadCount
        defer { GEMM.threadCount = saved }
        var settings = TrainingSettings()
        settings.batchSize = 10
        let images = Self.images(seed: 31)
        var models: [DRAWModel<Float>] = []
        for threads in [1, 2] {
            GEMM.threadCount = threads
            let fresh = try Trainer(config: Self.config, settings: settings, images: images)
            let trainer = try Trainer(model: fresh.model, state: fresh.state, images: images, sliceSize: 4)
            #expect(trainer.batchSlices.slices.map(\.rows.count) == [4, 4, 2])
            for _ in 0..<3 { try trainer.step() }
            models.append(trainer.model)
        }
        let difference = Self.firstDifference(models[0], models[1])
        #expect(difference == nil, "1 vs 2 threads: \(difference ?? "")")
    }

    @Test("Eq. 6-12, evaluation in slices of 4, 4 and 2: the whole batch's noise, its losses, the same bits on 1 and 2 threads")
    func evaluationSlicesMatchOneBatch() {
        let saved = GEMM.threadCount
        defer { GEMM.threadCount = saved }
        let model = DRAWModel<Float>.initialized(config: Self.config, seed: 35)
        let batch = Matrix<Float>(rows: 10, columns: Self.config.imageSize, storage: Self.images(seed: 36).pixels)
        var cache = DRAWForwardCache<Float>(config: Self.config, batchSize: 10)
        var generator = SeededGenerator(seed: 37)
        model.fillNoise(cache: &cache, generator: &generator)
        model.forward(image: batch, cache: &cache)
        var losses: [[Float]] = []
        for threads in [1, 2] {
            GEMM.threadCount = threads
            let slices = ForwardSlices(config: Self.config, batchSize: 10, size: 4)
            #expect(slices.slices.map(\.rows.count) == [4, 4, 2])
            var sliceGenerator = SeededGenerator(seed: 37)
            slices.load(batch: batch)
            slices.fillNoise(generator: &sliceGenerator)
            slices.forward(model: model)
            var perImage: [Float] = []
            for row in 0..<10 {
                let (sliceCache, sliceRow) = slices.locate(row)
                for t in 0..<Self.config.timesteps {
                    for unit in 0..<Self.config.latentSize {
                        #expect(sliceCache.steps[t].latent.noise[sliceRow, unit] == cache.steps[t].latent.noise[row, unit],
                                "epsilon of image \(row), step \(t + 1), unit \(unit)")
                    }
                }
                let loss = sliceCache.reconstructionLoss[sliceRow] + sliceCache.latentLoss[sliceRow]
                let expected = cache.reconstructionLoss[row] + cache.latentLoss[row]
                #expect(abs(loss - expected) <= 1e-5 * abs(expected),
                        "image \(row): one batch \(expected), slices \(loss), tolerance \(1e-5 * abs(expected))")
                perImage.append(loss)
            }
            losses.append(perImage)
        }
        #expect(losses[0] == losses[1], "1 vs 2 threads: \(losses[0]) vs \(losses[1])")
    }

    @Test("Eq. 12: the slices' gradients weighted n_c / B add up to the whole batch's gradient")
    func sliceGradientsAddUp() {
        let model = DRAWModel<Float>.initialized(config: Self.config, seed: 32)
        let images = Self.images(seed: 33)
        let batch = Matrix<Float>(rows: 10, columns: Self.config.imageSize, storage: images.pixels)
        let batchSlices = BatchSlices(config: Self.config, batchSize: 10, size: 4)
        var generator = SeededGenerator(seed: 34)
        batchSlices.load(batch: batch, model: model, generator: &generator)
        var sliced = model.zeros()
        batchSlices.forwardBackward(model: model, gradient: &sliced)
        // The whole batch at once, with each image's noise copied from its slice.
        var cache = DRAWForwardCache<Float>(config: Self.config, batchSize: 10)
        for t in 0..<Self.config.timesteps {
            for slice in batchSlices.slices {
                for (row, batchRow) in slice.rows.enumerated() {
                    for unit in 0..<Self.config.latentSize {
                        cache.steps[t].latent.noise[batchRow, unit] = slice.cache.steps[t].latent.noise[row, unit]
                    }
                }
            }
        }
        model.forward(image: batch, cache: &cache)
        #expect(abs(cache.meanLoss - batchSlices.meanLoss) <= 1e-5 * abs(cache.meanLoss),
                "loss: whole batch \(cache.meanLoss), slices \(batchSlices.meanLoss)")
        var whole = model.zeros()
        var workspace = DRAWBackwardWorkspace<Float>(config: Self.config, batchSize: 10)
        model.backward(image: batch, cache: cache, workspace: &workspace, gradient: &whole)
        for (name, path) in DRAWModel<Float>.parameterPaths(config: Self.config) {
            let expected = whole[keyPath: path].storage, observed = sliced[keyPath: path].storage
            let scale = expected.map { abs(Double($0)) }.max() ?? 0
            let error = zip(expected, observed).map { abs(Double($0) - Double($1)) }.max() ?? 0
            #expect(error <= 1e-4 * max(scale, 1e-3),
                    "grad.\(name): largest difference \(error), largest value \(scale), tolerance \(1e-4 * max(scale, 1e-3))")
        }
    }
}
