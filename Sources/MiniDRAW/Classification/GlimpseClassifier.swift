/// The "Differentiable RAM" of paper §4.1: an LSTM that takes G glimpses of the image with the
/// selective read of §3.2 (N x N = 12 x 12) and classifies the digit with a softmax after the last.
/// Per glimpse g = 1...G, with h_0 = c_0 = 0:
///
///     (g~X, g~Y, log sigma^2, log delta~, log gamma) = W h_{g-1} + b       Eq. 21
///     F_X, F_Y from the five numbers                                       Eq. 22-26
///     r_g = gamma F_Y x F_Xᵀ                                               Eq. 27 (no x_hat)
///     h_g, c_g = LSTM(r_g, h_{g-1}, c_{g-1})
/// and then p = softmax(W_out h_G + b_out), trained on the cross-entropy -log p[label].

// MARK: - Config and parameters

/// Every size of the classifier, with the paper's values as defaults.
public struct GlimpseClassifierConfig: Equatable, Sendable {
    /// A, B: the cluttered image is 100 x 100 (§4.1).
    public var width = 100
    public var height = 100
    /// N: each glimpse is 12 x 12 (Table 1).
    public var readSize = 12
    /// LSTM units; the paper does not give it for §4.1, 256 is its MNIST size (Table 3).
    public var hiddenSize = 256
    /// G: glimpses before the softmax (Table 1: 4 and 8).
    public var glimpses = 8
    /// Digits 0-9.
    public var classCount = 10

    public init(width: Int = 100, height: Int = 100, readSize: Int = 12, hiddenSize: Int = 256, glimpses: Int = 8, classCount: Int = 10) {
        self.width = width
        self.height = height
        self.readSize = readSize
        self.hiddenSize = hiddenSize
        self.glimpses = glimpses
        self.classCount = classCount
    }

    public var summary: String { "attention classifier, \(glimpses) glimpses of \(readSize)x\(readSize) on \(width)x\(height), LSTM \(hiddenSize)" }
}

/// The classifier's parameters. Names in checkpoints: `attention.*`, `lstm.*`, `output.*`.
public struct GlimpseClassifier<Scalar: DRAWScalar>: ImageClassifier, Equatable {
    public let config: GlimpseClassifierConfig
    /// Eq. 21 from h_{g-1}: [5, H]
    package var attention: Linear<Scalar>
    /// The recurrent core, input r_g: W_ih [4 H, N^2], W_hh [4 H, H]
    package var lstm: LSTM<Scalar>
    /// The softmax layer on h_G: [classCount, H]
    package var output: Linear<Scalar>

    /// Every parameter zero; see `initialized(config:seed:)`.
    public init(config: GlimpseClassifierConfig) {
        self.config = config
        attention = Linear(inputSize: config.hiddenSize, outputSize: AttentionParameter.count)
        lstm = LSTM(inputSize: config.readSize * config.readSize, hiddenSize: config.hiddenSize)
        output = Linear(inputSize: config.hiddenSize, outputSize: config.classCount)
    }

    /// PyTorch-default uniform initialisation drawn from `seed` (attention, LSTM, output, in that order),
    /// except one number. With h_0 = 0 the first window is Eq. 21's bias alone: near the centre with
    /// delta ~ (max(A, B) - 1)/(N - 1), so the grid spans the image. Its log sigma^2 is set so that
    /// sigma = delta / 2: the first glimpse is then a blurred 12 x 12 view of the whole image, where
    /// sigma ~ 1 would sample 144 isolated pixels and miss most of the digit.
    public static func initialized(config: GlimpseClassifierConfig, seed: UInt64) -> GlimpseClassifier {
        var model = GlimpseClassifier(config: config)
        var generator = SeededGenerator(seed: seed)
        model.attention.initialize(using: &generator)
        model.lstm.initialize(using: &generator)
        model.output.initialize(using: &generator)
        let stride = model.geometry.strideScale * Double.exp(Double(model.attention.bias[0, AttentionParameter.stride]))  // Eq. 24
        model.attention.bias[0, AttentionParameter.variance] = Scalar(Double.log(stride * stride / 4))                    // sigma = delta / 2
        return model
    }

    package var geometry: AttentionGeometry {
        AttentionGeometry(gridSize: config.readSize, width: config.width, height: config.height)
    }

    public var inputSize: Int { config.width * config.height }

    public var parameterPaths: [(name: String, path: WritableKeyPath<GlimpseClassifier, Matrix<Scalar>>)] {
        [("attention.weight", \.attention.weight), ("attention.bias", \.attention.bias),
         ("lstm.weight_ih", \.lstm.weightIH), ("lstm.weight_hh", \.lstm.weightHH),
         ("lstm.bias_ih", \.lstm.biasIH), ("lstm.bias_hh", \.lstm.biasHH),
         ("output.weight", \.output.weight), ("output.bias", \.output.bias)]
    }

