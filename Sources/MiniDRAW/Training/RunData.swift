/// The images a run trains and is evaluated on: a `Dataset` made from the images found at
/// `--data` (`ImageData`), their values turned into targets by a `PixelTargets` rule.
///
///     mnist         the images as they are, any size and 1 or 3 channels
///     two-digits    two of them on a 60x60 canvas (paper §4.3): needs 28x28 grey images
///     color-mnist   each painted in two random colours (paper §3.3): needs 28x28 grey images
///
/// Training images depend only on (seed, epoch, index), so `--resume` stays bit for bit; the
/// validation and test sets are fixed (`Dataset.evaluationSeed`), one stochastic draw included.
///
///     let data = try RunData(dataset: .mnist, images: try ImageData.open("letters"))
///     let config = data.shaping(.small)                 // A, B and C of the images
///     let training = data.trainingImages(seed: 1)
///
/// The words for data, one per idea, from the disk to the model:
///
///     ByteImageSet     fixed 8-bit images as files store them (0...255)
///     ImageData        the images at --data: train, valid and test ByteImageSets
///     ImageSet         fixed images as values in [0, 1]
///     TrainingImages   anything that gives image i of epoch e in [0, 1]: an ImageSet, a
///                      ByteImageSet, a generator (TwoDigitMNIST, ColorMNIST), targets
///     Dataset          --dataset: what a run makes of the images (mnist, two-digits, color-mnist)
///     PixelTargets     --pixels: how values become the targets of Eq. 9
///     RunData          all three for one run: its training images and fixed evaluation sets
public struct RunData {
    public let dataset: Dataset
    public let images: ImageData
    public var pixels: PixelTargets

    /// `pixels` nil: the data set's default (`defaultPixels`). Refuses images a generated set cannot be made from.
    public init(dataset: Dataset, images: ImageData, pixels: PixelTargets? = nil) throws {
        if dataset != .mnist && (images.width, images.height, images.channels) != (28, 28, 1) {
            throw DatasetError.needsDigits(dataset: dataset, path: images.path, shape: images.train.shapeDescription)
        }
        self.dataset = dataset
        self.images = images
        self.pixels = pixels ?? Self.defaultPixels(dataset: dataset, images: images)
    }

    /// The images as they are get the data's default (`ImageData.defaultPixels`); two-digit images
    /// are binary and colour MNIST's colours stay grey values, as they were made.
    public static func defaultPixels(dataset: Dataset, images: ImageData) -> PixelTargets {
        switch dataset {
        case .mnist: return images.defaultPixels
        case .twoDigits: return .binary
        case .colorMNIST: return .grey
        }
    }

    // MARK: - Shape

    public var width: Int { dataset == .mnist ? images.width : dataset.width }
    public var height: Int { dataset == .mnist ? images.height : dataset.height }
    public var channels: Int { dataset == .mnist ? images.channels : dataset.channels }

    /// "32x32x3"
    public var shapeDescription: String { "\(width)x\(height)x\(channels)" }

    /// Whether a model of `config` draws images of this shape.
    public func fits(_ config: DRAWConfig) -> Bool {
        (config.width, config.height, config.channels) == (width, height, channels)
    }

    /// `config` with these images' width, height and channels: A, B and C follow the data.
    public func shaping(_ config: DRAWConfig) -> DRAWConfig {
        var shaped = config
        (shaped.width, shaped.height, shaped.channels) = (width, height, channels)
        return shaped
    }

    /// One line for the tool's `data` line: what was made, from which images, with which targets.
    public var summary: String {
        let made = dataset == .mnist ? "" : "\(dataset.rawValue) (\(shapeDescription)) made from "
        return "\(made)\(images.summary); pixels \(pixels.rawValue)"
    }

    // MARK: - Images

    /// The training images of a run seeded with `seed`: image i of epoch e depends only on (seed, e, i).
    public func trainingImages(seed: UInt64) -> any TrainingImages {
        pixels.applied(to: source(.train, seed: Dataset.generatorSeed(runSeed: seed)), seed: seed &+ Self.pixelSeedOffset)
    }

    /// The fixed validation or test set: its first `count` images (all if nil), the same on every call.
    public func evaluationImages(split: ImageData.Split, count: Int? = nil) -> ImageSet {
        let seed = Dataset.evaluationSeed(split: split)
        let targets = pixels.applied(to: source(split, seed: seed), seed: seed &+ Self.pixelSeedOffset)
        return targets.materialised(count: count ?? targets.imageCount)
    }

    /// Keeps the stochastic draws apart from the generators of the same seed ("PIXEL").
    static let pixelSeedOffset: UInt64 = 0x50_4958_454C

    /// The images of `split` as values in [0, 1], made into this data set by generators seeded with `seed`.
    func source(_ split: ImageData.Split, seed: UInt64) -> any TrainingImages {
        let stored = images.images(split)
        guard dataset != .mnist else { return stored }
        let digits = ImageSet(imageCount: stored.imageCount, height: stored.height, width: stored.width,
                              pixels: stored.bytes.map { $0 > 127 ? 1 : 0 })        // as `BinarizedMNIST.load`
        return dataset.made(from: digits, seed: seed)
    }
}
