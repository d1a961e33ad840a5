import MiniDRAW

/// `minidraw average FILE,FILE,...`: the element-wise mean of model files of one config, written as
/// a model file (checkpoint averaging, or a model soup of runs that started from one checkpoint).
enum AverageCommand: Command {
    static let spec = CommandSpec(
        name: "average", summary: "the element-wise mean of model files of one config (checkpoint averaging, model soups)",
        options: [
            .value("out", placeholder: "FILE", help: "the model file to write (required)"),
            VisualArguments.overwrite,
        ],
        positionals: [.required("MODEL_FILES", help: "comma-separated model files of one config, two or more")])

    static func run(_ parsed: ParsedCommand) throws {
        let paths = try parsed.positional("MODEL_FILES").split(separator: ",").map(String.init)
        guard paths.count >= 2 else {
            throw CommandLineError("<MODEL_FILES> needs two or more comma-separated model files, got \(paths.count)")
        }
        let out = try parsed.string("out")
        try OutputFiles.checkNew([out], overwrite: parsed.flag("overwrite"), offersOut: false)
        let files = try paths.map { try SafeTensorsFile(contentsOf: $0) }
        let mean = try WeightAverage.meanModelFile(of: files)
        try mean.write(to: out)
        print("model   \(try Checkpoint.config(from: mean).summary)")
        print("wrote   \(out): the mean of \(paths.count) models (\(paths.joined(separator: ", ")))")
    }
}
