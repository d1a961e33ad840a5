// One step t of DRAW, forward (Eq. 1-8) and backward, side by side: read the two together,
// each backward line undoing a forward line in reverse order. `DRAWForward.swift` runs the steps
// t = 1...T and the losses, `DRAWBackward.swift` runs them back from T to 1.

// MARK: - The state carried from step to step

/// What step t takes from step t-1 (or from the learned initial states at t = 1, §2.1):
/// the canvas c_{t-1} and the two LSTMs' h_{t-1} and c_{t-1}.
package struct RecurrentState<Scalar: DRAWScalar>: Sendable {
    /// c_{t-1}: [batchSize, imageSize]
    package let canvas: Matrix<Scalar>
    /// h^enc_{t-1}, c^enc_{t-1}: [batchSize, encoderSize]
    package let encoderHidden: Matrix<Scalar>
    package let encoderCell: Matrix<Scalar>
    /// h^dec_{t-1}, c^dec_{t-1}: [batchSize, decoderSize]
    package let decoderHidden: Matrix<Scalar>
    package let decoderCell: Matrix<Scalar>
}

extension DRAWForwardCache {
    /// The state step index `t` starts from: step t-1's outputs, or the initial states for t = 0.
    package func state(before t: Int) -> RecurrentState<Scalar> {
        guard t > 0 else {
            return RecurrentState(canvas: initialCanvas, encoderHidden: initialEncoderHidden, encoderCell: initialEncoderCell,
                                  decoderHidden: initialDecoderHidden, decoderCell: initialDecoderCell)
        }
        let previous = steps[t - 1]
        return RecurrentState(canvas: previous.canvas, encoderHidden: previous.encoder.hidden, encoderCell: previous.encoder.cell,
                              decoderHidden: previous.decoder.hidden, decoderCell: previous.decoder.cell)
    }
}

extension DRAWModel {
    // MARK: - Forward of step t (Eq. 1-8)

    /// One step t of Eq. 1-8, writing into `step` (modified in place, so nothing is copied).
    /// Returns the batch mean of this step's KL term.
    /// - encoderConstantGates: x's encoder gates without attention (see `DRAWForwardCache`), else nil.
    func forwardStep(image: Matrix<Scalar>, previous: RecurrentState<Scalar>,
                     packedWeights packed: DRAWPackedWeights, encoderConstantGates: Matrix<Scalar>?,
                     step: inout DRAWStepCache<Scalar>, latentLoss: inout [Scalar]) -> Double {
        let constant = config.encoderConstantInputSize, decoderSize = config.decoderSize
        let varyingGlimpse = config.glimpseSize - constant
        errorImage(image: image, canvas: previous.canvas, into: &step.errorImage)                 // Eq. 3
        if config.attention {
            readAttention.forward(previous.decoderHidden, packedWeight: packed.readAttention,      // Eq. 21
                                  into: &step.readAttention.parameters)
            readGeometry.forward(cache: &step.readAttention)                                      // Eq. 22-26
            readGeometry.read(image: image, errorImage: step.errorImage, cache: step.readAttention,  // Eq. 4 = Eq. 27
                              channels: config.channels, glimpse: &step.glimpse)
        } else {
            readWithoutAttention(image: image, errorImage: step.errorImage, glimpse: &step.glimpse) // Eq. 4 = Eq. 17
        }
        // The encoder's input [r_t, h^dec_{t-1}], without r_t's constant columns.
        step.encoderInput.setColumns(0, from: step.glimpse, columns: constant..<constant + varyingGlimpse)        // Eq. 5: r_t
        step.encoderInput.setColumns(varyingGlimpse, from: previous.decoderHidden, columns: 0..<decoderSize)     // Eq. 5: h^dec_{t-1}
        encoder.forward(input: step.encoderInput, previousHidden: previous.encoderHidden,              // Eq. 5
                        previousCell: previous.encoderCell, packedWeights: packed.encoder,
                        constantGates: encoderConstantGates, cache: &step.encoder)
        latent.forward(encoderHidden: step.encoder.hidden, packedWeights: packed, cache: &step.latent)  // Eq. 1, 2, 6
        let kl = accumulateKL(mu: step.latent.mu, logSigma: step.latent.logSigma,                     // Eq. 10-11
                              sigma: step.latent.sigma, into: &latentLoss)
        decoder.forward(input: step.latent.z, previousHidden: previous.decoderHidden,                  // Eq. 7
                        previousCell: previous.decoderCell, packedWeights: packed.decoder, cache: &step.decoder)
        write.forward(step.decoder.hidden, packedWeight: packed.write, into: &step.writePatch)        // Eq. 18 or Eq. 28
        step.canvas.assign(previous.canvas)
        if config.attention {
            writeAttention.forward(step.decoder.hidden, packedWeight: packed.writeAttention,         // Eq. 21
                                   into: &step.writeAttention.parameters)
            writeGeometry.forward(cache: &step.writeAttention)                                        // Eq. 22-26
            writeGeometry.write(patch: step.writePatch, cache: step.writeAttention,                   // Eq. 8 with Eq. 29
                                channels: config.channels, canvas: &step.canvas)
        } else {
            step.canvas.add(step.writePatch)                                                          // Eq. 8 with Eq. 18
        }
        return kl
    }

    // MARK: - Backward of step t

