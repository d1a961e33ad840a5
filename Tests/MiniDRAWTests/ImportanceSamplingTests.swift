import Foundation
import Testing
@testable import MiniDRAW

/// The importance-sampled estimate of -log p(x) that `minidraw eval --samples K` prints:
///   -log p(x) ~ -log (1/K) Σ_k w_k,   log w_k = log p(x | z_k) + log p(z_k) - log Q(z_k | x).
@Suite("Importance-sampled -log p(x)")
struct ImportanceSamplingTests {
    @Test("logMeanExp: known values, inputs far beyond exp's range, and -inf terms")
    func logMeanExpValues() {
        expectClose(logMeanExp([0, 0]), 0, tolerance: 1e-15, "log mean(1, 1)")
        expectClose(logMeanExp([0, log(3)]), log(2), tolerance: 1e-15, "log mean(1, 3) = log 2")
        expectClose(logMeanExp([log(1), log(2), log(6)]), log(3), tolerance: 1e-15, "log mean(1, 2, 6) = log 3")
        expectClose(logMeanExp([1000, 1000 + log(3)]), 1000 + log(2), tolerance: 1e-15, "exp(1000) overflows unless shifted")
        expectClose(logMeanExp([-1000, -1000 + log(3)]), -1000 + log(2), tolerance: 1e-15, "exp(-1000) underflows unless shifted")
        expectClose(logMeanExp([-.infinity, 0]), log(0.5), tolerance: 1e-15, "a zero weight still counts in the mean")
        expectClose(logMeanExp([7.25]), 7.25, tolerance: 0, "one sample")
        #expect(logMeanExp([-.infinity, -.infinity]) == -.infinity)
    }

    @Test("the estimate is -mean over images of logMeanExp of the K log weights, recomputed here pass by pass")
    func estimateFromLogWeights() throws {
        let config = DRAWConfig(width: 8, height: 6, timesteps: 3, encoderSize: 6, decoderSize: 5, latentSize: 3,
                                readSize: 2, writeSize: 3, attention: true)
        let model = TinyModels.model(config).converted(to: Float.self)
        let binary = TinyModels.images(config, batchSize: 4)
        let images = ImageSet(imageCount: 4, height: 6, width: 8, pixels: binary.storage.map(Float.init))
        let samples = 5, seed: UInt64 = 17
        let result = model.evaluate(images: images, batchSize: 4, importanceSamples: samples, seed: seed)

        // The same noise stream as `evaluate`: one pass for the bound, then K passes for the weights.
        var generator = SeededGenerator(seed: seed)
        var cache = DRAWForwardCache<Float>(config: config, batchSize: 4)
        let batch = Matrix<Float>(rows: 4, columns: config.imageSize, storage: images.pixels)
        model.fillNoise(cache: &cache, generator: &generator)
        model.forward(image: batch, cache: &cache)
        var logWeights = [[Double]](repeating: [], count: 4)
        for _ in 0..<samples {
            model.fillNoise(cache: &cache, generator: &generator)
            model.forward(image: batch, cache: &cache)
            for row in 0..<4 {
                // log p(x | z) = -L^x; log p(z) - log Q(z | x) = Σ (epsilon^2 - z^2) / 2 + log sigma
                var logWeight = -Double(cache.reconstructionLoss[row])
                for step in cache.steps {
                    for unit in 0..<config.latentSize {
                        let epsilon = Double(step.latent.noise[row, unit]), z = Double(step.latent.z[row, unit])
                        logWeight += (epsilon * epsilon - z * z) / 2 + log(Double(step.latent.sigma[row, unit]))
                    }
                }
                logWeights[row].append(logWeight)
            }
        }
        let expected = -logWeights.map(logMeanExp).reduce(0, +) / 4
        let estimate = try #require(result.importanceEstimate)
        expectClose(estimate, expected, tolerance: 1e-4, "estimate against its log weights")
        // Jensen: -log mean(w) <= -mean(log w), strictly for unequal weights; the mean of the logs
        // (a K-sample bound without the log-mean-exp) would be a different, larger number.
        let meanOfLogs = -logWeights.flatMap { $0 }.reduce(0, +) / Double(4 * samples)
        #expect(estimate < meanOfLogs - 1e-3, "estimate \(estimate) should lie below the mean of -log w, \(meanOfLogs)")
    }
}
