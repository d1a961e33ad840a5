import Foundation
import Testing
@testable import MiniDRAW
@testable import minidraw

/// The generated data sets (two-digit MNIST, paper §4.3; colour MNIST, paper §3.3), their names
/// and seeds, and training on them with a bit-identical resume.
@Suite("Data sets")
struct DatasetTests {
    /// `count` random binary "digits" of `height x width`, about a third of the pixels on.
    static func digits(count: Int, height: Int = 28, width: Int = 28, seed: UInt64 = 5) -> ImageSet {
        var generator = SeededGenerator(seed: seed)
        let pixels = (0..<(count * height * width)).map { _ in Float(generator.nextUniform() < 0.3 ? 1 : 0) }
        return ImageSet(imageCount: count, height: height, width: width, pixels: pixels)
    }

    static func image(_ source: any TrainingImages, index: Int, epoch: Int) -> [Float] {
        var values = [Float](repeating: -1, count: source.valuesPerImage)
        values.withUnsafeMutableBufferPointer { source.fill(index: index, epoch: epoch, into: $0) }
        return values
    }

    // MARK: - Two-digit MNIST

    @Test("two digits: the max of the two digits at their placements, fully inside the 60x60 canvas, 0 elsewhere")
    func twoDigitComposition() {
        let digits = Self.digits(count: 20)
        let set = TwoDigitMNIST(digits: digits, seed: 9)
        #expect((set.width, set.height, set.channels, set.imageCount) == (60, 60, 1, 20))
        for index in 0..<6 {
            let image = Self.image(set, index: index, epoch: 3)
            var expected = [Float](repeating: 0, count: 3600)
            let placements = set.placements(index: index, epoch: 3)
            #expect(placements.count == 2)
            for placement in placements {
                #expect((0...32).contains(placement.x) && (0...32).contains(placement.y), "\(placement)")
                let digit = Array(digits.image(placement.digit))
                for row in 0..<28 {
                    for column in 0..<28 {
                        let pixel = (placement.y + row) * 60 + placement.x + column
                        expected[pixel] = max(expected[pixel], digit[row * 28 + column])
                    }
                }
            }
            #expect(image == expected)
            #expect(image.allSatisfy { $0 == 0 || $0 == 1 })
        }
    }

    @Test("two digits: image (index, epoch) is a pure function of (seed, epoch, index); epochs and seeds differ")
    func twoDigitDeterminism() {
        let digits = Self.digits(count: 50)
        let set = TwoDigitMNIST(digits: digits, seed: 9)
        let late = Self.image(set, index: 7, epoch: 4)
        _ = Self.image(set, index: 3, epoch: 0)                                   // other calls change nothing
        #expect(Self.image(TwoDigitMNIST(digits: digits, seed: 9), index: 7, epoch: 4) == late)
        #expect(Self.image(set, index: 7, epoch: 5) != late)
        #expect(Self.image(set, index: 8, epoch: 4) != late)
        #expect(Self.image(TwoDigitMNIST(digits: digits, seed: 10), index: 7, epoch: 4) != late)
        // Positions cover the canvas: over many images both extremes of x are reached.
        let xs = (0..<400).flatMap { set.placements(index: $0, epoch: 0).map(\.x) }
        #expect(xs.min() == 0 && xs.max() == 32)
    }

    // MARK: - Colour MNIST

    @Test("colour MNIST: every pixel is the foreground colour on the digit and the background elsewhere, per channel")
    func colorComposition() {
        let digits = Self.digits(count: 12, height: 6, width: 8)
        let set = ColorMNIST(digits: digits, seed: 4)
        #expect((set.width, set.height, set.channels, set.imageCount) == (8, 6, 3, 12))
        for index in 0..<12 {
            let image = Self.image(set, index: index, epoch: 2)
            let (foreground, background) = set.colors(index: index, epoch: 2)
            let difference = foreground - background
            #expect((difference * difference).sum().squareRoot() >= ColorMNIST.minimumColorDistance)
            let digit = Array(digits.image(index))
            for channel in 0..<3 {
                for pixel in 0..<48 {
                    let expected = digit[pixel] == 1 ? foreground[channel] : background[channel]
                    #expect(image[channel * 48 + pixel] == expected)
                }
            }
            #expect(image.allSatisfy { (0...1).contains($0) })
        }
        #expect(Self.image(set, index: 3, epoch: 2) == Self.image(ColorMNIST(digits: digits, seed: 4), index: 3, epoch: 2))
        #expect(Self.image(set, index: 3, epoch: 2) != Self.image(set, index: 3, epoch: 1))
    }

