import Foundation
import Testing
@testable import MiniDRAW

/// The attention window (Eq. 21-24) and the Gaussian filterbanks F_X, F_Y (Eq. 19-20, 25-26),
/// on a non-square image (A = 7 wide, B = 5 high) so that width/height mix-ups show.
@Suite("Eq. 19-26: attention filterbanks")
struct AttentionTests {
    static let width = 7, height = 5

    /// Rows of a [batchSize, N * length] filterbank matrix: one row of F per (image, i).
    static func filterRows(_ filter: Matrix<Double>, length: Int) -> [[Double]] {
        stride(from: 0, to: filter.count, by: length).map { Array(filter.storage[$0..<$0 + length]) }
    }

    @Test("Eq. 25-26: every filterbank row sums to 1 and is non-negative", arguments: [1, 2, 3, 4])
    func rowsSumToOne(gridSize: Int) {
        let geometry = AttentionGeometry(gridSize: gridSize, width: Self.width, height: Self.height)
        let cache = attentionWindow(geometry, parameters: randomAttentionParameters(batchSize: 3, seed: 1))
        for (name, filter, length) in [("F_X", cache.filterX, Self.width), ("F_Y", cache.filterY, Self.height)] {
            let rows = Self.filterRows(filter, length: length)
            expectClose(rows.map { $0.reduce(0, +) }, [Double](repeating: 1, count: rows.count), tolerance: 1e-14,
                        "N = \(gridSize): row sums of \(name)")
            #expect(filter.storage.allSatisfy { $0 >= 0 }, "N = \(gridSize): \(name) has a negative weight")
        }
    }

    @Test("Eq. 22-24: g = (A + 1)/2 (g~ + 1), delta = (max(A, B) - 1)/(N - 1) delta~; sigma^2, delta~, gamma = exp(...) of Eq. 21")
    func windowFormulas() {
        let geometry = AttentionGeometry(gridSize: 3, width: Self.width, height: Self.height)
        let centers = [-1, -0.5, 0, 0.5, 1.0]
        var parameters = Matrix<Double>(rows: centers.count, columns: AttentionParameter.count)
        for (row, center) in centers.enumerated() {
            parameters[row, AttentionParameter.centerX] = center
            parameters[row, AttentionParameter.centerY] = center
            parameters[row, AttentionParameter.variance] = Double(row) - 2
            parameters[row, AttentionParameter.stride] = 0.5 * Double(row) - 1
            parameters[row, AttentionParameter.intensity] = 1 - Double(row)
        }
        let window = attentionWindow(geometry, parameters: parameters).window
        func column(_ index: Int) -> [Double] { (0..<centers.count).map { window[$0, index] } }
        expectClose(column(AttentionParameter.centerX), [0, 2, 4, 6, 8], tolerance: 1e-15, "Eq. 22 g_X, A = 7")
        expectClose(column(AttentionParameter.centerY), [0, 1.5, 3, 4.5, 6], tolerance: 1e-15, "Eq. 23 g_Y, B = 5")
        expectClose(column(AttentionParameter.variance), (0..<5).map { Foundation.exp(Double($0) - 2) },
                    tolerance: 1e-15, "Eq. 21 sigma^2 = exp(log sigma^2)")
        // (7 - 1) / (3 - 1) = 3 times delta~
        expectClose(column(AttentionParameter.stride), (0..<5).map { 3 * Foundation.exp(0.5 * Double($0) - 1) },
                    tolerance: 1e-15, "Eq. 24 delta")
        expectClose(column(AttentionParameter.intensity), (0..<5).map { Foundation.exp(1 - Double($0)) },
                    tolerance: 1e-15, "Eq. 21 gamma = exp(log gamma)")
    }

