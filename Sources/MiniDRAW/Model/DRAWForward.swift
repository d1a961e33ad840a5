/// Everything one step of DRAW computes (Eq. 1-8 and 17-29), kept for the backward pass.
package struct DRAWStepCache<Scalar: DRAWScalar>: Sendable {
    /// x_hat_t, Eq. 3: [batchSize, imageSize]
    package var errorImage: Matrix<Scalar>
    /// Attention window of the read (Eq. 21-26 from h^dec_{t-1}); unused without attention.
    package var readAttention: AttentionStepCache<Scalar>
    /// r_t, Eq. 4: [batchSize, glimpseSize]
    package var glimpse: Matrix<Scalar>
    /// [r_t, h^dec_{t-1}], the encoder's input (Eq. 5), without its constant leading columns
    /// (`DRAWConfig.encoderConstantInputSize`): [batchSize, encoderInputSize - encoderConstantInputSize]
    package var encoderInput: Matrix<Scalar>
    /// h^enc_t, c^enc_t and gates (Eq. 5).
    package var encoder: LSTMStepCache<Scalar>
    /// mu_t, sigma_t, epsilon_t, z_t (Eq. 1, 2, 6).
    package var latent: LatentStepCache<Scalar>
    /// h^dec_t, c^dec_t and gates (Eq. 7).
    package var decoder: LSTMStepCache<Scalar>
    /// w_t, the write layer's output (Eq. 18 or 28): [batchSize, writePatchSize]
    package var writePatch: Matrix<Scalar>
    /// Attention window of the write (Eq. 21-26 from h^dec_t); unused without attention.
    package var writeAttention: AttentionStepCache<Scalar>
    /// c_t after this step (Eq. 8): [batchSize, imageSize]
    package var canvas: Matrix<Scalar>

    init(config: DRAWConfig, batchSize: Int) {
        let readGeometry = AttentionGeometry(gridSize: config.attention ? config.readSize : 0,
                                             width: config.width, height: config.height)
        let writeGeometry = AttentionGeometry(gridSize: config.attention ? config.writeSize : 0,
                                              width: config.width, height: config.height)
        let attentionRows = config.attention ? batchSize : 0
        errorImage = Matrix(rows: batchSize, columns: config.imageSize)
        readAttention = AttentionStepCache(batchSize: attentionRows, geometry: readGeometry)
        glimpse = Matrix(rows: batchSize, columns: config.glimpseSize)
        encoderInput = Matrix(rows: batchSize, columns: config.encoderInputSize - config.encoderConstantInputSize)
        encoder = LSTMStepCache(batchSize: batchSize, hiddenSize: config.encoderSize)
        latent = LatentStepCache(batchSize: batchSize, latentSize: config.latentSize)
        decoder = LSTMStepCache(batchSize: batchSize, hiddenSize: config.decoderSize)
        writePatch = Matrix(rows: batchSize, columns: config.writePatchSize)
        writeAttention = AttentionStepCache(batchSize: attentionRows, geometry: writeGeometry)
        canvas = Matrix(rows: batchSize, columns: config.imageSize)
    }
}

/// The whole forward pass of one batch: a cache per step plus the initial states (§2.1).
/// Allocated once per batch size and reused, so a training step allocates no matrices.
package struct DRAWForwardCache<Scalar: DRAWScalar>: Sendable {
    package let batchSize: Int
    /// One cache per step t = 1...T.
    package var steps: [DRAWStepCache<Scalar>]
    /// c_0, the learned `DRAWModel.initialCanvas` copied to every row by `forward`: [batchSize, imageSize]
    package internal(set) var initialCanvas: Matrix<Scalar>
    /// h^enc_0, the learned `initialEncoderHidden` on every row: [batchSize, encoderSize]
    package internal(set) var initialEncoderHidden: Matrix<Scalar>
    /// h^dec_0, the learned `initialDecoderHidden` on every row: [batchSize, decoderSize]
    package internal(set) var initialDecoderHidden: Matrix<Scalar>
    /// c^enc_0 = 0: [batchSize, encoderSize]
    package let initialEncoderCell: Matrix<Scalar>
    /// c^dec_0 = 0: [batchSize, decoderSize]
    package let initialDecoderCell: Matrix<Scalar>
    /// L^x per image (Eq. 9): [batchSize]
    package var reconstructionLoss: [Scalar]
    /// L^z per image (Eq. 10-11): [batchSize]
    package var latentLoss: [Scalar]
    /// The batch mean of each step's KL term (Eq. 11), t = 1...T.
    package var klPerStep: [Double]
    /// The encoder gates of the input columns that are the same at every step (x without
    /// attention, Eq. 17), computed once per batch: [batchSize, 4 encoderSize], or no rows.
    package var encoderConstantGates: Matrix<Scalar>
    /// The model's weights packed for the forward products x Wᵀ, refreshed by each `forward` that is not given packed weights.
    package internal(set) var packedWeights = DRAWPackedWeights(transposed: true)

    package init(config: DRAWConfig, batchSize: Int) {
        self.batchSize = batchSize
        steps = (0..<config.timesteps).map { _ in DRAWStepCache(config: config, batchSize: batchSize) }
        initialCanvas = Matrix(rows: batchSize, columns: config.imageSize)
        initialEncoderHidden = Matrix(rows: batchSize, columns: config.encoderSize)
        initialDecoderHidden = Matrix(rows: batchSize, columns: config.decoderSize)
        initialEncoderCell = initialEncoderHidden
        initialDecoderCell = initialDecoderHidden
        reconstructionLoss = [Scalar](repeating: 0, count: batchSize)
        latentLoss = reconstructionLoss
        klPerStep = [Double](repeating: 0, count: config.timesteps)
        encoderConstantGates = Matrix(rows: config.encoderConstantInputSize > 0 ? batchSize : 0, columns: 4 * config.encoderSize)
    }

    /// The batch mean of L = L^x + L^z (Eq. 12).
    package var meanLoss: Double { meanReconstructionLoss + meanLatentLoss }                      // Eq. 12
    package var meanReconstructionLoss: Double { reconstructionLoss.reduce(0) { $0 + Double($1) } / Double(batchSize) }
    package var meanLatentLoss: Double { latentLoss.reduce(0) { $0 + Double($1) } / Double(batchSize) }
    /// The final canvas c_T.
    package var finalCanvas: Matrix<Scalar> { steps.last?.canvas ?? initialCanvas }
}