    @Test("colour MNIST: colours spread over the RGB cube (mean near 0.5 per channel)")
    func colorSpread() {
        let set = ColorMNIST(digits: Self.digits(count: 2000, height: 2, width: 2), seed: 1)
        var sum = SIMD3<Float>(repeating: 0)
        for index in 0..<2000 { sum += set.colors(index: index, epoch: 0).background }
        let mean = sum / 2000
        #expect(abs(mean.x - 0.5) < 0.05 && abs(mean.y - 0.5) < 0.05 && abs(mean.z - 0.5) < 0.05, "\(mean)")
    }

    @Test("a fixed set made from a generator holds its images in order, channel planes one after the other")
    func materialised() {
        let set = ColorMNIST(digits: Self.digits(count: 5, height: 6, width: 8), seed: 2)
        let fixed = set.materialised(count: 3)
        #expect((fixed.imageCount, fixed.channels, fixed.pixelsPerImage) == (3, 3, 144))
        for index in 0..<3 { #expect(Array(fixed.image(index)) == Self.image(set, index: index, epoch: 0)) }
        #expect(set.materialised(count: 99).imageCount == 5)
    }

    // MARK: - Names, shapes, settings

    @Test("data set names, shapes and the one-line error for an unknown name")
    func names() throws {
        #expect(try Dataset.named("two-digits") == .twoDigits)
        #expect(Dataset.twoDigits.shapeDescription == "60x60x1" && Dataset.colorMNIST.shapeDescription == "28x28x3")
        #expect(Dataset.matching(.colorMNIST) == .colorMNIST && Dataset.matching(.twoDigits) == .twoDigits)
        #expect(Dataset.matching(.paperMNIST) == .mnist)
        #expect(Dataset.colorMNIST.shaping(.small).imageSize == 3 * 784)
        let error = #expect(throws: CommandLineError.self) { try Dataset.named("svhn") }
        #expect(error?.description == "--dataset must be one of mnist, two-digits, color-mnist, got \"svhn\"")
    }

    @Test("settings JSON keeps the data set; JSON from before data sets had names reads as mnist")
    func settingsJSON() throws {
        var settings = TrainingSettings()
        settings.dataset = .colorMNIST
        let json = settings.json()
        #expect(json.contains("\"dataset\":\"color-mnist\""))
        #expect(try TrainingSettings.fromJSON(json, source: "test") == settings)
        let old = json.replacingOccurrences(of: ",\"dataset\":\"color-mnist\"", with: "")
            .replacingOccurrences(of: "\"dataset\":\"color-mnist\",", with: "")
        #expect(!old.contains("dataset"))
        #expect(try TrainingSettings.fromJSON(old, source: "test").dataset == .mnist)
        #expect(throws: SafeTensorsError.self) {
            try TrainingSettings.fromJSON(json.replacingOccurrences(of: "color-mnist", with: "svhn"), source: "test")
        }
    }

    /// A data folder holding `count` random 28x28 digits per split, as uncompressed IDX files
    /// (`IDXFile.read` tells gzip from raw by the magic number, not the name).
    static func dataFolder(count: Int) throws -> String {
        let directory = makeTemporaryFolder("minidraw-dataset-tests")
        for (index, split) in BinarizedMNIST.Split.allCases.enumerated() {
            let digits = Self.digits(count: count, seed: UInt64(20 + index))
            let header: [UInt8] = [0, 0, 8, 3, 0, 0, 0, UInt8(count), 0, 0, 0, 28, 0, 0, 0, 28]
            try AtomicFile.write(header + digits.pixels.map { $0 == 1 ? 255 : 0 }, to: "\(directory)/\(split.fileName)")
        }
        return directory
    }

