// MARK: - Weights shared by all T steps

// Every weight of DRAW is used once per step, T times per image: y_t = x_t Wᵀ + b for
// t = 1...T. Its gradient is the sum of the per-step ones (backprop through time):
//
//     dL/dW = Σ_t dy_tᵀ x_t,        dL/db = Σ_t (column sums of dy_t).
//
// Stacking the T steps' rows, δ = [dy_1; ...; dy_T] and X = [x_1; ...; x_T], both [T·B, ·],
// turns the sum into one product, dL/dW = δᵀ X, of depth T·B instead of T products of depth B.
// Same sum; one pass over dW instead of T, which is what made the weight gradients the
// slowest products of a training step. The backward stores each step's dy_t as it goes, the
// x_t come from the forward cache, and `sharedWeightsBackward` does the products at the end.

/// The rows of all T steps in one matrix: step index t (t = 1...T in the paper is t - 1 here)
/// holds rows t·B ..< (t+1)·B.
/// - values: [T·B, columns]
package struct StepStack<Scalar: DRAWScalar>: Sendable {
    package let batchSize: Int
    package private(set) var values: Matrix<Scalar>

    init(steps: Int, batchSize: Int, columns: Int) {
        self.batchSize = batchSize
        values = Matrix(rows: steps * batchSize, columns: columns)
    }

    /// Copies `matrix` [batchSize, columns] into step `t`'s rows.
    mutating func store(_ matrix: Matrix<Scalar>, step t: Int) {
        precondition(matrix.rows == batchSize && matrix.columns == values.columns,
                     "StepStack.store: \(matrix.shapeDescription) into rows of [\(batchSize), \(values.columns)]")
        let offset = t * batchSize * values.columns
        matrix.withPointer { source in
            values.withMutablePointer { target in (target + offset).update(from: source, count: matrix.count) }
        }
    }
}

/// δ and X of every shared weight (see above), for one batch.
package struct SharedWeightStacks<Scalar: DRAWScalar>: Sendable {
    // MARK: x_t, from the forward cache

    /// [r_t, h^dec_{t-1}] without the constant columns (Eq. 5): the encoder's W_ih input.
    var encoderInputs: StepStack<Scalar>
    /// h^enc_{t-1} (W_hh of Eq. 5) and h^enc_t (the latent layer's input, Eq. 1-2).
    var encoderPreviousHiddens: StepStack<Scalar>
    var encoderHiddens: StepStack<Scalar>
    /// z_t, the decoder's W_ih input (Eq. 7).
    var latentSamples: StepStack<Scalar>
    /// h^dec_{t-1} (W_hh of Eq. 7, the read attention of Eq. 21) and h^dec_t (the write, Eq. 18
    /// or 28, and its attention, Eq. 21).
    var decoderPreviousHiddens: StepStack<Scalar>
    var decoderHiddens: StepStack<Scalar>

    // MARK: dy_t, stored by the backward

    /// dL/d(pre-activation gates) of the encoder and decoder: [T·B, 4 H]
    var encoderGates: StepStack<Scalar>
    var decoderGates: StepStack<Scalar>
    /// dL/dmu_t, dL/dlog sigma_t: [T·B, |z|]
    var mu: StepStack<Scalar>
    var logSigma: StepStack<Scalar>
    /// dL/dw_t: [T·B, writePatchSize]
    var write: StepStack<Scalar>
    /// dL/d(Eq. 21 output) of the read and the write: [T·B, 5], no rows without attention
    var readAttention: StepStack<Scalar>
    var writeAttention: StepStack<Scalar>

    init(config: DRAWConfig, batchSize: Int) {
        let steps = config.timesteps, attentionSteps = config.attention ? steps : 0
        func stack(_ columns: Int, steps: Int = steps) -> StepStack<Scalar> {
            StepStack(steps: steps, batchSize: batchSize, columns: columns)
        }
        encoderInputs = stack(config.encoderInputSize - config.encoderConstantInputSize)
        encoderPreviousHiddens = stack(config.encoderSize)
        encoderHiddens = stack(config.encoderSize)
        latentSamples = stack(config.latentSize)
        decoderPreviousHiddens = stack(config.decoderSize)
        decoderHiddens = stack(config.decoderSize)
        encoderGates = stack(4 * config.encoderSize)
        decoderGates = stack(4 * config.decoderSize)
        mu = stack(config.latentSize)
        logSigma = stack(config.latentSize)
        write = stack(config.writePatchSize)
        readAttention = stack(AttentionParameter.count, steps: attentionSteps)
        writeAttention = stack(AttentionParameter.count, steps: attentionSteps)
    }

    /// Copies every step's x_t from a forward cache.
    mutating func storeInputs(from cache: DRAWForwardCache<Scalar>) {
        for (t, step) in cache.steps.enumerated() {
            let previous = cache.state(before: t)
            encoderInputs.store(step.encoderInput, step: t)
            encoderPreviousHiddens.store(previous.encoderHidden, step: t)
            encoderHiddens.store(step.encoder.hidden, step: t)
            latentSamples.store(step.latent.z, step: t)
            decoderPreviousHiddens.store(previous.decoderHidden, step: t)
            decoderHiddens.store(step.decoder.hidden, step: t)
        }
    }
}

extension DRAWModel {
    /// dL/dW = δᵀ X and dL/db = column sums of δ for every weight used at all T steps, added into
    /// `gradient`, once the backward has stored every step's δ in `stacks`.
    func sharedWeightsBackward(_ stacks: SharedWeightStacks<Scalar>, gradient: inout DRAWModel<Scalar>) {
        encoder.parametersBackward(dGates: stacks.encoderGates.values, input: stacks.encoderInputs.values,      // Eq. 5
                                   previousHidden: stacks.encoderPreviousHiddens.values, gradient: &gradient.encoder)
        latent.mu.backwardParameters(dOutput: stacks.mu.values, input: stacks.encoderHiddens.values,           // Eq. 1
                                     gradient: &gradient.latent.mu)
        latent.logSigma.backwardParameters(dOutput: stacks.logSigma.values, input: stacks.encoderHiddens.values, // Eq. 2
                                           gradient: &gradient.latent.logSigma)
        decoder.parametersBackward(dGates: stacks.decoderGates.values, input: stacks.latentSamples.values,      // Eq. 7
                                   previousHidden: stacks.decoderPreviousHiddens.values, gradient: &gradient.decoder)
        write.backwardParameters(dOutput: stacks.write.values, input: stacks.decoderHiddens.values,             // Eq. 18 or 28
                                 gradient: &gradient.write)
        if config.attention {
            readAttention.backwardParameters(dOutput: stacks.readAttention.values,                             // Eq. 21 (read)
                                             input: stacks.decoderPreviousHiddens.values, gradient: &gradient.readAttention)
            writeAttention.backwardParameters(dOutput: stacks.writeAttention.values,                           // Eq. 21 (write)
                                              input: stacks.decoderHiddens.values, gradient: &gradient.writeAttention)
        }
    }
}
