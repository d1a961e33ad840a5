import Foundation

/// One self-contained HTML page about a training run: the model's config, the latest numbers of
/// its log, the loss and KL plots inline, and generated samples and reconstructions embedded as
/// base64 data URIs. No scripts, fonts or other files are referenced.
package enum RunReport {
    /// What to do about pictures the page shows.
    package struct Options: Sendable {
        /// The binarized MNIST folder for reconstructions (nil: `BinarizedMNIST.findDirectory()`).
        package var dataDirectory: String?
        /// Seed of the samples' and reconstructions' noise.
        package var seed: UInt64
        /// Make samples and reconstructions again even if the run folder has them (replacing them).
        package var refresh: Bool
        /// Replace report.html, and the files of samples/ or reconstructions/ made again because some
        /// were missing (else any of them already there stops the report before it writes anything).
        /// loss.svg and kl.svg are the log drawn (`minidraw plot`): reused when at least as new as
        /// log.csv, drawn again from it when older or missing.
        package var overwrite: Bool

        package init(dataDirectory: String? = nil, seed: UInt64 = 1, refresh: Bool = false, overwrite: Bool = false) {
            self.dataDirectory = dataDirectory
            self.seed = seed
            self.refresh = refresh
            self.overwrite = overwrite
        }
    }

    /// Samples drawn for the page (a 10 x 10 grid, as the paper's Figure 7) and test images reconstructed.
    package static let sampleCount = 100
    package static let reconstructionCount = 10

    /// Writes `runDirectory/report.html` (plus loss.svg and kl.svg when missing or older than the log,
    /// and samples/ and reconstructions/ when missing) and returns the paths written. Every file is
    /// checked before the first is written: one already there stops the report unless
    /// `options.overwrite` (or, for samples and reconstructions, `options.refresh`); the plots are
    /// the log drawn, so the report reuses those `minidraw plot` made, or draws them again.
    package static func write(runDirectory: String, options: Options = Options()) throws -> [String] {
        guard FileManager.default.fileExists(atPath: runDirectory) else { throw VisualsError("run folder \(runDirectory) does not exist") }
        guard let modelPath = Checkpoint.newestModelPath(in: runDirectory) else {
            throw VisualsError("\(runDirectory) holds no checkpoint-<step>.safetensors (is it a run folder written by 'minidraw train'?)")
        }
        let table = try TrainingLogTable.load(runDirectory: runDirectory)
        let source = ModelSource(modelPath: modelPath, runDirectory: runDirectory)
        let (model, metadata) = try source.load()

        let samples = source.outputDirectory("samples")
        let sampleOptions = SampleWriter.Options(png: true, gif: true, boxes: model.config.attention, overwrite: true)
        let sampleAnimation = model.config.attention ? "drawing-boxes.gif" : "drawing.gif"
        let sampleSequence = model.config.attention ? "boxes-sequence.png" : "sequence.png"
        let sampleFiles = ["\(samples)/\(sampleAnimation)", "\(samples)/final.png", "\(samples)/\(sampleSequence)"]
        let makesSamples = options.refresh || !sampleFiles.allSatisfy { FileManager.default.fileExists(atPath: $0) }
        let reconstructions = source.outputDirectory("reconstructions")
        let reconstructionOptions = ReconstructionWriter.Options(png: true, gif: true, overwrite: true)
        var testImages: ImageSet?
        if options.refresh || !FileManager.default.fileExists(atPath: "\(reconstructions)/reconstruction.gif") {
            let data = try BinarizedMNIST.findDirectory(explicit: options.dataDirectory)
            testImages = try BinarizedMNIST.load(split: .test, directory: data, expectedHeight: model.config.height,
                                                 expectedWidth: model.config.width).prefix(reconstructionCount)
        }
        let curvesAreCurrent = TrainingCurves.areCurrent(runDirectory: runDirectory)
        var checked = [OutputFiles.path("report.html", in: runDirectory)]
        if makesSamples && !options.refresh {
            checked += SampleWriter.fileNames(config: model.config, options: sampleOptions).map { OutputFiles.path($0, in: samples) }
        }
        if testImages != nil && !options.refresh {
            checked += ReconstructionWriter.fileNames(config: model.config, options: reconstructionOptions)
                .map { OutputFiles.path($0, in: reconstructions) }
        }
        try OutputFiles.checkNew(checked, overwrite: options.overwrite, offersOut: false)

        var written = curvesAreCurrent && !options.overwrite ? [] : try TrainingCurves.write(runDirectory: runDirectory, overwrite: true)
        if makesSamples {
            written += try SampleWriter.write(model: model, count: sampleCount, seed: options.seed, directory: samples,
                                              options: sampleOptions)
        }
        if let testImages {
            written += try ReconstructionWriter.write(model: model, images: testImages, seed: options.seed,
                                                      directory: reconstructions, options: reconstructionOptions).paths
        }

        var settings: TrainingSettings?
        let statePath = String(modelPath.dropLast(".safetensors".count)) + ".state.safetensors"
        if let state = try? SafeTensorsFile(contentsOf: statePath), let json = state.metadata["training"] {
            settings = try? TrainingSettings.fromJSON(json, source: statePath)
        }
        let page = html(title: "MiniDRAW run \(URL(fileURLWithPath: runDirectory).lastPathComponent)",
                        modelPath: modelPath, model: model, metadata: metadata, settings: settings, table: table,
                        plots: [try svgFile("\(runDirectory)/loss.svg"), try svgFile("\(runDirectory)/kl.svg")],
                        figures: [
                            Figure(caption: "Samples from the prior (Eq. 13-16), \(sampleCount) images drawn in \(model.config.timesteps) steps"
                                   + (model.config.attention ? "; red: the write window of each step (Eq. 29)" : ""),
                                   mimeType: "image/gif", bytes: try AtomicFile.read("\(samples)/\(sampleAnimation)")),
                            Figure(caption: "The first \(SampleWriter.sequenceRows) samples step by step, one per row (steps "
                                   + DrawingFrames.sequenceSteps(timesteps: model.config.timesteps).map { "\($0 + 1)" }.joined(separator: ", ") + ")",
                                   mimeType: "image/png", bytes: try AtomicFile.read("\(samples)/\(sampleSequence)")),
                            Figure(caption: "The final canvases sigmoid(c_T)", mimeType: "image/png",
                                   bytes: try AtomicFile.read("\(samples)/final.png")),
                            Figure(caption: "Test images (left of each pair) and the canvas while the model reads and draws them"
                                   + (model.config.attention ? "; green: read window (Eq. 27), red: write window (Eq. 29)" : ""),
                                   mimeType: "image/gif", bytes: try AtomicFile.read("\(reconstructions)/reconstruction.gif")),
                        ])
        let reportPath = "\(runDirectory)/report.html"
        try AtomicFile.write(Array(page.utf8), to: reportPath)
        return written + [reportPath]
    }

    // MARK: - The page

    /// An embedded picture.
    package struct Figure: Sendable {
        package var caption: String
        package var mimeType: String
        package var bytes: [UInt8]

        package init(caption: String, mimeType: String, bytes: [UInt8]) {
            self.caption = caption
            self.mimeType = mimeType
            self.bytes = bytes
        }
    }

    /// The whole page. `plots` are SVG documents, put inline without their XML declaration.
    package static func html<Scalar>(title: String, modelPath: String, model: DRAWModel<Scalar>, metadata: [String: String],
                                     settings: TrainingSettings?, table: TrainingLogTable, plots: [String],
                                     figures: [Figure]) -> String {
        let config = model.config
        var modelRows = [("checkpoint", modelPath), ("trained steps", metadata["step"] ?? "?"),
                         ("image", "\(config.width) x \(config.height), \(config.channels) channel(s)"),
                         ("drawing steps T", "\(config.timesteps)"),
                         ("encoder / decoder LSTM", "\(config.encoderSize) / \(config.decoderSize)"),
                         ("latent size |z|", "\(config.latentSize)"),
                         ("attention", config.attention ? "read \(config.readSize) x \(config.readSize), write \(config.writeSize) x \(config.writeSize) (Eq. 19-29)"
                                                        : "none, whole-image read and write (Eq. 17-18)"),
                         ("parameters", "\(model.parameterCount)")]
        if let settings {
            modelRows += [("batch size", "\(settings.batchSize)"),
                          ("Adam", "learning rate \(settings.adam.learningRate), betas \(settings.adam.beta1) / \(settings.adam.beta2), clip norm \(settings.adam.clipNorm)"),
                          ("seed", "\(settings.seed)"), ("planned steps", "\(settings.totalSteps)")]
            if let decay = settings.averageDecay { modelRows.append(("weight average (Polyak)", "decay \(decay)")) }
        }
        let latest = table.rows.count - 1
        func latestValue(_ name: String) -> String {
            table.column(name)[latest].map { String(format: "%.2f", $0) } ?? "-"
        }
        func lastCheck(_ column: String) -> String? {
            table.points(column).last.map { String(format: "%.2f nats at step %d", $0.y, Int($0.x)) }
        }
        var logRows = [("step", table.column("step")[latest].map { String(Int($0)) } ?? "?"),
                       ("loss L = L^x + L^z (Eq. 12), training batch", latestValue("loss")),
                       ("L^x (Eq. 9) / L^z (Eq. 10)", "\(latestValue("loss_x")) / \(latestValue("loss_z"))"),
                       ("validation bound (Eq. 12)", lastCheck("valid_bound") ?? "not computed yet")]
        // Logged only by runs that ask for them (`TrainingLog`).
        if let training = lastCheck("train_bound") { logRows.append(("bound on the fixed training subset", training)) }
        if let average = lastCheck("valid_bound_average") { logRows.append(("validation bound, weight average", average)) }
        logRows += [("training time", table.column("elapsed_seconds")[latest].map { String(format: "%.0f s", $0) } ?? "-"),
                    ("images per second", latestValue("images_per_second"))]

        var body = ["<h1>\(xmlEscaped(title))</h1>",
                    "<p>DRAW (Gregor et al. 2015, arXiv 1502.04623), trained with MiniDRAW. Values in nats per image.</p>",
                    "<h2>Model and training</h2>", htmlTable(modelRows),
                    "<h2>Latest log row</h2>", htmlTable(logRows),
                    "<h2>Training curves</h2>"]
        body += plots.map { "<div class=\"plot\">\(inlineSVG($0))</div>" }
        body.append("<h2>Drawing</h2>")
        for figure in figures {
            body.append("<figure><img alt=\"\(xmlEscaped(figure.caption))\" src=\"data:\(figure.mimeType);base64,"
                        + Data(figure.bytes).base64EncodedString() + "\"><figcaption>\(xmlEscaped(figure.caption))</figcaption></figure>")
        }
        let style = """
            body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
            table { border-collapse: collapse; margin-bottom: 1em; }
            td { border-bottom: 1px solid #ddd; padding: 4px 12px 4px 0; vertical-align: top; }
            td:first-child { color: #555; }
            .plot svg { max-width: 100%; height: auto; }
            figure { margin: 1em 0; }
            figure img { image-rendering: pixelated; max-width: 100%; border: 1px solid #ccc; }
            figcaption { color: #555; font-size: 90%; }
            """
        return (["<!DOCTYPE html>", "<html lang=\"en\">", "<head>", "<meta charset=\"utf-8\">",
                 "<title>\(xmlEscaped(title))</title>", "<style>", style, "</style>", "</head>", "<body>"]
                + body + ["</body>", "</html>"]).joined(separator: "\n") + "\n"
    }

    static func htmlTable(_ rows: [(String, String)]) -> String {
        "<table>\n" + rows.map { "<tr><td>\(xmlEscaped($0.0))</td><td>\(xmlEscaped($0.1))</td></tr>" }.joined(separator: "\n") + "\n</table>"
    }

    /// An SVG document without its `<?xml ...?>` line, as HTML wants it inline.
    static func inlineSVG(_ document: String) -> String {
        guard document.hasPrefix("<?xml"), let end = document.firstIndex(of: "\n") else { return document }
        return String(document[document.index(after: end)...])
    }

    static func svgFile(_ path: String) throws -> String { String(decoding: try AtomicFile.read(path), as: UTF8.self) }
}
