/// A model whose parameters are a fixed list of named matrices: DRAW itself (`DRAWModel`) and the
/// classifiers of paper §4.1 (`GlimpseClassifier`, `PixelClassifier`), so that one Adam
/// (`AdamState`), one gradient norm and one zeroing serve them all.
public protocol ParameterSet: Sendable {
    associatedtype Scalar: DRAWScalar
    /// Every parameter tensor with its checkpoint name, in a fixed order.
    var parameterPaths: [(name: String, path: WritableKeyPath<Self, Matrix<Scalar>>)] { get }
    /// A model of the same shape with every parameter zero: the gradient accumulator.
    func zeros() -> Self
}

extension ParameterSet {
    /// Sets every parameter to zero, keeping the allocations.
    public mutating func setZero() {
        for (_, path) in parameterPaths { self[keyPath: path].setZero() }
    }

    /// The number of scalar parameters.
    public var parameterCount: Int { parameterPaths.reduce(0) { $0 + self[keyPath: $1.path].count } }

    /// The global L2 norm sqrt(Σ g^2) over every tensor, accumulated in Double.
    public var globalNorm: Double { parameterPaths.reduce(0) { $0 + self[keyPath: $1.path].sumOfSquares }.squareRoot() }
}
