/// Scratch gradients for backprop through time, allocated once per batch size and reused.
package struct DRAWBackwardWorkspace<Scalar: DRAWScalar>: Sendable {
    /// dL/dc_t, carried from t = T back to t = 0: [batchSize, imageSize]
    package internal(set) var dCanvas: Matrix<Scalar>
    /// dL/dx_hat_t: [batchSize, imageSize]
    var dErrorImage: Matrix<Scalar>
    /// sigmoid(c_{t-1}) for the backward of Eq. 3: [batchSize, imageSize]
    var sigmoidCanvas: Matrix<Scalar>
    /// dL/dh^dec_t and dL/dc^dec_t, carried backwards: [batchSize, decoderSize]
    var dDecoderHidden: Matrix<Scalar>
    var dDecoderCell: Matrix<Scalar>
    /// dL/dh^dec_{t-1} being assembled at step t: [batchSize, decoderSize]
    var dPreviousDecoderHidden: Matrix<Scalar>
    /// dL/dh^enc_t and dL/dc^enc_t: [batchSize, encoderSize]
    var dEncoderHidden: Matrix<Scalar>
    var dEncoderCell: Matrix<Scalar>
    /// dL/dh^enc_{t-1} from the encoder's recurrence: [batchSize, encoderSize]
    var dPreviousEncoderHidden: Matrix<Scalar>
    /// Pre-activation gate gradients: [batchSize, 4 H]
    var dEncoderGates: Matrix<Scalar>
    var dDecoderGates: Matrix<Scalar>
    /// dL/d[r_t, h^dec_{t-1}] without the constant columns (x, which is data): the shape of
    /// `DRAWStepCache.encoderInput`
    var dEncoderInput: Matrix<Scalar>
    /// Σ_t of the encoder's gate gradients, for the constant columns' weights: [batchSize, 4 H] or no rows
    var dEncoderGatesSum: Matrix<Scalar>
    /// dL/dr_t: [batchSize, glimpseSize] (without attention its x half stays 0: x is data)
    var dGlimpse: Matrix<Scalar>
    /// dL/dz_t, dL/dmu_t, dL/dlog sigma_t: [batchSize, latentSize]
    var dZ: Matrix<Scalar>
    var dMu: Matrix<Scalar>
    var dLogSigma: Matrix<Scalar>
    /// dL/dw_t: [batchSize, writePatchSize]
    var dWritePatch: Matrix<Scalar>
    /// Filterbank gradients of the read and the write: [batchSize, N * A], [batchSize, N * B]
    var dReadFilterX: Matrix<Scalar>
    var dReadFilterY: Matrix<Scalar>
    var dWriteFilterX: Matrix<Scalar>
    var dWriteFilterY: Matrix<Scalar>
    /// dL/dgamma: [batchSize, 1]
    var dIntensity: Matrix<Scalar>
    /// dL/d(Eq. 21 output): [batchSize, 5]
    var dAttentionParameters: Matrix<Scalar>
    /// The model's weights packed for the input gradients dY · W, refreshed by each `backward` that is not given packed weights.
    var packedWeights = DRAWPackedWeights(transposed: false)
    /// Every step's inputs and output gradients of the shared weights, for one product per weight.
    var stacks: SharedWeightStacks<Scalar>

    package init(config: DRAWConfig, batchSize: Int) {
        let attentionRows = config.attention ? batchSize : 0
        dCanvas = Matrix(rows: batchSize, columns: config.imageSize)
        dErrorImage = dCanvas
        sigmoidCanvas = dCanvas
        dDecoderHidden = Matrix(rows: batchSize, columns: config.decoderSize)
        dDecoderCell = dDecoderHidden
        dPreviousDecoderHidden = dDecoderHidden
        dEncoderHidden = Matrix(rows: batchSize, columns: config.encoderSize)
        dEncoderCell = dEncoderHidden
        dPreviousEncoderHidden = dEncoderHidden
        dEncoderGates = Matrix(rows: batchSize, columns: 4 * config.encoderSize)
        dDecoderGates = Matrix(rows: batchSize, columns: 4 * config.decoderSize)
        dEncoderInput = Matrix(rows: batchSize, columns: config.encoderInputSize - config.encoderConstantInputSize)
        dEncoderGatesSum = Matrix(rows: config.encoderConstantInputSize > 0 ? batchSize : 0, columns: 4 * config.encoderSize)
        dGlimpse = Matrix(rows: batchSize, columns: config.glimpseSize)
        dZ = Matrix(rows: batchSize, columns: config.latentSize)
        dMu = dZ
        dLogSigma = dZ
        dWritePatch = Matrix(rows: batchSize, columns: config.writePatchSize)
        let readN = config.attention ? config.readSize : 0, writeN = config.attention ? config.writeSize : 0
        dReadFilterX = Matrix(rows: attentionRows, columns: readN * config.width)
        dReadFilterY = Matrix(rows: attentionRows, columns: readN * config.height)
        dWriteFilterX = Matrix(rows: attentionRows, columns: writeN * config.width)
        dWriteFilterY = Matrix(rows: attentionRows, columns: writeN * config.height)
        dIntensity = Matrix(rows: attentionRows, columns: 1)
        dAttentionParameters = Matrix(rows: attentionRows, columns: AttentionParameter.count)
        stacks = SharedWeightStacks(config: config, batchSize: batchSize)
    }
}

