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
    PlotCommand.self,
    ProgressCommand.self,
    ReportCommand.self,
    TraceCommand.self,
    ClassifyCommand.self,
    DrawingOrderCommand.self,
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
    FileHandle.standardError.write(Data("minidraw: \(message)\n".utf8))
    exit(1)
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
