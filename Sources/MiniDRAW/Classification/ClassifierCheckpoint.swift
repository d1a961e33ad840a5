/// A trained cluttered-MNIST classifier read back from its checkpoint (`classifier.safetensors`,
/// written by `ImageClassifier.checkpoint()`): the model its metadata names, built with the sizes
/// the metadata gives, every tensor then checked by name and shape (`ImageClassifier.load`).
///
/// Metadata of the two kinds, as written:
/// - attention: `model = attention`, `width`, `height`, `read_size`, `hidden_size`, `glimpses`, `classes`;
/// - pixels: `model = linear` or `mlp`, `input_size`, `hidden_size` (0 when linear), `classes`.
public enum TrainedClassifier {
    case attention(GlimpseClassifier<Float>)
    case pixels(PixelClassifier<Float>)

    // MARK: - Reading

    /// Reads the classifier in `file`, naming the file and the key or tensor that does not fit.
    public init(file: SafeTensorsFile) throws {
        func size(_ key: String, allowingZero: Bool = false) throws -> Int {
            let text = try file.metadataValue(key)
            guard let value = Int(text), value > 0 || (allowingZero && value == 0) else {
                throw SafeTensorsError(source: file.source, problem: "metadata \(key) = \"\(text)\" is not a positive integer")
            }
            return value
        }
        let kind = try file.metadataValue("model")
        switch kind {
        case "attention":
            let config = GlimpseClassifierConfig(width: try size("width"), height: try size("height"),
                                                 readSize: try size("read_size"), hiddenSize: try size("hidden_size"),
                                                 glimpses: try size("glimpses"), classCount: try size("classes"))
            var model = GlimpseClassifier<Float>(config: config)
            try model.load(file)
            self = .attention(model)
        case "linear", "mlp":
            let hiddenSize = try size("hidden_size", allowingZero: kind == "linear")
            guard (kind == "linear") == (hiddenSize == 0) else {
                throw SafeTensorsError(source: file.source, problem: "metadata model = \(kind) with hidden_size = \(hiddenSize)")
            }
            var model = PixelClassifier<Float>(inputSize: try size("input_size"), hiddenSize: hiddenSize, classCount: try size("classes"))
            try model.load(file)
            self = .pixels(model)
        default:
            throw SafeTensorsError(source: file.source,
                                   problem: "metadata model = \"\(kind)\", expected attention, linear or mlp (is it a classifier's checkpoint?)")
        }
    }

    /// Reads the classifier in the file at `path`.
    public init(path: String) throws {
        try self.init(file: try SafeTensorsFile(contentsOf: path))
    }

    // MARK: - Using it

    /// What the model is, in one line (`GlimpseClassifierConfig.summary`, `PixelClassifier.summary`).
    public var summary: String {
        switch self {
        case .attention(let model): return model.config.summary
        case .pixels(let model): return model.summary
        }
    }

    /// Pixels per input image: A B.
    public var inputSize: Int {
        switch self {
        case .attention(let model): return model.inputSize
        case .pixels(let model): return model.inputSize
        }
    }

    public var parameterCount: Int {
        switch self {
        case .attention(let model): return model.parameterCount
        case .pixels(let model): return model.parameterCount
        }
    }

    /// Error rate and mean cross-entropy on `images` [count, A B] against `labels`.
    public func evaluate(images: Matrix<Float>, labels: [Int], batchSize: Int) -> ClassifierEvaluation {
        switch self {
        case .attention(let model): return model.evaluate(images: images, labels: labels, batchSize: batchSize)
        case .pixels(let model): return model.evaluate(images: images, labels: labels, batchSize: batchSize)
        }
    }
}
