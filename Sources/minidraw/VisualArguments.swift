import MiniDRAW

/// Options shared by the picture-making commands (sample, reconstruct, attention-demo, report).
enum VisualArguments {
    /// `--checkpoint`'s help line, naming the default order of `ModelSource.resolve`.
    static let checkpointHelp = "model file or run folder (default: \(ModelSource.pretrainedPath) if present, else newest in \(ModelSource.defaultRun))"

    /// `--overwrite`: the only way these commands replace a file. Without it they check every file
    /// they would write and stop, before writing any, when one is already there.
    static let overwrite = CommandOption.flag("overwrite", help: "replace files already there (without it, one stops the command before it writes anything)")

    /// Prints how many files went where, and the first few and the animations by name.
    static func printWritten(_ paths: [String], into directory: String) {
        print("wrote \(paths.count) files to \(directory)")
        let shown = paths.filter { $0.hasSuffix(".gif") || $0.hasSuffix(".html") || $0.hasSuffix(".svg") || $0.contains("final") }
        for path in shown { print("  \(path)") }
    }
}
