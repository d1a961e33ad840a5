import Testing
@testable import MiniDRAW

/// Small models for gradient checks: not square (so width/height mix-ups show), a few steps.
enum TinyModels {
    static func config(attention: Bool, timesteps: Int = 3) -> DRAWConfig {
        DRAWConfig(width: 8, height: 6, timesteps: timesteps, encoderSize: 6, decoderSize: 5, latentSize: 4,
                   readSize: 2, writeSize: 3, attention: attention)
    }

    /// A model with parameters large enough that every path carries gradient, and random learned
    /// initial states c_0, h^enc_0, h^dec_0 (§2.1) so that their gradients are checked away from 0.
    static func model(_ config: DRAWConfig, seed: UInt64 = 7) -> DRAWModel<Double> {
        var model = DRAWModel<Double>.initialized(config: config, seed: seed)
        model.initialCanvas = randomMatrix(1, config.imageSize, seed: seed &+ 2, scale: 0.5)
        model.initialEncoderHidden = randomMatrix(1, config.encoderSize, seed: seed &+ 3, scale: 0.3)
        model.initialDecoderHidden = randomMatrix(1, config.decoderSize, seed: seed &+ 4, scale: 0.3)
        if config.attention {
            // Keep the attention windows on the image with varied strides and widths.
            var generator = SeededGenerator(seed: seed &+ 1)
            for index in model.readAttention.weight.storage.indices {
                model.readAttention.weight.storage[index] = 0.3 * generator.nextGaussian()
                model.writeAttention.weight.storage[index] = 0.3 * generator.nextGaussian()
            }
        }
        return model
    }

    /// Binary images [batchSize, imageSize] drawn from `seed`.
    static func images(_ config: DRAWConfig, batchSize: Int, seed: UInt64 = 11) -> Matrix<Double> {
        var generator = SeededGenerator(seed: seed)
        var image = Matrix<Double>(rows: batchSize, columns: config.imageSize)
        for index in image.storage.indices { image.storage[index] = generator.nextUniform() < 0.4 ? 1 : 0 }
        return image
    }

    /// A forward cache with epsilon drawn from `seed`.
    static func cache(_ model: DRAWModel<Double>, batchSize: Int, seed: UInt64 = 13) -> DRAWForwardCache<Double> {
        var cache = DRAWForwardCache<Double>(config: model.config, batchSize: batchSize)
        var generator = SeededGenerator(seed: seed)
        model.fillNoise(cache: &cache, generator: &generator)
        return cache
    }

    /// Mean loss and gradient of `model` on `image` with the noise already in `cache`.
    static func lossAndGradient(_ model: DRAWModel<Double>, image: Matrix<Double>,
                                cache: inout DRAWForwardCache<Double>) -> (loss: Double, gradient: DRAWModel<Double>) {
        model.forward(image: image, cache: &cache)
        var gradient = model.zeros()
        var workspace = DRAWBackwardWorkspace<Double>(config: model.config, batchSize: cache.batchSize)
        model.backward(image: image, cache: cache, workspace: &workspace, gradient: &gradient)
        return (cache.meanLoss, gradient)
    }

    /// Eq. 3, 8: dL/dc_0 along the canvas path through every step: the gradient of the learned
    /// `initial.canvas` (broadcast over two images) against central differences. Returns the report
    /// and the per-image dL/dc_0 [2, imageSize] that the backward pass leaves in its workspace.
    static func canvasPathCheck(_ model: DRAWModel<Double>, image: Matrix<Double>,
                                maximumChecks: Int) -> (report: GradientReport, dCanvas: Matrix<Double>) {
        var model = model
        model.initialCanvas = randomMatrix(1, model.config.imageSize, seed: 5, scale: 0.5)
        var cache = Self.cache(model, batchSize: 2)
        model.forward(image: image, cache: &cache)
        var gradient = model.zeros()
        var workspace = DRAWBackwardWorkspace<Double>(config: model.config, batchSize: 2)
        model.backward(image: image, cache: cache, workspace: &workspace, gradient: &gradient)
        var values = model.initialCanvas.storage
        var probe = cache, perturbedModel = model
        let report = gradientCheck(name: "c_0", values: &values, analytic: gradient.initialCanvas.storage,
                                   maximumChecks: maximumChecks) { perturbed in
            perturbedModel.initialCanvas.storage = perturbed
            perturbedModel.forward(image: image, cache: &probe)
            return probe.meanLoss
        }
        return (report, workspace.dCanvas)
    }

    /// Every parameter tensor of `model` on `image` against central differences, each expected to
    /// pass; returns the report with the largest relative error.
    @discardableResult
    static func checkEveryParameter(_ model: DRAWModel<Double>, image: Matrix<Double>) -> GradientReport {
        var cache = Self.cache(model, batchSize: image.rows)
        let (_, gradient) = lossAndGradient(model, image: image, cache: &cache)
        var worst = GradientReport(name: "none", tolerance: 1e-6)
        for (name, path) in DRAWModel<Double>.parameterPaths(config: model.config) {
            var values = model[keyPath: path].storage
            var probe = cache
            let report = gradientCheck(name: name, values: &values, analytic: gradient[keyPath: path].storage) { perturbed in
                var perturbedModel = model
                perturbedModel[keyPath: path].storage = perturbed
                perturbedModel.forward(image: image, cache: &probe)
                return probe.meanLoss
            }
            #expect(report.passed, "\(report)")
            if report.maxRelativeError >= worst.maxRelativeError { worst = report }
        }
        return worst
    }
}
