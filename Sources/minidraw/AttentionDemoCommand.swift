import MiniDRAW

/// `minidraw attention-demo`: one hand-placed attention grid on an image, its glimpse (Eq. 27),
/// the glimpse written back (Eq. 29) and the filterbanks F_X, F_Y (Eq. 25-26): the paper's Figures 3-4.
enum AttentionDemoCommand: Command {
    static let spec = CommandSpec(name: "attention-demo", summary: "place an attention grid by hand: glimpse, write-back, filterbanks", options: [
        .value("image", placeholder: "PATH", help: "a PGM image (P5 or P2) to read from"),
        .value("index", placeholder: "N", help: "else this test image (0-based)", defaultValue: "0"),
        .value("data", placeholder: "DIR", help: "binarized MNIST folder for --index (default: Data/binarized-mnist)"),
        .value("center-x", placeholder: "X", help: "grid centre g_X in 1-based pixels (Eq. 22) (default: (width + 1) / 2)"),
        .value("center-y", placeholder: "Y", help: "grid centre g_Y in 1-based pixels (Eq. 22) (default: (height + 1) / 2)"),
        .value("stride", placeholder: "DELTA", help: "distance delta between filter centres in pixels (Eq. 19-20)", defaultValue: "3"),
        .value("sigma", placeholder: "S", help: "standard deviation of each filter in pixels (sigma^2 of Eq. 25-26 is its square)", defaultValue: "1"),
        .value("gamma", placeholder: "G", help: "intensity gamma (Eq. 27, 29)", defaultValue: "1"),
        .value("grid", placeholder: "N", help: "the grid is N x N filters", defaultValue: "5"),
        .value("scale", placeholder: "K", help: "integer upscaling of the pictures", defaultValue: "8"),
        .value("out", placeholder: "DIR", help: "output folder", defaultValue: "runs/attention-demo"),
        VisualArguments.overwrite,
        .flag("png", help: "also write every picture as PNG"),
    ])

    static func run(_ parsed: ParsedCommand) throws {
        let image: GreyImage
        if let path = parsed.optionalString("image") {
            if parsed.isGiven("index") { throw CommandLineError("give --image or --index, not both") }
            image = try Netpbm.readPGM(path: path)
        } else {
            let dataDirectory = try BinarizedMNIST.findDirectory(explicit: parsed.optionalString("data"))
            let testSet = try BinarizedMNIST.load(split: .test, directory: dataDirectory, expectedHeight: nil, expectedWidth: nil)
            let index = try parsed.nonNegativeInt("index")
            guard index < testSet.imageCount else {
                throw CommandLineError("--index must be below the test set's \(testSet.imageCount) images, got \(index)")
            }
            let one = try testSet.slice(first: index, count: 1)
            image = GreyImage(width: one.width, height: one.height, values: one.pixels)
        }
        let gridText = try parsed.string("grid")
        guard let gridSize = Int(gridText) else { throw CommandLineError("--grid must be a positive integer, got \"\(gridText)\"") }
        let sigma = try parsed.positiveDouble("sigma")
        let window = AttentionWindow(
            centerX: parsed.isGiven("center-x") ? try parsed.double("center-x") : Double(image.width + 1) / 2,
            centerY: parsed.isGiven("center-y") ? try parsed.double("center-y") : Double(image.height + 1) / 2,
            variance: sigma * sigma, stride: try parsed.positiveDouble("stride"), intensity: try parsed.positiveDouble("gamma"))
        let demo = try AttentionDemo(image: image.pixels.map { Float($0) / 255 }, width: image.width, height: image.height,
                                     window: window, gridSize: gridSize)
        let directory = try parsed.string("out")
        let paths = try demo.write(directory: directory, scale: try parsed.positiveInt("scale"), png: parsed.flag("png"),
                                   overwrite: parsed.flag("overwrite"))
        print(String(format: "%d x %d grid at g = (%.2f, %.2f), delta %.2f, sigma %.2f, gamma %.2f on a %dx%d image",
                     gridSize, gridSize, window.centerX, window.centerY, window.stride, sigma, window.intensity,
                     image.width, image.height))
        print(String(format: "written-back image peaks at %.4f (shown scaled to white)", demo.writtenBack.max() ?? 0))
        print("wrote \(paths.count) files to \(directory): " + paths.map { String($0.split(separator: "/").last ?? "") }.joined(separator: " "))
    }
}
