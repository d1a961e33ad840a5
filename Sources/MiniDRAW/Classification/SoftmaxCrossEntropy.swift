import Foundation

/// The classifiers' output layer (paper §4.1: "a softmax layer to classify the MNIST digit") and
/// its loss, the cross-entropy averaged over the batch:
///
///     p[c] = exp(a[c] - max a) / Σ_c' exp(a[c'] - max a)      (softmax of the logits a)
///     L = -(1/B) Σ_images log p[label]

/// What a classifier reports for one batch.
public struct ClassificationResult: Equatable, Sendable {
    /// The batch mean of -log p[label].
    public var meanLoss: Double
    /// Images whose most probable class is their label.
    public var correctCount: Int
}

/// p = softmax(a) for each row: `probabilities` [batchSize, classCount] from `logits` (same shape).
package func softmax<Scalar: DRAWScalar>(logits: Matrix<Scalar>, probabilities: inout Matrix<Scalar>) {
    logits.checkSameShape(as: probabilities, "softmax")
    for row in 0..<logits.rows {
        var largest = logits[row, 0]
        for c in 1..<logits.columns { largest = max(largest, logits[row, c]) }
        var sum: Scalar = 0
        for c in 0..<logits.columns {
            let e = Scalar.exp(logits[row, c] - largest)
            probabilities[row, c] = e
            sum += e
        }
        for c in 0..<logits.columns { probabilities[row, c] /= sum }
    }
}

/// `softmax` into `probabilities`, and the mean cross-entropy against `labels` (one class per row).
package func softmaxCrossEntropy<Scalar: DRAWScalar>(logits: Matrix<Scalar>, labels: [Int],
                                                     probabilities: inout Matrix<Scalar>) -> ClassificationResult {
    precondition(labels.count == logits.rows, "softmax: \(labels.count) labels for \(logits.rows) rows")
    softmax(logits: logits, probabilities: &probabilities)
    var lossSum = 0.0
    for row in 0..<logits.rows {
        var largest = logits[row, 0]
        for c in 1..<logits.columns { largest = max(largest, logits[row, c]) }
        var sum: Scalar = 0
        for c in 0..<logits.columns { sum += Scalar.exp(logits[row, c] - largest) }
        // -log p[label] = log Σ exp(a - max) - (a[label] - max): finite even where p[label] underflows
        lossSum += Double(Scalar.log(sum) - (logits[row, labels[row]] - largest))
    }
    let correct = zip(predictedClasses(probabilities), labels).filter { $0 == $1 }.count
    return ClassificationResult(meanLoss: lossSum / Double(max(logits.rows, 1)), correctCount: correct)
}

/// The most probable class of each row (the first on ties).
package func predictedClasses<Scalar: DRAWScalar>(_ probabilities: Matrix<Scalar>) -> [Int] {
    (0..<probabilities.rows).map { row in
        var best = 0
        for c in 1..<probabilities.columns where probabilities[row, c] > probabilities[row, best] { best = c }
        return best
    }
}

/// Backward of the mean cross-entropy through the softmax: dL/da[c] = (p[c] - [c == label]) / B.
/// - dLogits: [batchSize, classCount], overwritten.
package func softmaxCrossEntropyBackward<Scalar: DRAWScalar>(probabilities: Matrix<Scalar>, labels: [Int],
                                                             dLogits: inout Matrix<Scalar>) {
    probabilities.checkSameShape(as: dLogits, "softmax backward")
    let scale = 1 / Scalar(probabilities.rows)
    for row in 0..<probabilities.rows {
        for c in 0..<probabilities.columns {
            dLogits[row, c] = (probabilities[row, c] - (c == labels[row] ? 1 : 0)) * scale
        }
    }
}

// MARK: - Any classifier

/// A model that maps a batch of images to class probabilities, trained by `ClassifierTrainer`.
public protocol ImageClassifier: ParameterSet {
    /// Buffers of the forward and backward pass for one batch size, reused between batches.
    associatedtype Workspace
    /// Pixels per input image.
    var inputSize: Int { get }
    func makeWorkspace(batchSize: Int) -> Workspace
    /// The forward pass: class probabilities [batchSize, classCount] of `images` [batchSize, inputSize].
    func probabilities(images: Matrix<Scalar>, workspace: inout Workspace) -> Matrix<Scalar>
    /// Forward and backward: adds d(mean cross-entropy)/d(parameter) into `gradient`.
    func lossAndGradient(images: Matrix<Scalar>, labels: [Int], workspace: inout Workspace,
                         gradient: inout Self) -> ClassificationResult
    /// The tensors and metadata of a checkpoint.
    var checkpointMetadata: [String: String] { get }
}

extension ImageClassifier {
    /// The checkpoint: every parameter under its name (biases as `[n]`), float32, with `checkpointMetadata`.
    public func checkpoint() -> SafeTensorsFile {
        var tensors: [String: StoredTensor] = [:]
        for (name, path) in parameterPaths {
            let matrix = self[keyPath: path]
            tensors[name] = StoredTensor(dtype: .float32, shape: Self.fileShape(name: name, matrix: matrix),
                                         values: matrix.storage.map { Double($0) })
        }
        return SafeTensorsFile(metadata: checkpointMetadata, tensors: tensors)
    }

    /// `[n]` for biases (kept as `[1, n]` matrices), the matrix's shape otherwise, as in DRAW's checkpoints.
    static func fileShape(name: String, matrix: Matrix<Scalar>) -> [Int] {
        ["bias", "bias_ih", "bias_hh"].contains(where: name.hasSuffix) ? [matrix.columns] : matrix.shape
    }

    /// Reads every parameter back from `file`, checking names and shapes.
    public mutating func load(_ file: SafeTensorsFile) throws {
        for (name, path) in parameterPaths {
            let matrix = self[keyPath: path]
            let values = try file.tensor(name, shape: Self.fileShape(name: name, matrix: matrix))
            self[keyPath: path] = Matrix(rows: matrix.rows, columns: matrix.columns, storage: values.map { Scalar($0) })
        }
    }
}
