import Foundation

/// The negative log-likelihood figures of a model on an image set, in nats per image.
public struct EvaluationResult: Sendable {
    public var imageCount: Int
    /// The variational bound L = L^x + L^z (Eq. 12), averaged over the images: what the paper reports.
    public var bound: Double
    /// Its L^x part (Eq. 9).
    public var reconstructionLoss: Double
    /// Its L^z part (Eq. 10-11).
    public var latentLoss: Double
    /// -log p(x) estimated by importance sampling with `importanceSamples` draws of z from Q
    /// (nil when not asked for): never above the bound, up to sampling noise.
    public var importanceEstimate: Double?
    public var importanceSamples: Int
}

extension DRAWModel where Scalar == Float {
    /// Averages the bound (Eq. 12) over `images` with one noise draw per image, and with
    /// `importanceSamples` > 0 also the importance-sampled estimate (each batch runs in `ForwardSlices`)
    ///   -log p(x) ~ -log (1/K) Σ_k p(x | z_k) p(z_k) / Q(z_k | x),   z_k ~ Q(Z | x),
    /// where, with z = mu + sigma epsilon and the 2 pi factors cancelling,
    ///   log p(z) - log Q(z | x) = Σ_t Σ_j (epsilon^2 - z^2) / 2 + log sigma.
    public func evaluate(images: ImageSet, batchSize: Int, importanceSamples: Int, seed: UInt64,
                         progress: ((Int, Int) -> Void)? = nil) -> EvaluationResult {
        let subnormals = SubnormalsFlushed()                         // Subnormals.swift
        defer { subnormals.restore() }
        precondition(images.width == config.width && images.height == config.height && images.channels == config.channels,
                     "images are \(images.width)x\(images.height)x\(images.channels), the model expects "
                     + "\(config.width)x\(config.height)x\(config.channels)")
        var generator = SeededGenerator(seed: seed)
        let slices = ForwardSlices(config: config, batchSize: batchSize)
        var batch = Matrix<Float>(rows: batchSize, columns: config.imageSize)
        var totalReconstruction = 0.0, totalLatent = 0.0, totalEstimate = 0.0
        let imageSize = config.imageSize
        var start = 0
        while start < images.imageCount {
            let count = min(batchSize, images.imageCount - start)
            for row in 0..<batchSize {                       // a short last batch repeats its last image
                let source = (start + min(row, count - 1)) * imageSize
                for index in 0..<imageSize { batch.storage[row * imageSize + index] = images.pixels[source + index] }
            }
            slices.load(batch: batch)
            slices.fillNoise(generator: &generator)
            slices.forward(model: self)
            for row in 0..<count {
                let (cache, sliceRow) = slices.locate(row)
                totalReconstruction += Double(cache.reconstructionLoss[sliceRow])
                totalLatent += Double(cache.latentLoss[sliceRow])
            }
            if importanceSamples > 0 {
                var logWeights = [[Double]](repeating: [], count: count)
                for _ in 0..<importanceSamples {
                    slices.fillNoise(generator: &generator)
                    slices.forward(model: self)
                    for row in 0..<count {
                        let (cache, sliceRow) = slices.locate(row)
                        logWeights[row].append(logImportanceWeight(cache: cache, row: sliceRow))
                    }
                }
                for row in 0..<count { totalEstimate -= logMeanExp(logWeights[row]) }
            }
            start += count
            progress?(start, images.imageCount)
        }
        let n = Double(max(images.imageCount, 1))
        return EvaluationResult(imageCount: images.imageCount, bound: (totalReconstruction + totalLatent) / n,
                                reconstructionLoss: totalReconstruction / n, latentLoss: totalLatent / n,
                                importanceEstimate: importanceSamples > 0 ? totalEstimate / n : nil,
                                importanceSamples: importanceSamples)
    }

    /// log p(x | z) + log p(z) - log Q(z | x) for one image of the last forward pass.
    func logImportanceWeight(cache: DRAWForwardCache<Float>, row: Int) -> Double {
        var logWeight = -Double(cache.reconstructionLoss[row])                        // log p(x | z) = -L^x
        for step in cache.steps {
            for unit in 0..<config.latentSize {
                let epsilon = Double(step.latent.noise[row, unit]), z = Double(step.latent.z[row, unit])
                logWeight += (epsilon * epsilon - z * z) / 2 + Double(step.latent.logSigma[row, unit])
            }
        }
        return logWeight
    }
}

/// log((1/K) Σ_k exp(values_k)), shifted by the maximum so it cannot overflow.
public func logMeanExp(_ values: [Double]) -> Double {
    guard let largest = values.max(), largest.isFinite else { return values.max() ?? -.infinity }
    let sum = values.reduce(0) { $0 + exp($1 - largest) }
    return largest + log(sum / Double(values.count))
}