extension DRAWModel {
    // MARK: - Backward through time

    /// Adds d(mean over the batch of L^x + L^z)/d(parameter) into `gradient`, after `forward`
    /// on the same `image` and `cache`. Steps run from t = T down to 1, each undoing its
    /// forward lines in reverse order, storing the output gradients of the shared weights; their
    /// parameter gradients come at the end, one product per weight (`SharedWeightStacks`). Packs
    /// the weights into `workspace.packedWeights` once for the T steps' input-gradient products.
    /// - packedWeights: the weights packed already with `transposed: false` and shared with other
    ///   batches running alongside; nil packs them into `workspace.packedWeights`.
    package func backward(image: Matrix<Scalar>, cache: DRAWForwardCache<Scalar>, workspace: inout DRAWBackwardWorkspace<Scalar>,
                          gradient: inout DRAWModel<Scalar>, packedWeights: DRAWPackedWeights? = nil) {
        let subnormals = SubnormalsFlushed()                         // Subnormals.swift
        defer { subnormals.restore() }
        let scale = 1 / Scalar(cache.batchSize)
        if packedWeights == nil { pack(into: &workspace.packedWeights, batchSize: cache.batchSize) }
        let packed = packedWeights ?? workspace.packedWeights
        workspace.stacks.storeInputs(from: cache)
        reconstructionLossBackward(image: image, canvas: cache.finalCanvas, scale: scale,      // Eq. 9
                                   dCanvas: &workspace.dCanvas)
        workspace.dDecoderHidden.setZero()
        workspace.dDecoderCell.setZero()
        workspace.dPreviousEncoderHidden.setZero()
        workspace.dEncoderCell.setZero()
        workspace.dEncoderGatesSum.setZero()
        for t in stride(from: config.timesteps - 1, through: 0, by: -1) {
            backwardStep(image: image, t: t, step: cache.steps[t], previous: cache.state(before: t),
                         scale: scale, packedWeights: packed, workspace: &workspace)
        }
        sharedWeightsBackward(workspace.stacks, gradient: &gradient)      // Σ_t dy_tᵀ x_t for every weight
        if config.encoderConstantInputSize > 0 { // x's encoder weights, once per batch
            encoder.constantInputBackward(dGatesSum: workspace.dEncoderGatesSum, constantInput: image,   // Eq. 5 with Eq. 17
                                          gradient: &gradient.encoder)
        }
        // §2.1: c_0, h^enc_0 and h^dec_0 are one row broadcast over the batch, so each gradient
        // is the sum over images of dL/dc_0, dL/dh^enc_0, dL/dh^dec_0 left after step t = 1.
        accumulateColumnSums(of: workspace.dCanvas, into: &gradient.initialCanvas)
        accumulateColumnSums(of: workspace.dPreviousEncoderHidden, into: &gradient.initialEncoderHidden)
        accumulateColumnSums(of: workspace.dDecoderHidden, into: &gradient.initialDecoderHidden)
    }
}
