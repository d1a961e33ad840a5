import Foundation
import Testing
@testable import MiniDRAW

/// The fast engine (Model/, Kernels/: packed weights, register tiles, vector activations, the
/// constant-gate split, weight gradients after all T steps) computes the paper model (Paper/):
/// on random models in Float, at tiny size and at paper size (LSTMs 256, z = 100, read 2, write 5:
/// the GEMM paths differ by shape), with and without attention, grey and colour, with random learned
/// initial states, the canvases of every step, L^x and L^z of every image, the KL of every step,
/// every parameter's gradient and the generated drawings agree to 1e-5.
///
/// Relative error: |fast - paper| / (the largest |value| of the tensor), so an element far below the
/// rest of its tensor is judged against the tensor's size, as Float rounds the sums that make it. (Against the tensor's root mean square instead, Float's rounding alone reaches
/// 1e-5: at paperMNIST, T = 8, both engines differ from the same model run in Double by up to 1.1e-5
/// of the rms in read_attention.weight's gradient, and from each other by 1.3e-5.)
@Suite("Engine equality: the fast engine computes the paper model")
struct EngineEqualityTests {
    static let tolerance = 1e-5

    /// A model size to compare the engines at.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var config: DRAWConfig
        var batchSize: Int
        var testDescription: String { "\(name): \(config.summary), batch \(batchSize)" }
    }

    /// Paper-size runs keep Table 3's widths with fewer steps T, so the debug build stays fast.
    static let cases: [Case] = {
        func tiny(_ channels: Int, _ attention: Bool) -> DRAWConfig {
            var config = TinyModels.config(attention: attention, timesteps: 4)
            config.channels = channels
            return config
        }
        func shortened(_ config: DRAWConfig, timesteps: Int) -> DRAWConfig {
            var config = config
            config.timesteps = timesteps
            return config
        }
        return [
            Case(name: "tiny, grey, attention", config: tiny(1, true), batchSize: 3),
            Case(name: "tiny, grey, no attention", config: tiny(1, false), batchSize: 3),
            Case(name: "tiny, colour, attention", config: tiny(3, true), batchSize: 3),
            Case(name: "tiny, colour, no attention", config: tiny(3, false), batchSize: 3),
            Case(name: "paperMNIST", config: shortened(.paperMNIST, timesteps: 8), batchSize: 2),
            Case(name: "paperMNISTNoAttention", config: shortened(.paperMNISTNoAttention, timesteps: 3), batchSize: 2),
            Case(name: "colorMNIST", config: shortened(.colorMNIST, timesteps: 4), batchSize: 2),
        ]
    }()

    /// A random Float model: PyTorch-default weights (the attention layers larger at tiny size, as
    /// `TinyModels` makes them) and random learned initial states c_0, h^enc_0, h^dec_0 (§2.1).
    static func model(_ config: DRAWConfig) -> DRAWModel<Float> {
        var model = config.encoderSize < 16 ? TinyModels.model(config, seed: 3) : DRAWModel<Double>.initialized(config: config, seed: 3)
        model.initialCanvas = randomMatrix(1, config.imageSize, seed: 5, scale: 0.5)
        model.initialEncoderHidden = randomMatrix(1, config.encoderSize, seed: 6, scale: 0.3)
        model.initialDecoderHidden = randomMatrix(1, config.decoderSize, seed: 7, scale: 0.3)
        return model.converted(to: Float.self)
    }

    /// Binary grey images, or colour values spread over [0, 1] (§3.3).
    static func images(_ config: DRAWConfig, batchSize: Int) -> Matrix<Float> {
        let images = config.channels == 1 ? TinyModels.images(config, batchSize: batchSize)
            : ColorGradientTests.images(config, batchSize: batchSize)
        return images.converted(to: Float.self)
    }

    /// The worst element of one tensor: its relative error as defined above, and where it is.
    struct Worst: CustomStringConvertible {
        var name = "none"
        var error = 0.0
        var index = 0
        var fast: Float = 0
        var paper: Float = 0

        var description: String {
            "\(name) element \(index): fast \(fast), paper \(paper), relative error \(error)"
        }

        /// Keeps the worse of `self` and the worst element of (`fast`, `paper`), named `name`.
        mutating func update(_ name: String, fast: [Float], paper: [Float]) {
            #expect(fast.count == paper.count, "\(name): fast has \(fast.count) values, paper \(paper.count)")
            let largest = zip(fast, paper).reduce(Double(Float.leastNormalMagnitude)) { max($0, abs(Double($1.0)), abs(Double($1.1))) }
            for (index, (a, b)) in zip(fast, paper).enumerated() {
                let error = abs(Double(a) - Double(b)) / largest
                if !(error <= self.error) { self = Worst(name: name, error: error, index: index, fast: a, paper: b) }
            }
        }
    }

    @Test("Eq. 1-12, 17-29, §2.1: canvases, L^x, L^z, KL per step and every gradient agree to 1e-5 in Float",
          arguments: cases)
    func forwardAndBackward(_ test: Case) {
        let config = test.config, batchSize = test.batchSize
        let model = Self.model(config), image = Self.images(config, batchSize: batchSize)
        let clock = ContinuousClock(), start = clock.now

        var fastCache = DRAWForwardCache<Float>(config: config, batchSize: batchSize)
        var fastNoise = SeededGenerator(seed: 13)
        model.fillNoise(cache: &fastCache, generator: &fastNoise)
        model.forward(image: image, cache: &fastCache)
        var fastGradient = model.zeros()
        var workspace = DRAWBackwardWorkspace<Float>(config: config, batchSize: batchSize)
        model.backward(image: image, cache: fastCache, workspace: &workspace, gradient: &fastGradient)
        let fastTime = clock.now - start

        let paper = PaperDRAW(model)
        var paperNoise = SeededGenerator(seed: 13)
        let noise = paper.noise(batchSize: batchSize, generator: &paperNoise)
        let forward = paper.forward(image: image, noise: noise)
        let paperGradient = paper.backward(image: image, forward: forward)
        let paperTime = clock.now - start - fastTime

        #expect(noise.map(\.storage) == fastCache.steps.map(\.latent.noise.storage), "the engines drew different epsilon_t")
        #expect(paperNoise == fastNoise, "the engines used different numbers of draws")
        var worst = (forward: Worst(), gradient: Worst())
        for t in 0..<config.timesteps {
            worst.forward.update("c_\(t + 1)", fast: fastCache.steps[t].canvas.storage, paper: forward.steps[t].canvas.storage)
            if config.attention {
                worst.forward.update("write window at t = \(t + 1)", fast: fastCache.steps[t].writeAttention.window.storage,
                                     paper: forward.steps[t].writeWindow.storage)
            }
        }
        worst.forward.update("L^x", fast: fastCache.reconstructionLoss, paper: forward.reconstructionLoss)
        worst.forward.update("L^z", fast: fastCache.latentLoss, paper: forward.latentLoss)
        worst.forward.update("KL per step", fast: fastCache.klPerStep.map { Float($0) }, paper: forward.klPerStep.map { Float($0) })
        for (name, path) in DRAWModel<Float>.parameterPaths(config: config) {
            worst.gradient.update("grad \(name)", fast: fastGradient[keyPath: path].storage, paper: paperGradient[keyPath: path].storage)
        }
        #expect(worst.forward.error <= Self.tolerance, "\(test.name): \(worst.forward)")
        #expect(worst.gradient.error <= Self.tolerance, "\(test.name): \(worst.gradient)")
        print("engine equality, \(test.testDescription): forward worst \(worst.forward); gradient worst \(worst.gradient); "
              + "fast \(fastTime), paper \(paperTime)")
    }

    @Test("Eq. 13-16: the same seed draws the same pictures and write windows in both engines", arguments: [cases[0], cases[1], cases[4]])
    func generation(_ test: Case) {
        let model = Self.model(test.config)
        var fastGenerator = SeededGenerator(seed: 21), paperGenerator = fastGenerator
        let fast = model.generate(count: 2, generator: &fastGenerator)
        let paper = PaperDRAW(model).generate(count: 2, generator: &paperGenerator)
        #expect(fast.count == paper.count && fastGenerator == paperGenerator)
        var worst = Worst()
        for (t, (a, b)) in zip(fast, paper).enumerated() {
            worst.update("sigmoid(c_\(t + 1))", fast: a.canvas.storage, paper: b.canvas.storage)
            #expect(a.writeWindow.shape == b.writeWindow.shape, "write window \(a.writeWindow.shape) and \(b.writeWindow.shape)")
            worst.update("write window at t = \(t + 1)", fast: a.writeWindow.storage, paper: b.writeWindow.storage)
        }
        #expect(worst.error <= Self.tolerance, "\(test.name): \(worst)")
        print("engine equality, generation, \(test.testDescription): worst \(worst)")
    }

    @Test("Eq. 6: the paper model draws the noise of training's slices (BatchSlices) and of evaluation (ForwardSlices)")
    func noiseOrder() {
        let config = TinyModels.config(attention: true), batchSize = 5
        let model = Self.model(config), paper = PaperDRAW(model), batch = Self.images(config, batchSize: batchSize)
        let batchSlices = BatchSlices(config: config, batchSize: batchSize, size: 2)
        var fast = SeededGenerator(seed: 31), slow = fast
        batchSlices.load(batch: batch, model: model, generator: &fast)
        let sliced = paper.noise(batchSize: batchSize, sliceSize: 2, generator: &slow)
        #expect(fast == slow, "the engines used different numbers of draws")
        let slices = ForwardSlices(config: config, batchSize: batchSize, size: 2)
        slices.load(batch: batch)
        slices.fillNoise(generator: &fast)
        let whole = paper.noise(batchSize: batchSize, generator: &slow)
        for t in 0..<config.timesteps {
            for row in 0..<batchSize {
                let trainingSlice = batchSlices.slices[row / 2], (cache, sliceRow) = slices.locate(row)
                let unitsOf = { (m: Matrix<Float>, r: Int) in (0..<config.latentSize).map { m[r, $0] } }
                #expect(unitsOf(sliced[t], row) == unitsOf(trainingSlice.cache.steps[t].latent.noise, row - trainingSlice.rows.lowerBound),
                        "training noise differs at t = \(t + 1), image \(row)")
                #expect(unitsOf(whole[t], row) == unitsOf(cache.steps[t].latent.noise, sliceRow),
                        "evaluation noise differs at t = \(t + 1), image \(row)")
            }
        }
    }
}
