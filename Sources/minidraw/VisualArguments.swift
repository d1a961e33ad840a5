import MiniDRAW

/// Options shared by the picture-making commands (sample, reconstruct, attention-demo, report).
enum VisualArguments {
    /// `--checkpoint`'s help line, naming the default order of `ModelSource.resolve`.
    static let checkpointHelp = "model file or run folder (default: \(ModelSource.pretrainedPath) if present, else newest in \(ModelSource.defaultRun))"

    /// Prints how many files went where, and the first few and the animations by name.
    static func printWritten(_ paths: [String], into directory: String) {
        print("wrote \(paths.count) files to \(directory)")
        let shown = paths.filter { $0.hasSuffix(".gif") || $0.hasSuffix(".html") || $0.hasSuffix(".svg") || $0.contains("final") }
        for path in shown { print("  \(path)") }
    }
}
