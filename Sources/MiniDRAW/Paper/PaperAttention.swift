/// Selective attention (§3.2): the decoder emits five numbers (Eq. 21), which place an N x N grid
/// of Gaussian filters on the A x B image (Eq. 19-20, 22-24) and become two filterbank matrices,
/// F_X [N, A] and F_Y [N, B] (Eq. 25-26). The read (Eq. 27) and the write (Eq. 29) that use them
/// are in PaperReadWrite.swift.
///
/// The paper counts from 1: pixel a = 1...A, grid index i = 1...N. The 0-based loops add 1.

/// One image's attention window at one step.
public struct PaperWindow<Scalar: DRAWScalar>: Sendable {
    /// g_X, g_Y: the grid centre in pixels (Eq. 22-23)
    public var centerX: Scalar
    public var centerY: Scalar
    /// sigma^2: the filters' variance (Eq. 21)
    public var variance: Scalar
    /// delta: the distance between filters in pixels (Eq. 24)
    public var stride: Scalar
    /// gamma: the intensity (Eq. 21)
    public var intensity: Scalar
    /// F_X: [N, A], F_Y: [N, B] (Eq. 25-26)
    public var filterX: Matrix<Scalar>
    public var filterY: Matrix<Scalar>
    /// Z_X, Z_Y: each filter row's sum before it is normalised, [N]
    public var normaliserX: [Scalar]
    public var normaliserY: [Scalar]

    /// (g_X, g_Y, sigma^2, delta, gamma), the order of the fast engine's windows and of `GenerationStep`.
    public var values: [Scalar] { [centerX, centerY, variance, stride, intensity] }

    /// The `values` of each window, one row per image: [count, 5].
    public static func values(_ windows: [PaperWindow]) -> Matrix<Scalar> {
        Matrix(rows: windows.count, columns: 5, storage: windows.flatMap(\.values))
    }
}

/// dL/dF_X, dL/dF_Y and dL/dgamma of one image's window, from the read or the write.
struct PaperWindowGradient<Scalar: DRAWScalar> {
    var dFilterX: Matrix<Scalar>
    var dFilterY: Matrix<Scalar>
    var dIntensity: Scalar
}

/// A filter row's sum Z is kept away from 0: F = e / max(Z, 1e-8).
let paperNormaliserFloor = 1e-8

extension PaperDRAW {
    // MARK: - Forward

    /// Eq. 22-26 for every image, from the output of Eq. 21 (g~_X, g~_Y, log sigma^2, log delta~, log gamma).
    /// - parameters: [batchSize, 5]; gridSize: N. Returns one window per image.
    func windows(_ parameters: Matrix<Scalar>, gridSize n: Int) -> [PaperWindow<Scalar>] {
        let (a, b) = (config.width, config.height)
        let strideScale = Scalar(Double(max(a, b) - 1) / Double(max(n - 1, 1)))   // (max(A, B) - 1) / (N - 1)
        return (0..<parameters.rows).map { image in
            let centerX = Scalar(a + 1) / 2 * (parameters[image, 0] + 1)          // Eq. 22: g_X = (A + 1)/2 (g~_X + 1)
            let centerY = Scalar(b + 1) / 2 * (parameters[image, 1] + 1)          // Eq. 23: g_Y = (B + 1)/2 (g~_Y + 1)
            let variance = Scalar.exp(parameters[image, 2])                       // Eq. 21: sigma^2 = exp(log sigma^2)
            let stride = strideScale * Scalar.exp(parameters[image, 3])           // Eq. 24: delta = (max(A, B) - 1)/(N - 1) delta~
            let intensity = Scalar.exp(parameters[image, 4])                      // Eq. 21: gamma = exp(log gamma)
            let (filterX, normaliserX) = filterbank(center: centerX, stride: stride, variance: variance,   // Eq. 19, Eq. 25
                                                    gridSize: n, length: a)
            let (filterY, normaliserY) = filterbank(center: centerY, stride: stride, variance: variance,   // Eq. 20, Eq. 26
                                                    gridSize: n, length: b)
            return PaperWindow(centerX: centerX, centerY: centerY, variance: variance, stride: stride, intensity: intensity,
                               filterX: filterX, filterY: filterY, normaliserX: normaliserX, normaliserY: normaliserY)
        }
    }

    /// i - N/2 - 1/2 for the paper's i = index + 1: filter i's offset from the centre in strides.
    func gridOffset(_ index: Int, gridSize n: Int) -> Scalar {
        Scalar(index + 1) - Scalar(n) / 2 - Scalar(0.5)
    }

