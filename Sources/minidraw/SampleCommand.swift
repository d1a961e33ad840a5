import MiniDRAW

/// `minidraw sample`: images generated from the prior (Eq. 13-16), one grid frame per drawing step.
enum SampleCommand: Command {
    static let spec = CommandSpec(name: "sample", summary: "generate images from the prior, one grid frame per drawing step", options: [
        .value("checkpoint", placeholder: "PATH", help: VisualArguments.checkpointHelp),
        .value("count", placeholder: "N", help: "images to draw, tiled in a nearly square grid", defaultValue: "100"),
        .value("seed", placeholder: "N", help: "seed for z_t ~ N(0, I) (Eq. 13)", defaultValue: "1"),
        .value("out", placeholder: "DIR", help: "output folder (default: <run>/samples, or runs/samples without a run)"),
        VisualArguments.overwrite,
        .flag("png", help: "also write every frame as PNG"),
        .flag("gif", help: "also write the animation drawing.gif (last frame held 2 s)"),
        .flag("boxes", help: "also write colour frames with each image's write window in red (boxes-frame-*.ppm)"),
        .value("scale", placeholder: "K", help: "integer upscaling (default: 1, or 2 with --boxes; images under 28 pixels enough to show them at 28 or more)"),
        CommonOptions.engine,
    ])

    static func run(_ parsed: ParsedCommand) throws {
        let engine = try CommonOptions.engine(parsed)
        let source = try ModelSource.resolve(checkpoint: parsed.optionalString("checkpoint"))
        let (model, _) = try source.load()
        let options = SampleWriter.Options(png: parsed.flag("png"), gif: parsed.flag("gif"), boxes: parsed.flag("boxes"),
                                           scale: parsed.isGiven("scale") ? try parsed.positiveInt("scale") : nil,
                                           overwrite: parsed.flag("overwrite"))
        let directory = parsed.optionalString("out") ?? source.outputDirectory("samples")
        let count = try parsed.positiveInt("count"), seed = try CommonOptions.seed(parsed)
        // Every flag is read above: a bad one is refused before anything is printed.
        print("model   \(source.modelPath): \(model.config.summary); \(engine) engine")
        let paths = try SampleWriter.write(model: model, count: count, seed: seed, directory: directory, options: options, engine: engine)
        VisualArguments.printWritten(paths, into: directory)
    }
}
