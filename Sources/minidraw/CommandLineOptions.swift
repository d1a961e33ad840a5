// The tool's parser for `minidraw <command> [options] [arguments]` (the library knows no flags).
//
//   let spec = CommandSpec(name: "train", summary: "Trains DRAW on binarized MNIST.", options: [
//       .value("timesteps", placeholder: "T", help: "drawing steps (Eq. 1-8 loop)", defaultValue: "10"),
//       .flag("no-attention", help: "read and write whole images"),
//   ])
//   let parsed = try spec.parse(Array(CommandLine.arguments.dropFirst(2)))
//   if parsed.helpRequested { print(spec.helpText()); return }
//   let timesteps = try parsed.positiveInt("timesteps")

// MARK: - Declarations

/// A command-line mistake, in one line: `--timesteps must be a positive integer, got "abc"`.
struct CommandLineError: Error, CustomStringConvertible, Equatable {
    let description: String

    init(_ description: String) { self.description = description }
}

/// An option: `--name VALUE` / `--name=VALUE`, or a flag `--name` that takes no value.
struct CommandOption: Sendable {
    /// The name without dashes, e.g. "timesteps".
    let name: String
    /// What the value is called in help ("T"); nil for a flag.
    let placeholder: String?
    let help: String
    /// Used when the option is not given, and shown in help.
    let defaultValue: String?

    var isFlag: Bool { placeholder == nil }

    static func value(_ name: String, placeholder: String, help: String,
                             defaultValue: String? = nil) -> CommandOption {
        CommandOption(name: name, placeholder: placeholder, help: help, defaultValue: defaultValue)
    }

    static func flag(_ name: String, help: String) -> CommandOption {
        CommandOption(name: name, placeholder: nil, help: help, defaultValue: nil)
    }
}

/// A positional argument, e.g. `<checkpoint>`; optional ones come after required ones.
struct PositionalArgument: Sendable {
    let name: String
    let help: String
    let isOptional: Bool

    static func required(_ name: String, help: String) -> PositionalArgument {
        PositionalArgument(name: name, help: help, isOptional: false)
    }

    static func optional(_ name: String, help: String) -> PositionalArgument {
        PositionalArgument(name: name, help: help, isOptional: true)
    }
}

/// What one subcommand accepts.
struct CommandSpec: Sendable {
    let program: String
    let name: String
    let summary: String
    let options: [CommandOption]
    let positionals: [PositionalArgument]

    init(program: String = "minidraw", name: String, summary: String,
                options: [CommandOption] = [], positionals: [PositionalArgument] = []) {
        precondition(Set(options.map(\.name)).count == options.count, "an option is declared twice")
        precondition(!options.contains { $0.name == "help" }, "--help is built in")
        precondition(positionals.drop { !$0.isOptional }.allSatisfy(\.isOptional),
                     "optional positional arguments must come after required ones")
        (self.program, self.name, self.summary) = (program, name, summary)
        (self.options, self.positionals) = (options, positionals)
    }

    /// "minidraw train", as errors and help quote it.
    var invocation: String { "\(program) \(name)" }

    /// "(see 'minidraw train --help')", the hint every usage error ends with.
    var seeHelp: String { "(see '\(invocation) --help')" }
}

// MARK: - Parsing

extension CommandSpec {
    /// Parses the arguments after the subcommand name. `-h`/`--help` sets `helpRequested`
    /// (and skips the positional count check); `--` makes everything after it positional.
    func parse(_ arguments: [String]) throws -> ParsedCommand {
        var values: [String: String] = [:]
        var flags: Set<String> = []
        var positionalValues: [String] = []
        var helpRequested = false
        var onlyPositionalsFollow = false
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionalsFollow || !argument.hasPrefix("-") || argument == "-" {
                positionalValues.append(argument)
                continue
            }
            if argument == "--" { onlyPositionalsFollow = true; continue }
            if argument == "-h" || argument == "--help" { helpRequested = true; continue }
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let inlineValue = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
            guard argument.hasPrefix("--"), let option = options.first(where: { $0.name == name }) else {
                let shown = argument.hasPrefix("--") ? "--\(name)" : argument
                throw CommandLineError("unknown option \(shown) for '\(invocation)' \(seeHelp)")
            }
            guard values[name] == nil && !flags.contains(name) else {
                throw CommandLineError("--\(name) is given more than once")
            }
            if option.isFlag {
                guard inlineValue == nil else { throw CommandLineError("--\(name) is a flag and takes no value, got \"\(argument)\"") }
                flags.insert(name)
            } else if let inlineValue {
                guard !inlineValue.isEmpty else { throw CommandLineError("--\(name) needs a value") }
                values[name] = inlineValue
            } else {
                guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                    throw CommandLineError("--\(name) needs a value")
                }
                values[name] = arguments[index]
                index += 1
            }
        }
        if !helpRequested {
            if positionalValues.count > positionals.count {
                throw CommandLineError("unexpected argument \"\(positionalValues[positionals.count])\" for '\(invocation)' \(seeHelp)")
            }
            if let missing = positionals.dropFirst(positionalValues.count).first(where: { !$0.isOptional }) {
                throw CommandLineError("'\(invocation)' needs <\(missing.name)> \(seeHelp)")
            }
        }
        let named = Dictionary(uniqueKeysWithValues: zip(positionals.map(\.name), positionalValues))
        return ParsedCommand(spec: self, helpRequested: helpRequested, values: values, flags: flags, positionalValues: named)
    }
}

