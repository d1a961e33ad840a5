/// One step t of DRAW (§2.1, Eq. 3-8 with Eq. 1-2), forward and then backward: read the two
/// together, the backward undoing the forward's lines from the bottom up. PaperDRAW.swift runs
/// the steps t = 1...T, the losses and the learned initial states.

/// What step t takes from step t - 1 (at t = 1, the learned initial states of §2.1).
public struct PaperState<Scalar: DRAWScalar>: Sendable {
    /// c_{t-1}: [batchSize, C B A]
    public var canvas: Matrix<Scalar>
    /// (h^enc_{t-1}, c^enc_{t-1}): [batchSize, H_enc] each
    public var encoder: PaperLSTMState<Scalar>
    /// (h^dec_{t-1}, c^dec_{t-1}): [batchSize, H_dec] each
    public var decoder: PaperLSTMState<Scalar>
}

/// The gradient of the loss with respect to a `PaperState`, carried from step t back to step t - 1.
struct PaperStateGradient<Scalar: DRAWScalar> {
    var dCanvas: Matrix<Scalar>
    var dEncoderHidden: Matrix<Scalar>
    var dEncoderCell: Matrix<Scalar>
    var dDecoderHidden: Matrix<Scalar>
    var dDecoderCell: Matrix<Scalar>
}

/// Everything step t computes, kept for its backward (and for pictures of the drawing).
public struct PaperStep<Scalar: DRAWScalar>: Sendable {
    /// x_hat_t (Eq. 3): [batchSize, C B A]
    public var errorImage: Matrix<Scalar>
    /// The read's attention window from h^dec_{t-1} (Eq. 21-26), one per image; empty without attention.
    public var readWindows: [PaperWindow<Scalar>]
    /// r_t (Eq. 4): [batchSize, 2 C N^2], or [batchSize, 2 C B A] without attention
    public var glimpse: Matrix<Scalar>
    /// The encoder's step (Eq. 5), input [r_t, h^dec_{t-1}]
    public var encoder: PaperLSTMStep<Scalar>
    /// mu_t, sigma_t, epsilon_t, z_t (Eq. 1, 2, 6)
    public var latent: PaperLatentStep<Scalar>
    /// The decoder's step (Eq. 7), input z_t
    public var decoder: PaperLSTMStep<Scalar>
    /// w_t = W(h^dec_t): [batchSize, C N^2] (Eq. 28), or [batchSize, C B A] without attention (Eq. 18)
    public var writePatch: Matrix<Scalar>
    /// The write's attention window from h^dec_t (Eq. 21-26), one per image; empty without attention.
    public var writeWindows: [PaperWindow<Scalar>]
    /// c_t (Eq. 8): [batchSize, C B A]
    public var canvas: Matrix<Scalar>

    /// (g_X, g_Y, sigma^2, delta, gamma) of each image's read and write window: [batchSize, 5], [0, 5]
    /// without attention (as the fast engine's `AttentionStepCache.window`).
    public var readWindow: Matrix<Scalar> { PaperWindow.values(readWindows) }
    public var writeWindow: Matrix<Scalar> { PaperWindow.values(writeWindows) }

    /// What step t + 1 starts from.
    public var state: PaperState<Scalar> { PaperState(canvas: canvas, encoder: encoder.state, decoder: decoder.state) }
}

extension PaperDRAW {
    // MARK: - Forward of step t

    /// One step of Eq. 3-8 on the images x: [batchSize, C B A], with epsilon_t: [batchSize, |z|].
    func step(_ x: Matrix<Scalar>, previous: PaperState<Scalar>, noise: Matrix<Scalar>) -> PaperStep<Scalar> {
        let hDecoderPrevious = previous.decoder.hidden
        let xHat = errorImage(x, canvas: previous.canvas)                                        // Eq. 3
        var readWindows: [PaperWindow<Scalar>] = [], writeWindows: [PaperWindow<Scalar>] = []
        let glimpse: Matrix<Scalar>
        if config.attention {
            let readParameters = linear(hDecoderPrevious, parameters.readAttention)              // Eq. 21
            readWindows = windows(readParameters, gridSize: config.readSize)                     // Eq. 22-26
            glimpse = read(x, errorImage: xHat, windows: readWindows)                            // Eq. 4 = Eq. 27
        } else {
            glimpse = readWithoutAttention(x, errorImage: xHat)                                  // Eq. 4 = Eq. 17
        }
        let encoder = lstm(parameters.encoder, input: concatenate(glimpse, hDecoderPrevious),   // Eq. 5
                           previous: previous.encoder)
        let latent = sampleLatent(encoderHidden: encoder.state.hidden, noise: noise)            // Eq. 1, 2, 6
        let decoder = lstm(parameters.decoder, input: latent.z, previous: previous.decoder)     // Eq. 7
        let hDecoder = decoder.state.hidden
        let writePatch = linear(hDecoder, parameters.write)                                      // Eq. 18 or Eq. 28
        var written = writePatch                                                                 // Eq. 18: W(h^dec_t)
        if config.attention {
            let writeParameters = linear(hDecoder, parameters.writeAttention)                    // Eq. 21
            writeWindows = windows(writeParameters, gridSize: config.writeSize)                  // Eq. 22-26
            written = write(writePatch, windows: writeWindows)                                   // Eq. 29
        }
        let canvas = previous.canvas + written                                                   // Eq. 8
        return PaperStep(errorImage: xHat, readWindows: readWindows, glimpse: glimpse, encoder: encoder, latent: latent,
                         decoder: decoder, writePatch: writePatch, writeWindows: writeWindows, canvas: canvas)
    }

