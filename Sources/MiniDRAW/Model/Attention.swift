/// Selective attention (paper §3.2): an N x N grid of 2-D Gaussian filters placed on the image
/// by five numbers the decoder emits (Eq. 21), turned into the filterbank matrices F_X [N, A]
/// and F_Y [N, B] (Eq. 19-20, 25-26). Read (Eq. 27) and write (Eq. 29) live in Read.swift and Write.swift.
///
/// Indices follow the paper: pixel a = 1...A, grid i = 1...N. The 0-based loops below add 1.
package struct AttentionGeometry: Equatable, Sendable {
    /// N: the grid is N x N.
    package var gridSize: Int
    /// A: image width.
    package var width: Int
    /// B: image height.
    package var height: Int

    package init(gridSize: Int, width: Int, height: Int) {
        self.gridSize = gridSize
        self.width = width
        self.height = height
    }

    /// (max(A, B) - 1) / (N - 1), the stride scale of Eq. 24 (N = 1 has one filter and no stride).
    var strideScale: Double { Double(max(width, height) - 1) / Double(max(gridSize - 1, 1)) }
}

/// Index of each attention parameter in the linear output of Eq. 21 and in the window.
package enum AttentionParameter {
    /// g~X before Eq. 22, g_X after.
    package static let centerX = 0
    /// g~Y before Eq. 23, g_Y after.
    package static let centerY = 1
    /// log sigma^2 as Eq. 21 emits it, sigma^2 after exp.
    package static let variance = 2
    /// log delta~ as Eq. 21 emits it, delta after Eq. 24.
    package static let stride = 3
    /// log gamma as Eq. 21 emits it, gamma after exp.
    package static let intensity = 4
    /// Five numbers per image.
    package static let count = 5
}

/// What one attention step keeps for its backward pass.
package struct AttentionStepCache<Scalar: DRAWScalar>: Sendable {
    /// (g~X, g~Y, log sigma^2, log delta~, log gamma) = W h + b, Eq. 21: [batchSize, 5]
    package var parameters: Matrix<Scalar>
    /// (g_X, g_Y, sigma^2, delta, gamma) after Eq. 22-24: [batchSize, 5]
    package var window: Matrix<Scalar>
    /// F_X per image: [batchSize, N * A]
    package var filterX: Matrix<Scalar>
    /// F_Y per image: [batchSize, N * B]
    package var filterY: Matrix<Scalar>
    /// Z_X, Z_Y: the row sums before normalisation, [batchSize, N]
    package var rowSumX: Matrix<Scalar>
    package var rowSumY: Matrix<Scalar>

    package init(batchSize: Int, geometry: AttentionGeometry) {
        let n = geometry.gridSize
        parameters = Matrix(rows: batchSize, columns: AttentionParameter.count)
        window = Matrix(rows: batchSize, columns: AttentionParameter.count)
        filterX = Matrix(rows: batchSize, columns: n * geometry.width)
        filterY = Matrix(rows: batchSize, columns: n * geometry.height)
        rowSumX = Matrix(rows: batchSize, columns: n)
        rowSumY = Matrix(rows: batchSize, columns: n)
    }
}

/// Z is kept away from zero: F = e / max(Z, filterbankEpsilon).
let filterbankEpsilon = 1e-8

// MARK: - Forward

