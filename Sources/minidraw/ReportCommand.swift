import MiniDRAW

/// `minidraw report RUN_DIR`: one self-contained report.html about a run.
enum ReportCommand: Command {
    static let spec = CommandSpec(
        name: "report", summary: "a self-contained report.html: config, curves, samples, reconstructions",
        options: [
            .value("data", placeholder: "DIR", help: "binarized MNIST folder for reconstructions (default: Data/binarized-mnist)"),
            .value("seed", placeholder: "N", help: "seed for samples and reconstructions made for the page", defaultValue: "1"),
            .flag("refresh", help: "remake samples/ and reconstructions/ even if present, replacing them"),
            .flag("overwrite", help: "replace report.html if present (without it, it stops the report before it writes "
                  + "anything) and draw loss.svg and kl.svg again; without it the report reuses those 'minidraw plot' made "
                  + "unless the log is newer"),
        ],
        positionals: [.required("RUN_DIR", help: "a run folder written by 'minidraw train'")])

    static func run(_ parsed: ParsedCommand) throws {
        let runDirectory = try parsed.positional("RUN_DIR")
        let options = RunReport.Options(dataDirectory: parsed.optionalString("data"), seed: try CommonOptions.seed(parsed),
                                        refresh: parsed.flag("refresh"), overwrite: parsed.flag("overwrite"))
        let paths = try RunReport.write(runDirectory: runDirectory, options: options)
        VisualArguments.printWritten(paths, into: runDirectory)
    }
}
