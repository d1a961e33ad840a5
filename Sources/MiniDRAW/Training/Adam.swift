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

/// Adam's moments for every parameter of a model (`DRAWModel`, or a classifier of paper §4.1),
/// and the number of updates taken.
package struct AdamState<Model: ParameterSet>: Sendable {
    /// m: the running mean of gradients, shaped like the model.
    package var firstMoment: Model
    /// v: the running mean of squared gradients.
    package var secondMoment: Model
    /// t: updates taken so far.
    package var stepCount: Int = 0

    package init(model: Model) {
        firstMoment = model.zeros()
        secondMoment = model.zeros()
    }

    /// One Adam update of `model` from `gradient` (clipped first when its norm exceeds
    /// `settings.clipNorm`), tensor by tensor through `adamTensorUpdate`. Returns the gradient's
    /// norm before clipping: `gradientNorm` when the caller has it already, else computed here.
    @discardableResult
    package mutating func update(model: inout Model, gradient: Model, settings: AdamSettings,
                                 gradientNorm: Double? = nil) -> Double {
        let norm = gradientNorm ?? gradient.globalNorm
        stepCount += 1
        let coefficients = AdamCoefficients<Model.Scalar>(settings: settings, stepCount: stepCount, gradientNorm: norm)
        for (_, path) in model.parameterPaths {
            adamTensorUpdate(parameter: &model[keyPath: path], gradient: gradient[keyPath: path],
                             firstMoment: &firstMoment[keyPath: path], secondMoment: &secondMoment[keyPath: path],
                             coefficients: coefficients)
        }
        return norm
    }
}

extension AdamState: Equatable where Model: Equatable {}

/// The numbers one Adam update uses for every element, computed once per update.
package struct AdamCoefficients<Scalar: DRAWScalar>: Sendable {
    /// min(1, clip / |g|)
    package var clipScale: Scalar
    package var beta1: Scalar
    package var beta2: Scalar
    /// alpha / (1 - beta1^t)
    package var stepSize: Scalar
    /// 1 / (1 - beta2^t)
    package var inverseSecondCorrection: Scalar
    package var epsilon: Scalar

    package init(settings: AdamSettings, stepCount: Int, gradientNorm norm: Double) {
        let clip = settings.clipNorm > 0 && norm > settings.clipNorm ? settings.clipNorm / norm : 1
        let t = Double(stepCount)
        clipScale = Scalar(clip)
        beta1 = Scalar(settings.beta1)
        beta2 = Scalar(settings.beta2)
        stepSize = Scalar(settings.learningRate / (1 - pow(settings.beta1, t)))
        inverseSecondCorrection = Scalar(1 / (1 - pow(settings.beta2, t)))
        epsilon = Scalar(settings.epsilon)
    }
}

/// One Adam update of one tensor, after clipping the whole gradient's norm to `clip`:
///   g <- g * min(1, clip / |g|)
///   m <- beta1 m + (1 - beta1) g,   v <- beta2 v + (1 - beta2) g^2
///   theta <- theta - alpha * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)
/// Each element is updated on its own, so the elements are split over `GEMM.threadCount`
/// threads (ranges of at least 16,384) with the same bits as on one. They go eight at a time
/// through the lanes of a `SIMD8`: the square root and the division cost about as much for
/// eight as for one, and each lane rounds as the formula does for one value (Swift fuses no
/// multiply-add unless asked), so the bits do not change either.
/// - parameter, gradient, firstMoment, secondMoment: the same shape.
package func adamTensorUpdate<Scalar: DRAWScalar>(parameter: inout Matrix<Scalar>, gradient: Matrix<Scalar>,
                                                  firstMoment: inout Matrix<Scalar>, secondMoment: inout Matrix<Scalar>,
                                                  coefficients c: AdamCoefficients<Scalar>) {
    typealias Lanes = SIMD8<Scalar>
    parameter.checkSameShape(as: gradient, "Adam update")
    @inline(__always) func update(_ g: Lanes, _ m: inout Lanes, _ v: inout Lanes, _ theta: inout Lanes) {
        let clipped = g * c.clipScale
        m = c.beta1 * m + (1 - c.beta1) * clipped
        v = c.beta2 * v + (1 - c.beta2) * clipped * clipped
        theta -= c.stepSize * m / ((v * c.inverseSecondCorrection).squareRoot() + c.epsilon)
    }
    gradient.withPointer { g in
    firstMoment.withMutablePointer { m in
    secondMoment.withMutablePointer { v in
    parameter.withMutablePointer { theta in
    forEachRowRange(gradient.count, minimumPerThread: 16_384) { range in
        var start = range.lowerBound
        while start + Lanes.scalarCount <= range.upperBound {
            var mean = loadVector(m + start, as: Lanes.self), meanSquare = loadVector(v + start, as: Lanes.self)
            var value = loadVector(theta + start, as: Lanes.self)
            update(loadVector(g + start), &mean, &meanSquare, &value)
            storeVector(mean, to: m + start)
            storeVector(meanSquare, to: v + start)
            storeVector(value, to: theta + start)
            start += Lanes.scalarCount
        }
        // The last few elements go through the same lanes, the unused ones 0.
        let rest = range.upperBound - start
        guard rest > 0 else { return }
        var (gradientLanes, mean, meanSquare, value) = (Lanes(), Lanes(), Lanes(), Lanes())
        for lane in 0..<rest {
            let index = start + lane
            (gradientLanes[lane], mean[lane], meanSquare[lane], value[lane]) = (g[index], m[index], v[index], theta[index])
        }
        update(gradientLanes, &mean, &meanSquare, &value)
        for lane in 0..<rest {
            (m[start + lane], v[start + lane], theta[start + lane]) = (mean[lane], meanSquare[lane], value[lane])
        }
    }
    }}}}
}