    /// F[i, a] = exp(-(a - mu^i)^2 / (2 sigma^2)) / Z, the filterbank along one axis (x: Eq. 19, 25; y: Eq. 20, 26).
    /// - Returns filter: [N, length], and the row sums Z: [N]
    func filterbank(center: Scalar, stride: Scalar, variance: Scalar, gridSize n: Int,
                    length: Int) -> (filter: Matrix<Scalar>, normaliser: [Scalar]) {
        var filter = Matrix<Scalar>(rows: n, columns: length)
        var normaliser = [Scalar](repeating: 0, count: n)
        for i in 0..<n {
            let mean = center + gridOffset(i, gridSize: n) * stride              // Eq. 19-20: mu^i = g + (i - N/2 - 1/2) delta
            for a in 0..<length {
                let distance = Scalar(a + 1) - mean
                filter[i, a] = Scalar.exp(-distance * distance / (2 * variance))  // Eq. 25-26: exp(-(a - mu^i)^2 / (2 sigma^2))
                normaliser[i] += filter[i, a]                                     // Z = Σ_a exp(...)
            }
            let inverse = 1 / max(normaliser[i], Scalar(paperNormaliserFloor))
            for a in 0..<length { filter[i, a] *= inverse }                      // Eq. 25-26: 1 / Z
        }
        return (filter, normaliser)
    }

    // MARK: - Backward

    /// Backward of `filterbank`: dL/dg, dL/ddelta and dL/dsigma^2 from dL/dF. With e = exp(-d^2 / (2 sigma^2)),
    /// d = a - mu^i and F = e / Z:
    ///   de = (dF - Σ_a dF F) / Z,   de/dmu^i = e d / sigma^2,   de/dsigma^2 = e d^2 / (2 sigma^4),
    ///   dmu^i/dg = 1,   dmu^i/ddelta = i - N/2 - 1/2.
    func filterbankBackward(dFilter: Matrix<Scalar>, filter: Matrix<Scalar>, normaliser: [Scalar], center: Scalar,
                            stride: Scalar, variance: Scalar) -> (dCenter: Scalar, dStride: Scalar, dVariance: Scalar) {
        var (dCenter, dStride, dVariance): (Scalar, Scalar, Scalar) = (0, 0, 0)
        for i in 0..<filter.rows {
            let mean = center + gridOffset(i, gridSize: filter.rows) * stride
            let clamped = normaliser[i] <= Scalar(paperNormaliserFloor)          // then Z is a constant
            let z = max(normaliser[i], Scalar(paperNormaliserFloor))
            var dFilterDotFilter: Scalar = 0
            if !clamped { for a in 0..<filter.columns { dFilterDotFilter += dFilter[i, a] * filter[i, a] } }
            var dMean: Scalar = 0
            for a in 0..<filter.columns {
                let e = filter[i, a] * z                                         // the exp before 1 / Z
                let de = (dFilter[i, a] - dFilterDotFilter) / z
                let distance = Scalar(a + 1) - mean
                dMean += de * e * distance / variance
                dVariance += de * e * distance * distance / (2 * variance * variance)
            }
            dCenter += dMean
            dStride += dMean * gridOffset(i, gridSize: filter.rows)
        }
        return (dCenter, dStride, dVariance)
    }

    /// Backward of `windows` (Eq. 22-26): dL/d(Eq. 21's output) for every image.
    /// - dWindows: dF_X, dF_Y, dgamma per image; returns [batchSize, 5]
    func windowsBackward(_ dWindows: [PaperWindowGradient<Scalar>], windows: [PaperWindow<Scalar>]) -> Matrix<Scalar> {
        var dParameters = Matrix<Scalar>(rows: windows.count, columns: 5)
        for (image, (d, window)) in zip(dWindows, windows).enumerated() {
            let x = filterbankBackward(dFilter: d.dFilterX, filter: window.filterX, normaliser: window.normaliserX,
                                       center: window.centerX, stride: window.stride, variance: window.variance)
            let y = filterbankBackward(dFilter: d.dFilterY, filter: window.filterY, normaliser: window.normaliserY,
                                       center: window.centerY, stride: window.stride, variance: window.variance)
            dParameters[image, 0] = x.dCenter * Scalar(config.width + 1) / 2      // Eq. 22: dg~_X = dg_X (A + 1)/2
            dParameters[image, 1] = y.dCenter * Scalar(config.height + 1) / 2     // Eq. 23: dg~_Y = dg_Y (B + 1)/2
            // sigma^2, delta and gamma are exp of Eq. 21's outputs (delta times a constant, Eq. 24): d log v = dv v
            dParameters[image, 2] = (x.dVariance + y.dVariance) * window.variance
            dParameters[image, 3] = (x.dStride + y.dStride) * window.stride       // Eq. 24
            dParameters[image, 4] = d.dIntensity * window.intensity
        }
        return dParameters
    }
}
