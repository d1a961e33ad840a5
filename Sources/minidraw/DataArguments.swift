import Foundation
import MiniDRAW

/// `--data PATH` and `--pixels MODE`, for the commands that train on, evaluate on or export images.
enum DataArguments {
    /// `--data PATH`: any format `ImageData.open` recognises.
    static let data = CommandOption.value("data", placeholder: "PATH", help: "images: a binarized-MNIST or IDX folder, CIFAR-10 "
                                          + "batches, or a folder of PNG/PGM/PPM (default: the checkpoint's, else Data/binarized-mnist)")
    /// `--pixels MODE`: how values become targets.
    static let pixels = CommandOption.value("pixels", placeholder: "MODE", help: "targets from pixel values: "
                                            + "\(PixelTargets.names) (default: the data's)")

    /// The images at `--data`, else at `saved` (the `--data` a checkpoint trained on, which `savedBy`
    /// names), else the shipped binarized MNIST; and the path given or saved (nil for the shipped data).
    static func images(_ parsed: ParsedCommand, saved: String?, savedBy: String? = nil) throws -> (images: ImageData, path: String?) {
        if let path = parsed.optionalString("data") { return (try ImageData.open(path), path) }
        if let saved {
            guard FileManager.default.fileExists(atPath: saved) else {
                throw CommandLineError("\(savedBy ?? "the checkpoint") was trained on --data \(saved), which does not exist here; "
                                       + "give --data PATH")
            }
            return (try ImageData.open(saved), saved)
        }
        return (try ImageData.open(BinarizedMNIST.findDirectory()), nil)
    }

    /// `--pixels` if given, else `saved`; given and different from `saved` (a resumed run's rule) is refused.
    static func pixels(_ parsed: ParsedCommand, saved: PixelTargets?) throws -> PixelTargets? {
        let given = try parsed.optionalString("pixels").map { try PixelTargets.named($0) }
        if let given, let saved, given != saved {
            throw CommandLineError("--pixels \(given.rawValue) conflicts with the resumed checkpoint, which trains on "
                                   + "\(saved.rawValue) targets; drop --pixels")
        }
        return given ?? saved
    }

    /// The images a saved model is evaluated on: `--data`, else the data its file names (`data`
    /// metadata), else the shipped MNIST; as `--dataset`, else the saved data set, else the one of the
    /// model's shape (files from before data sets had names), else the images as they are; with the
    /// saved pixel rule. Refuses images that are not the model's shape.
    static func runData(_ parsed: ParsedCommand, for config: DRAWConfig, metadata: [String: String],
                        modelPath: String) throws -> RunData {
        let (images, _) = try images(parsed, saved: metadata["data"], savedBy: modelPath)
        let saved = try savedNames(metadata, modelPath: modelPath)
        let dataset = try CommandConfig.dataset(parsed) ?? saved.dataset ?? Dataset.matching(config) ?? .mnist
        let data = try RunData(dataset: dataset, images: images, pixels: saved.pixels)
        try requireFit(data, config: config, modelPath: modelPath)
        return data
    }

    /// The data set and pixel rule a model file's metadata names (nil where it names none); a name
    /// MiniDRAW does not know is refused, naming the file.
    static func savedNames(_ metadata: [String: String], modelPath: String) throws -> (dataset: Dataset?, pixels: PixelTargets?) {
        (try metadata["dataset"].map { try Dataset.named($0, flag: "\(modelPath): metadata dataset") },
         try metadata["pixels"].map { try PixelTargets.named($0, flag: "\(modelPath): metadata pixels") })
    }

    /// Refuses images of another shape than the model of `config` draws, naming both.
    static func requireFit(_ data: RunData, config: DRAWConfig, modelPath: String) throws {
        guard data.fits(config) else {
            let source = data.dataset == .mnist ? "--data \(data.images.path)" : "--dataset \(data.dataset.rawValue)"
            throw CommandLineError("\(source) has \(data.shapeDescription) images but \(modelPath) "
                                   + "draws \(config.width)x\(config.height)x\(config.channels)")
        }
    }
}