extension AttentionGeometry {
    /// Eq. 22-26 for every image, from `cache.parameters` (already holding Eq. 21's output).
    /// Images are independent: one pass per image (threads are the caller's, see `BatchSlices`).
    package func forward<Scalar: DRAWScalar>(cache: inout AttentionStepCache<Scalar>) {
        let n = gridSize, count = AttentionParameter.count, batchSize = cache.parameters.rows
        withPointers(cache.parameters) { inputs in
        withMutablePointers(&cache.window, &cache.filterX, &cache.filterY, &cache.rowSumX, &cache.rowSumY) {
            windowBase, filterXBase, filterYBase, rowSumXBase, rowSumYBase in
            let parameterBase = inputs[0]
            for row in 0..<batchSize {
                let parameters = parameterBase + row * count, window = windowBase + row * count
                let centerX = Scalar(width + 1) / 2 * (parameters[AttentionParameter.centerX] + 1)       // Eq. 22
                let centerY = Scalar(height + 1) / 2 * (parameters[AttentionParameter.centerY] + 1)      // Eq. 23
                let variance = Scalar.exp(parameters[AttentionParameter.variance])                      // Eq. 21 (log scale)
                let stride = Scalar(strideScale) * Scalar.exp(parameters[AttentionParameter.stride])    // Eq. 24
                let intensity = Scalar.exp(parameters[AttentionParameter.intensity])                    // Eq. 21 (log scale)
                window[AttentionParameter.centerX] = centerX
                window[AttentionParameter.centerY] = centerY
                window[AttentionParameter.variance] = variance
                window[AttentionParameter.stride] = stride
                window[AttentionParameter.intensity] = intensity
                buildFilterbank(center: centerX, stride: stride, variance: variance, length: width,     // Eq. 19, Eq. 25
                                filter: filterXBase + row * n * width, rowSums: rowSumXBase + row * n)
                buildFilterbank(center: centerY, stride: stride, variance: variance, length: height,    // Eq. 20, Eq. 26
                                filter: filterYBase + row * n * height, rowSums: rowSumYBase + row * n)
            }
        }}
    }

    /// Grid offset of filter i (0-based here, i + 1 in the paper): (i + 1) - N/2 - 1/2.
    @inline(__always)
    func gridOffset<Scalar: DRAWScalar>(_ i: Int) -> Scalar {
        Scalar(i + 1) - Scalar(gridSize) / 2 - Scalar(0.5)
    }

    /// One filterbank, F[i, a] for i = 1...N, a = 1...length. Each row first holds the exponents,
    /// then one call takes their exp (sixteen lanes at a time in Float, see VectorActivations.swift).
    /// - filter: [N, length], rowSums: [N]
    func buildFilterbank<Scalar: DRAWScalar>(center: Scalar, stride: Scalar, variance: Scalar, length: Int,
                                             filter: UnsafeMutablePointer<Scalar>, rowSums: UnsafeMutablePointer<Scalar>) {
        for i in 0..<gridSize {
            let mean = center + gridOffset(i) * stride                          // Eq. 19-20: mu^i = g + (i - N/2 - 1/2) delta
            let row = filter + i * length
            for a in 0..<length {
                let distance = Scalar(a + 1) - mean
                row[a] = -distance * distance / (2 * variance)                  // Eq. 25-26: -(a - mu^i)^2 / (2 sigma^2)
            }
            Scalar.exp(row, count: length)                                      // Eq. 25-26: exp(-(a - mu^i)^2 / (2 sigma^2))
            var rowSum: Scalar = 0
            for a in 0..<length { rowSum += row[a] }
            rowSums[i] = rowSum
            let normaliser = 1 / max(rowSum, Scalar(filterbankEpsilon))         // Eq. 25-26: 1 / Z
            for a in 0..<length { row[a] *= normaliser }
        }
    }
}

// MARK: - Backward

