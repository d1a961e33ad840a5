import Foundation
import Testing
@testable import MiniDRAW

/// The approximate posterior and its sample (Eq. 1, 2, 6) and the latent loss (Eq. 10, 11).
@Suite("Eq. 1, 2, 6, 10, 11: latent sample and KL")
struct LatentTests {
    /// A latent layer with every weight and bias zero except the two bias values given.
    static func constantLatent(encoderSize: Int, latentSize: Int, mu: Double, logSigma: Double) -> Latent<Double> {
        var latent = Latent<Double>(encoderSize: encoderSize, latentSize: latentSize)
        latent.mu.bias = Matrix(rows: 1, columns: latentSize, repeating: mu)
        latent.logSigma.bias = Matrix(rows: 1, columns: latentSize, repeating: logSigma)
        return latent
    }

    @Test("Eq. 1, 2, 6: mu = W h + b, sigma = exp(W h + b), z = mu + sigma epsilon")
    func sampleValues() {
        var latent = Latent<Double>(encoderSize: 2, latentSize: 2)
        latent.mu.weight.storage = [1, 0, 0, 1]
        latent.mu.bias.storage = [0.5, -1]
        latent.logSigma.weight.storage = [0, 0, 0.5, 0]
        latent.logSigma.bias.storage = [Double.log(2), 0]
        var cache = LatentStepCache<Double>(batchSize: 1, latentSize: 2)
        cache.noise.storage = [0.25, -2]
        latent.forward(encoderHidden: Matrix(rows: 1, columns: 2, storage: [1, 2]), cache: &cache)
        expectClose(cache.mu.storage, [1.5, 1], tolerance: 1e-15, "Eq. 1 mu")                          // h = [1, 2]
        expectClose(cache.sigma.storage, [2, 1.6487212707001282], tolerance: 1e-15, "Eq. 2 sigma")      // [e^ln2, e^0.5]
        expectClose(cache.z.storage, [2, -2.2974425414002564], tolerance: 1e-15, "Eq. 6 z")             // [1.5 + 2/4, 1 - 2 e^0.5]
    }

    @Test("Eq. 1, 2, 6, 11: Latent.backward + klBackward wrt both linear layers and h^enc, L = Σ R ⊙ z + s Σ KL")
    func gradient() {
        let batchSize = 2, encoderSize = 5, latentSize = 3, scale = 0.5
        var latent = Latent<Double>(encoderSize: encoderSize, latentSize: latentSize)
        latent.mu.weight = randomMatrix(latentSize, encoderSize, seed: 1, scale: 0.5)
        latent.mu.bias = randomMatrix(1, latentSize, seed: 2, scale: 0.5)
        latent.logSigma.weight = randomMatrix(latentSize, encoderSize, seed: 3, scale: 0.5)
        latent.logSigma.bias = randomMatrix(1, latentSize, seed: 4, scale: 0.5)
        let encoderHidden = randomMatrix(batchSize, encoderSize, seed: 5)
        let noise = randomMatrix(batchSize, latentSize, seed: 6)
        let weights = randomMatrix(batchSize, latentSize, seed: 7)

        func loss(_ latent: Latent<Double>, _ encoderHidden: Matrix<Double>) -> Double {
            var cache = LatentStepCache<Double>(batchSize: batchSize, latentSize: latentSize)
            cache.noise = noise
            latent.forward(encoderHidden: encoderHidden, cache: &cache)
            var perImage = [Double](repeating: 0, count: batchSize)
            accumulateKL(mu: cache.mu, logSigma: cache.logSigma, sigma: cache.sigma, into: &perImage)
            return weightedSum(cache.z, weights) + scale * perImage.reduce(0, +)
        }

        var cache = LatentStepCache<Double>(batchSize: batchSize, latentSize: latentSize)
        cache.noise = noise
        latent.forward(encoderHidden: encoderHidden, cache: &cache)
        var dMu = Matrix<Double>(rows: batchSize, columns: latentSize), dLogSigma = dMu
        klBackward(mu: cache.mu, sigma: cache.sigma, scale: scale, dMu: &dMu, dLogSigma: &dLogSigma)
        var gradient = Latent<Double>(encoderSize: encoderSize, latentSize: latentSize)
        var dEncoderHidden = Matrix<Double>(rows: batchSize, columns: encoderSize)
        latent.backward(dZ: weights, dMu: &dMu, dLogSigma: &dLogSigma, cache: cache, encoderHidden: encoderHidden,
                        gradient: &gradient, dEncoderHidden: &dEncoderHidden)

        let parameters: [(String, WritableKeyPath<Latent<Double>, Matrix<Double>>)] = [
            ("Eq. 1 mu.weight", \.mu.weight), ("Eq. 1 mu.bias", \.mu.bias),
            ("Eq. 2 log_sigma.weight", \.logSigma.weight), ("Eq. 2 log_sigma.bias", \.logSigma.bias),
        ]
        for (name, path) in parameters {
            var values = latent[keyPath: path].storage
            expectPassed(gradientCheck(name: name, values: &values, analytic: gradient[keyPath: path].storage) {
                var probe = latent
                probe[keyPath: path].storage = $0
                return loss(probe, encoderHidden)
            })
        }
        var hiddenValues = encoderHidden.storage
        expectPassed(gradientCheck(name: "h^enc", values: &hiddenValues, analytic: dEncoderHidden.storage) {
            loss(latent, Matrix(rows: batchSize, columns: encoderSize, storage: $0))
        })
    }

