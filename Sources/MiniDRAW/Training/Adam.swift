import Foundation

/// Adam (Kingma & Ba 2015), the optimiser the paper trains DRAW with, plus clipping of the
/// gradient's global norm.
public struct AdamSettings: Equatable, Sendable, Codable {
    /// Step size alpha.
    public var learningRate: Double = 1e-3
    /// Decay of the first moment.
    public var beta1: Double = 0.9
    /// Decay of the second moment.
    public var beta2: Double = 0.999
    /// Added to sqrt(v_hat) so the update stays finite.
    public var epsilon: Double = 1e-8
    /// The gradient is rescaled to this global L2 norm when longer; 0 turns clipping off.
    public var clipNorm: Double = 10

    public init() {}
}

/// Adam's moments for every parameter of a model, and the number of updates taken.
public struct AdamState<Scalar: DRAWScalar>: Equatable, Sendable {
    /// m: the running mean of gradients, shaped like the model.
    public var firstMoment: DRAWModel<Scalar>
    /// v: the running mean of squared gradients.
    public var secondMoment: DRAWModel<Scalar>
    /// t: updates taken so far.
    public var stepCount: Int = 0

    public init(model: DRAWModel<Scalar>) {
        firstMoment = model.zeros()
        secondMoment = model.zeros()
    }
}

/// The global L2 norm sqrt(Σ g^2) over every parameter tensor, accumulated in Double.
public func globalNorm<Scalar>(_ gradient: DRAWModel<Scalar>) -> Double {
    DRAWModel<Scalar>.parameterPaths(config: gradient.config).reduce(0) { $0 + gradient[keyPath: $1.path].sumOfSquares }
        .squareRoot()
}

extension AdamState {
    /// One Adam update of `model` from `gradient` (clipped first when its norm exceeds
    /// `settings.clipNorm`). Returns the gradient's norm before clipping.
    ///   g <- g * min(1, clip / |g|)
    ///   m <- beta1 m + (1 - beta1) g,   v <- beta2 v + (1 - beta2) g^2
    ///   theta <- theta - alpha * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)
    @discardableResult
    public mutating func update(model: inout DRAWModel<Scalar>, gradient: DRAWModel<Scalar>, settings: AdamSettings) -> Double {
        let norm = globalNorm(gradient)
        let clipScale = settings.clipNorm > 0 && norm > settings.clipNorm ? settings.clipNorm / norm : 1
        stepCount += 1
        let t = Double(stepCount)
        let firstCorrection = 1 - pow(settings.beta1, t), secondCorrection = 1 - pow(settings.beta2, t)
        let scale = Scalar(clipScale)
        let beta1 = Scalar(settings.beta1), beta2 = Scalar(settings.beta2)
        let stepSize = Scalar(settings.learningRate / firstCorrection)
        let inverseSecondCorrection = Scalar(1 / secondCorrection)
        let epsilon = Scalar(settings.epsilon)
        for (_, path) in DRAWModel<Scalar>.parameterPaths(config: model.config) {
            gradient[keyPath: path].storage.withUnsafeBufferPointer { g in
            firstMoment[keyPath: path].storage.withUnsafeMutableBufferPointer { m in
            secondMoment[keyPath: path].storage.withUnsafeMutableBufferPointer { v in
            model[keyPath: path].storage.withUnsafeMutableBufferPointer { theta in
                for index in 0..<g.count {
                    let clipped = g[index] * scale
                    m[index] = beta1 * m[index] + (1 - beta1) * clipped
                    v[index] = beta2 * v[index] + (1 - beta2) * clipped * clipped
                    theta[index] -= stepSize * m[index] / ((v[index] * inverseSecondCorrection).squareRoot() + epsilon)
                }
            }}}}
        }
        return norm
    }
}
