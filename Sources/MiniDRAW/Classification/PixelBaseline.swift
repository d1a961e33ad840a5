/// Baselines for the cluttered-MNIST table: a classifier on all 10,000 raw pixels, either a
/// linear softmax (p = softmax(W x + b)) or an MLP with one ReLU hidden layer
/// (p = softmax(W_2 relu(W_1 x + b_1) + b_2)). Same data, loss and Adam as `GlimpseClassifier`.

// MARK: - Parameters

/// Names in checkpoints: `hidden.*` (MLP only) and `output.*`.
public struct PixelClassifier<Scalar: DRAWScalar>: ImageClassifier, Equatable {
    /// Pixels per image.
    public let inputSize: Int
    /// Units of the hidden layer; 0 for the linear softmax.
    public let hiddenSize: Int
    /// W_1: [hiddenSize, inputSize] (empty when linear)
    package var hidden: Linear<Scalar>
    /// W_2: [classCount, hiddenSize], or W: [classCount, inputSize] when linear
    package var output: Linear<Scalar>

    public init(inputSize: Int, hiddenSize: Int, classCount: Int = 10) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        hidden = Linear(inputSize: hiddenSize > 0 ? inputSize : 0, outputSize: hiddenSize)
        output = Linear(inputSize: hiddenSize > 0 ? hiddenSize : inputSize, outputSize: classCount)
    }

    /// PyTorch-default uniform initialisation drawn from `seed`.
    public static func initialized(inputSize: Int, hiddenSize: Int, classCount: Int = 10, seed: UInt64) -> PixelClassifier {
        var model = PixelClassifier(inputSize: inputSize, hiddenSize: hiddenSize, classCount: classCount)
        var generator = SeededGenerator(seed: seed)
        if hiddenSize > 0 { model.hidden.initialize(using: &generator) }
        model.output.initialize(using: &generator)
        return model
    }

    public var isLinear: Bool { hiddenSize == 0 }

    public var summary: String {
        isLinear ? "linear softmax on \(inputSize) pixels" : "MLP on \(inputSize) pixels, \(hiddenSize) ReLU units"
    }

    public var parameterPaths: [(name: String, path: WritableKeyPath<PixelClassifier, Matrix<Scalar>>)] {
        (isLinear ? [] : [("hidden.weight", \.hidden.weight), ("hidden.bias", \.hidden.bias)])
            + [("output.weight", \.output.weight), ("output.bias", \.output.bias)]
    }

    public func zeros() -> PixelClassifier { PixelClassifier(inputSize: inputSize, hiddenSize: hiddenSize, classCount: output.outputSize) }

    public var checkpointMetadata: [String: String] {
        ["model": isLinear ? "linear" : "mlp", "input_size": "\(inputSize)", "hidden_size": "\(hiddenSize)",
         "classes": "\(output.outputSize)"]
    }
}

// MARK: - Buffers

/// Activations and scratch gradients of one batch size.
public struct PixelWorkspace<Scalar: DRAWScalar>: Sendable {
    package let batchSize: Int
    /// relu(W_1 x + b_1): [batchSize, hiddenSize]
    var activations: Matrix<Scalar>
    /// [batchSize, classCount]
    package var logits: Matrix<Scalar>
    package var probabilities: Matrix<Scalar>
    var dLogits: Matrix<Scalar>
    /// dL/d(hidden layer), before and after the ReLU: [batchSize, hiddenSize]
    var dActivations: Matrix<Scalar>
}

extension PixelClassifier {
    public func makeWorkspace(batchSize: Int) -> PixelWorkspace<Scalar> {
        let logits = Matrix<Scalar>(rows: batchSize, columns: output.outputSize)
        let activations = Matrix<Scalar>(rows: batchSize, columns: hiddenSize)
        return PixelWorkspace(batchSize: batchSize, activations: activations, logits: logits, probabilities: logits,
                              dLogits: logits, dActivations: activations)
    }

    // MARK: - Forward

    /// Fills `workspace.logits` from `images` [batchSize, inputSize].
    package func forward(images: Matrix<Scalar>, workspace w: inout PixelWorkspace<Scalar>) {
        let subnormals = SubnormalsFlushed()                         // Subnormals.swift
        defer { subnormals.restore() }
        if isLinear {
            output.forward(images, into: &w.logits)                                   // W x + b
            return
        }
        hidden.forward(images, into: &w.activations)                                  // W_1 x + b_1
        for index in w.activations.storage.indices { w.activations.storage[index] = max(w.activations.storage[index], 0) }  // relu
        output.forward(w.activations, into: &w.logits)                                // W_2 h + b_2
    }

    public func probabilities(images: Matrix<Scalar>, workspace: inout PixelWorkspace<Scalar>) -> Matrix<Scalar> {
        forward(images: images, workspace: &workspace)
        softmax(logits: workspace.logits, probabilities: &workspace.probabilities)
        return workspace.probabilities
    }

    // MARK: - Backward

    public func lossAndGradient(images: Matrix<Scalar>, labels: [Int], workspace w: inout PixelWorkspace<Scalar>,
                                gradient: inout PixelClassifier) -> ClassificationResult {
        let subnormals = SubnormalsFlushed()                         // Subnormals.swift
        defer { subnormals.restore() }
        forward(images: images, workspace: &w)
        let result = softmaxCrossEntropy(logits: w.logits, labels: labels, probabilities: &w.probabilities)
        softmaxCrossEntropyBackward(probabilities: w.probabilities, labels: labels, dLogits: &w.dLogits)
        if isLinear {
            output.backwardParameters(dOutput: w.dLogits, input: images, gradient: &gradient.output)
            return result
        }
        output.backward(dOutput: w.dLogits, input: w.activations, gradient: &gradient.output,
                        dInput: &w.dActivations, accumulateInput: false)
        // relu: the gradient passes where the unit was positive (h > 0), else 0
        for index in w.dActivations.storage.indices where w.activations.storage[index] <= 0 { w.dActivations.storage[index] = 0 }
        hidden.backwardParameters(dOutput: w.dActivations, input: images, gradient: &gradient.hidden)
        return result
    }
}
