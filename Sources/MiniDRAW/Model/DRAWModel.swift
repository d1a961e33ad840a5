/// The DRAW network's parameters (paper §2, Figure 2): encoder and decoder LSTMs, the latent
/// layer, the write layer and, with attention, the two attention layers of Eq. 21.
///
/// Tensor names and layouts are PyTorch's and match the reference files in shared/reference
/// and MiniDRAW's checkpoints: `encoder.weight_ih` [4 H_enc, |r| + H_dec], ...
public struct DRAWModel<Scalar: DRAWScalar>: ParameterSet, Equatable {
    public let config: DRAWConfig
    /// RNN^enc, Eq. 5; input [r_t, h^dec_{t-1}].
    package var encoder: LSTM<Scalar>
    /// Eq. 1, 2, 6.
    package var latent: Latent<Scalar>
    /// RNN^dec, Eq. 7; input z_t.
    package var decoder: LSTM<Scalar>
    /// Eq. 18 (outputs B A values) or Eq. 28 (outputs the N x N patch w_t).
    package var write: Linear<Scalar>
    /// Eq. 21 from h^dec_{t-1} for the read; [5, H_dec] (empty without attention).
    package var readAttention: Linear<Scalar>
    /// Eq. 21 from h^dec_t for the write; [5, H_dec] (empty without attention).
    package var writeAttention: Linear<Scalar>

    // MARK: Learned initial states (§2.1)
    // "For each image x presented to the network, c_0, h^enc_0, h^dec_0 are initialised to
    // learned biases": one row each, broadcast over the batch at t = 1. The LSTM cell states
    // c^enc_0 and c^dec_0 start at zero.

    /// c_0, the canvas before the first step: [1, C·B·A] (`initial.canvas`).
    public var initialCanvas: Matrix<Scalar>
    /// h^enc_0: [1, H_enc] (`initial.encoder_hidden`).
    public var initialEncoderHidden: Matrix<Scalar>
    /// h^dec_0, also the start of generation (Eq. 13-16): [1, H_dec] (`initial.decoder_hidden`).
    public var initialDecoderHidden: Matrix<Scalar>

    /// A model of `config` with every parameter zero; see `initialized(config:seed:)`.
    public init(config: DRAWConfig) {
        self.config = config
        let attentionSize = config.attention ? AttentionParameter.count : 0
        encoder = LSTM(inputSize: config.encoderInputSize, hiddenSize: config.encoderSize)
        latent = Latent(encoderSize: config.encoderSize, latentSize: config.latentSize)
        decoder = LSTM(inputSize: config.latentSize, hiddenSize: config.decoderSize)
        write = Linear(inputSize: config.decoderSize, outputSize: config.writePatchSize)
        readAttention = Linear(inputSize: config.attention ? config.decoderSize : 0, outputSize: attentionSize)
        writeAttention = Linear(inputSize: config.attention ? config.decoderSize : 0, outputSize: attentionSize)
        initialCanvas = Matrix(rows: 1, columns: config.imageSize)
        initialEncoderHidden = Matrix(rows: 1, columns: config.encoderSize)
        initialDecoderHidden = Matrix(rows: 1, columns: config.decoderSize)
    }

    /// The value every pixel of c_0 starts at in a new model (`initialized`): 0, a grey first canvas
    /// (sigmoid 1/2). Chosen on the validation set over a dark start, c_0 = -3 (sigmoid 0.047):
    /// 124.83 against 126.16 nats for the `small` preset's default run (README, "Learned initial states").
    public static var defaultInitialCanvasValue: Double { 0 }

    /// A model with PyTorch-default uniform initialisation drawn from `seed`; c_0 starts at
    /// `initialCanvasValue` in every pixel and h^enc_0 = h^dec_0 = 0 (no random numbers are drawn
    /// for them, so a seed gives the same weights as before they were learned).
    public static func initialized(config: DRAWConfig, seed: UInt64,
                                   initialCanvasValue: Double = defaultInitialCanvasValue) -> DRAWModel {
        var model = DRAWModel(config: config)
        model.initialCanvas = Matrix(rows: 1, columns: config.imageSize, repeating: Scalar(initialCanvasValue))
        var generator = SeededGenerator(seed: seed)
        model.encoder.initialize(using: &generator)
        model.latent.mu.initialize(using: &generator)
        model.latent.logSigma.initialize(using: &generator)
        model.decoder.initialize(using: &generator)
        model.write.initialize(using: &generator)
        if config.attention {
            model.readAttention.initialize(using: &generator)
            model.writeAttention.initialize(using: &generator)
        }
        return model
    }

    /// The read grid (N = readSize) on this image.
    package var readGeometry: AttentionGeometry {
        AttentionGeometry(gridSize: config.readSize, width: config.width, height: config.height)
    }

