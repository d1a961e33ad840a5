import Testing
@testable import MiniDRAW

/// `DrawingOrder`: the order score of a two-digit drawing (paper §4.3), the labels of write windows
/// (Eq. 22-23) and sample strokes, and the ink boxes of two-digit MNIST.
@Suite("Drawing order")
struct DrawingOrderTests {
    typealias Target = DrawingOrder.Target
    static let first = Target.first, second = Target.second

    // MARK: - Order score

    @Test("order score: 1 for one digit then the other (either first), the best single switch otherwise")
    func orderScore() {
        #expect(DrawingOrder.score([]) == nil)
        #expect(DrawingOrder.score([Self.first, Self.first, Self.second, Self.second]) == 1)
        #expect(DrawingOrder.score([Self.second, Self.first, Self.first]) == 1)
        #expect(DrawingOrder.score([Self.first, Self.first, Self.first]) == 1)
        // f s f s: switching after the first stroke explains f | s _ s, 3 of 4.
        #expect(DrawingOrder.score([Self.first, Self.second, Self.first, Self.second]) == 0.75)
        #expect(DrawingOrder.score([Self.first, Self.second, Self.first, Self.second, Self.first, Self.second]) == 4.0 / 6.0)
    }

    @Test("chance level: the same strokes shuffled score below 1 and at least 1/2, the same for the same seed")
    func shuffledScore() {
        let strokes = [Target](repeating: Self.first, count: 6) + [Target](repeating: Self.second, count: 6)
        var generator = SeededGenerator(seed: 3), again = SeededGenerator(seed: 3)
        let chance = DrawingOrder.shuffledScore(strokes, count: 50, generator: &generator)
        #expect(chance < 0.9 && chance >= 0.5, "chance level \(chance)")
        #expect(DrawingOrder.shuffledScore(strokes, count: 50, generator: &again) == chance)
    }

    // MARK: - Labels

    @Test("Eq. 22-23: a write window labels the digit under its 1-based centre, if its grid is no wider than the limit")
    func windowTarget() {
        let digits = [PixelBox(left: 10, top: 10, right: 20, bottom: 20), PixelBox(left: 18, top: 18, right: 40, bottom: 40)]
        func window(_ x: Double, _ y: Double, stride: Double = 2) -> AttentionWindow {
            AttentionWindow(centerX: x, centerY: y, variance: 1, stride: stride, intensity: 1)
        }
        #expect(DrawingOrder.target(of: window(13, 13), gridSize: 5, digits: digits) == .first)
        #expect(DrawingOrder.target(of: window(36, 31), gridSize: 5, digits: digits) == .second)
        #expect(DrawingOrder.target(of: window(20, 20), gridSize: 5, digits: digits) == nil)       // on both boxes
        #expect(DrawingOrder.target(of: window(50, 5), gridSize: 5, digits: digits) == nil)        // on neither
        // g_X = 10.4 is 0-based 9.4, left of pixel column 10 (whose edge is 9.5); 10.6 is on it.
        #expect(DrawingOrder.target(of: window(10.4, 13), gridSize: 5, digits: digits) == nil)
        #expect(DrawingOrder.target(of: window(10.6, 13), gridSize: 5, digits: digits) == .first)
        // N delta = 5 x 6 = 30 px: wider than a digit's 28 px frame, not a stroke unless the limit allows it.
        #expect(DrawingOrder.target(of: window(13, 13, stride: 6), gridSize: 5, digits: digits) == nil)
        #expect(DrawingOrder.target(of: window(13, 13, stride: 6), gridSize: 5, digits: digits, maximumExtent: 30) == .first)
    }

    @Test("2-means splits sample strokes into two places in drawing order, or none when they lie close together")
    func twoGroups() {
        let left = (x: 10.0, y: 12.0), right = (x: 45.0, y: 40.0)
        func near(_ point: (x: Double, y: Double), _ offset: Double) -> (x: Double, y: Double) { (point.x + offset, point.y - offset) }
        let centers = [near(left, 0), near(left, 2), near(right, 1), near(right, -2), near(left, -1)]
        #expect(DrawingOrder.twoGroups(centers) == [Self.first, Self.first, Self.second, Self.second, Self.first])
        // Started from the right-hand place, the labels are the other way round; the score is the same.
        let labels = DrawingOrder.twoGroups(Array(centers[2...]) + Array(centers[..<2]))
        #expect(labels == [Self.first, Self.first, Self.second, Self.second, Self.second])
        #expect(DrawingOrder.twoGroups([near(left, 0), near(left, 3), near(left, -3)]) == nil)
        #expect(DrawingOrder.twoGroups([left]) == nil)
    }

    // MARK: - Ink boxes

