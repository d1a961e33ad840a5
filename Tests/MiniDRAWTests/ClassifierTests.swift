import Foundation
import Testing
@testable import MiniDRAW

/// Paper §4.1: the cluttered-MNIST data, the attention classifier ("Differentiable RAM": Eq. 21-27
/// feeding an LSTM, softmax on h_G) and the pixel baselines, with gradient checks in Double.
@Suite("Cluttered MNIST classification (§4.1)")
struct ClassifierTests {
    // MARK: - Fixtures

    /// Not square, so width/height mix-ups show; N = 3 grid, 6 LSTM units, 3 glimpses, 4 classes.
    static let tinyConfig = GlimpseClassifierConfig(width: 20, height: 16, readSize: 3, hiddenSize: 6, glimpses: 3, classCount: 4)

    /// A tiny classifier whose windows stay on the image with varied centres, strides and widths.
    static func tinyClassifier() -> GlimpseClassifier<Double> {
        var model = GlimpseClassifier<Double>.initialized(config: tinyConfig, seed: 7)
        var generator = SeededGenerator(seed: 8)
        for index in model.attention.weight.storage.indices { model.attention.weight.storage[index] = 0.3 * generator.nextGaussian() }
        for index in model.output.weight.storage.indices { model.output.weight.storage[index] = generator.nextGaussian() }
        // delta ~ 9.5 e^-1 = 3.5 keeps all three filters on the image: off the image Z_X, Z_Y fall
        // towards the clamp of Eq. 25-26 and the loss gets too curved for the central differences.
        model.attention.bias[0, AttentionParameter.stride] = -1
        return model
    }

    /// Binary images [count, pixels].
    static func binaryImages(count: Int, pixels: Int, seed: UInt64) -> Matrix<Double> {
        var generator = SeededGenerator(seed: seed)
        var images = Matrix<Double>(rows: count, columns: pixels)
        for index in images.storage.indices { images.storage[index] = generator.nextUniform() < 0.4 ? 1 : 0 }
        return images
    }

    /// `count` random binary 28 x 28 "digits" labelled i % 10.
    static func digits(count: Int, size: Int = 28, seed: UInt64 = 3) -> (images: ImageSet, labels: [UInt8]) {
        var generator = SeededGenerator(seed: seed)
        let pixels = (0..<(count * size * size)).map { _ in generator.nextUniform() < 0.3 ? Float(1) : 0 }
        return (ImageSet(imageCount: count, height: size, width: size, pixels: pixels), (0..<count).map { UInt8($0 % 10) })
    }

    /// Checks every parameter tensor of `model` against central differences of the mean cross-entropy.
    func checkEveryParameter<Model: ImageClassifier>(_ model: Model, images: Matrix<Double>, labels: [Int]) -> Double
    where Model.Scalar == Double {
        var workspace = model.makeWorkspace(batchSize: images.rows)
        var gradient = model.zeros()
        _ = model.lossAndGradient(images: images, labels: labels, workspace: &workspace, gradient: &gradient)
        var worst = 0.0
        for (name, path) in model.parameterPaths {
            var values = model[keyPath: path].storage
            let report = gradientCheck(name: name, values: &values, analytic: gradient[keyPath: path].storage) { perturbed in
                var probe = model
                probe[keyPath: path].storage = perturbed
                var probeGradient = probe.zeros()
                return probe.lossAndGradient(images: images, labels: labels, workspace: &workspace, gradient: &probeGradient).meanLoss
            }
            #expect(report.passed, "\(report)")
            worst = max(worst, report.maxRelativeError)
        }
        return worst
    }

    // MARK: - Gradients

    @Test("Eq. 21-27 + LSTM + softmax: every parameter of the glimpse classifier, G = 3, N = 3 on 20 x 16")
    func glimpseClassifierGradient() {
        let images = Self.binaryImages(count: 2, pixels: 20 * 16, seed: 11)
        let worst = checkEveryParameter(Self.tinyClassifier(), images: images, labels: [1, 3])
        print("glimpse classifier: largest relative gradient error \(worst)")
    }

