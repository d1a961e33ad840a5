import MiniDRAW

/// `minidraw export-images`: any data set `--data` reads, written as a folder of PNG files.
enum ExportImagesCommand: Command {
    static let spec = CommandSpec(name: "export-images", summary: "write a data set's images as PNG files (train/, valid/, test/)", options: [
        .value("out", placeholder: "DIR", help: "folder to write into (must be new or empty)"),
        DataArguments.data,
        CommandConfig.datasetOption(help: "images to export (default: mnist, the --data images as they are)"),
        DataArguments.pixels,
        .value("split", placeholder: "NAME", help: "train, valid, test or all", defaultValue: "all"),
        .value("count", placeholder: "N", help: "first N images of each split (default: all)"),
        .value("seed", placeholder: "N", help: "seed of the training images (stochastic pixels, generated sets), as train's", defaultValue: "1"),
    ])

    static func run(_ parsed: ParsedCommand) throws {
        guard let directory = parsed.optionalString("out") else { throw CommandLineError("--out DIR is required: the folder to write the PNG files into") }
        let splitName = try parsed.string("split")
        guard let splits = splitName == "all" ? ImageData.Split.allCases : ImageData.Split(rawValue: splitName).map({ [$0] }) else {
            throw CommandLineError("--split must be train, valid, test or all, got \"\(splitName)\"")
        }
        let count = parsed.isGiven("count") ? try parsed.positiveInt("count") : nil
        let seed = try CommonOptions.seed(parsed)
        try ImageExport.checkDestination(directory)
        let (images, _) = try DataArguments.images(parsed, saved: nil)
        let data = try RunData(dataset: CommandConfig.dataset(parsed) ?? .mnist, images: images,
                               pixels: DataArguments.pixels(parsed, saved: nil))
        print("data    \(data.summary)")
        let written = try ImageExport.write(data, splits: splits, count: count, seed: seed, directory: directory)
        let total = written.reduce(0) { $0 + $1.count }
        print("wrote \(total) PNG files (\(data.shapeDescription)) to \(directory): "
              + written.map { "\($0.split.rawValue)/ \($0.count)" }.joined(separator: ", "))
    }
}
