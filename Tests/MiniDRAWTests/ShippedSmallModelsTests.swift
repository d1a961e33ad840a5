import Foundation
import Testing
@testable import MiniDRAW

/// Chapters 12 and 13 run on shipped models: `Data/pretrained/draw-color.safetensors` (colour MNIST)
/// and `Data/pretrained/classifier-cluttered.safetensors` (the §4.1 glimpse classifier). Each file is
/// read with the config its model card gives, and a documented figure is measured again on a few
/// images: the colour model's bound on the first 4 test images (results.json), the classifier's
/// predictions on the first 8 held-out images (chapter 13's recorded output).
@Suite("The shipped colour model and cluttered-MNIST classifier: their cards' configs and figures")
struct ShippedSmallModelsTests {
    static let data = "\(PackagePaths.root)/Data/binarized-mnist"
    static let figures = ResultFigures.load(ResultFigures.path)

    @Test("draw-color.safetensors: colorMNIST with LSTMs of 128; its bound on the first 4 test images is results.json's")
    func colourModel() throws {
        let model: DRAWModel<Float> = try Checkpoint.loadModel(path: "\(PackagePaths.root)/Data/pretrained/draw-color.safetensors")
        var expected = DRAWConfig.colorMNIST
        (expected.encoderSize, expected.decoderSize) = (128, 128)
        #expect(model.config == expected, "\(model.config.summary)")
        // minidraw eval --checkpoint Data/pretrained/draw-color.safetensors --images 4 --batch-size 4 --samples 0 (the bound line, Eq. 12)
        let images = try Dataset.colorMNIST.evaluationImages(split: .test, directory: Self.data, count: 4)
        let result = model.evaluate(images: images, batchSize: 4, importanceSamples: 0, seed: 1)
        let recorded = try #require(Self.figures["draw-color.first4_test_bound"], "results.json has no draw-color.first4_test_bound")
        #expect(abs(result.bound - recorded) < 0.01, "bound \(result.bound), results.json \(recorded)")
    }

    @Test("classifier-cluttered.safetensors: 8 glimpses of 12x12, LSTM 256; the first 8 held-out predictions are chapter 13's")
    func classifier() throws {
        let classifier = try TrainedClassifier(path: "\(PackagePaths.root)/Data/pretrained/classifier-cluttered.safetensors")
        guard case .attention(let model) = classifier else {
            Issue.record("the shipped classifier is \(classifier.summary), expected the attention classifier")
            return
        }
        #expect(model.config == GlimpseClassifierConfig(readSize: 12, hiddenSize: 256, glimpses: 8))
        let images = try BinarizedMNIST.load(split: .test, directory: Self.data)
        let labels = try BinarizedMNIST.loadTestLabels(directory: Self.data)
        let (_, heldOutDigits) = ClutteredMNIST.labelledSplit(images: images, labels: labels, heldOutCount: 1000,
                                                              seed: ClassifierTrainingSettings.heldOutSeed)
        let heldOut: (images: Matrix<Float>, labels: [Int], placements: [ClutteredPlacement]) =
            heldOutDigits.fixedSet(seed: ClassifierTrainingSettings.heldOutSeed)
        let first = Matrix(rows: 8, columns: heldOut.images.columns, storage: Array(heldOut.images.storage.prefix(8 * heldOut.images.columns)))
        let predicted = GlimpsePath.windows(model: model, images: first).predicted.map(String.init).joined()
        let labelText = heldOut.labels.prefix(8).map(String.init).joined()
        let chapter = try String(contentsOfFile: "\(PackagePaths.root)/Tutorial/13-cluttered-mnist-classification.md", encoding: .utf8)
        #expect(chapter.contains("labels \(labelText), predicted \(predicted))"),
                "chapter 13 does not quote labels \(labelText), predicted \(predicted)")
    }
}