    @Test("Eq. 11: KL(Q || P) is exactly 0 when Q = P, i.e. mu = 0 and sigma = 1, and so is its gradient")
    func klOfPriorIsZero() {
        let latent = Latent<Double>(encoderSize: 4, latentSize: 3)          // every weight and bias 0
        var cache = LatentStepCache<Double>(batchSize: 2, latentSize: 3)
        cache.noise = randomMatrix(2, 3, seed: 1)
        latent.forward(encoderHidden: randomMatrix(2, 4, seed: 2), cache: &cache)
        var perImage = [Double](repeating: 0, count: 2)
        let mean = accumulateKL(mu: cache.mu, logSigma: cache.logSigma, sigma: cache.sigma, into: &perImage)
        #expect(perImage == [0, 0] && mean == 0, "KL per image \(perImage), batch mean \(mean): expected exactly 0")
        #expect(cache.z == cache.noise, "Eq. 6 with mu = 0, sigma = 1: z must equal epsilon")
        var dMu = Matrix<Double>(rows: 2, columns: 3, repeating: 9), dLogSigma = dMu
        klBackward(mu: cache.mu, sigma: cache.sigma, scale: 1, dMu: &dMu, dLogSigma: &dLogSigma)
        #expect(dMu.sumOfSquares == 0 && dLogSigma.sumOfSquares == 0, "the prior is the KL's minimum: gradient must be 0")
    }

    @Test("Eq. 11: KL for mu = 1, sigma = e is (1 + e^2 - 2)/2 - 1/2 = (e^2 - 2)/2 per unit")
    func klHandCase() {
        let latent = Self.constantLatent(encoderSize: 4, latentSize: 3, mu: 1, logSigma: 1)
        var cache = LatentStepCache<Double>(batchSize: 2, latentSize: 3)
        latent.forward(encoderHidden: randomMatrix(2, 4, seed: 3), cache: &cache)
        var perImage = [Double](repeating: 0, count: 2)
        let mean = accumulateKL(mu: cache.mu, logSigma: cache.logSigma, sigma: cache.sigma, into: &perImage)
        // 3 units * (e^2 - 2) / 2 = 3 * 2.6945280494653248
        expectClose(perImage, [8.083584148395975, 8.083584148395975], tolerance: 1e-14, "KL per image")
        expectClose(mean, 8.083584148395975, tolerance: 1e-14, "KL batch mean")
    }

    @Test("Eq. 10, 11: L^z summed over T = 4 steps carries -T|z|/2 (mu = 1, sigma = 1: 12 - 6 = 6)")
    func klOverSteps() {
        let config = DRAWConfig(width: 4, height: 3, timesteps: 4, encoderSize: 4, decoderSize: 3, latentSize: 3,
                                readSize: 2, writeSize: 2, attention: false)
        var model = DRAWModel<Double>.initialized(config: config, seed: 1)
        model.latent = Self.constantLatent(encoderSize: 4, latentSize: 3, mu: 1, logSigma: 0)
        var cache = DRAWForwardCache<Double>(config: config, batchSize: 2)
        var generator = SeededGenerator(seed: 2)
        model.fillNoise(cache: &cache, generator: &generator)
        model.forward(image: TinyModels.images(config, batchSize: 2), cache: &cache)
        // 1/2 Σ_t Σ_j (mu^2 + sigma^2 - log sigma^2) = 1/2 * 4 * 3 * 2 = 12, and -T|z|/2 = -6.
        expectClose(cache.latentLoss, [6, 6], tolerance: 1e-14, "L^z per image")
        expectClose(cache.klPerStep, [1.5, 1.5, 1.5, 1.5], tolerance: 1e-14, "KL per step")

        model.latent = Self.constantLatent(encoderSize: 4, latentSize: 3, mu: 0, logSigma: 0)
        model.forward(image: TinyModels.images(config, batchSize: 2), cache: &cache)
        #expect(cache.latentLoss == [0, 0], "Q = P at every step: L^z = T|z|/2 - T|z|/2 must be exactly 0, observed \(cache.latentLoss)")
    }
}
