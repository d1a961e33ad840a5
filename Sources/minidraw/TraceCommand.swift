import Foundation
import MiniDRAW

/// `minidraw trace`: the real numbers of one DRAW step (Eq. 1-8, with Eq. 19-29 or 17-18 inside)
/// for one test image, as the tutorial's chapter 4 walks through them.
///
/// Every value line is `label  numbers`, so Tutorial/04-the-draw-loop.md can quote the output and
/// `TutorialTests` can recompute each number through the library.
enum TraceCommand: Command {
    static let spec = CommandSpec(name: "trace", summary: "print the numbers of one DRAW step (Eq. 1-8) for one test image", options: [
        .value("checkpoint", placeholder: "PATH", help: "model file or run folder (default: a freshly initialised model)"),
        .value("preset", placeholder: "NAME", help: "preset of the fresh model: small, paperMNIST, paperMNISTNoAttention", defaultValue: "small"),
        .flag("no-attention", help: "fresh model without attention: read and write whole images (Eq. 17-18)"),
        .value("seed", placeholder: "N", help: "the fresh model's parameters come from seed N, the noise epsilon from N + 1", defaultValue: "1"),
        .value("index", placeholder: "N", help: "test image (0-based)", defaultValue: "0"),
        .value("step", placeholder: "T", help: "which drawing step t to show (1-based)", defaultValue: "1"),
        CommonOptions.data,
    ])

    static func run(_ parsed: ParsedCommand) throws {
        let seed = try CommonOptions.seed(parsed)
        let model: DRAWModel<Float>
        let origin: String
        if let argument = parsed.optionalString("checkpoint") {
            if parsed.isGiven("preset") || parsed.flag("no-attention") {
                throw CommandLineError("--preset and --no-attention describe a fresh model; drop them with --checkpoint")
            }
            let path = try CheckpointArgument.modelPath(argument)
            model = try Checkpoint.loadModel(path: path)
            origin = "checkpoint \(path)"
        } else {
            let name = try parsed.string("preset")
            guard var config = DRAWConfig.presets.first(where: { $0.name == name })?.config else {
                let names = DRAWConfig.presets.map(\.name).joined(separator: ", ")
                throw CommandLineError("--preset must be one of \(names), got \"\(name)\"")
            }
            if parsed.flag("no-attention") { config.attention = false }
            model = DRAWModel<Float>.initialized(config: config, seed: seed)
            origin = "fresh \(name) model, parameters from seed \(seed)"
        }
        let config = model.config
        let step = try parsed.positiveInt("step")
        guard step <= config.timesteps else {
            throw CommandLineError("--step must be between 1 and the model's T = \(config.timesteps), got \(step)")
        }
        let directory = try BinarizedMNIST.findDirectory(explicit: parsed.optionalString("data"))
        let testSet = try BinarizedMNIST.load(split: .test, directory: directory,
                                              expectedHeight: config.height, expectedWidth: config.width)
        let labels = try BinarizedMNIST.loadTestLabels(directory: directory)
        let index = try parsed.nonNegativeInt("index")
        guard index < testSet.imageCount else {
            throw CommandLineError("--index must be below the test set's \(testSet.imageCount) images, got \(index)")
        }
        let pixels = Array(testSet.pixels[index * config.imageSize..<(index + 1) * config.imageSize])
        let digit = index < labels.count ? "digit \(labels[index])" : "no label"
        print("trace  test image \(index) (\(digit)), step t = \(step) of T = \(config.timesteps)")
        print("model  \(origin): \(config.summary)")
        print("noise  epsilon_1...epsilon_T from seed \(seed + 1)")
        for line in traceLines(model: model, image: pixels, noiseSeed: seed + 1, step: step) { print(line) }
    }

    // MARK: - The numbers