    public func zeros() -> GlimpseClassifier { GlimpseClassifier(config: config) }

    public var checkpointMetadata: [String: String] {
        ["model": "attention", "width": "\(config.width)", "height": "\(config.height)", "read_size": "\(config.readSize)",
         "hidden_size": "\(config.hiddenSize)", "glimpses": "\(config.glimpses)", "classes": "\(config.classCount)"]
    }
}

// MARK: - Buffers

/// What glimpse g keeps for the backward pass.
package struct GlimpseStepCache<Scalar: DRAWScalar>: Sendable {
    /// Eq. 21-26 from h_{g-1}: parameters, window, F_X [batchSize, N A], F_Y [batchSize, N B]
    package var attention: AttentionStepCache<Scalar>
    /// r_g, Eq. 27: [batchSize, N^2]
    package var glimpse: Matrix<Scalar>
    /// h_g, c_g and the gates: [batchSize, H], [batchSize, 4 H]
    package var lstm: LSTMStepCache<Scalar>
}

/// The forward pass of one batch and the scratch gradients of its backward pass, allocated once.
public struct GlimpseWorkspace<Scalar: DRAWScalar>: Sendable {
    package let batchSize: Int
    /// One cache per glimpse g = 1...G.
    package var steps: [GlimpseStepCache<Scalar>]
    /// h_0 = c_0 = 0: [batchSize, H]
    let initialState: Matrix<Scalar>
    /// W_out h_G + b_out and its softmax: [batchSize, classCount]
    package var logits: Matrix<Scalar>
    package var probabilities: Matrix<Scalar>
    /// W_ih, W_hh packed once per pass, for x Wᵀ (forward) and dGates · W (backward).
    var forwardWeights = LSTMPackedWeights(transposed: true)
    var backwardWeights = LSTMPackedWeights(transposed: false)
    /// dL/dlogits: [batchSize, classCount]
    var dLogits: Matrix<Scalar>
    /// dL/dh_g, dL/dc_g carried backwards, dL/dh_{g-1} being assembled: [batchSize, H]
    var dHidden: Matrix<Scalar>
    var dCell: Matrix<Scalar>
    var dPreviousHidden: Matrix<Scalar>
    /// [batchSize, 4 H]
    var dGates: Matrix<Scalar>
    /// dL/dr_g: [batchSize, N^2]
    var dGlimpse: Matrix<Scalar>
    /// dL/dF_X [batchSize, N A], dL/dF_Y [batchSize, N B], dL/dgamma [batchSize, 1], dL/d(Eq. 21) [batchSize, 5]
    var dFilterX: Matrix<Scalar>
    var dFilterY: Matrix<Scalar>
    var dIntensity: Matrix<Scalar>
    var dAttentionParameters: Matrix<Scalar>

    package init(config: GlimpseClassifierConfig, batchSize: Int) {
        let geometry = AttentionGeometry(gridSize: config.readSize, width: config.width, height: config.height)
        let h = config.hiddenSize, n = config.readSize
        self.batchSize = batchSize
        steps = (0..<config.glimpses).map { _ in
            GlimpseStepCache(attention: AttentionStepCache(batchSize: batchSize, geometry: geometry),
                             glimpse: Matrix(rows: batchSize, columns: n * n),
                             lstm: LSTMStepCache(batchSize: batchSize, hiddenSize: h))
        }
        initialState = Matrix(rows: batchSize, columns: h)
        logits = Matrix(rows: batchSize, columns: config.classCount)
        probabilities = logits
        dLogits = logits
        dHidden = initialState
        dCell = initialState
        dPreviousHidden = initialState
        dGates = Matrix(rows: batchSize, columns: 4 * h)
        dGlimpse = Matrix(rows: batchSize, columns: n * n)
        dFilterX = Matrix(rows: batchSize, columns: n * config.width)
        dFilterY = Matrix(rows: batchSize, columns: n * config.height)
        dIntensity = Matrix(rows: batchSize, columns: 1)
        dAttentionParameters = Matrix(rows: batchSize, columns: AttentionParameter.count)
    }
}

extension GlimpseClassifier {
    public func makeWorkspace(batchSize: Int) -> GlimpseWorkspace<Scalar> { GlimpseWorkspace(config: config, batchSize: batchSize) }

    // MARK: - Forward