    @Test("the fixed test and validation sets: made from their split with a fixed seed, the same bytes every time")
    func fixedTestSets() throws {
        let directory = try Self.dataFolder(count: 30)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let twoDigits = try Dataset.twoDigits.evaluationImages(split: .test, directory: directory, count: 20)
        #expect((twoDigits.imageCount, twoDigits.width, twoDigits.height, twoDigits.channels) == (20, 60, 60, 1))
        #expect(try Dataset.twoDigits.evaluationImages(split: .test, directory: directory, count: 20).pixels == twoDigits.pixels)
        let digits = try BinarizedMNIST.load(split: .test, directory: directory)
        let expected = TwoDigitMNIST(digits: digits, seed: Dataset.evaluationSeed(split: .test)).materialised(count: 20)
        #expect(expected.pixels == twoDigits.pixels)
        #expect(try Dataset.twoDigits.evaluationImages(split: .test, directory: directory).imageCount == 30, "all by default")
        let validation = try Dataset.twoDigits.evaluationImages(split: .valid, directory: directory, count: 20)
        #expect(validation.pixels != twoDigits.pixels)
        let color = try Dataset.colorMNIST.evaluationImages(split: .test, directory: directory, count: 3)
        let expectedColor = ColorMNIST(digits: digits, seed: Dataset.evaluationSeed(split: .test)).materialised(count: 3)
        #expect(color.channels == 3 && color.pixels == expectedColor.pixels)
        let mnist = try Dataset.mnist.evaluationImages(split: .test, directory: directory, count: 3)
        #expect(mnist.pixels == Array(digits.pixels[0..<(3 * 784)]))
        let training = try Dataset.twoDigits.trainingImages(directory: directory, seed: 1)
        #expect(training.imageCount == 30 && training.width == 60)
    }

    // MARK: - Training on generated images

    @Test("training on colour MNIST resumes bit for bit: images depend on (seed, epoch, index) only")
    func resumeOnGeneratedImages() throws {
        let config = DRAWConfig(width: 8, height: 6, channels: 3, timesteps: 2, encoderSize: 6, decoderSize: 6,
                                latentSize: 2, readSize: 2, writeSize: 3, attention: true)
        let images = ColorMNIST(digits: Self.digits(count: 6, height: 6, width: 8), seed: 3)   // 2 epochs in 6 steps
        var settings = TrainingSettings()
        settings.batchSize = 4
        settings.totalSteps = 6
        settings.dataset = .colorMNIST
        let straight = try Trainer(config: config, settings: settings, images: images)
        for _ in 0..<6 { try straight.step() }

        let directory = NSTemporaryDirectory() + "minidraw-dataset-tests-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try Trainer(config: config, settings: settings, images: images)
        for _ in 0..<3 { try first.step() }
        let path = try first.saveCheckpoint(directory: directory, elapsedSeconds: 1)
        #expect(try SafeTensorsFile(contentsOf: path).metadata["dataset"] == "color-mnist")
        let (model, state) = try Trainer.loadCheckpoint(modelPath: path)
        #expect(state.settings.dataset == .colorMNIST)
        let resumed = try Trainer(model: model, state: state, images: ColorMNIST(digits: images.digits, seed: 3))
        for _ in 0..<3 { try resumed.step() }
        #expect(resumed.model.encoder.weightIH.storage == straight.model.encoder.weightIH.storage)
        #expect(resumed.model.writeAttention.weight.storage == straight.model.writeAttention.weight.storage)
    }

    @Test("a trainer refuses images of another shape, naming both")
    func shapeMismatch() {
        let images = ColorMNIST(digits: Self.digits(count: 4, height: 6, width: 8), seed: 3)
        let config = DRAWConfig(width: 8, height: 6, timesteps: 2, encoderSize: 6, decoderSize: 6, latentSize: 2,
                                readSize: 2, writeSize: 3, attention: true)
        let error = #expect(throws: TrainingError.self) { try Trainer(config: config, settings: TrainingSettings(), images: images) }
        #expect(error?.description == "images are 8x6x3, the model expects 8x6x1")
    }
}