    /// The write grid (N = writeSize) on this image.
    package var writeGeometry: AttentionGeometry {
        AttentionGeometry(gridSize: config.writeSize, width: config.width, height: config.height)
    }

    // MARK: - Named parameters

    /// Every parameter tensor with its checkpoint name, in a fixed order. Biases are `[1, n]`
    /// matrices here and `[n]` tensors in files.
    public static func parameterPaths(config: DRAWConfig) -> [(name: String, path: WritableKeyPath<DRAWModel, Matrix<Scalar>>)] {
        var paths: [(String, WritableKeyPath<DRAWModel, Matrix<Scalar>>)] = []
        func lstm(_ prefix: String, _ path: WritableKeyPath<DRAWModel, LSTM<Scalar>>) {
            paths.append(("\(prefix).weight_ih", path.appending(path: \.weightIH)))
            paths.append(("\(prefix).weight_hh", path.appending(path: \.weightHH)))
            paths.append(("\(prefix).bias_ih", path.appending(path: \.biasIH)))
            paths.append(("\(prefix).bias_hh", path.appending(path: \.biasHH)))
        }
        func linear(_ prefix: String, _ path: WritableKeyPath<DRAWModel, Linear<Scalar>>) {
            paths.append(("\(prefix).weight", path.appending(path: \.weight)))
            paths.append(("\(prefix).bias", path.appending(path: \.bias)))
        }
        lstm("encoder", \.encoder)
        linear("latent.mu", \.latent.mu)
        linear("latent.log_sigma", \.latent.logSigma)
        lstm("decoder", \.decoder)
        linear("write", \.write)
        if config.attention {
            linear("read_attention", \.readAttention)
            linear("write_attention", \.writeAttention)
        }
        paths.append(("initial.canvas", \.initialCanvas))
        paths.append(("initial.encoder_hidden", \.initialEncoderHidden))
        paths.append(("initial.decoder_hidden", \.initialDecoderHidden))
        return paths
    }

    /// Every parameter tensor with its checkpoint name (`parameterPaths(config:)` of this model's config).
    public var parameterPaths: [(name: String, path: WritableKeyPath<DRAWModel, Matrix<Scalar>>)] {
        Self.parameterPaths(config: config)
    }

    /// A model of the same shape with every parameter zero: the gradient accumulator.
    public func zeros() -> DRAWModel { DRAWModel(config: config) }

    /// Converts every parameter to another scalar type.
    public func converted<Other: DRAWScalar>(to _: Other.Type = Other.self) -> DRAWModel<Other> {
        var other = DRAWModel<Other>(config: config)
        let mine = Self.parameterPaths(config: config), theirs = DRAWModel<Other>.parameterPaths(config: config)
        for (source, target) in zip(mine, theirs) {
            other[keyPath: target.path] = self[keyPath: source.path].converted(to: Other.self)
        }
        return other
    }
}

// MARK: - Packed weights

/// Every weight of a `DRAWModel` packed once per batch for one direction of products (see
/// `PackedWeight`): `transposed: true` for the forward's x Wᵀ (kept in `DRAWForwardCache`),
/// `false` for the backward's dY · W (kept in `DRAWBackwardWorkspace`).
package struct DRAWPackedWeights: Sendable {
    package var encoder: LSTMPackedWeights
    package var decoder: LSTMPackedWeights
    package var latentMu: PackedWeight
    package var latentLogSigma: PackedWeight
    package var write: PackedWeight
    package var readAttention: PackedWeight
    package var writeAttention: PackedWeight

    package init(transposed: Bool) {
        encoder = LSTMPackedWeights(transposed: transposed)
        decoder = LSTMPackedWeights(transposed: transposed)
        latentMu = PackedWeight(transposed: transposed)
        latentLogSigma = PackedWeight(transposed: transposed)
        write = PackedWeight(transposed: transposed)
        readAttention = PackedWeight(transposed: transposed)
        writeAttention = PackedWeight(transposed: transposed)
    }
}

extension DRAWModel {
    /// Packs every weight into `packed` for products with `batchSize` rows.
    package func pack(into packed: inout DRAWPackedWeights, batchSize: Int) {
        encoder.pack(into: &packed.encoder, batchSize: batchSize, constantInputSize: config.encoderConstantInputSize)
        decoder.pack(into: &packed.decoder, batchSize: batchSize)
        packed.latentMu.pack(latent.mu.weight, rows: batchSize)
        packed.latentLogSigma.pack(latent.logSigma.weight, rows: batchSize)
        packed.write.pack(write.weight, rows: batchSize)
        packed.readAttention.pack(readAttention.weight, rows: batchSize)
        packed.writeAttention.pack(writeAttention.weight, rows: batchSize)
    }
}