extension DRAWModel {
    // MARK: - Forward (Eq. 1-12)

    /// Runs the T steps of DRAW on `image` with the noise epsilon_t taken from `cache.steps[t].latent.noise`
    /// (fill it first: `fillNoise(cache:generator:)`, or with external values), and computes the losses.
    /// Packs the weights into `cache.packedWeights` first, so the T steps' products reuse one packing.
    /// - image: [batchSize, imageSize] with values in [0, 1]
    /// - packedWeights: this model's weights packed already (`pack(into:batchSize:)`, `transposed: true`)
    ///   and shared with other batches running alongside; nil packs them into `cache.packedWeights`.
    package func forward(image: Matrix<Scalar>, cache: inout DRAWForwardCache<Scalar>, packedWeights: DRAWPackedWeights? = nil) {
        let subnormals = SubnormalsFlushed()                         // Subnormals.swift
        defer { subnormals.restore() }
        precondition(image.rows == cache.batchSize && image.columns == config.imageSize,
                     "DRAW forward: image \(image.shapeDescription), expected [\(cache.batchSize), \(config.imageSize)]")
        for index in 0..<cache.batchSize { cache.latentLoss[index] = 0 }
        if packedWeights == nil { pack(into: &cache.packedWeights, batchSize: cache.batchSize) }
        let packed = packedWeights ?? cache.packedWeights
        broadcastInitialStates(into: &cache)                                      // §2.1: c_0, h^enc_0, h^dec_0
        let constantGates: Matrix<Scalar>?
        if config.encoderConstantInputSize > 0 {
            encoder.constantInputGates(image, into: &cache.encoderConstantGates)  // Eq. 5 with Eq. 17: x's gates, once
            constantGates = cache.encoderConstantGates
        } else {
            constantGates = nil
        }
        for t in 0..<config.timesteps {
            cache.klPerStep[t] = forwardStep(image: image, previous: cache.state(before: t),
                                             packedWeights: packed, encoderConstantGates: constantGates,
                                             step: &cache.steps[t], latentLoss: &cache.latentLoss)
        }
        cache.reconstructionLoss = MiniDRAW.reconstructionLoss(image: image, canvas: cache.finalCanvas)   // Eq. 9
    }

    /// Copies the learned c_0, h^enc_0 and h^dec_0 ([1, n] each) to every image of the batch.
    func broadcastInitialStates(into cache: inout DRAWForwardCache<Scalar>) {
        cache.initialCanvas.setZero()
        addBias(initialCanvas, to: &cache.initialCanvas)
        cache.initialEncoderHidden.setZero()
        addBias(initialEncoderHidden, to: &cache.initialEncoderHidden)
        cache.initialDecoderHidden.setZero()
        addBias(initialDecoderHidden, to: &cache.initialDecoderHidden)
    }

    /// Fills epsilon_t ~ N(0, I) for every step (Eq. 6), in step, image, unit order.
    package func fillNoise(cache: inout DRAWForwardCache<Scalar>, generator: inout SeededGenerator) {
        for t in 0..<cache.steps.count { generator.fillGaussian(&cache.steps[t].latent.noise.storage) }
    }

    /// `image` through the whole model (Eq. 1-9), epsilon_t drawn from `generator` (Eq. 6): the
    /// cache of every step, whose canvases are the reconstruction drawn step by step.
    /// - Parameters:
    ///   - image: [imageCount, imageSize]
    ///   - generator: the source of the noise, advanced by T * imageCount * |z| draws.
    package func reconstruct(_ image: Matrix<Scalar>, generator: inout SeededGenerator) -> DRAWForwardCache<Scalar> {
        var cache = DRAWForwardCache<Scalar>(config: config, batchSize: image.rows)
        fillNoise(cache: &cache, generator: &generator)                                 // Eq. 6: epsilon_t
        forward(image: image, cache: &cache)                                            // Eq. 1-9
        return cache
    }
}