    /// The G glimpses and the softmax layer; fills `workspace.logits`.
    /// - images: [batchSize, A B] with values in [0, 1]
    package func forward(images: Matrix<Scalar>, workspace w: inout GlimpseWorkspace<Scalar>) {
        let subnormals = SubnormalsFlushed()                         // Subnormals.swift
        defer { subnormals.restore() }
        precondition(images.rows == w.batchSize && images.columns == inputSize,
                     "glimpse classifier: images \(images.shapeDescription), expected [\(w.batchSize), \(inputSize)]")
        lstm.pack(into: &w.forwardWeights, batchSize: w.batchSize)
        for g in 0..<config.glimpses {
            let previous = g == 0 ? nil : w.steps[g - 1].lstm
            forwardStep(images: images, previousHidden: previous?.hidden ?? w.initialState,
                        previousCell: previous?.cell ?? w.initialState, packedWeights: w.forwardWeights, step: &w.steps[g])
        }
        output.forward(w.steps[config.glimpses - 1].lstm.hidden, into: &w.logits)          // softmax layer on h_G
    }

    /// One glimpse g, written into `step`.
    func forwardStep(images: Matrix<Scalar>, previousHidden: Matrix<Scalar>, previousCell: Matrix<Scalar>,
                     packedWeights: LSTMPackedWeights, step: inout GlimpseStepCache<Scalar>) {
        attention.forward(previousHidden, into: &step.attention.parameters)                  // Eq. 21
        geometry.forward(cache: &step.attention)                                             // Eq. 22-26
        geometry.readImage(image: images, cache: step.attention, glimpse: &step.glimpse)     // Eq. 27 (no x_hat)
        lstm.forward(input: step.glimpse, previousHidden: previousHidden, previousCell: previousCell,
                     packedWeights: packedWeights, cache: &step.lstm)                        // h_g = LSTM(r_g, h_{g-1})
    }

    public func probabilities(images: Matrix<Scalar>, workspace: inout GlimpseWorkspace<Scalar>) -> Matrix<Scalar> {
        forward(images: images, workspace: &workspace)
        softmax(logits: workspace.logits, probabilities: &workspace.probabilities)
        return workspace.probabilities
    }

    // MARK: - Backward through the glimpses

    public func lossAndGradient(images: Matrix<Scalar>, labels: [Int], workspace w: inout GlimpseWorkspace<Scalar>,
                                gradient: inout GlimpseClassifier) -> ClassificationResult {
        forward(images: images, workspace: &w)
        let result = softmaxCrossEntropy(logits: w.logits, labels: labels, probabilities: &w.probabilities)
        backward(images: images, labels: labels, workspace: &w, gradient: &gradient)
        return result
    }

    /// Adds d(mean cross-entropy)/d(parameter) into `gradient`, after `forward` and the softmax on
    /// the same workspace. Glimpses run from g = G down to 1, each undoing its forward lines in reverse.
    package func backward(images: Matrix<Scalar>, labels: [Int], workspace w: inout GlimpseWorkspace<Scalar>,
                          gradient: inout GlimpseClassifier) {
        let subnormals = SubnormalsFlushed()                         // Subnormals.swift
        defer { subnormals.restore() }
        lstm.pack(into: &w.backwardWeights, batchSize: w.batchSize)
        softmaxCrossEntropyBackward(probabilities: w.probabilities, labels: labels, dLogits: &w.dLogits)
        output.backward(dOutput: w.dLogits, input: w.steps[config.glimpses - 1].lstm.hidden,
                        gradient: &gradient.output, dInput: &w.dHidden, accumulateInput: false)
        w.dCell.setZero()
        for g in stride(from: config.glimpses - 1, through: 0, by: -1) {
            let step = w.steps[g]
            let previous = g == 0 ? nil : w.steps[g - 1].lstm
            let previousHidden = previous?.hidden ?? w.initialState
            lstm.backward(dHidden: w.dHidden, dCell: &w.dCell, cache: step.lstm, input: step.glimpse,
                          previousHidden: previousHidden, previousCell: previous?.cell ?? w.initialState,
                          packedWeights: w.backwardWeights, dGates: &w.dGates, gradient: &gradient.lstm,
                          dInput: &w.dGlimpse, dPreviousHidden: &w.dPreviousHidden)
            geometry.readImageBackward(dGlimpse: w.dGlimpse, image: images, cache: step.attention,           // Eq. 27
                                       dFilterX: &w.dFilterX, dFilterY: &w.dFilterY, dIntensity: &w.dIntensity)
            geometry.backward(dFilterX: w.dFilterX, dFilterY: w.dFilterY, dIntensity: w.dIntensity,          // Eq. 22-26
                              cache: step.attention, dParameters: &w.dAttentionParameters)
            attention.backward(dOutput: w.dAttentionParameters, input: previousHidden,                       // Eq. 21
                               gradient: &gradient.attention, dInput: &w.dPreviousHidden, accumulateInput: true)
            swap(&w.dHidden, &w.dPreviousHidden)
        }
    }
}