    @Test("two-digit MNIST: ink boxes are the digits' lit pixels moved to their placements; an empty digit gets its frame")
    func inkBoxes() {
        var pixels = [Float](repeating: 0, count: 2 * 28 * 28)
        for row in 4...9 { for column in 7...11 { pixels[row * 28 + column] = 1 } }      // digit 0: rows 4-9, columns 7-11
        pixels[28 * 28 + 3 * 28 + 5] = 0.4                                                  // digit 1: below 1/2, no ink
        let set = TwoDigitMNIST(digits: ImageSet(imageCount: 2, height: 28, width: 28, pixels: pixels), seed: 4)
        for index in 0..<8 {
            let placements = set.placements(index: index, epoch: 2), boxes = set.inkBoxes(index: index, epoch: 2)
            #expect(boxes.count == 2)
            for (placement, box) in zip(placements, boxes) {
                let (x, y) = (placement.x, placement.y)
                let expected = placement.digit == 0
                    ? PixelBox(left: x + 7, top: y + 4, right: x + 11, bottom: y + 9)
                    : PixelBox(left: x, top: y, right: x + 27, bottom: y + 27)
                #expect(box == expected, "image \(index), digit \(placement.digit) at (\(x), \(y))")
            }
        }
    }

    // MARK: - Measuring a model

    /// A 60x60 model whose write window (Eq. 21) stays at `window` at every step: zero weights, the bias of that window.
    static func fixedWindowModel(_ window: AttentionWindow) -> DRAWModel<Double> {
        let config = DRAWConfig(width: 60, height: 60, timesteps: 4, encoderSize: 6, decoderSize: 5, latentSize: 4,
                                readSize: 2, writeSize: 3, attention: true)
        var model = DRAWModel<Double>.initialized(config: config, seed: 2)
        let parameters = AttentionStepCache<Double>(windows: [window], geometry: model.writeGeometry).parameters
        for index in model.writeAttention.weight.storage.indices { model.writeAttention.weight.storage[index] = 0 }
        for index in model.writeAttention.bias.storage.indices { model.writeAttention.bias.storage[index] = parameters.storage[index] }
        return model
    }

    @Test("reconstructions and samples label every step of a window held on the first digit, and count no second place")
    func fixedWindow() throws {
        let model = Self.fixedWindowModel(AttentionWindow(centerX: 16, centerY: 16, variance: 1, stride: 2, intensity: 1))
        let images = ImageSet(imageCount: 3, height: 60, width: 60, pixels: [Float](repeating: 0, count: 3 * 3600))
        let boxes = [PixelBox(left: 10, top: 10, right: 20, bottom: 20), PixelBox(left: 40, top: 40, right: 50, bottom: 50)]
        let redrawn = try DrawingOrder.reconstructions(model: model, images: images, digitBoxes: Array(repeating: boxes, count: 3),
                                                       seed: 1, batchSize: 2)
        #expect(redrawn == DrawingOrder.Summary(imageCount: 3, meanStrokes: 4, twoDigitImages: 0))
        let swapped = try DrawingOrder.reconstructions(model: model, images: images,
                                                       digitBoxes: Array(repeating: boxes.reversed(), count: 3), seed: 1)
        #expect(swapped.meanStrokes == 4 && swapped.twoDigitImages == 0)
        let narrow = try DrawingOrder.reconstructions(model: model, images: images, digitBoxes: Array(repeating: boxes, count: 3),
                                                      seed: 1, maximumExtent: 5.9)               // N delta = 6
        #expect(narrow.meanStrokes == 0)
        let sampled = try DrawingOrder.samples(model: model, count: 5, seed: 1, batchSize: 2)
        #expect(sampled == DrawingOrder.Summary(imageCount: 5, meanStrokes: 4, twoDigitImages: 0))
    }

    @Test("drawing order refuses a model without attention and digit boxes that do not match the images")
    func refusals() {
        let images = ImageSet(imageCount: 2, height: 60, width: 60, pixels: [Float](repeating: 0, count: 2 * 3600))
        let model = Self.fixedWindowModel(AttentionWindow(centerX: 16, centerY: 16, variance: 1, stride: 2, intensity: 1))
        let box = PixelBox(left: 0, top: 0, right: 1, bottom: 1)
        #expect(throws: VisualsError.self) {
            try DrawingOrder.reconstructions(model: model, images: images, digitBoxes: [[box, box]], seed: 1)
        }
        var config = model.config
        config.attention = false
        let plain = DRAWModel<Double>.initialized(config: config, seed: 1)
        #expect(throws: VisualsError.self) { try DrawingOrder.samples(model: plain, count: 2, seed: 1) }
    }
}
