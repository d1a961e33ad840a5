/// Generating images from the prior (paper §2.3, Eq. 13-16): the encoder is dropped, z_t is
/// drawn from N(0, I) and the decoder draws on the canvas for T steps.
public struct GenerationStep<Scalar: DRAWScalar>: Sendable {
    /// sigmoid(c_t), the canvas as the paper's figures show it: [count, imageSize]
    public var canvas: Matrix<Scalar>
    /// (g_X, g_Y, sigma^2, delta, gamma) of the write at this step (Eq. 21-24); [count, 5], empty without attention.
    public var writeWindow: Matrix<Scalar>
    /// w_t, what the decoder wrote at this step (Eq. 18 without attention, Eq. 28 with): [count, writePatchSize]
    public var writePatch: Matrix<Scalar>
}

extension DRAWModel {
    /// Draws `count` images; returns one entry per step t = 1...T.
    public func generate(count: Int, generator: inout SeededGenerator) -> [GenerationStep<Scalar>] {
        let subnormals = SubnormalsFlushed()                         // Subnormals.swift
        defer { subnormals.restore() }
        var noise = Matrix<Scalar>(rows: count, columns: config.latentSize)
        var initialHidden = Matrix<Scalar>(rows: count, columns: config.decoderSize)       // h^dec_0, learned (§2.1)
        addBias(initialDecoderHidden, to: &initialHidden)
        let initialCell = Matrix<Scalar>(rows: count, columns: config.decoderSize)          // c^dec_0 = 0
        var decoderStep = LSTMStepCache<Scalar>(batchSize: count, hiddenSize: config.decoderSize)
        var previousStep = decoderStep
        var patch = Matrix<Scalar>(rows: count, columns: config.writePatchSize)
        var window = AttentionStepCache<Scalar>(batchSize: config.attention ? count : 0,
                                                geometry: config.attention ? writeGeometry : AttentionGeometry(gridSize: 0, width: 0, height: 0))
        var canvas = Matrix<Scalar>(rows: count, columns: config.imageSize)                   // c_0, learned (§2.1)
        addBias(initialCanvas, to: &canvas)
        var steps: [GenerationStep<Scalar>] = []
        for t in 0..<config.timesteps {
            generator.fillGaussian(&noise.storage)                                            // Eq. 13: z_t ~ P(Z_t) = N(0, I)
            decoder.forward(input: noise, previousHidden: t == 0 ? initialHidden : previousStep.hidden,   // Eq. 14
                            previousCell: t == 0 ? initialCell : previousStep.cell, cache: &decoderStep)
            write.forward(decoderStep.hidden, into: &patch)
            if config.attention {
                writeAttention.forward(decoderStep.hidden, into: &window.parameters)
                writeGeometry.forward(cache: &window)
                writeGeometry.write(patch: patch, cache: window, channels: config.channels, canvas: &canvas)  // Eq. 15
            } else {
                canvas.add(patch)                                                             // Eq. 15
            }
            var image = canvas
            for index in image.storage.indices { image.storage[index] = sigmoid(image.storage[index]) }     // Eq. 16: D(X | c_T)
            steps.append(GenerationStep(canvas: image, writeWindow: window.window, writePatch: patch))
            swap(&previousStep, &decoderStep)
        }
        return steps
    }
}
