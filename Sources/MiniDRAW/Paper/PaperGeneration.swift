/// Generating images (§2.3): the encoder is dropped, z_t is drawn from the prior, and the decoder
/// draws on the canvas for T steps; the last canvas gives the image's Bernoulli means.

extension PaperDRAW {
    /// Eq. 13-16 for `count` images, z_t drawn from `generator` in step, image, unit order (the fast
    /// engine's `generate` order). Returns one entry per step t = 1...T: sigmoid(c_t) [count, C B A],
    /// the write window (g_X, g_Y, sigma^2, delta, gamma) [count, 5] ([0, 5] without attention) and w_t.
    public func generate(count: Int, generator: inout SeededGenerator) -> [GenerationStep<Scalar>] {
        var decoder = PaperLSTMState(hidden: broadcast(parameters.initialDecoderHidden, count: count),   // h^dec_0 (§2.1)
                                     cell: Matrix<Scalar>(rows: count, columns: config.decoderSize))     // c^dec_0 = 0
        var canvas = broadcast(parameters.initialCanvas, count: count)                                   // c_0 (§2.1)
        var steps: [GenerationStep<Scalar>] = []
        for _ in 0..<config.timesteps {
            var z = Matrix<Scalar>(rows: count, columns: config.latentSize)
            generator.fillGaussian(&z.storage)                                                // Eq. 13: z_t ~ P(Z_t) = N(0, I)
            decoder = lstm(parameters.decoder, input: z, previous: decoder).state             // Eq. 14
            let patch = linear(decoder.hidden, parameters.write)                              // Eq. 18 or Eq. 28
            var writeWindows: [PaperWindow<Scalar>] = []
            if config.attention {
                let writeParameters = linear(decoder.hidden, parameters.writeAttention)        // Eq. 21
                writeWindows = windows(writeParameters, gridSize: config.writeSize)            // Eq. 22-26
                canvas += write(patch, windows: writeWindows)                                  // Eq. 15 with Eq. 29
            } else {
                canvas += patch                                                                // Eq. 15 with Eq. 18
            }
            steps.append(GenerationStep(canvas: map(canvas) { sigmoid($0) },                 // Eq. 16: x ~ D(X | c_T)
                                        writeWindow: PaperWindow.values(writeWindows), writePatch: patch))
        }
        return steps
    }
}
