import Foundation
import Testing
@testable import MiniDRAW

/// The loss (paper §2.2): reconstruction L^x (Eq. 9), latent L^z (Eq. 10-11), total L = L^x + L^z (Eq. 12).
@Suite("Eq. 9, 10, 11, 12: loss")
struct LossTests {
    /// -x log s - (1 - x) log(1 - s) with s = sigmoid(c), summed over a row: Eq. 9 written naively.
    static func naiveBernoulli(image: [Double], logits: [Double]) -> Double {
        zip(image, logits).reduce(0) { sum, pair in
            let (x, s) = (pair.0, logistic(pair.1))
            return sum - x * Foundation.log(s) - (1 - x) * Foundation.log(1 - s)
        }
    }

    @Test("Eq. 9: the Bernoulli loss from logits equals the naive -x log s - (1 - x) log(1 - s)")
    func matchesNaive() {
        let columns = 8
        let image = Matrix<Double>(rows: 2, columns: columns, storage: [0, 1, 0.3, 0.7, 1, 0, 0.5, 1,
                                                                         1, 1, 0, 0, 0.2, 0.9, 0, 1])
        let canvas = randomMatrix(2, columns, seed: 1, scale: 3)
        let losses = reconstructionLoss(image: image, canvas: canvas)
        let expected = (0..<2).map { row in
            Self.naiveBernoulli(image: Array(image.storage[row * columns..<(row + 1) * columns]),
                                logits: Array(canvas.storage[row * columns..<(row + 1) * columns]))
        }
        expectClose(losses, expected, tolerance: 1e-13, "L^x per image")
    }

    /// Logits ±100 as four one-pixel images: (x, c) = (1, 100), (0, -100), (0, 100), (1, -100).
    func extremeLogits<Scalar: DRAWScalar>(_: Scalar.Type) -> (losses: [Scalar], gradient: [Scalar]) {
        let image = Matrix<Scalar>(rows: 4, columns: 1, storage: [1, 0, 0, 1])
        let canvas = Matrix<Scalar>(rows: 4, columns: 1, storage: [100, -100, 100, -100])
        var dCanvas = Matrix<Scalar>(rows: 4, columns: 1)
        reconstructionLossBackward(image: image, canvas: canvas, scale: 1, dCanvas: &dCanvas)
        return (reconstructionLoss(image: image, canvas: canvas), dCanvas.storage)
    }

    @Test("Eq. 9: finite for logits ±100 in Float and Double; x = 1, c = -100 costs about 100 nats")
    func extremeLogitsStayFinite() {
        let double = extremeLogits(Double.self)
        let float = extremeLogits(Float.self)
        for (name, losses, gradient) in [("Double", double.losses, double.gradient),
                                         ("Float", float.losses.map(Double.init), float.gradient.map(Double.init))] {
            #expect(losses.allSatisfy(\.isFinite) && gradient.allSatisfy(\.isFinite), "\(name): \(losses), \(gradient)")
            // Right at ±100: log(1 + e^-100) = 3.7e-44. Wrong at ±100: 100 + 3.7e-44.
            #expect(losses[0] >= 0 && losses[0] < 1e-40 && losses[1] >= 0 && losses[1] < 1e-40, "\(name): \(losses)")
            expectClose(Array(losses[2...]), [100, 100], tolerance: 1e-7, "\(name): L^x for a confident wrong pixel")
            expectClose(gradient, [0, 0, 1, -1], tolerance: 1e-7, "\(name): sigmoid(c) - x at ±100")
        }
    }

    @Test("Eq. 9: dL^x/dc = sigmoid(c) - x, times the scale, checked by central differences")
    func gradient() {
        let image = Matrix<Double>(rows: 2, columns: 5, storage: [0, 1, 0.3, 1, 0, 1, 0, 0.8, 0, 1])
        let canvas = randomMatrix(2, 5, seed: 2, scale: 2)
        var dCanvas = Matrix<Double>(rows: 2, columns: 5)
        reconstructionLossBackward(image: image, canvas: canvas, scale: 1, dCanvas: &dCanvas)
        expectClose(dCanvas.storage, zip(canvas.storage, image.storage).map { logistic($0) - $1 }, tolerance: 1e-15,
                    "sigmoid(c) - x")
        var values = canvas.storage
        expectPassed(gradientCheck(name: "Eq. 9 dL^x/dc", values: &values, analytic: dCanvas.storage) {
            reconstructionLoss(image: image, canvas: Matrix(rows: 2, columns: 5, storage: $0)).reduce(0, +)
        })
        var scaled = Matrix<Double>(rows: 2, columns: 5)
        reconstructionLossBackward(image: image, canvas: canvas, scale: 0.25, dCanvas: &scaled)
        expectClose(scaled.storage, dCanvas.storage.map { 0.25 * $0 }, tolerance: 1e-15, "scale 1/4 (a batch of 4)")
    }

    @Test("Eq. 10-12: a forward pass's L = L^x + L^z per image and in the batch mean, each part recomputed", arguments: [true, false])
    func totalLoss(attention: Bool) {
        let config = TinyModels.config(attention: attention, timesteps: 3)
        let model = TinyModels.model(config)
        let batchSize = 3
        let image = TinyModels.images(config, batchSize: batchSize)
        var cache = TinyModels.cache(model, batchSize: batchSize)
        model.forward(image: image, cache: &cache)
        let columns = config.imageSize
        // Eq. 9 on c_T, written naively.
        let reconstruction = (0..<batchSize).map { row in
            Self.naiveBernoulli(image: Array(image.storage[row * columns..<(row + 1) * columns]),
                                logits: Array(cache.finalCanvas.storage[row * columns..<(row + 1) * columns]))
        }
        // Eq. 11: 1/2 Σ_t Σ_j (mu^2 + sigma^2 - log sigma^2) - T|z|/2 from each step's mu and sigma.
        let latent = (0..<batchSize).map { row in
            cache.steps.reduce(0.0) { sum, step in
                sum + (0..<config.latentSize).reduce(0.0) { partial, unit in
                    let mu = step.latent.mu[row, unit], sigma = step.latent.sigma[row, unit]
                    return partial + (mu * mu + sigma * sigma - Foundation.log(sigma * sigma)) / 2
                }
            } - Double(config.timesteps * config.latentSize) / 2
        }
        expectClose(cache.reconstructionLoss, reconstruction, tolerance: 1e-12, "Eq. 9 L^x per image")
        expectClose(cache.latentLoss, latent, tolerance: 1e-12, "Eq. 10-11 L^z per image")
        let total = zip(reconstruction, latent).map { $0 + $1 }
        let mean = total.reduce(0, +) / Double(batchSize)
        expectClose(cache.meanLoss, mean, tolerance: 1e-12, "Eq. 12 batch mean of L^x + L^z")
        expectClose(cache.meanReconstructionLoss + cache.meanLatentLoss, cache.meanLoss, tolerance: 1e-15, "Eq. 12 parts")
        expectClose(cache.klPerStep.reduce(0, +), cache.meanLatentLoss, tolerance: 1e-12, "Eq. 10: Σ_t of the per-step KL means")
        #expect(latent.allSatisfy { $0 > 0 } && reconstruction.allSatisfy { $0 > 0 }, "L^x \(reconstruction), L^z \(latent)")
    }
}
