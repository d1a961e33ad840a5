import Testing
@testable import MiniDRAW

/// Generation from the prior (paper §2.3): z_t ~ N(0, I) (Eq. 13), the decoder (Eq. 14), the
/// canvas update (Eq. 15) and the image distribution D(X | c_T) with means sigmoid(c_T) (Eq. 16).
@Suite("Eq. 13, 14, 15, 16: generation")
struct GenerationTests {
    static let count = 3

    @Test("Eq. 13-16: T steps of [count, imageSize] canvases, every value strictly inside (0, 1)", arguments: [true, false])
    func shapesAndRange(attention: Bool) {
        let config = TinyModels.config(attention: attention, timesteps: 4)
        var generator = SeededGenerator(seed: 1)
        let steps = TinyModels.model(config).generate(count: Self.count, generator: &generator)
        #expect(steps.count == config.timesteps, "one entry per step t = 1...T")
        for (t, step) in steps.enumerated() {
            #expect(step.canvas.shape == [Self.count, config.imageSize], "step \(t + 1): canvas \(step.canvas.shapeDescription)")
            #expect(step.canvas.storage.allSatisfy { $0 > 0 && $0 < 1 }, "step \(t + 1): Eq. 16 means must lie in (0, 1)")
            #expect(step.writeWindow.shape == (attention ? [Self.count, AttentionParameter.count] : [0, AttentionParameter.count]),
                    "step \(t + 1): write window \(step.writeWindow.shapeDescription)")
        }
    }

    @Test("Eq. 13: the same seed gives bit-identical images, another seed different ones")
    func seeds() {
        let model = TinyModels.model(TinyModels.config(attention: true))
        func images(seed: UInt64) -> [[Double]] {
            var generator = SeededGenerator(seed: seed)
            return model.generate(count: Self.count, generator: &generator).map(\.canvas.storage)
        }
        let first = images(seed: 5)
        #expect(first == images(seed: 5), "seed 5 twice gave different images")
        #expect(first.last != images(seed: 6).last, "seeds 5 and 6 gave the same final image")
    }

    @Test("Eq. 15-16: with the write layer's weights and biases zero, every canvas stays sigmoid(c_0), the learned initial canvas", arguments: [true, false])
    func zeroWrite(attention: Bool) {
        var model = TinyModels.model(TinyModels.config(attention: attention))
        model.write.weight.setZero()
        model.write.bias.setZero()
        let start = model.initialCanvas.storage.map(logistic)                       // §2.1: c_0 learned, one row
        #expect(Set(start).count > 1, "the tiny model's c_0 should vary from pixel to pixel")
        var generator = SeededGenerator(seed: 2)
        for (t, step) in model.generate(count: Self.count, generator: &generator).enumerated() {
            expectClose(step.canvas.storage, Array((0..<Self.count).map { _ in start }.joined()), tolerance: 1e-15,
                        "step \(t + 1): a zero patch must leave c_t = c_0 for every image")
        }
    }

    @Test("Eq. 13-16: generation's steps equal decoder steps assembled by hand from the same noise", arguments: [true, false])
    func handAssembled(attention: Bool) {
        let config = TinyModels.config(attention: attention, timesteps: 2)
        let model = TinyModels.model(config)
        var generator = SeededGenerator(seed: 3)
        var handGenerator = generator
        let steps = model.generate(count: Self.count, generator: &generator)

        // §2.1: h^dec_0 and c_0 are the learned rows, repeated for each image; c^dec_0 = 0.
        var hidden = Matrix<Double>(rows: Self.count, columns: config.decoderSize,
                                    storage: Array((0..<Self.count).map { _ in model.initialDecoderHidden.storage }.joined()))
        var cell = Matrix<Double>(rows: Self.count, columns: config.decoderSize)
        var canvas = Matrix<Double>(rows: Self.count, columns: config.imageSize,
                                    storage: Array((0..<Self.count).map { _ in model.initialCanvas.storage }.joined()))
        for t in 0..<config.timesteps {
            var z = Matrix<Double>(rows: Self.count, columns: config.latentSize)
            handGenerator.fillGaussian(&z.storage)                                                  // Eq. 13
            var decoderStep = LSTMStepCache<Double>(batchSize: Self.count, hiddenSize: config.decoderSize)
            model.decoder.forward(input: z, previousHidden: hidden, previousCell: cell, cache: &decoderStep)   // Eq. 14
            hidden = decoderStep.hidden
            cell = decoderStep.cell
            var patch = Matrix<Double>(rows: Self.count, columns: config.writePatchSize)
            model.write.forward(hidden, into: &patch)
            if attention {                                                                          // Eq. 15 with Eq. 29
                var parameters = Matrix<Double>(rows: Self.count, columns: AttentionParameter.count)
                model.writeAttention.forward(hidden, into: &parameters)
                let window = attentionWindow(model.writeGeometry, parameters: parameters)
                model.writeGeometry.write(patch: patch, cache: window, channels: 1, canvas: &canvas)
                #expect(steps[t].writeWindow == window.window, "step \(t + 1): write window")
            } else {
                canvas.add(patch)                                                                   // Eq. 15 with Eq. 18
            }
            expectClose(steps[t].canvas.storage, canvas.storage.map(logistic), tolerance: 1e-15,
                        "step \(t + 1): Eq. 16 sigmoid(c_t)")
        }
    }
}
