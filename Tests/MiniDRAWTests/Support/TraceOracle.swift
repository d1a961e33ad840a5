import Foundation
@testable import MiniDRAW

// MARK: - The trace, recomputed

/// What `minidraw trace` prints (Sources/minidraw/TraceCommand.swift), rebuilt from library calls only.
enum TraceOracle {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static let testSet: ImageSet? = {
        guard let directory = try? BinarizedMNIST.findDirectory(base: PackagePaths.root) else { return nil }
        return try? BinarizedMNIST.load(split: .test, directory: directory)
    }()
    static let labels: [UInt8] = (try? BinarizedMNIST.findDirectory(base: PackagePaths.root))
        .flatMap { try? BinarizedMNIST.loadTestLabels(directory: $0) } ?? []

    /// The lines of `minidraw trace [--preset P] [--seed N] [--index N] [--step T]`.
    static func lines(command: String) throws -> [String] {
        let words = command.split(separator: " ").map(String.init)
        guard words.starts(with: ["minidraw", "trace"]) else { throw Failure(description: "cannot recompute `\(command)`") }
        var options = ["preset": "small", "seed": "1", "index": "0", "step": "1"]
        var arguments = words.dropFirst(2).filter { $0 != "--no-attention" }
        while arguments.count >= 2, let name = arguments.first.map({ String($0.dropFirst(2)) }), options[name] != nil {
            options[name] = arguments[arguments.startIndex + 1]
            arguments.removeFirst(2)
        }
        guard arguments.isEmpty else { throw Failure(description: "`\(command)`: \(arguments.joined(separator: " ")) cannot be recomputed in a test") }
        guard var config = DRAWConfig.presets.first(where: { $0.name == options["preset"] })?.config,
              let seed = UInt64(options["seed"]!), let index = Int(options["index"]!), let step = Int(options["step"]!),
              let images = testSet else { throw Failure(description: "`\(command)`: bad option value, or no test images") }
        if words.contains("--no-attention") { config.attention = false }
        // The CLI runs in Float. Here the same Float parameters and noise run in Double, which is several
        // times faster in a debug build and agrees with Float to far more digits than the trace prints.
        let floatModel = DRAWModel<Float>.initialized(config: config, seed: seed), model = floatModel.converted(to: Double.self)
        var floatNoise = DRAWForwardCache<Float>(config: config, batchSize: 1)
        var generator = SeededGenerator(seed: seed + 1)
        floatModel.fillNoise(cache: &floatNoise, generator: &generator)
        var cache = DRAWForwardCache<Double>(config: config, batchSize: 1)
        for t in 0..<config.timesteps { cache.steps[t].latent.noise = floatNoise.steps[t].latent.noise.converted(to: Double.self) }
        let image = images.pixels[index * config.imageSize..<(index + 1) * config.imageSize].map(Double.init)
        model.forward(image: Matrix(rows: 1, columns: config.imageSize, storage: image), cache: &cache)
        let now = cache.steps[step - 1], previousCanvas = step == 1 ? cache.initialCanvas : cache.steps[step - 2].canvas
        let row = config.height / 2 + 1, columns = (config.width / 2 - 8)...(config.width / 2 + 1)
        func pixels(_ values: [Double]) -> [Double] { columns.map { values[(row - 1) * config.width + $0 - 1] } }
        func line(_ label: String, _ values: [Double]) -> String { ([label] + values.map { String(format: "%.4f", $0) }).joined(separator: " ") }
        let t = "\(step)", before = "\(step - 1)", shown = min(config.latentSize, 10)
        let units = shown < config.latentSize ? ", units 1...\(shown)" : ""
        let digit = index < labels.count ? "digit \(labels[index])" : "no label"
        var lines = ["trace  test image \(index) (\(digit)), step t = \(step) of T = \(config.timesteps)",
                     "model  fresh \(options["preset"]!) model, parameters from seed \(seed): \(config.summary)",
                     "noise  epsilon_1...epsilon_T from seed \(seed + 1)", "",
                     "Eq. 3  image row b = \(row), columns a = \(columns.lowerBound)...\(columns.upperBound)",
                     line("x", pixels(image)), line("sigmoid(c_\(before))", pixels(previousCanvas.storage.map(sigmoid))),
                     line("x_hat_\(t) = x - sigmoid(c_\(before))", pixels(now.errorImage.storage)), ""]
        func window(_ name: String, _ source: String, _ attention: AttentionStepCache<Double>, _ n: Int) -> [String] {
            let values = attention.window.storage, offsets = (1...n).map { Double($0) - Double(n) / 2 - 0.5 }
            return [line("Eq. 21  \(name) (g~X, g~Y, log sigma^2, log delta~, log gamma) = W \(source) + b", attention.parameters.storage),
                    line("Eq. 22-24  \(name) (g_X, g_Y, sigma^2, delta, gamma)", values),
                    line("Eq. 19  \(name) mu_X^i, i = 1...\(n)", offsets.map { values[0] + $0 * values[3] }),
                    line("Eq. 20  \(name) mu_Y^j, j = 1...\(n)", offsets.map { values[1] + $0 * values[3] }), ""]
        }
        if config.attention {
            let n = config.readSize
            lines += window("read", "h^dec_\(before)", now.readAttention, n)
            for (half, name) in ["x", "x_hat_\(t)"].enumerated() {
                lines.append("Eq. 27  glimpse of \(name), gamma F_Y \(name) F_X^T, \(n) x \(n):")
                lines += (0..<n).map { line("  row i = \($0 + 1)", Array(now.glimpse.storage[(half * n + $0) * n..<(half * n + $0 + 1) * n])) }
            }
        } else {
            lines.append("Eq. 17  r_\(t) = [x, x_hat_\(t)]: \(now.glimpse.count) values, no attention")
        }
        func norm(_ matrix: Matrix<Double>) -> [Double] { [matrix.sumOfSquares.squareRoot()] }
        lines += ["", line("Eq. 5  |h^enc_\(t)|", norm(now.encoder.hidden)),
                  line("Eq. 1  mu_\(t)\(units)", Array(now.latent.mu.storage.prefix(shown))),
                  line("Eq. 2  sigma_\(t) = exp(log sigma_\(t))", Array(now.latent.sigma.storage.prefix(shown))),
                  line("Eq. 6  epsilon_\(t)", Array(now.latent.noise.storage.prefix(shown))),
                  line("Eq. 6  z_\(t) = mu_\(t) + sigma_\(t) epsilon_\(t)", Array(now.latent.z.storage.prefix(shown))),
                  line("Eq. 7  |h^dec_\(t)|", norm(now.decoder.hidden)), ""]
        if config.attention { lines += window("write", "h^dec_\(t)", now.writeAttention, config.writeSize) }
        let change = zip(now.canvas.storage, previousCanvas.storage).map { $0 - $1 }
        return lines + [line("Eq. 8  c_\(t) - c_\(before) on row b = \(row)", pixels(change)),
                        line("Eq. 8  sum of |c_\(t) - c_\(before)|, largest", [change.map(abs).reduce(0, +), change.map(abs).max() ?? 0]), "",
                        line("Eq. 11  KL term of step \(t)", [cache.klPerStep[step - 1]]),
                        line("Eq. 9  L^x = -log D(x | c_\(config.timesteps))", [cache.reconstructionLoss[0]]),
                        line("Eq. 10-11  L^z over \(config.timesteps) steps", [cache.latentLoss[0]]),
                        line("Eq. 12  L = L^x + L^z", [cache.reconstructionLoss[0] + cache.latentLoss[0]])]
    }
}