    @Test("pixel baselines: every parameter of the MLP (ReLU) and of the linear softmax", arguments: [5, 0])
    func pixelClassifierGradient(hiddenSize: Int) {
        let model = PixelClassifier<Double>.initialized(inputSize: 12, hiddenSize: hiddenSize, classCount: 4, seed: 5)
        let images = randomMatrix(3, 12, seed: 6)
        let worst = checkEveryParameter(model, images: images, labels: [0, 2, 3])
        print("pixel classifier (hidden \(hiddenSize)): largest relative gradient error \(worst)")
    }

    @Test("softmax cross-entropy: values by hand, stable for large logits, gradient (p - onehot) / B")
    func softmaxCrossEntropyValues() {
        let logits = Matrix<Double>(rows: 2, columns: 4, storage: [0, Double.log(2), Double.log(3), Double.log(4), 1000, 0, 0, 0])
        var probabilities = logits
        let result = softmaxCrossEntropy(logits: logits, labels: [3, 1], probabilities: &probabilities)
        // p = (0.1, 0.2, 0.3, 0.4): -log 0.4; second row: p[1] = e^-1000 underflows but -log p[1] = 1000 exactly.
        #expect(abs(result.meanLoss - (-Double.log(0.4) + 1000) / 2) < 1e-12, "loss \(result.meanLoss)")
        #expect(abs(probabilities[0, 2] - 0.3) < 1e-15 && probabilities[1, 0] == 1)
        #expect(result.correctCount == 1)
        var dLogits = logits
        softmaxCrossEntropyBackward(probabilities: probabilities, labels: [3, 1], dLogits: &dLogits)
        #expect(abs(dLogits[0, 3] - (0.4 - 1) / 2) < 1e-15 && abs(dLogits[0, 0] - 0.05) < 1e-15 && abs(dLogits[1, 1] + 0.5) < 1e-15)
    }

