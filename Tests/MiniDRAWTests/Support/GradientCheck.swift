@testable import MiniDRAW

/// The result of comparing an analytic gradient with central differences, worst element first.
struct GradientReport: CustomStringConvertible {
    var name: String
    /// max over the checked elements of |analytic - numerical| / max(|analytic|, |numerical|, floor)
    var maxRelativeError: Double = 0
    var worstIndex = -1
    var expected = 0.0      // numerical
    var observed = 0.0      // analytic
    var checkedCount = 0
    var tolerance: Double

    var passed: Bool { maxRelativeError <= tolerance }

    var description: String {
        "\(name): max relative error \(maxRelativeError) at element \(worstIndex) of \(checkedCount) checked: "
            + "expected (central difference) \(expected), observed (analytic) \(observed), tolerance \(tolerance)"
    }
}

/// The numerical derivative is the fourth-order central difference
///   (L(v - 2h) - 8 L(v - h) + 8 L(v + h) - L(v + 2h)) / 12h
/// with h = 1e-3: its truncation error is O(h^4), about 1e-13 here, and its round-off about
/// eps |L| / h, about 1e-11 for losses of size 30. (The two-point difference at h = 1e-5 had
/// about 1e-9 of each: as large as 1e-6 of the small gradients of a freshly initialised model.)
/// Elements near zero are judged on absolute error: the denominator has a floor of 1e-4.
let relativeErrorFloor = 1e-4

/// Checks `analytic` (dL/dvalues) against central differences, element by element.
/// Tensors with more than `maximumChecks` elements are checked on an evenly spaced subset.
func gradientCheck(name: String, values: inout [Double], analytic: [Double], step: Double = 1e-3,
                   tolerance: Double = 1e-6, maximumChecks: Int = 48, loss: ([Double]) -> Double) -> GradientReport {
    precondition(values.count == analytic.count, "\(name): \(values.count) values but \(analytic.count) gradients")
    var report = GradientReport(name: name, tolerance: tolerance)
    let stride = max(1, values.count / maximumChecks)
    for index in Swift.stride(from: 0, to: values.count, by: stride) {
        let original = values[index]
        func lossAt(_ offset: Double) -> Double {
            values[index] = original + offset * step
            return loss(values)
        }
        let numerical = (lossAt(-2) - 8 * lossAt(-1) + 8 * lossAt(1) - lossAt(2)) / (12 * step)
        values[index] = original
        let error = abs(analytic[index] - numerical) / max(abs(analytic[index]), abs(numerical), relativeErrorFloor)
        report.checkedCount += 1
        if error > report.maxRelativeError || report.worstIndex < 0 {
            report.maxRelativeError = error
            report.worstIndex = index
            report.expected = numerical
            report.observed = analytic[index]
        }
    }
    return report
}

/// A deterministic matrix of standard normal values scaled by `scale`.
func randomMatrix(_ rows: Int, _ columns: Int, seed: UInt64, scale: Double = 1) -> Matrix<Double> {
    var generator = SeededGenerator(seed: seed)
    var matrix = Matrix<Double>(rows: rows, columns: columns)
    for index in matrix.storage.indices { matrix.storage[index] = scale * generator.nextGaussian() }
    return matrix
}

/// Σ weights ⊙ values: a scalar loss whose gradient wrt values is `weights`.
func weightedSum(_ values: Matrix<Double>, _ weights: Matrix<Double>) -> Double {
    zip(values.storage, weights.storage).reduce(0) { $0 + $1.0 * $1.1 }
}
