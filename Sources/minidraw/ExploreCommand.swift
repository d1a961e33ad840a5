import MiniDRAW

/// `minidraw explore`: one self-contained HTML page to play with DRAW: the drawing step by step, and
/// an attention window placed by hand (Eq. 19-29) that the page computes and checks itself.
enum ExploreCommand: Command {
    static let spec = CommandSpec(name: "explore", summary: "one self-contained page to play with: the drawing step by step, attention by hand", options: [
        .value("checkpoint", placeholder: "PATH", help: VisualArguments.checkpointHelp),
        .value("count", placeholder: "N", help: "test images redrawn step by step (the attention sandbox reads them too)", defaultValue: "4"),
        .value("first", placeholder: "INDEX", help: "index of the first test image (0-based)", defaultValue: "0"),
        .value("samples", placeholder: "N", help: "images drawn from the prior step by step (Eq. 13-16)", defaultValue: "4"),
        .value("seed", placeholder: "N", help: "seed for epsilon_t (Eq. 6) and the prior's z_t (Eq. 13)", defaultValue: "1"),
        CommandConfig.datasetOption(help: "test images of (default: the checkpoint's)"),
        DataArguments.data,
        .value("out", placeholder: "DIR", help: "output folder of \(ExplorePage.fileName) (default: <run>/explore, or runs/explore without a run)"),
        VisualArguments.overwrite,
    ])

    static func run(_ parsed: ParsedCommand) throws {
        let source = try ModelSource.resolve(checkpoint: parsed.optionalString("checkpoint"))
        let (model, metadata) = try source.load()
        let data = try DataArguments.runData(parsed, for: model.config, metadata: metadata, modelPath: source.modelPath)
        let first = try parsed.nonNegativeInt("first"), count = try parsed.positiveInt("count")
        let options = ExplorePage.Options(firstImageNumber: first, sampleCount: try parsed.nonNegativeInt("samples"),
                                          seed: try CommonOptions.seed(parsed), overwrite: parsed.flag("overwrite"))
        // Test images are a pure function of their index, so only the first `first + count` are made.
        let testSet = data.evaluationImages(split: .test, count: first + count)
        guard first < testSet.imageCount else {
            throw CommandLineError("--first must be below the test set's \(testSet.imageCount) images, got \(first)")
        }
        let images = try testSet.slice(first: first, count: count)
        let directory = parsed.optionalString("out") ?? source.outputDirectory("explore")
        print("model   \(source.modelPath): \(model.config.summary)")
        print("data    \(data.summary)")
        let page = try ExplorePage.write(model: model, modelName: source.modelPath, images: images, directory: directory,
                                         options: options)
        print(String(format: "page    test images %d-%d and %d samples, drawn by the paper model; %.2f MB",
                     first, first + images.imageCount - 1, options.sampleCount, Double(page.bytes) / 1_000_000))
        VisualArguments.printWritten([page.path], into: directory)
    }
}