extension AttentionGeometry {
    /// Backward of one filterbank (Eq. 19-20, 25-26), adding into dCenter, dStride, dVariance.
    ///
    /// With e = exp(-d^2 / (2 v)), d = a - mu^i, F = e / Z and Z = Σ_a e:
    ///   de[a] = (dF[a] - Σ_a' dF[a'] F[a']) / Z      (quotient rule; dF / Z alone when Z is clamped)
    ///   de/dmu = e d / v,   de/dv = e d^2 / (2 v^2),   dmu^i/dg = 1,   dmu^i/ddelta = i - N/2 - 1/2
    func filterbankBackward<Scalar: DRAWScalar>(dFilter: UnsafePointer<Scalar>, filter: UnsafePointer<Scalar>,
                                                rowSums: UnsafePointer<Scalar>, center: Scalar, stride: Scalar,
                                                variance: Scalar, length: Int,
                                                dCenter: inout Scalar, dStride: inout Scalar, dVariance: inout Scalar) {
        for i in 0..<gridSize {
            let mean = center + gridOffset(i) * stride
            let row = filter + i * length, dRow = dFilter + i * length
            let clamped = rowSums[i] <= Scalar(filterbankEpsilon)
            var projection: Scalar = 0
            if !clamped { for a in 0..<length { projection += dRow[a] * row[a] } }
            let sum = max(rowSums[i], Scalar(filterbankEpsilon))
            var dMean: Scalar = 0
            for a in 0..<length {
                let weight = row[a] * sum                                  // e = F Z
                let dWeight = (dRow[a] - projection) / sum
                let distance = Scalar(a + 1) - mean
                dMean += dWeight * weight * distance / variance
                dVariance += dWeight * weight * distance * distance / (2 * variance * variance)
            }
            dCenter += dMean
            dStride += dMean * gridOffset(i)
        }
    }

    /// Backward of Eq. 21-26 for every image: from dF_X, dF_Y and dgamma to d(Eq. 21 output).
    /// - dFilterX: [batchSize, N A], dFilterY: [batchSize, N B], dIntensity: [batchSize, 1] (dL/dgamma)
    /// - dParameters: [batchSize, 5], overwritten.
    package func backward<Scalar: DRAWScalar>(dFilterX: Matrix<Scalar>, dFilterY: Matrix<Scalar>, dIntensity: Matrix<Scalar>,
                                              cache: AttentionStepCache<Scalar>, dParameters: inout Matrix<Scalar>) {
        let n = gridSize, count = AttentionParameter.count
        withPointers(dFilterX, dFilterY, cache.filterX, cache.filterY, cache.rowSumX, cache.rowSumY, cache.window, dIntensity) { inputs in
        dParameters.withMutablePointer { dParameterBase in
            let (dFX, dFY, fx, fy) = (inputs[0], inputs[1], inputs[2], inputs[3])
            let (sumsX, sumsY, windowBase, dGamma) = (inputs[4], inputs[5], inputs[6], inputs[7])
            for row in 0..<cache.window.rows {
                let window = windowBase + row * count
                let dParameters = dParameterBase + row * count
                let variance = window[AttentionParameter.variance], stride = window[AttentionParameter.stride]
                let intensity = window[AttentionParameter.intensity]
                var dCenterX: Scalar = 0, dCenterY: Scalar = 0, dStride: Scalar = 0, dVariance: Scalar = 0
                filterbankBackward(dFilter: dFX + row * n * width, filter: fx + row * n * width,
                                   rowSums: sumsX + row * n, center: window[AttentionParameter.centerX],
                                   stride: stride, variance: variance, length: width,
                                   dCenter: &dCenterX, dStride: &dStride, dVariance: &dVariance)
                filterbankBackward(dFilter: dFY + row * n * height, filter: fy + row * n * height,
                                   rowSums: sumsY + row * n, center: window[AttentionParameter.centerY],
                                   stride: stride, variance: variance, length: height,
                                   dCenter: &dCenterY, dStride: &dStride, dVariance: &dVariance)
                // Eq. 22-23: g = (A + 1)/2 (g~ + 1)  ->  dg~ = dg (A + 1)/2
                dParameters[AttentionParameter.centerX] = dCenterX * Scalar(width + 1) / 2
                dParameters[AttentionParameter.centerY] = dCenterY * Scalar(height + 1) / 2
                // Eq. 21's log scale: y = exp(log y)  ->  d log y = dy y  (Eq. 24 scales delta~ by a constant, so the same holds for delta)
                dParameters[AttentionParameter.variance] = dVariance * variance
                dParameters[AttentionParameter.stride] = dStride * stride
                dParameters[AttentionParameter.intensity] = dGamma[row] * intensity
            }
        }}
    }
}
