/// Element-wise functions of the model, each stable for large |x|.

/// sigmoid(x) = 1 / (1 + e^-x), evaluated so that neither branch overflows.
@inline(__always)
package func sigmoid<Scalar: DRAWScalar>(_ x: Scalar) -> Scalar {
    if x >= 0 {
        return 1 / (1 + Scalar.exp(-x))
    }
    let ex = Scalar.exp(x)
    return ex / (1 + ex)
}

/// softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|).
@inline(__always)
package func softplus<Scalar: DRAWScalar>(_ x: Scalar) -> Scalar {
    max(x, 0) + Scalar.log1p(Scalar.exp(-abs(x)))
}