    /// Backward of one step. On entry the workspace holds dL/dc_t, dL/dh^dec_t (from later
    /// steps), dL/dc^dec_t, dL/dh^enc_t (recurrence) and dL/dc^enc_t; on exit the same for t-1.
    /// The shared weights' output gradients go into `w.stacks` at step index `t`.
    func backwardStep(image: Matrix<Scalar>, t: Int, step: DRAWStepCache<Scalar>, previous: RecurrentState<Scalar>,
                      scale: Scalar, packedWeights packed: DRAWPackedWeights, workspace w: inout DRAWBackwardWorkspace<Scalar>) {
        // Eq. 8: c_t = c_{t-1} + write(h^dec_t); dc_t flows unchanged to c_{t-1} and into the write.
        if config.attention {
            writeGeometry.writeBackward(dCanvas: w.dCanvas, patch: step.writePatch, cache: step.writeAttention,   // Eq. 29
                                        channels: config.channels, dPatch: &w.dWritePatch,
                                        dFilterX: &w.dWriteFilterX, dFilterY: &w.dWriteFilterY, dIntensity: &w.dIntensity)
            writeGeometry.backward(dFilterX: w.dWriteFilterX, dFilterY: w.dWriteFilterY, dIntensity: w.dIntensity, // Eq. 22-26
                                   cache: step.writeAttention, dParameters: &w.dAttentionParameters)
            writeAttention.backwardInput(dOutput: w.dAttentionParameters, packedWeight: packed.writeAttention, // Eq. 21
                                         dInput: &w.dDecoderHidden, accumulate: true)
            w.stacks.writeAttention.store(w.dAttentionParameters, step: t)
            write.backwardInput(dOutput: w.dWritePatch, packedWeight: packed.write,                      // Eq. 28
                                dInput: &w.dDecoderHidden, accumulate: true)
            w.stacks.write.store(w.dWritePatch, step: t)
        } else {
            write.backwardInput(dOutput: w.dCanvas, packedWeight: packed.write,                          // Eq. 18
                                dInput: &w.dDecoderHidden, accumulate: true)
            w.stacks.write.store(w.dCanvas, step: t)
        }
        decoder.gatesBackward(dHidden: w.dDecoderHidden, dCell: &w.dDecoderCell, cache: step.decoder,              // Eq. 7
                              previousCell: previous.decoderCell, dGates: &w.dDecoderGates)
        decoder.inputsBackward(dGates: w.dDecoderGates, packedWeights: packed.decoder,
                               dInput: &w.dZ, dPreviousHidden: &w.dPreviousDecoderHidden)
        w.stacks.decoderGates.store(w.dDecoderGates, step: t)
        klBackward(mu: step.latent.mu, sigma: step.latent.sigma, scale: scale,                                      // Eq. 11
                   dMu: &w.dMu, dLogSigma: &w.dLogSigma)
        latent.sampleBackward(dZ: w.dZ, cache: step.latent, dMu: &w.dMu, dLogSigma: &w.dLogSigma)                 // Eq. 6
        latent.inputBackward(dMu: w.dMu, dLogSigma: w.dLogSigma, packedWeights: packed,                   // Eq. 1, 2
                             dEncoderHidden: &w.dEncoderHidden)
        w.stacks.mu.store(w.dMu, step: t)
        w.stacks.logSigma.store(w.dLogSigma, step: t)
        w.dEncoderHidden.add(w.dPreviousEncoderHidden)
        encoder.gatesBackward(dHidden: w.dEncoderHidden, dCell: &w.dEncoderCell, cache: step.encoder,              // Eq. 5
                              previousCell: previous.encoderCell, dGates: &w.dEncoderGates)
        encoder.inputsBackward(dGates: w.dEncoderGates, packedWeights: packed.encoder,
                               dInput: &w.dEncoderInput, dPreviousHidden: &w.dPreviousEncoderHidden)
        w.stacks.encoderGates.store(w.dEncoderGates, step: t)
        let constant = config.encoderConstantInputSize, varyingGlimpse = config.glimpseSize - constant
        if constant > 0 { w.dEncoderGatesSum.add(w.dEncoderGates) }
        // Split d[r_t, h^dec_{t-1}].
        w.dGlimpse.setColumns(constant, from: w.dEncoderInput, columns: 0..<varyingGlimpse)                       // Eq. 5: dr_t
        w.dPreviousDecoderHidden.setColumns(0, from: w.dEncoderInput,                                               // Eq. 5: dh^dec_{t-1}
                                            columns: varyingGlimpse..<varyingGlimpse + config.decoderSize, adding: true)
        if config.attention {
            readGeometry.readBackward(dGlimpse: w.dGlimpse, image: image, errorImage: step.errorImage,             // Eq. 27
                                      cache: step.readAttention, channels: config.channels,
                                      dErrorImage: &w.dErrorImage, dFilterX: &w.dReadFilterX,
                                      dFilterY: &w.dReadFilterY, dIntensity: &w.dIntensity)
            readGeometry.backward(dFilterX: w.dReadFilterX, dFilterY: w.dReadFilterY, dIntensity: w.dIntensity,    // Eq. 22-26
                                  cache: step.readAttention, dParameters: &w.dAttentionParameters)
            readAttention.backwardInput(dOutput: w.dAttentionParameters, packedWeight: packed.readAttention, // Eq. 21
                                        dInput: &w.dPreviousDecoderHidden, accumulate: true)
            w.stacks.readAttention.store(w.dAttentionParameters, step: t)
        } else {
            readWithoutAttentionBackward(dGlimpse: w.dGlimpse, dErrorImage: &w.dErrorImage)                        // Eq. 17
        }
        errorImageBackward(dErrorImage: w.dErrorImage, canvas: previous.canvas, sigmoidCanvas: &w.sigmoidCanvas,  // Eq. 3
                           dCanvas: &w.dCanvas)
        swap(&w.dDecoderHidden, &w.dPreviousDecoderHidden)
    }
}
