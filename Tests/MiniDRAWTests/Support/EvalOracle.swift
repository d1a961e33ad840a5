import Foundation
@testable import MiniDRAW

/// What `minidraw eval` prints (Sources/minidraw/EvalCommand.swift), its number lines rebuilt from library calls.
///
/// `DRAWModel.evaluate` runs in Float, which is slow in a debug build. This oracle repeats its steps with the same
/// Float noise on the model converted to Double (as `TraceOracle` does): the forward pass for the bound, then K
/// forward passes for the weights. With one batch the K draws of `--samples 10` are the first 10 of
/// `--samples 100`, so one pass of K = 100 answers every smaller K of the same images and seed.
enum EvalOracle {
    struct Failure: Error, CustomStringConvertible { var description: String }

    struct Key: Hashable { var checkpoint: String, images: Int, seed: UInt64 }
    /// Per key: the per-image bound parts and every importance draw's log weight, computed once per process.
    struct Draws { var reconstruction: [Double], latent: [Double], logWeights: [[Double]] }
    static let cache = DrawsCache()
    static let largestK = 100

    /// `minidraw eval --checkpoint FILE --images N --batch-size N --samples K [--seed S]` on the test split.
    static func result(command: String) throws -> EvaluationResult {
        let words = command.split(separator: " ").map(String.init)
        guard words.starts(with: ["minidraw", "eval"]) else { throw Failure(description: "cannot recompute `\(command)`") }
        var options = ["checkpoint": "", "images": "", "batch-size": "100", "samples": "10", "seed": "1"]
        var arguments = Array(words.dropFirst(2))
        while arguments.count >= 2, let name = arguments.first.map({ String($0.dropFirst(2)) }), options[name] != nil {
            options[name] = arguments[1]
            arguments.removeFirst(2)
        }
        guard arguments.isEmpty, let count = Int(options["images"]!), options["batch-size"] == options["images"],
              let samples = Int(options["samples"]!), (1...largestK).contains(samples), let seed = UInt64(options["seed"]!) else {
            throw Failure(description: "`\(command)`: needs --checkpoint, --images N --batch-size N (one batch) and --samples 1...\(largestK)")
        }
        let draws = try draws(Key(checkpoint: options["checkpoint"]!, images: count, seed: seed))
        let n = Double(count)
        let reconstruction = draws.reconstruction.reduce(0, +) / n, latent = draws.latent.reduce(0, +) / n
        let estimate = draws.logWeights.map { -logMeanExp(Array($0.prefix(samples))) }.reduce(0, +) / n
        return EvaluationResult(imageCount: count, bound: reconstruction + latent, reconstructionLoss: reconstruction,
                                latentLoss: latent, importanceEstimate: estimate, importanceSamples: samples)
    }

    static func draws(_ key: Key) throws -> Draws { try cache.value(for: key, computing: computeDraws) }

    static func computeDraws(_ key: Key) throws -> Draws {
        guard let images = TraceOracle.testSet else { throw Failure(description: "no test images") }
        let floatModel: DRAWModel<Float> = try Checkpoint.loadModel(path: "\(PackagePaths.root)/\(key.checkpoint)")
        let model = floatModel.converted(to: Double.self), config = model.config, count = key.images
        let batch = Matrix(rows: count, columns: config.imageSize,
                           storage: images.pixels[0..<(count * config.imageSize)].map(Double.init))
        var generator = SeededGenerator(seed: key.seed)
        var floatNoise = DRAWForwardCache<Float>(config: config, batchSize: count)
        var forwardCache = DRAWForwardCache<Double>(config: config, batchSize: count)
        func forwardWithNextNoise() {                                // evaluate's fillNoise + forward, in Double
            floatModel.fillNoise(cache: &floatNoise, generator: &generator)
            for t in 0..<config.timesteps { forwardCache.steps[t].latent.noise = floatNoise.steps[t].latent.noise.converted(to: Double.self) }
            model.forward(image: batch, cache: &forwardCache)
        }
        forwardWithNextNoise()
        var draws = Draws(reconstruction: forwardCache.reconstructionLoss, latent: forwardCache.latentLoss,
                          logWeights: [[Double]](repeating: [], count: count))
        for _ in 0..<largestK {
            forwardWithNextNoise()
            for row in 0..<count {                                   // log p(x | z) + log p(z) - log Q(z | x)
                var logWeight = -forwardCache.reconstructionLoss[row]
                for step in forwardCache.steps {
                    for unit in 0..<config.latentSize {
                        let epsilon = step.latent.noise[row, unit], z = step.latent.z[row, unit]
                        logWeight += (epsilon * epsilon - z * z) / 2 + step.latent.logSigma[row, unit]
                    }
                }
                draws.logWeights[row].append(logWeight)
            }
        }
        return draws
    }

    /// The draws of every key asked for so far. The lock is held while a key's draws are computed, so
    /// tests asking for the same key at once compute it once.
    final class DrawsCache: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Key: Draws] = [:]

        func value(for key: Key, computing compute: (Key) throws -> Draws) rethrows -> Draws {
            lock.lock(); defer { lock.unlock() }
            if let known = values[key] { return known }
            let computed = try compute(key)
            values[key] = computed
            return computed
        }
    }

    /// The lines of the command's output that carry numbers; the `model` and `data` lines are not checked.
    static func lines(command: String) throws -> [String] {
        let result = try result(command: command)
        var lines = [String(format: "test bound  %.2f nats  (L^x %.2f + L^z %.2f, Eq. 12, %d images)",
                            result.bound, result.reconstructionLoss, result.latentLoss, result.imageCount)]
        if let estimate = result.importanceEstimate {
            lines.append(String(format: "test -log p(x) ~ %.2f nats  (importance sampling, K = %d)", estimate, result.importanceSamples))
        }
        return lines
    }
}
