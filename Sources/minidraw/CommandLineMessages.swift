import MiniDRAW

// The library throws typed errors that know nothing of flags; this is where the tool turns each
// into the one line a user reads, named after the flag that caused it.

/// The one line `minidraw: ...` prints for `error`.
func commandLineMessage(for error: any Error) -> String {
    switch error {
    case let error as ConfigError: return message(for: error)
    case let error as ModelSourceError: return message(for: error)
    case let error as RunFolderError: return message(for: error)
    case let error as PictureOptionError: return message(for: error)
    case let error as DatasetError: return message(for: error)
    case let error as ExistingOutputError: return message(for: error)
    case let error as TrainingLogError: return message(for: error)
    case let error as ClassifierTrainingError: return "\(error) (lower --learning-rate?)"
    default: return "\(error)"
    }
}

// MARK: - Library errors in flags

/// `--encoder-size must be a positive integer, got 0`.
func message(for error: ConfigError) -> String {
    switch error {
    case .notPositive(let field, let value): return "--\(flagName(field)) must be a positive integer, got \(value)"
    }
}

/// Which `--checkpoint` could not be loaded, or where the tool looked when none was given.
func message(for error: ModelSourceError) -> String {
    switch error {
    case .nothingToLoad(let pretrained, let defaultRun):
        return "no --checkpoint given, \(pretrained) does not exist and \(defaultRun) holds no checkpoint "
            + "(train first: swift run -c release minidraw train)"
    case .missing(let path): return "--checkpoint: \(path) does not exist"
    case .noCheckpoint(let folder): return "--checkpoint: \(folder) holds no checkpoint-<step>.safetensors"
    }
}

/// Why `train` will not write into `--out`, and the flags that would let it.
func message(for error: RunFolderError) -> String {
    switch error {
    case .goesOnPast(let folder, let step, let newest):
        return "--resume: \(folder) goes on past step \(step), to \(newest); continue from there with --resume \(folder), "
            + "branch off into another --out DIR, or give --overwrite to drop what comes after step \(step)"
    case .holdsRun(let folder, let contents, let resumable):
        guard resumable else {
            return "\(folder) holds a run that stopped before its first complete checkpoint (\(contents)), so it cannot "
                + "be resumed; start it over with --overwrite, or train into another --out DIR"
        }
        return "\(folder) already holds a run (\(contents)); continue it with --resume \(folder), "
            + "train into another --out DIR, or give --overwrite to replace it"
    }
}

/// Files in the way, and the flags that would clear it: `--overwrite`, or another `--out`.
func message(for error: ExistingOutputError) -> String {
    "\(error); give --overwrite to replace " + (error.existing.count > 1 ? "them" : "it")
        + (error.offersOut ? ", or another --out DIR" : "")
}

/// A log with no rows yet, and how many steps make the first one.
func message(for error: TrainingLogError) -> String {
    switch error {
    case .noRows: return "\(error) (train for at least --log-every steps)"
    }
}

/// `--grid`, `--scale` or `--boxes` out of what the picture can be drawn with.
func message(for error: PictureOptionError) -> String {
    switch error {
    case .gridSize(let size, let largestSide):
        return "--grid must be between 1 and \(largestSide) (the image's larger side), got \(size)"
    case .scale(let scale): return "--scale must be a positive integer, got \(scale)"
    case .boxesWithoutAttention: return "--boxes needs a model with attention (this one writes whole images, Eq. 18)"
    }
}

/// `--dataset` asked of images it cannot be made from.
func message(for error: DatasetError) -> String {
    switch error {
    case .needsDigits(let dataset, let path, let shape):
        return "--dataset \(dataset.rawValue) is made from 28x28x1 digits, but \(path) holds \(shape) images"
    }
}

// MARK: - Names given on the command line

extension Dataset {
    /// The data set called `name` on the command line; the error names `flag` and the accepted names.
    static func named(_ name: String, flag: String = "--dataset") throws -> Dataset {
        guard let dataset = Dataset(rawValue: name) else {
            throw CommandLineError("\(flag) must be one of \(names), got \"\(name)\"")
        }
        return dataset
    }
}

extension PixelTargets {
    /// The rule called `name` on the command line; the error names `flag` and the accepted names.
    static func named(_ name: String, flag: String = "--pixels") throws -> PixelTargets {
        guard let rule = PixelTargets(rawValue: name) else {
            throw CommandLineError("\(flag) must be one of \(names), got \"\(name)\"")
        }
        return rule
    }
}

extension Engine {
    /// The engine called `name` on the command line; the error names `--engine` and the accepted names.
    static func named(_ name: String) throws -> Engine {
        guard let engine = Engine(rawValue: name) else {
            throw CommandLineError("--engine must be one of \(names), got \"\(name)\"")
        }
        return engine
    }
}

/// The flag that sets a `DRAWConfig` field: `encoderSize` -> `encoder-size`.
func flagName(_ field: String) -> String {
    field.reduce(into: "") { name, character in
        if character.isUppercase { name += "-" + character.lowercased() } else { name.append(character) }
    }
}