    // MARK: - Backward of step t

    /// Backward of `step`: from dL/d(step t's state) to dL/d(step t - 1's state), adding every weight
    /// gradient of this step into `gradient`. scale = 1 / batchSize (the loss is the batch mean).
    func stepBackward(_ x: Matrix<Scalar>, step: PaperStep<Scalar>, previous: PaperState<Scalar>,
                      d: PaperStateGradient<Scalar>, scale: Scalar, gradient: inout DRAWModel<Scalar>) -> PaperStateGradient<Scalar> {
        let (hDecoderPrevious, hDecoder) = (previous.decoder.hidden, step.decoder.state.hidden)
        // Eq. 8, c_t = c_{t-1} + written, hands dc_t on unchanged, to the write and to c_{t-1}
        var dHDecoder = d.dDecoderHidden
        var dPatch = d.dCanvas                                                  // Eq. 18: dw_t = dc_t
        if config.attention {
            let write = writeBackward(d.dCanvas, patch: step.writePatch, windows: step.writeWindows)             // Eq. 29
            dPatch = write.dPatch
            let dWriteParameters = windowsBackward(write.dWindows, windows: step.writeWindows)                 // Eq. 22-26
            dHDecoder += linearBackward(dWriteParameters, input: hDecoder, parameters.writeAttention,           // Eq. 21
                                        gradient: &gradient.writeAttention)
        }
        dHDecoder += linearBackward(dPatch, input: hDecoder, parameters.write, gradient: &gradient.write)       // Eq. 18 or Eq. 28
        let decoder = lstmBackward(parameters.decoder, dHidden: dHDecoder, dCell: d.dDecoderCell,               // Eq. 7
                                   step: step.decoder, gradient: &gradient.decoder)
        let dHEncoder = d.dEncoderHidden + sampleLatentBackward(dZ: decoder.dInput, latent: step.latent,       // Eq. 1, 2, 6
                                                                encoderHidden: step.encoder.state.hidden,
                                                                scale: scale, gradient: &gradient.latent)
        let encoder = lstmBackward(parameters.encoder, dHidden: dHEncoder, dCell: d.dEncoderCell,              // Eq. 5
                                   step: step.encoder, gradient: &gradient.encoder)
        let dGlimpse = columns(encoder.dInput, from: 0, count: config.glimpseSize)                             // Eq. 5: dr_t
        var dHDecoderPrevious = decoder.dPreviousHidden
            + columns(encoder.dInput, from: config.glimpseSize, count: config.decoderSize)                    // Eq. 5: dh^dec_{t-1}
        let dErrorImage: Matrix<Scalar>
        if config.attention {
            let read = readBackward(dGlimpse, image: x, errorImage: step.errorImage, windows: step.readWindows)   // Eq. 27
            dErrorImage = read.dErrorImage
            let dReadParameters = windowsBackward(read.dWindows, windows: step.readWindows)                    // Eq. 22-26
            dHDecoderPrevious += linearBackward(dReadParameters, input: hDecoderPrevious, parameters.readAttention,   // Eq. 21
                                                gradient: &gradient.readAttention)
        } else {
            dErrorImage = readWithoutAttentionBackward(dGlimpse)                                               // Eq. 17
        }
        let dCanvasPrevious = d.dCanvas + errorImageBackward(dErrorImage, canvas: previous.canvas)            // Eq. 3
        return PaperStateGradient(dCanvas: dCanvasPrevious, dEncoderHidden: encoder.dPreviousHidden,
                                  dEncoderCell: encoder.dPreviousCell, dDecoderHidden: dHDecoderPrevious,
                                  dDecoderCell: decoder.dPreviousCell)
    }
}
