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
    /// `importanceSamples` > 0 also the importance-sampled estimate
    ///   -log p(x) ~ -log (1/K) Σ_k p(x | z_k) p(z_k) / Q(z_k | x),   z_k ~ Q(Z | x),
    /// where, with z = mu + sigma epsilon and the 2 pi factors cancelling,
    ///   log p(z) - log Q(z | x) = Σ_t Σ_j (epsilon^2 - z^2) / 2 + log sigma.
    /// `engine` runs the forward passes (the fast one in `ForwardSlices`); both draw the noise in the
    /// whole batch's order, so one seed gives both engines the same z.
    public func evaluate(images: ImageSet, batchSize: Int, importanceSamples: Int, seed: UInt64, engine: Engine = .fast,
                         progress: ((Int, Int) -> Void)? = nil) -> EvaluationResult {
        let subnormals = SubnormalsFlushed()                         // Subnormals.swift
        defer { subnormals.restore() }
        precondition(images.width == config.width && images.height == config.height && images.channels == config.channels,
                     "images are \(images.width)x\(images.height)x\(images.channels), the model expects "
                     + "\(config.width)x\(config.height)x\(config.channels)")
        var generator = SeededGenerator(seed: seed)
        let forward = engine == .fast ? EvaluationForward.fast(ForwardSlices(config: config, batchSize: batchSize), self)
                                      : EvaluationForward.paper(PaperDRAW(self))
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
            for image in forward.figures(batch: batch, count: count, generator: &generator) {
                totalReconstruction += image.reconstructionLoss
                totalLatent += image.latentLoss
            }
            if importanceSamples > 0 {
                var logWeights = [[Double]](repeating: [], count: count)
                for _ in 0..<importanceSamples {
                    let sample = forward.figures(batch: batch, count: count, generator: &generator)
                    for row in 0..<count { logWeights[row].append(sample[row].logImportanceWeight) }
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
}

// MARK: - One forward pass of an evaluation batch

/// What `evaluate` adds up for one image of one forward pass.
struct ImageFigures {
    /// L^x (Eq. 9) and L^z (Eq. 10-11) of the image
    var reconstructionLoss: Double
    var latentLoss: Double
    /// log p(x | z) + log p(z) - log Q(z | x) for this draw of z
    var logImportanceWeight: Double

    /// The figures of row `row` of a forward pass: its L^x and L^z, and each step's
    /// (epsilon_t, z_t, log sigma_t) [batchSize, |z|], t = 1...T.
    init(reconstructionLoss: Float, latentLoss: Float,
         latents: [(noise: Matrix<Float>, z: Matrix<Float>, logSigma: Matrix<Float>)], row: Int) {
        self.reconstructionLoss = Double(reconstructionLoss)
        self.latentLoss = Double(latentLoss)
        var logWeight = -Double(reconstructionLoss)                                    // log p(x | z) = -L^x
        for latent in latents {
            // This row's |z| values of each matrix, read from the storage arrays (the matrices'
            // subscripts cost a retain and a release each here: a quarter of an evaluation).
            let (noise, zs, logSigmas) = (latent.noise.storage, latent.z.storage, latent.logSigma.storage)
            let start = row * latent.z.columns
            for index in start..<(start + latent.z.columns) {
                let epsilon = Double(noise[index]), z = Double(zs[index])
                logWeight += (epsilon * epsilon - z * z) / 2 + Double(logSigmas[index])
            }
        }
        logImportanceWeight = logWeight
    }
}

/// The engine that runs an evaluation batch's forward passes (Eq. 1-12): the fast one in slices over
/// the threads, or the paper model on the whole batch.
enum EvaluationForward {
    case fast(ForwardSlices, DRAWModel<Float>)
    case paper(PaperDRAW<Float>)

    /// One forward pass of `batch` [batchSize, imageSize], epsilon_t (Eq. 6) drawn from `generator` in
    /// the whole batch's order: the figures of its first `count` images.
    func figures(batch: Matrix<Float>, count: Int, generator: inout SeededGenerator) -> [ImageFigures] {
        switch self {
        case .fast(let slices, let model):
            slices.load(batch: batch)
            slices.fillNoise(generator: &generator)
            slices.forward(model: model)
            // Slice by slice, in batch order: each slice's latents gathered once for all its rows.
            return slices.slices.flatMap { slice in
                let cache = slice.cache
                let latents = cache.steps.map { ($0.latent.noise, $0.latent.z, $0.latent.logSigma) }
                return slice.rows.prefix { $0 < count }.map { row in
                    let sliceRow = row - slice.rows.lowerBound
                    return ImageFigures(reconstructionLoss: cache.reconstructionLoss[sliceRow], latentLoss: cache.latentLoss[sliceRow],
                                        latents: latents, row: sliceRow)
                }
            }
        case .paper(let paper):
            let forward = paper.forward(image: batch, noise: paper.noise(batchSize: batch.rows, generator: &generator))
            let latents = forward.steps.map { ($0.latent.noise, $0.latent.z, $0.latent.logSigma) }
            return (0..<count).map { row in
                ImageFigures(reconstructionLoss: forward.reconstructionLoss[row], latentLoss: forward.latentLoss[row],
                             latents: latents, row: row)
            }
        }
    }
}

/// log((1/K) Σ_k exp(values_k)), shifted by the maximum so it cannot overflow.
public func logMeanExp(_ values: [Double]) -> Double {
    guard let largest = values.max(), largest.isFinite else { return values.max() ?? -.infinity }
    let sum = values.reduce(0) { $0 + exp($1 - largest) }
    return largest + log(sum / Double(values.count))
}