    @Test("Eq. 19-20, 22-23: g~ = 0 centres on the middle pixel (a = 4 of 1...7); an N = 3 grid with delta = 1 has means 3, 4, 5")
    func oneBasedGrid() {
        let geometry = AttentionGeometry(gridSize: 3, width: Self.width, height: Self.height)
        // delta = 3 delta~ = 1; sigma^2 = 0.01 leaves e^-50 on the neighbours of each mean.
        let parameters = Matrix<Double>(rows: 1, columns: 5, storage: [0, 0, Foundation.log(0.01), -Foundation.log(3), 0])
        let cache = attentionWindow(geometry, parameters: parameters)
        expectClose(cache.window[0, AttentionParameter.centerX], 4, tolerance: 1e-15, "g_X")
        expectClose(cache.window[0, AttentionParameter.centerY], 3, tolerance: 1e-15, "g_Y")
        expectClose(cache.window[0, AttentionParameter.stride], 1, tolerance: 1e-15, "delta")
        // Row i of F is the unit vector at pixel mu^i (1-based): F_X at a = 3, 4, 5; F_Y at b = 2, 3, 4.
        func unitRows(at pixels: [Int], length: Int) -> [Double] {
            pixels.flatMap { pixel in (1...length).map { $0 == pixel ? 1.0 : 0.0 } }
        }
        expectClose(cache.filterX.storage, unitRows(at: [3, 4, 5], length: Self.width), tolerance: 1e-15,
                    "Eq. 19, 25: F_X, means 3, 4, 5")
        expectClose(cache.filterY.storage, unitRows(at: [2, 3, 4], length: Self.height), tolerance: 1e-15,
                    "Eq. 20, Eq. 26: F_Y, means 2, 3, 4")
    }

    @Test("Eq. 19-20, 25-26: F equals exp(-(a - mu^i)^2 / (2 sigma^2)) / Z written out, with mu^i = g + (i - N/2 - 1/2) delta")
    func filterbankFormula() {
        let gridSize = 3
        let geometry = AttentionGeometry(gridSize: gridSize, width: Self.width, height: Self.height)
        let cache = attentionWindow(geometry, parameters: randomAttentionParameters(batchSize: 2, seed: 2))
        for row in 0..<2 {
            let window = (0..<5).map { cache.window[row, $0] }
            func expected(center: Double, length: Int) -> [Double] {
                (1...gridSize).flatMap { i -> [Double] in
                    let mean = center + (Double(i) - Double(gridSize) / 2 - 0.5) * window[AttentionParameter.stride]
                    let weights = (1...length).map { a in
                        Foundation.exp(-(Double(a) - mean) * (Double(a) - mean) / (2 * window[AttentionParameter.variance]))
                    }
                    let normaliser = weights.reduce(0, +)
                    return weights.map { $0 / normaliser }
                }
            }
            expectClose(Array(cache.filterX.storage[row * gridSize * Self.width..<(row + 1) * gridSize * Self.width]),
                        expected(center: window[AttentionParameter.centerX], length: Self.width), tolerance: 1e-14,
                        "Eq. 25 F_X of image \(row)")
            expectClose(Array(cache.filterY.storage[row * gridSize * Self.height..<(row + 1) * gridSize * Self.height]),
                        expected(center: window[AttentionParameter.centerY], length: Self.height), tolerance: 1e-14,
                        "Eq. 26 F_Y of image \(row)")
        }
    }

    @Test("Eq. 19-26: an N = 1 grid centred on pixel (a, b) = (2, 4) with tiny sigma^2 puts all weight there")
    func singleFilterOnPixel() {
        let geometry = AttentionGeometry(gridSize: 1, width: Self.width, height: Self.height)
        let parameters = attentionParameters(centeredOn: (a: 2, b: 4), geometry: geometry, logVariance: -6, logStride: 0.3,
                                             logIntensity: 0)
        let cache = attentionWindow(geometry, parameters: Matrix(rows: 1, columns: 5, storage: parameters))
        expectClose(cache.filterX.storage, [0, 1, 0, 0, 0, 0, 0], tolerance: 1e-15, "F_X, N = 1 at a = 2")
        expectClose(cache.filterY.storage, [0, 0, 0, 1, 0], tolerance: 1e-15, "F_Y, N = 1 at b = 4")
    }

