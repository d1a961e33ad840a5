import Foundation
import Testing
@testable import MiniDRAW
@testable import minidraw

/// `--pixels binary|stochastic|grey`: how values become the targets of the Bernoulli loss (Eq. 9).
@Suite("Pixel targets")
struct PixelTargetsTests {
    /// One 4x4 grey image per entry of `levels`, every pixel at that level.
    static func flat(_ levels: [UInt8]) -> ByteImageSet {
        ByteImageSet(imageCount: levels.count, height: 4, width: 4, channels: 1, bytes: levels.flatMap { Array(repeating: $0, count: 16) })
    }

    static func values(_ images: any TrainingImages, index: Int, epoch: Int) -> [Float] {
        DatasetTests.image(images, index: index, epoch: epoch)
    }

    @Test("grey keeps sample / 255; binary thresholds at one half (127 -> 0, 128 -> 1)")
    func greyAndBinary() {
        let images = Self.flat([0, 127, 128, 255])
        #expect(Self.values(PixelTargets.grey.applied(to: images, seed: 1), index: 1, epoch: 0).allSatisfy { $0 == Float(127) / 255 })
        let binary = PixelTargets.binary.applied(to: images, seed: 1)
        #expect((0..<4).map { Self.values(binary, index: $0, epoch: 3)[5] } == [0, 0, 1, 1])
    }

    @Test("stochastic: a Bernoulli draw per pixel, a pure function of (seed, epoch, image); 0 and 255 stay 0 and 1")
    func stochastic() {
        let images = Self.flat([0, 64, 191, 255] + Array(repeating: 77, count: 400))
        let targets = PixelTargets.stochastic.applied(to: images, seed: 9)
        let drawn = Self.values(targets, index: 2, epoch: 4)
        #expect(drawn.allSatisfy { $0 == 0 || $0 == 1 })
        _ = Self.values(targets, index: 3, epoch: 0)                            // other calls change nothing
        #expect(Self.values(PixelTargets.stochastic.applied(to: images, seed: 9), index: 2, epoch: 4) == drawn)
        #expect(Self.values(targets, index: 2, epoch: 5) != drawn || Self.values(targets, index: 2, epoch: 6) != drawn)
        #expect(Self.values(targets, index: 0, epoch: 1).allSatisfy { $0 == 0 })
        #expect(Self.values(targets, index: 3, epoch: 1).allSatisfy { $0 == 1 })
        // 400 images x 16 pixels at 77/255: the mean of the draws is within 4 standard errors of p.
        let ones = (4..<404).reduce(Float(0)) { $0 + Self.values(targets, index: $1, epoch: 2).reduce(0, +) }
        let p = 77.0 / 255, mean = Double(ones) / 6400
        #expect(abs(mean - p) < 4 * (p * (1 - p) / 6400).squareRoot(), "mean \(mean), p \(p)")
    }

    @Test("run data: stochastic training images change every epoch; validation and test sets are one fixed draw")
    func runDataDraws() throws {
        let pool = ByteImageSet(imageCount: 30, height: 4, width: 4, channels: 1, bytes: (0..<480).map { UInt8($0 * 7 % 256) })
        let images = try ImageData.carving(path: "set", format: .idx, pool: pool, poolOrigin: "set")
        let data = try RunData(dataset: .mnist, images: images)
        #expect(data.pixels == .stochastic && data.shapeDescription == "4x4x1")
        let training = data.trainingImages(seed: 1)
        #expect(Self.values(training, index: 0, epoch: 0) != Self.values(training, index: 0, epoch: 1))
        #expect(Self.values(training, index: 0, epoch: 1) == Self.values(data.trainingImages(seed: 1), index: 0, epoch: 1))
        #expect(Self.values(training, index: 0, epoch: 1) != Self.values(data.trainingImages(seed: 2), index: 0, epoch: 1))
        #expect(data.evaluationImages(split: .valid).pixels == data.evaluationImages(split: .valid).pixels)
        #expect(data.evaluationImages(split: .test, count: 2).pixels == Array(data.evaluationImages(split: .test).pixels[..<32]))
        #expect(data.evaluationImages(split: .test).pixels.allSatisfy { $0 == 0 || $0 == 1 })
        let grey = try RunData(dataset: .mnist, images: images, pixels: .grey)
        #expect(grey.evaluationImages(split: .test).pixels == images.test.bytes.map { Float($0) / 255 })
        #expect(grey.summary == "IDX files in set: 30 images of 4x4x1; train 24 (of 30 in set), valid 3 (carved by a fixed shuffle), "
                + "test 3 (carved by a fixed shuffle); pixels grey")
    }

    @Test("names, the one-line error for an unknown one, and generated sets that need 28x28 grey digits")
    func namesAndErrors() throws {
        #expect(try PixelTargets.named("stochastic") == .stochastic)
        #expect(TestDataFiles.message { _ = try PixelTargets.named("gray") }
                == "--pixels must be one of binary, stochastic, grey, got \"gray\"")
        let pool = ByteImageSet(imageCount: 10, height: 32, width: 32, channels: 3, bytes: Array(repeating: 1, count: 30_720))
        let images = try ImageData.carving(path: "c", format: .cifar10, pool: pool, poolOrigin: "c")
        #expect(throws: DatasetError.needsDigits(dataset: .twoDigits, path: "c", shape: "32x32x3")) {
            try RunData(dataset: .twoDigits, images: images)
        }
        #expect(commandLineMessage(for: DatasetError.needsDigits(dataset: .twoDigits, path: "c", shape: "32x32x3"))
                == "--dataset two-digits is made from 28x28x1 digits, but c holds 32x32x3 images")
        #expect(try RunData(dataset: .mnist, images: images).shaping(.small).imageSize == 3 * 1024)
    }

    @Test("settings JSON keeps pixels and data; JSON from before has neither and still reads")
    func settingsJSON() throws {
        var settings = TrainingSettings()
        settings.pixels = .stochastic
        settings.data = "letters"
        let json = settings.json()
        #expect(json.contains("\"pixels\":\"stochastic\"") && json.contains("\"data\":\"letters\""))
        #expect(try TrainingSettings.fromJSON(json, source: "test") == settings)
        #expect(settings.dataMetadata == ["dataset": "mnist", "pixels": "stochastic", "data": "letters"])
        let old = TrainingSettings().json()
        #expect(!old.contains("pixels") && !old.contains("\"data\""))
        let decoded = try TrainingSettings.fromJSON(old, source: "test")
        #expect(decoded.pixels == nil && decoded.data == nil)
    }
}
