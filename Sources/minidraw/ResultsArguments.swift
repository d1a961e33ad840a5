import Foundation
import MiniDRAW

/// `--results FILE --key KEY`: the commands that measure a figure write it into the results file
/// (`Data/pretrained/results.json`, `ResultsFile`) themselves, with the command line as its "how".
enum ResultsArguments {
    static let options: [CommandOption] = [
        .value("results", placeholder: "FILE", help: "also record the measured figures in this results file (e.g. Data/pretrained/results.json), under --key"),
        .value("key", placeholder: "KEY", help: "the model's key in --results (e.g. draw-attention)"),
    ]

    /// Where to record, checked before the measurement starts (the file reads as JSON and holds the
    /// key); nil when `--results` is not given.
    static func target(_ parsed: ParsedCommand) throws -> (path: String, key: String)? {
        let path = parsed.optionalString("results"), key = parsed.optionalString("key")
        switch (path, key) {
        case (nil, nil): return nil
        case (nil, _?): throw CommandLineError("--key names a model of a --results file; give --results FILE too")
        case (_?, nil): throw CommandLineError("--results needs --key KEY: the model the figures belong to")
        case (let path?, let key?): return (path, try ResultsFile.checkedKey(key, in: path))
        }
    }

    /// Records `figures` and says so.
    static func record(_ figures: [ResultFigure], at target: (path: String, key: String)) throws {
        try ResultsFile.record(figures, under: target.key, in: target.path)
        print("results \(target.path): \(figures.map(\.name).joined(separator: ", ")) of \(target.key)")
    }

    /// This command line as typed, without `--results` and `--key`: the "how" of what it measured.
    static var commandLine: String {
        var words: [String] = []
        var skipNext = false
        for argument in CommandLine.arguments.dropFirst() {
            if skipNext { skipNext = false; continue }
            if argument == "--results" || argument == "--key" { skipNext = true; continue }
            if argument.hasPrefix("--results=") || argument.hasPrefix("--key=") { continue }
            words.append(argument.contains(" ") ? "'\(argument)'" : argument)
        }
        return (["minidraw"] + words).joined(separator: " ")
    }
}
