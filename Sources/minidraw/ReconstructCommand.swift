import MiniDRAW

/// `minidraw reconstruct`: test images read and redrawn by the full model, step by step with its attention windows.
enum ReconstructCommand: Command {
    static let spec = CommandSpec(name: "reconstruct", summary: "redraw test images step by step, with read and write windows", options: [
        .value("checkpoint", placeholder: "PATH", help: VisualArguments.checkpointHelp),
        .value("count", placeholder: "N", help: "test images to reconstruct", defaultValue: "10"),
        .value("first", placeholder: "INDEX", help: "index of the first test image (0-based)", defaultValue: "0"),
        .value("seed", placeholder: "N", help: "seed for the noise epsilon_t (Eq. 6)", defaultValue: "1"),
        CommandConfig.datasetOption(help: "test images of (default: the checkpoint's)"),
        DataArguments.data,
        .value("out", placeholder: "DIR", help: "output folder (default: <run>/reconstructions, or runs/reconstructions without a run)"),
        VisualArguments.overwrite,
        .flag("png", help: "also write every frame as PNG"),
        .flag("gif", help: "also write the animation reconstruction.gif (last frame held 2 s)"),
        .value("scale", placeholder: "K", help: "integer upscaling", defaultValue: "2"),
        CommonOptions.engine,
    ])

    static func run(_ parsed: ParsedCommand) throws {
        let engine = try CommonOptions.engine(parsed)
        let source = try ModelSource.resolve(checkpoint: parsed.optionalString("checkpoint"))
        let (model, metadata) = try source.load()
        let data = try DataArguments.runData(parsed, for: model.config, metadata: metadata, modelPath: source.modelPath)
        let first = try parsed.nonNegativeInt("first"), count = try parsed.positiveInt("count")
        // Test images are a pure function of their index, so only the first `first + count` are made.
        let testSet = data.evaluationImages(split: .test, count: first + count)
        guard first < testSet.imageCount else {
            throw CommandLineError("--first must be below the test set's \(testSet.imageCount) images, got \(first)")
        }
        let images = try testSet.slice(first: first, count: count)
        let directory = parsed.optionalString("out") ?? source.outputDirectory("reconstructions")
        let seed = try CommonOptions.seed(parsed)
        let options = ReconstructionWriter.Options(png: parsed.flag("png"), gif: parsed.flag("gif"), scale: try parsed.positiveInt("scale"),
                                                   overwrite: parsed.flag("overwrite"))
        // Every flag is read above: a bad one is refused before anything is printed.
        print("model   \(source.modelPath): \(model.config.summary); \(engine) engine")
        print("data    \(data.summary)")
        let result = try ReconstructionWriter.write(model: model, images: images, seed: seed, directory: directory,
                                                    options: options, engine: engine)
        print(String(format: "test images %d-%d: L^x %.2f + L^z %.2f = %.2f nats (Eq. 9-12, this noise)", first,
                     first + images.imageCount - 1, result.reconstructionLoss, result.latentLoss,
                     result.reconstructionLoss + result.latentLoss))
        VisualArguments.printWritten(result.paths, into: directory)
    }
}
