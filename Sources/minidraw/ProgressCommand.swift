import Foundation
import MiniDRAW

/// `minidraw progress RUN_DIR,...`: the validation bound of one or more runs against training
/// hours and epochs, with the paper's Table 2 bounds as lines.
enum ProgressCommand: Command {
    static let spec = CommandSpec(
        name: "progress", summary: "validation bound against hours and epochs for runs, beside the paper's bounds (SVG)",
        options: [
            .value("names", placeholder: "LIST", help: "comma-separated legend names (default: the folder names)"),
            .value("paper", placeholder: "LIST", help: "comma-separated paper bounds, one per run, e.g. 80.97,87.40 (Table 2)"),
            .value("batch-size", placeholder: "N", help: "images per training step", defaultValue: "100"),
            .value("epoch-images", placeholder: "N", help: "training images per epoch", defaultValue: "50000"),
            .value("out", placeholder: "DIR", help: "output folder", defaultValue: "runs/progress"),
            VisualArguments.overwrite,
        ],
        positionals: [.required("RUN_DIRS", help: "comma-separated run folders written by 'minidraw train'")])

    static func run(_ parsed: ParsedCommand) throws {
        let folders = try parsed.positional("RUN_DIRS").split(separator: ",").map(String.init)
        let names = parsed.optionalString("names").map { $0.split(separator: ",").map(String.init) }
            ?? folders.map { URL(fileURLWithPath: $0).lastPathComponent }
        let bounds: [Double?] = try parsed.optionalString("paper").map { text in
            try text.split(separator: ",").map { field in
                guard let bound = Double(field), bound.isFinite, bound > 0 else {
                    throw CommandLineError("--paper must list positive numbers, got \"\(field)\"")
                }
                return bound
            }
        } ?? folders.map { _ in nil }
        guard names.count == folders.count, bounds.count == folders.count else {
            throw CommandLineError("--names and --paper need one entry per run folder (\(folders.count)), got \(names.count) and \(bounds.count)")
        }
        let batchSize = try parsed.positiveInt("batch-size"), epochImages = try parsed.positiveInt("epoch-images")
        let runs = try folders.indices.map { index in
            TrainingCurves.ProgressRun(name: names[index], table: try TrainingLogTable.load(runDirectory: folders[index]),
                                       paperBound: bounds[index], batchSize: batchSize, epochImages: epochImages)
        }
        for path in try TrainingCurves.writeProgress(runs, directory: try parsed.string("out"), overwrite: parsed.flag("overwrite")) {
            print("wrote \(path)")
        }
    }
}