    /// The value lines for step `step` (1-based) of one forward pass on `image` [imageSize].
    static func traceLines(model: DRAWModel<Float>, image: [Float], noiseSeed: UInt64, step: Int) -> [String] {
        let config = model.config
        var cache = DRAWForwardCache<Float>(config: config, batchSize: 1)
        var generator = SeededGenerator(seed: noiseSeed)
        model.fillNoise(cache: &cache, generator: &generator)
        model.forward(image: Matrix(rows: 1, columns: config.imageSize, storage: image), cache: &cache)
        let now = cache.steps[step - 1]
        let previousCanvas = step == 1 ? cache.initialCanvas : cache.steps[step - 2].canvas
        // Ten pixels of the image row through the middle, left of centre (1-based b and a as in the paper).
        let row = config.height / 2 + 1, columns = (config.width / 2 - 8)...(config.width / 2 + 1)
        func pixelsOfRow(_ values: [Float]) -> [Float] { columns.map { values[(row - 1) * config.width + $0 - 1] } }
        let t = "\(step)", before = "\(step - 1)"
        var lines = ["", "Eq. 3  image row b = \(row), columns a = \(columns.lowerBound)...\(columns.upperBound)",
                     line("x", pixelsOfRow(image)),
                     line("sigmoid(c_\(before))", pixelsOfRow(previousCanvas.storage.map(sigmoid))),
                     line("x_hat_\(t) = x - sigmoid(c_\(before))", pixelsOfRow(now.errorImage.storage)), ""]
        if config.attention {
            lines += windowLines("read", from: "h^dec_\(before)", cache: now.readAttention, geometry: model.readGeometry)
            let n = config.readSize
            for (half, name) in ["x", "x_hat_\(t)"].enumerated() {
                lines.append("Eq. 27  glimpse of \(name), gamma F_Y \(name) F_X^T, \(n) x \(n):")
                for i in 0..<n {
                    lines.append(line("  row i = \(i + 1)", Array(now.glimpse.storage[(half * n + i) * n..<(half * n + i + 1) * n])))
                }
            }
        } else {
            lines.append("Eq. 17  r_\(t) = [x, x_hat_\(t)]: \(now.glimpse.count) values, no attention")
        }
        let norm = { (matrix: Matrix<Float>) in [Float(matrix.sumOfSquares.squareRoot())] }
        let shown = min(config.latentSize, 10)                      // the first ten latent units at most
        let units = shown < config.latentSize ? ", units 1...\(shown)" : ""
        func latent(_ matrix: Matrix<Float>) -> [Float] { Array(matrix.storage.prefix(shown)) }
        lines += ["", line("Eq. 5  |h^enc_\(t)|", norm(now.encoder.hidden)),
                  line("Eq. 1  mu_\(t)\(units)", latent(now.latent.mu)),
                  line("Eq. 2  sigma_\(t) = exp(log sigma_\(t))", latent(now.latent.sigma)),
                  line("Eq. 6  epsilon_\(t)", latent(now.latent.noise)),
                  line("Eq. 6  z_\(t) = mu_\(t) + sigma_\(t) epsilon_\(t)", latent(now.latent.z)),
                  line("Eq. 7  |h^dec_\(t)|", norm(now.decoder.hidden)), ""]
        if config.attention {
            lines += windowLines("write", from: "h^dec_\(t)", cache: now.writeAttention, geometry: model.writeGeometry)
        }
        let change = zip(now.canvas.storage, previousCanvas.storage).map { $0 - $1 }
        lines += [line("Eq. 8  c_\(t) - c_\(before) on row b = \(row)", pixelsOfRow(change)),
                  line("Eq. 8  sum of |c_\(t) - c_\(before)|, largest", [change.map(abs).reduce(0, +), change.map(abs).max() ?? 0]),
                  "",
                  line("Eq. 11  KL term of step \(t)", [Float(cache.klPerStep[step - 1])]),
                  line("Eq. 9  L^x = -log D(x | c_\(config.timesteps))", [cache.reconstructionLoss[0]]),
                  line("Eq. 10-11  L^z over \(config.timesteps) steps", [cache.latentLoss[0]]),
                  line("Eq. 12  L = L^x + L^z", [cache.reconstructionLoss[0] + cache.latentLoss[0]])]
        return lines
    }

    /// Eq. 21's five outputs, the window after Eq. 22-24 and the grid means of Eq. 19-20.
    static func windowLines(_ name: String, from source: String, cache: AttentionStepCache<Float>,
                            geometry: AttentionGeometry) -> [String] {
        let window = cache.window.storage
        let centerX = window[AttentionParameter.centerX], centerY = window[AttentionParameter.centerY]
        let stride = window[AttentionParameter.stride]
        let offsets = (1...geometry.gridSize).map { Float($0) - Float(geometry.gridSize) / 2 - 0.5 }
        return [line("Eq. 21  \(name) (g~X, g~Y, log sigma^2, log delta~, log gamma) = W \(source) + b", cache.parameters.storage),
                line("Eq. 22-24  \(name) (g_X, g_Y, sigma^2, delta, gamma)", window),
                line("Eq. 19  \(name) mu_X^i, i = 1...\(geometry.gridSize)", offsets.map { centerX + $0 * stride }),
                line("Eq. 20  \(name) mu_Y^j, j = 1...\(geometry.gridSize)", offsets.map { centerY + $0 * stride }), ""]
    }

    /// `label` padded to a column, then the values with four decimals.
    static func line(_ label: String, _ values: [Float]) -> String {
        let padded = label.count >= 56 ? label + " " : label.padding(toLength: 56, withPad: " ", startingAt: 0)
        return padded + values.map { String(format: "%8.4f", $0) }.joined(separator: " ")
    }
}
