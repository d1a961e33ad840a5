import Foundation
import Testing
@testable import MiniDRAW

/// Shared pieces of the per-equation tests: value comparisons that name the element, attention
/// windows built from Eq. 21's five numbers, and gradient checks per attention parameter.

// MARK: - Value comparisons

/// Expects |observed - expected| <= tolerance * max(1, |expected|) element by element; a failure
/// names the worst element with its expected and observed values and the tolerance.
func expectClose(_ observed: [Double], _ expected: [Double], tolerance: Double, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(observed.count == expected.count, "\(what): \(observed.count) values, expected \(expected.count)",
            sourceLocation: sourceLocation)
    var worst = (error: 0.0, index: -1)
    for (index, (value, reference)) in zip(observed, expected).enumerated() {
        let error = abs(value - reference) / max(1, abs(reference))
        if !(error <= worst.error) || worst.index < 0 { worst = (error, index) }
    }
    guard worst.index >= 0 else { return }
    #expect(worst.error <= tolerance,
            "\(what): element \(worst.index) expected \(expected[worst.index]), observed \(observed[worst.index]), tolerance \(tolerance)",
            sourceLocation: sourceLocation)
}

/// One value, as `expectClose` does for arrays.
func expectClose(_ observed: Double, _ expected: Double, tolerance: Double, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    expectClose([observed], [expected], tolerance: tolerance, what, sourceLocation: sourceLocation)
}

/// Expects a gradient check to pass; the report prints expected, observed and the tolerance.
func expectPassed(_ report: GradientReport, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(report.checkedCount > 0 && report.passed, "\(report)", sourceLocation: sourceLocation)
}

/// The logistic function written out, independent of the library's `sigmoid`.
func logistic(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

// MARK: - Attention windows

/// The five numbers of Eq. 21 in their column order, as a reader names them.
let attentionParameterNames = ["g~X", "g~Y", "log sigma^2", "log delta~", "log gamma"]

/// Eq. 22-26 run on `parameters` ([batchSize, 5], the output of Eq. 21).
func attentionWindow(_ geometry: AttentionGeometry, parameters: Matrix<Double>) -> AttentionStepCache<Double> {
    var cache = AttentionStepCache<Double>(batchSize: parameters.rows, geometry: geometry)
    cache.parameters = parameters
    geometry.forward(cache: &cache)
    return cache
}

/// Eq. 21's output for one image that puts the centre on pixel (a, b) (1-based, Eq. 22 inverted),
/// with the given log sigma^2, log delta~ and log gamma.
func attentionParameters(centeredOn pixel: (a: Double, b: Double), geometry: AttentionGeometry, logVariance: Double,
                         logStride: Double, logIntensity: Double) -> [Double] {
    [2 * pixel.a / Double(geometry.width + 1) - 1, 2 * pixel.b / Double(geometry.height + 1) - 1,
     logVariance, logStride, logIntensity]
}

/// Random Eq. 21 outputs that keep the window on the image: g~ in about ±0.5, sigma^2 and gamma
/// near 1, strides a little under the whole-image stride. [batchSize, 5]
func randomAttentionParameters(batchSize: Int, seed: UInt64) -> Matrix<Double> {
    var parameters = randomMatrix(batchSize, AttentionParameter.count, seed: seed, scale: 0.3)
    for row in 0..<batchSize { parameters[row, AttentionParameter.stride] -= 0.7 }
    return parameters
}

/// Checks a read's or a write's two gradients (Eq. 27 or 29 through Eq. 21-26): with respect to
/// its input (the error image x_hat or the patch w_t, `maximumChecks` of its values) and to the
/// five attention parameters (`attentionParameterReports`).
/// - loss: the scalar loss as a function of (input, parameters).
func expectWindowGradients(label: String, input: Matrix<Double>, dInput: Matrix<Double>, parameters: Matrix<Double>,
                           dParameters: Matrix<Double>, maximumChecks: Int = 48,
                           loss: (Matrix<Double>, Matrix<Double>) -> Double,
                           sourceLocation: SourceLocation = #_sourceLocation) {
    var values = input.storage
    expectPassed(gradientCheck(name: label, values: &values, analytic: dInput.storage, maximumChecks: maximumChecks) {
        loss(Matrix(rows: input.rows, columns: input.columns, storage: $0), parameters)
    }, sourceLocation: sourceLocation)
    for report in attentionParameterReports(parameters: parameters, analytic: dParameters, label: label,
                                            loss: { loss(input, $0) }) {
        expectPassed(report, sourceLocation: sourceLocation)
    }
}

/// Checks dL/d(Eq. 21 output) one parameter at a time, so each report names g~X, ..., log gamma.
/// - analytic: [batchSize, 5]; loss: the scalar loss as a function of the [batchSize, 5] parameters.
func attentionParameterReports(parameters: Matrix<Double>, analytic: Matrix<Double>, label: String,
                               loss: (Matrix<Double>) -> Double) -> [GradientReport] {
    (0..<AttentionParameter.count).map { parameter in
        let rows = 0..<parameters.rows
        var values = rows.map { parameters[$0, parameter] }
        return gradientCheck(name: "\(label) \(attentionParameterNames[parameter])", values: &values,
                             analytic: rows.map { analytic[$0, parameter] }) { perturbed in
            var probe = parameters
            for row in rows { probe[row, parameter] = perturbed[row] }
            return loss(probe)
        }
    }
}
