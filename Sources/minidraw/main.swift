import Foundation
import MiniDRAW

/// `minidraw <command> [options]`: each command lives in its own file and is listed here.
let commands: [any Command.Type] = [
    TrainCommand.self,
    EvalCommand.self,
    BenchCommand.self,
    SampleCommand.self,
    ReconstructCommand.self,
    ExportImagesCommand.self,
    AttentionDemoCommand.self,
    ExploreCommand.self,
    PlotCommand.self,
    ProgressCommand.self,
    ReportCommand.self,
    TraceCommand.self,
    ClassifyCommand.self,
    DrawingOrderCommand.self,
    AverageCommand.self,
]

/// One subcommand of the tool.
protocol Command {
    static var spec: CommandSpec { get }
    static func run(_ parsed: ParsedCommand) throws
}

@MainActor
func printUsage() {
    var lines = ["MiniDRAW: DRAW (Gregor et al. 2015) in pure Swift.", "", "usage: minidraw <command> [options]", "", "commands:"]
    let width = commands.map { $0.spec.name.count }.max() ?? 0
    for command in commands {
        lines.append("  \(command.spec.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(command.spec.summary)")
    }
    lines.append("")
    lines.append("'minidraw <command> --help' lists a command's options and their defaults.")
    print(lines.joined(separator: "\n"))
}

/// Prints `minidraw: message` on stderr and exits with status 1.
func fail(_ message: String) -> Never {
    writeToStandardError("minidraw: \(message)\n")
    exit(1)
}

/// Writes `text` on standard error after what `print` has buffered for standard output: into a pipe
/// or a file, C buffers standard output in blocks, so without this the header lines a command prints
/// there would reach a shared log after the progress lines written here since.
func writeToStandardError(_ text: String) {
    fflush(nil)                                       // every C output stream, standard output among them
    FileHandle.standardError.write(Data(text.utf8))
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, !["-h", "--help", "help"].contains(name) else {
    printUsage()
    exit(arguments.isEmpty ? 1 : 0)
}
guard let command = commands.first(where: { $0.spec.name == name }) else {
    fail("unknown command '\(name)' (see 'minidraw --help')")
}
do {
    let parsed = try command.spec.parse(Array(arguments.dropFirst()))
    if parsed.helpRequested {
        print(command.spec.helpText())
    } else {
        try command.run(parsed)
    }
} catch {
    fail(commandLineMessage(for: error))
}