    @Test("Eq. 21-26: AttentionGeometry.backward for all five parameters, L = Σ R_X ⊙ F_X + Σ R_Y ⊙ F_Y + r gamma",
          arguments: [1, 2, 3])
    func gradient(gridSize: Int) {
        let batchSize = 2
        let geometry = AttentionGeometry(gridSize: gridSize, width: Self.width, height: Self.height)
        let parameters = randomAttentionParameters(batchSize: batchSize, seed: 3)
        let weightsX = randomMatrix(batchSize, gridSize * Self.width, seed: 4)
        let weightsY = randomMatrix(batchSize, gridSize * Self.height, seed: 5)
        let weightsIntensity = randomMatrix(batchSize, 1, seed: 6)
        func loss(_ parameters: Matrix<Double>) -> Double {
            let cache = attentionWindow(geometry, parameters: parameters)
            let intensity = Matrix(rows: batchSize, columns: 1,
                                   storage: (0..<batchSize).map { cache.window[$0, AttentionParameter.intensity] })
            return weightedSum(cache.filterX, weightsX) + weightedSum(cache.filterY, weightsY)
                + weightedSum(intensity, weightsIntensity)
        }
        let cache = attentionWindow(geometry, parameters: parameters)
        var dParameters = Matrix<Double>(rows: batchSize, columns: AttentionParameter.count)
        geometry.backward(dFilterX: weightsX, dFilterY: weightsY, dIntensity: weightsIntensity, cache: cache,
                          dParameters: &dParameters)
        for report in attentionParameterReports(parameters: parameters, analytic: dParameters,
                                                label: "N = \(gridSize)", loss: loss) {
            expectPassed(report)
        }
        // Every parameter carries gradient, except the stride of a single filter (its offset i - N/2 - 1/2 is 0).
        for parameter in 0..<AttentionParameter.count where gridSize > 1 || parameter != AttentionParameter.stride {
            let size = (0..<batchSize).map { abs(dParameters[$0, parameter]) }.max() ?? 0
            #expect(size > 1e-3, "N = \(gridSize): d\(attentionParameterNames[parameter]) is \(size), expected a real gradient")
        }
    }

    @Test("Eq. 19-26 backward, the worked example of Tutorial ch. 6: one filter row, L = F_X[1, 2], A = 5, N = 2")
    func workedExample() {
        let geometry = AttentionGeometry(gridSize: 2, width: 5, height: 5)
        let parameters = Matrix<Double>(rows: 1, columns: 5, storage: [0, 0, 0, 0, 0])  // g~X, g~Y, log sigma^2, log delta~, log gamma
        let cache = attentionWindow(geometry, parameters: parameters)
        // Forward: g_X = (5 + 1)/2 = 3, delta = (5 - 1)/(2 - 1) = 4, mu^1 = 3 - 0.5 * 4 = 1, sigma^2 = 1.
        expectClose(Array(cache.window.storage[0..<4]), [3, 3, 1, 4], tolerance: 1e-15, "g_X, g_Y, sigma^2, delta")
        // Row i = 1: e = exp(-(a - 1)^2 / 2) = 1, 0.606531, 0.135335, 0.011109, 0.000335; Z = 1.753310
        expectClose(Array(cache.filterX.storage[0..<5]), [0.570350, 0.345935, 0.077188, 0.006336, 0.000191],
                    tolerance: 5e-7, "F_X[1, a] = e / Z")
        // L = F_X[1, 2]: dF/dmu = F (d - E_F[d]) / sigma^2 = 0.345935 (1 - 0.520085) = 0.166019,
        //                dF/dsigma^2 = F (d^2 - E_F[d^2]) / (2 sigma^4) = 0.345935 (1 - 0.714774) / 2 = 0.049335
        var dFilterX = Matrix<Double>(rows: 1, columns: 2 * 5)
        dFilterX[0, 1] = 1
        var dParameters = Matrix<Double>(rows: 1, columns: 5)
        geometry.backward(dFilterX: dFilterX, dFilterY: Matrix(rows: 1, columns: 2 * 5), dIntensity: Matrix(rows: 1, columns: 1),
                          cache: cache, dParameters: &dParameters)
        // dg~X = dmu (A + 1)/2 = 0.498058; dlog delta~ = dmu (1 - N/2 - 1/2) delta = -0.332039;
        // dlog sigma^2 = dsigma^2 sigma^2 = 0.049335; g~Y and gamma do not touch F_X[1, 2].
        expectClose(dParameters.storage, [0.498058, 0, 0.049335, -0.332039, 0], tolerance: 5e-7, "d(g~X, g~Y, log sigma^2, log delta~, log gamma)")
        let reports = attentionParameterReports(parameters: parameters, analytic: dParameters, label: "worked example") {
            attentionWindow(geometry, parameters: $0).filterX[0, 1]
        }
        for report in reports { expectPassed(report) }
    }
}
