import MiniDRAW

/// `minidraw plot RUN_DIR`: the run's training curves from log.csv as SVG.
enum PlotCommand: Command {
    static let spec = CommandSpec(
        name: "plot", summary: "loss.svg and kl.svg from a run's log.csv",
        options: [.value("out", placeholder: "DIR", help: "output folder (default: the run folder)"), VisualArguments.overwrite],
        positionals: [.required("RUN_DIR", help: "a run folder written by 'minidraw train'")])

    static func run(_ parsed: ParsedCommand) throws {
        let runDirectory = try parsed.positional("RUN_DIR")
        let paths = try TrainingCurves.write(runDirectory: runDirectory, directory: parsed.optionalString("out"),
                                             overwrite: parsed.flag("overwrite"))
        for path in paths { print("wrote \(path)") }
    }
}