/// The result of `CommandSpec.parse`, with typed accessors that explain bad values.
struct ParsedCommand: Sendable {
    let spec: CommandSpec
    /// True if `-h` or `--help` was given: print `spec.helpText()` and stop.
    let helpRequested: Bool
    let values: [String: String]
    let flags: Set<String>
    let positionalValues: [String: String]

    // MARK: - Typed accessors

    /// The option's value, or its default, or nil if it has neither.
    func optionalString(_ name: String) -> String? {
        let option = declared(name)
        precondition(!option.isFlag, "--\(name) is a flag: use flag(_:)")
        return values[name] ?? option.defaultValue
    }

    /// The option's value or its default; throws if it has neither.
    func string(_ name: String) throws -> String {
        guard let text = optionalString(name) else { throw CommandLineError("--\(name) is required \(spec.seeHelp)") }
        return text
    }

    func int(_ name: String) throws -> Int {
        try number(name, kind: "an integer", parse: { Int($0) }, isAcceptable: { _ in true })
    }

    func positiveInt(_ name: String) throws -> Int {
        try number(name, kind: "a positive integer", parse: { Int($0) }, isAcceptable: { $0 > 0 })
    }

    func nonNegativeInt(_ name: String) throws -> Int {
        try number(name, kind: "a non-negative integer", parse: { Int($0) }, isAcceptable: { $0 >= 0 })
    }

    /// A finite number ("0.5", "1e-3").
    func double(_ name: String) throws -> Double {
        try number(name, kind: "a number", parse: { Double($0) }, isAcceptable: { $0.isFinite })
    }

    func positiveDouble(_ name: String) throws -> Double {
        try number(name, kind: "a positive number", parse: { Double($0) }, isAcceptable: { $0.isFinite && $0 > 0 })
    }

    /// True if the option or flag was written on the command line (not just defaulted).
    func isGiven(_ name: String) -> Bool {
        declared(name).isFlag ? flags.contains(name) : values[name] != nil
    }

    /// True if the flag was given.
    func flag(_ name: String) -> Bool {
        precondition(declared(name).isFlag, "--\(name) takes a value: use string(_:)")
        return flags.contains(name)
    }

    /// A positional argument; throws only for an optional one that was not given.
    func positional(_ name: String) throws -> String {
        guard let text = optionalPositional(name) else {
            throw CommandLineError("'\(spec.invocation)' needs <\(name)> \(spec.seeHelp)")
        }
        return text
    }

    /// A positional argument, nil if it is optional and was not given.
    func optionalPositional(_ name: String) -> String? {
        precondition(spec.positionals.contains { $0.name == name }, "<\(name)> is not declared for '\(spec.invocation)'")
        return positionalValues[name]
    }

    // MARK: - Helpers

    private func declared(_ name: String) -> CommandOption {
        guard let option = spec.options.first(where: { $0.name == name }) else {
            preconditionFailure("--\(name) is not declared for '\(spec.invocation)'")
        }
        return option
    }

    private func number<Number>(_ name: String, kind: String, parse: (String) -> Number?,
                                isAcceptable: (Number) -> Bool) throws -> Number {
        let text = try string(name)
        guard let value = parse(text), isAcceptable(value) else {
            throw CommandLineError("--\(name) must be \(kind), got \"\(text)\"")
        }
        return value
    }
}

// MARK: - Help

extension CommandSpec {
    /// Usage line, summary, then arguments and options in two aligned columns:
    ///
    ///     usage: minidraw train [options]
    ///
    ///     Trains DRAW on binarized MNIST.
    ///
    ///     options:
    ///       --timesteps T     drawing steps (Eq. 1-8 loop) (default: 10)
    ///       --no-attention    read and write whole images
    ///       -h, --help        show this help
    func helpText() -> String {
        let usageArguments = positionals.map { $0.isOptional ? " [<\($0.name)>]" : " <\($0.name)>" }.joined()
        let argumentRows = positionals.map { ("<\($0.name)>", $0.help) }
        var optionRows = options.map { option in
            let left = "--\(option.name)" + (option.placeholder.map { " \($0)" } ?? "")
            return (left, option.help + (option.defaultValue.map { " (default: \($0))" } ?? ""))
        }
        optionRows.append(("-h, --help", "show this help"))
        let width = (argumentRows + optionRows).map(\.0.count).max()! + 4
        func format(_ rows: [(String, String)]) -> [String] {
            rows.map { left, right in "  " + left + String(repeating: " ", count: width - 2 - left.count) + right }
        }
        var lines = ["usage: \(invocation) [options]\(usageArguments)", "", summary, ""]
        if !argumentRows.isEmpty { lines += ["arguments:"] + format(argumentRows) + [""] }
        lines += ["options:"] + format(optionRows)
        return lines.joined(separator: "\n")
    }
}
