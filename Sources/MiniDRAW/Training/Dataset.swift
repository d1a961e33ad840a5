/// The data sets `minidraw` trains and evaluates on, made from the shipped binarized MNIST or the
/// images `--data` names (`RunData`):
///
///     mnist         28x28x1   the digits themselves (paper Table 2), or the --data images as they are
///     two-digits    60x60x1   two digits at random places on a black canvas (paper §4.3)
///     color-mnist   28x28x3   each digit in a random colour on a random background (paper §3.3)
///
/// Training images of the generated sets are made on the fly from the train split, new every
/// epoch; validation and test sets are fixed: made once from their split with a fixed seed.
/// The shapes below are those of the shipped digits; `RunData` knows the shape of other images,
/// and lists the data's other words.
public enum Dataset: String, CaseIterable, Codable, Sendable {
    case mnist
    case twoDigits = "two-digits"
    case colorMNIST = "color-mnist"

    /// The seed of the fixed validation and test sets (the same for every run).
    package static func evaluationSeed(split: BinarizedMNIST.Split) -> UInt64 {
        switch split {
        case .train: return 0x7472_6169_6E                   // "train"
        case .valid: return 0x7661_6C69_64                   // "valid"
        case .test: return 0x7465_7374                       // "test"
        }
    }

    /// "mnist, two-digits, color-mnist", for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    // MARK: - Shape

    public var width: Int { self == .twoDigits ? TwoDigitMNIST.canvasSize : 28 }
    public var height: Int { width }
    public var channels: Int { self == .colorMNIST ? 3 : 1 }

    /// "60x60x1"
    public var shapeDescription: String { "\(width)x\(height)x\(channels)" }

    /// Whether a model of `config` draws images of this set's shape.
    public func fits(_ config: DRAWConfig) -> Bool {
        config.width == width && config.height == height && config.channels == channels
    }

    /// The data set whose images a model of `config` draws, if any.
    public static func matching(_ config: DRAWConfig) -> Dataset? {
        allCases.first { $0.fits(config) }
    }

    /// `config` with this set's width, height and channels.
    public func shaping(_ config: DRAWConfig) -> DRAWConfig {
        var shaped = config
        shaped.width = width
        shaped.height = height
        shaped.channels = channels
        return shaped
    }

    // MARK: - Images

    /// The training images of a run seeded with `seed`, from the train split in `directory`.
    public func trainingImages(directory: String, seed: UInt64) throws -> any TrainingImages {
        made(from: try BinarizedMNIST.load(split: .train, directory: directory), seed: Self.generatorSeed(runSeed: seed))
    }

    /// The fixed validation or test set: the first `count` images (all if nil) made from `split`
    /// with `evaluationSeed(split:)`, the same bytes on every call.
    public func evaluationImages(split: BinarizedMNIST.Split, directory: String, count: Int? = nil) throws -> ImageSet {
        let source = try evaluationSource(split: split, directory: directory)
        return source.materialised(count: count ?? source.imageCount)
    }

    /// What `evaluationImages` takes its images from (epoch 0): the split itself, or the generator
    /// seeded with `evaluationSeed(split:)`, which also knows where it put the digits.
    public func evaluationSource(split: BinarizedMNIST.Split, directory: String) throws -> any TrainingImages {
        made(from: try BinarizedMNIST.load(split: split, directory: directory), seed: Self.evaluationSeed(split: split))
    }

    /// This set's images made from `digits` (binary, one channel) by generators seeded with `seed`;
    /// `mnist` is the digits themselves.
    public func made(from digits: ImageSet, seed: UInt64) -> any TrainingImages {
        switch self {
        case .mnist: return digits
        case .twoDigits: return TwoDigitMNIST(digits: digits, seed: seed)
        case .colorMNIST: return ColorMNIST(digits: digits, seed: seed)
        }
    }

    /// The seed of the generators that make a run's training images, apart from its parameter seed.
    package static func generatorSeed(runSeed: UInt64) -> UInt64 { runSeed &+ 0x4441_5441 }    // "DATA"
}

/// Images a data set cannot be made from. The command-line tool words it with `--dataset`.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A generated set (two-digit, colour) asked of images that are not 28x28x1 digits.
    case needsDigits(dataset: Dataset, path: String, shape: String)

    public var description: String {
        switch self {
        case .needsDigits(let dataset, let path, let shape):
            return "\(dataset.rawValue) is made from 28x28x1 digits, but \(path) holds \(shape) images"
        }
    }
}