    @Test("Eq. 27 without x_hat: readImage equals the image half of the DRAW read")
    func readImageMatchesRead() {
        let geometry = AttentionGeometry(gridSize: 3, width: 20, height: 16)
        let windows = [AttentionWindow(centerX: 8, centerY: 5, variance: 0.7, stride: 2.5, intensity: 1.3),
                       AttentionWindow(centerX: 15, centerY: 12, variance: 2, stride: 1, intensity: 0.6)]
        let cache = AttentionStepCache<Double>(windows: windows, geometry: geometry)
        let images = Self.binaryImages(count: 2, pixels: 320, seed: 4)
        var glimpse = Matrix<Double>(rows: 2, columns: 9)
        geometry.readImage(image: images, cache: cache, glimpse: &glimpse)
        var both = Matrix<Double>(rows: 2, columns: 18)
        geometry.read(image: images, errorImage: Matrix(rows: 2, columns: 320), cache: cache, channels: 1, glimpse: &both)
        for row in 0..<2 { for index in 0..<9 { #expect(glimpse[row, index] == both[row, index]) } }
        #expect(glimpse.storage.contains { $0 > 0.1 }, "the windows should see some ink")
    }

    // MARK: - Data

    @Test("cluttered images: 100 x 100, digit fully inside, 8 pieces of other digits, nothing else, labels carried")
    func clutteredImages() {
        let (images, labels) = Self.digits(count: 6)
        let data = ClutteredMNIST.subset(images: images, labels: labels, indices: [2, 3, 4, 5])
        #expect(data.count == 4 && data.labels == [2, 3, 4, 5])
        #expect(Array(data.digits.pixels[0..<784]) == Array(images.pixels[(2 * 784)..<(3 * 784)]))
        var generator = SeededGenerator(seed: 9)
        for index in 0..<data.count {
            let placement = data.placement(index: index, generator: &generator)
            #expect(placement.label == data.labels[index])
            #expect((0...72).contains(placement.digitX) && (0...72).contains(placement.digitY), "digit at \(placement.digitX), \(placement.digitY)")
            #expect(placement.pieces.count == 8)
            for piece in placement.pieces {
                #expect(piece.sourceIndex != index && (0..<4).contains(piece.sourceIndex))
                #expect((0...20).contains(piece.cutX) && (0...20).contains(piece.cutY) && (0...92).contains(piece.x) && (0...92).contains(piece.y))
            }
            var canvas = [Float](repeating: 0, count: 100 * 100)
            canvas.withUnsafeMutableBufferPointer { data.render(placement, into: $0.baseAddress!) }
            let digit = data.digits.pixels[(index * 784)..<((index + 1) * 784)].map { $0 }
            for y in 0..<28 {
                for x in 0..<28 where digit[y * 28 + x] == 1 {
                    #expect(canvas[(placement.digitY + y) * 100 + placement.digitX + x] == 1)
                }
            }
            // every lit pixel comes from the digit or a piece
            func covered(_ x: Int, _ y: Int) -> Bool {
                let inDigit = (placement.digitX..<(placement.digitX + 28)).contains(x) && (placement.digitY..<(placement.digitY + 28)).contains(y)
                return inDigit || placement.pieces.contains { ($0.x..<($0.x + 8)).contains(x) && ($0.y..<($0.y + 8)).contains(y) }
            }
            for y in 0..<100 { for x in 0..<100 where canvas[y * 100 + x] != 0 { #expect(canvas[y * 100 + x] == 1 && covered(x, y)) } }
        }
    }

    @Test("cluttered batches: same seed same images, another seed other images; held-out set fixed")
    func clutterIsSeeded() {
        let (images, labels) = Self.digits(count: 5)
        let data = ClutteredMNIST.subset(images: images, labels: labels, indices: Array(0..<5))
        func batch(seed: UInt64) -> (Matrix<Float>, [Int]) {
            var generator = SeededGenerator(seed: seed)
            var batch = Matrix<Float>(rows: 3, columns: 10_000)
            let batchLabels = data.batch(indices: [4, 0, 2], generator: &generator, into: &batch)
            return (batch, batchLabels)
        }
        let (first, firstLabels) = batch(seed: 1), (again, _) = batch(seed: 1), (other, _) = batch(seed: 2)
        #expect(firstLabels == [4, 0, 2])
        #expect(first == again && first != other)
        let fixed: (images: Matrix<Float>, labels: [Int], placements: [ClutteredPlacement]) = data.fixedSet(seed: 2015)
        let fixedAgain: (images: Matrix<Float>, labels: [Int], placements: [ClutteredPlacement]) = data.fixedSet(seed: 2015)
        #expect(fixed.images == fixedAgain.images && fixed.labels == [0, 1, 2, 3, 4] && fixed.images.shape == [5, 10_000])
    }

    @Test("labelled split: 9 + 1 of 10 by a fixed shuffle, disjoint, every class may be held out")
    func labelledSplit() {
        let (images, _) = Self.digits(count: 20)
        let sortedLabels = (0..<20).map { UInt8($0 / 2) }                  // ordered by class, like the shipped file
        let (training, heldOut) = ClutteredMNIST.labelledSplit(images: images, labels: sortedLabels, heldOutCount: 4, seed: 2015)
        #expect(training.count == 16 && heldOut.count == 4)
        #expect(heldOut.labels != [8, 8, 9, 9], "held-out labels \(heldOut.labels) are the tail of the sorted file")
        let again = ClutteredMNIST.labelledSplit(images: images, labels: sortedLabels, heldOutCount: 4, seed: 2015).heldOut
        #expect(again.labels == heldOut.labels && again.digits.pixels == heldOut.digits.pixels)
        #expect((training.labels + heldOut.labels).sorted() == sortedLabels.map { Int($0) })
    }

    // MARK: - Training

    @Test("Adam: AdamState.update, which DRAW and the classifiers share, is adamTensorUpdate tensor by tensor, bit for bit")
    func sharedAdamMatchesDRAW() {
        let config = TinyModels.config(attention: true)
        var model = TinyModels.model(config)
        var copy = model
        let gradient = TinyModels.model(config, seed: 21)
        var settings = AdamSettings()
        settings.clipNorm = 1
        var adam = AdamState(model: model)
        var firstMoment = model.zeros(), secondMoment = model.zeros()
        for step in 1...2 {
            let norm = adam.update(model: &model, gradient: gradient, settings: settings)
            let coefficients = AdamCoefficients<Double>(settings: settings, stepCount: step, gradientNorm: norm)
            for (_, path) in DRAWModel<Double>.parameterPaths(config: config) {
                adamTensorUpdate(parameter: &copy[keyPath: path], gradient: gradient[keyPath: path],
                                 firstMoment: &firstMoment[keyPath: path], secondMoment: &secondMoment[keyPath: path],
                                 coefficients: coefficients)
            }
        }
        #expect(model == copy && adam.firstMoment == firstMoment && adam.secondMoment == secondMoment)
    }

    @Test("training lowers the loss of a small glimpse classifier on small cluttered images")
    func trainingLowersLoss() throws {
        // Class 1 digits are solid 8 x 8 squares, class 0 digits empty: the ink a glimpse sees tells them apart.
        let pixels = (0..<8).flatMap { [Float](repeating: Float($0 % 2), count: 64) }
        let data = ClutteredMNIST(digits: ImageSet(imageCount: 8, height: 8, width: 8, pixels: pixels),
                                  labels: (0..<8).map { $0 % 2 }, canvasSize: 16, pieceCount: 1, pieceSize: 3)
        var settings = ClassifierTrainingSettings()
        settings.batchSize = 8
        settings.adam.learningRate = 0.01
        let config = GlimpseClassifierConfig(width: 16, height: 16, readSize: 4, hiddenSize: 12, glimpses: 2, classCount: 2)
        let trainer = ClassifierTrainer(model: GlimpseClassifier<Float>.initialized(config: config, seed: 1), data: data, settings: settings)
        let first = try trainer.trainStep()
        var last = first
        for _ in 0..<60 { last = try trainer.trainStep() }
        #expect(trainer.epoch == 61 && last.step == 61)
        #expect(last.meanLoss < 0.5 * first.meanLoss, "loss \(first.meanLoss) -> \(last.meanLoss)")
        let fixed: (images: Matrix<Float>, labels: [Int], placements: [ClutteredPlacement]) = data.fixedSet(seed: 4)
        let evaluation = trainer.model.evaluate(images: fixed.images, labels: fixed.labels, batchSize: 3)
        #expect(evaluation.imageCount == 8 && evaluation.errorRate <= 0.5)
    }

    @Test("glimpse picture: one box per glimpse, blue for the first, red for the last, checkpoint round trip")
    func glimpsePictureAndCheckpoint() throws {
        let config = GlimpseClassifierConfig(width: 20, height: 20, readSize: 3, hiddenSize: 6, glimpses: 3, classCount: 10)
        let model = GlimpseClassifier<Float>.initialized(config: config, seed: 3)
        let images = Self.binaryImages(count: 2, pixels: 400, seed: 1).converted(to: Float.self)
        let (windows, predicted) = GlimpsePath.windows(model: model, images: images)
        #expect(windows.count == 2 && windows.allSatisfy { $0.count == 3 } && predicted.count == 2)
        let picture = GlimpsePath.render(images: images, width: 20, height: 20, windows: windows, gridSize: 3, columns: 2)
        #expect(picture.width == 3 * (2 * 22 + 2) && picture.height == 3 * 24)
        let colours = Set((0..<(picture.width * picture.height)).map { picture[$0 % picture.width, $0 / picture.width] })
        #expect(colours.contains(GlimpsePath.color(glimpse: 0, of: 3)) && colours.contains(.red))
        #expect(GlimpsePath.color(glimpse: 0, of: 3) == .blue && GlimpsePath.color(glimpse: 2, of: 3) == .red)
        var loaded = model.zeros()
        try loaded.load(try SafeTensorsFile(bytes: try model.checkpoint().serialized(), source: "test"))
        #expect(loaded == model)
        #expect(model.checkpoint().tensors["lstm.bias_ih"]?.shape == [24])
    }
}
