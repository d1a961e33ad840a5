import Testing
@testable import minidraw
@testable import MiniDRAW

@Suite("Command-line options")
struct CommandLineOptionsTests {
    let train = CommandSpec(name: "train", summary: "Trains DRAW on binarized MNIST.", options: [
        .value("timesteps", placeholder: "T", help: "drawing steps (Eq. 1-8 loop)", defaultValue: "10"),
        .value("learning-rate", placeholder: "RATE", help: "Adam step size", defaultValue: "1e-3"),
        .value("seed", placeholder: "N", help: "random seed", defaultValue: "0"),
        .value("out", placeholder: "PATH", help: "where to write the checkpoint"),
        .flag("no-attention", help: "read and write whole images"),
        .flag("gif", help: "also write an animated GIF"),
    ])

    let sample = CommandSpec(name: "sample", summary: "Draws new digits.", positionals: [
        .required("checkpoint", help: "a trained model"),
        .optional("output", help: "image to write"),
    ])

    /// The one-line error for `arguments`, or nil if they parse.
    func parseError(_ spec: CommandSpec, _ arguments: [String]) -> String? {
        do {
            _ = try spec.parse(arguments)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("defaults apply when nothing is given")
    func defaults() throws {
        let parsed = try train.parse([])
        #expect(try parsed.positiveInt("timesteps") == 10)
        #expect(try parsed.positiveDouble("learning-rate") == 0.001)
        #expect(try parsed.nonNegativeInt("seed") == 0)
        #expect(parsed.optionalString("out") == nil)
        #expect(!parsed.flag("gif") && !parsed.flag("no-attention"))
        #expect(!parsed.helpRequested)
        #expect(throws: CommandLineError("--out is required (see 'minidraw train --help')")) { try parsed.string("out") }
    }

    @Test("--name value, --name=value and flags")
    func givenValues() throws {
        let parsed = try train.parse(["--timesteps", "64", "--learning-rate=3e-4", "--gif", "--out", "runs/a.safetensors", "--seed=-5"])
        #expect(try parsed.positiveInt("timesteps") == 64)
        #expect(try parsed.double("learning-rate") == 3e-4)
        #expect(try parsed.int("seed") == -5)
        #expect(try parsed.string("out") == "runs/a.safetensors")
        #expect(parsed.flag("gif") && !parsed.flag("no-attention"))
    }

    @Test("a value may start with a single dash, and an '=' inside a value is kept")
    func dashedValues() throws {
        let parsed = try train.parse(["--learning-rate", "-1", "--out=a=b"])
        #expect(try parsed.string("out") == "a=b")
        #expect(throws: CommandLineError(#"--learning-rate must be a positive number, got "-1""#)) {
            try parsed.positiveDouble("learning-rate")
        }
    }

    @Test("typed accessors explain bad values", arguments: [
        (["--timesteps", "abc"], #"--timesteps must be a positive integer, got "abc""#),
        (["--timesteps", "0"], #"--timesteps must be a positive integer, got "0""#),
        (["--timesteps", "2.5"], #"--timesteps must be a positive integer, got "2.5""#),
        (["--learning-rate", "0"], #"--learning-rate must be a positive number, got "0""#),
        (["--learning-rate=nan"], #"--learning-rate must be a positive number, got "nan""#),
        (["--learning-rate=inf"], #"--learning-rate must be a positive number, got "inf""#),
        (["--seed", "-1"], #"--seed must be a non-negative integer, got "-1""#),
    ])
    func badValues(arguments: [String], expected: String) throws {
        let parsed = try train.parse(arguments)
        let error = #expect(throws: CommandLineError.self) {
            _ = try parsed.positiveInt("timesteps")
            _ = try parsed.positiveDouble("learning-rate")
            _ = try parsed.nonNegativeInt("seed")
        }
        #expect(error?.description == expected)
    }

    @Test("usage mistakes are refused with one line", arguments: [
        (["--foo"], "unknown option --foo for 'minidraw train' (see 'minidraw train --help')"),
        (["--foo=1"], "unknown option --foo for 'minidraw train' (see 'minidraw train --help')"),
        (["-x"], "unknown option -x for 'minidraw train' (see 'minidraw train --help')"),
        (["--out"], "--out needs a value"),
        (["--out", "--gif"], "--out needs a value"),
        (["--out="], "--out needs a value"),
        (["--timesteps", "3", "--timesteps=4"], "--timesteps is given more than once"),
        (["--gif", "--gif"], "--gif is given more than once"),
        (["--gif=yes"], #"--gif is a flag and takes no value, got "--gif=yes""#),
        (["stray"], #"unexpected argument "stray" for 'minidraw train' (see 'minidraw train --help')"#),
    ])
    func usageMistakes(arguments: [String], expected: String) {
        #expect(parseError(train, arguments) == expected)
    }

    @Test("positional arguments: required, optional, too many, and after --")
    func positionals() throws {
        let both = try sample.parse(["run.safetensors", "out.gif"])
        #expect(try both.positional("checkpoint") == "run.safetensors")
        #expect(both.optionalPositional("output") == "out.gif")
        let one = try sample.parse(["run.safetensors"])
        #expect(one.optionalPositional("output") == nil)
        #expect(throws: CommandLineError("'minidraw sample' needs <output> (see 'minidraw sample --help')")) {
            try one.positional("output")
        }
        #expect(parseError(sample, []) == "'minidraw sample' needs <checkpoint> (see 'minidraw sample --help')")
        #expect(parseError(sample, ["a", "b", "c"]) == #"unexpected argument "c" for 'minidraw sample' (see 'minidraw sample --help')"#)
        #expect(try sample.parse(["--", "--odd-name"]).positional("checkpoint") == "--odd-name")
    }

    @Test("-h and --help ask for help without checking positionals")
    func help() throws {
        #expect(try sample.parse(["--help"]).helpRequested)
        #expect(try train.parse(["--gif", "-h"]).helpRequested)
    }

    @Test("help lists arguments and options with defaults, aligned")
    func helpText() {
        #expect(train.helpText() == """
            usage: minidraw train [options]

            Trains DRAW on binarized MNIST.

            options:
              --timesteps T         drawing steps (Eq. 1-8 loop) (default: 10)
              --learning-rate RATE  Adam step size (default: 1e-3)
              --seed N              random seed (default: 0)
              --out PATH            where to write the checkpoint
              --no-attention        read and write whole images
              --gif                 also write an animated GIF
              -h, --help            show this help
            """)
        #expect(sample.helpText() == """
            usage: minidraw sample [options] <checkpoint> [<output>]

            Draws new digits.

            arguments:
              <checkpoint>  a trained model
              <output>      image to write

            options:
              -h, --help    show this help
            """)
    }

    @Test("the library's typed errors, worded by the tool with the flag that sets the field")
    func libraryErrorsInFlags() {
        let tooSmall = DRAWConfig(width: 28, height: 28, timesteps: 4, encoderSize: 0, decoderSize: 8, latentSize: 2,
                                  readSize: 2, writeSize: 2, attention: true)
        #expect(throws: ConfigError.notPositive(field: "encoderSize", value: 0)) { try tooSmall.validate() }
        #expect(commandLineMessage(for: ConfigError.notPositive(field: "encoderSize", value: 0))
                == "--encoder-size must be a positive integer, got 0")
        #expect(commandLineMessage(for: ConfigError.notPositive(field: "timesteps", value: -1))
                == "--timesteps must be a positive integer, got -1")
        #expect(commandLineMessage(for: RunFolderError.holdsRun(folder: "runs/a", contents: "no checkpoint; log.csv to step 260",
                                                                resumable: false))
                == "runs/a holds a run that stopped before its first complete checkpoint (no checkpoint; log.csv to step 260), "
                + "so it cannot be resumed; start it over with --overwrite, or train into another --out DIR")
    }

    @Test("files in the way: one named alone, the flags to clear it added by the tool, --out only where a command has it")
    func existingOutputWording() {
        #expect(ExistingOutputError(existing: ["runs/a/kl.svg"], total: 2, offersOut: false).description
                == "runs/a/kl.svg already exists")
        #expect(commandLineMessage(for: ExistingOutputError(existing: ["runs/a/kl.svg"], total: 2, offersOut: false))
                == "runs/a/kl.svg already exists; give --overwrite to replace it")
        #expect(commandLineMessage(for: ExistingOutputError(existing: ["a", "b"], total: 5, offersOut: true))
                == "a already exists (and 1 more of the 5 files to write); give --overwrite to replace them, or another --out DIR")
    }

    @Test("an empty training log and a diverging classifier: the library states the fact, the tool names the flag")
    func logAndClassifierWording() {
        #expect(commandLineMessage(for: TrainingLogError.noRows(source: "runs/a/log.csv"))
                == "runs/a/log.csv has a header but no rows yet (train for at least --log-every steps)")
        let diverged = ClassifierTrainingError(step: 3, loss: .nan, gradientNorm: .infinity)
        #expect(diverged.description == "step 3: loss nan, gradient norm inf is not finite")
        #expect(commandLineMessage(for: diverged) == "step 3: loss nan, gradient norm inf is not finite (lower --learning-rate?)")
    }

    @Test("--engine: fast by default, paper when asked, one line naming the flag and both names for anything else")
    func engineNames() throws {
        let eval = CommandSpec(name: "eval", summary: "Evaluates.", options: [CommonOptions.engine])
        #expect(try CommonOptions.engine(eval.parse([])) == .fast)
        #expect(try CommonOptions.engine(eval.parse(["--engine", "paper"])) == .paper)
        #expect(try CommonOptions.engine(eval.parse(["--engine=fast"])) == .fast)
        let error = #expect(throws: CommandLineError.self) { try CommonOptions.engine(eval.parse(["--engine", "Paper"])) }
        #expect(error?.description == #"--engine must be one of fast, paper, got "Paper""#)
    }
}
