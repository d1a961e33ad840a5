/// Eq. 27 for the classifier of paper §4.1: the read of one image without the error image x_hat
/// (there is no canvas), glimpse = gamma F_Y x F_Xᵀ. It uses the same per-image kernels as
/// `AttentionGeometry.read` (`filterImage`, `projectRows`), one grey channel.

extension AttentionGeometry {
    // MARK: - Forward

    /// Eq. 27 without x_hat: glimpse[i, j] = gamma Σ_b Σ_a F_Y[i, b] x[b, a] F_X[j, a].
    /// - image: [batchSize, B A], glimpse: [batchSize, N^2]
    package func readImage<Scalar: DRAWScalar>(image: Matrix<Scalar>, cache: AttentionStepCache<Scalar>,
                                               glimpse: inout Matrix<Scalar>) {
        let n = gridSize, plane = width * height
        precondition(image.columns == plane && glimpse.columns == n * n && glimpse.rows == image.rows,
                     "readImage: image \(image.shapeDescription), glimpse \(glimpse.shapeDescription), grid \(n) on \(width)x\(height)")
        image.storage.withUnsafeBufferPointer { xBuffer in
        cache.filterX.storage.withUnsafeBufferPointer { fxBuffer in
        cache.filterY.storage.withUnsafeBufferPointer { fyBuffer in
        glimpse.storage.withUnsafeMutableBufferPointer { r in
            let x = xBuffer.baseAddress!, fx = fxBuffer.baseAddress!, fy = fyBuffer.baseAddress!, glimpseBase = r.baseAddress!
            forEachRowRange(image.rows) { rows in
                withUnsafeTemporaryAllocation(of: Scalar.self, capacity: n * height) { projection in
                    for row in rows {
                        filterImage(x + row * plane, filterX: fx + row * n * width, filterY: fy + row * n * height,  // Eq. 27
                                    scale: cache.window[row, AttentionParameter.intensity],
                                    projection: projection.baseAddress!, output: glimpseBase + row * n * n)
                    }
                }
            }
        }}}}
    }

    // MARK: - Backward

    /// Backward of `readImage` (x is data). With P = F_X xᵀ [N, B] and glimpse = gamma F_Y Pᵀ:
    ///   dgamma = Σ dglimpse ⊙ (F_Y Pᵀ),   dF_Y = gamma dglimpse P,   dP = gamma dglimpseᵀ F_Y,   dF_X = dP x.
    /// - dGlimpse: [batchSize, N^2]; dFilterX [batchSize, N A], dFilterY [batchSize, N B],
    ///   dIntensity [batchSize, 1]: overwritten.
    package func readImageBackward<Scalar: DRAWScalar>(dGlimpse: Matrix<Scalar>, image: Matrix<Scalar>,
                                                       cache: AttentionStepCache<Scalar>, dFilterX: inout Matrix<Scalar>,
                                                       dFilterY: inout Matrix<Scalar>, dIntensity: inout Matrix<Scalar>) {
        let n = gridSize, plane = width * height
        dFilterX.setZero()
        dFilterY.setZero()
        image.storage.withUnsafeBufferPointer { xBuffer in
        cache.filterX.storage.withUnsafeBufferPointer { fxBuffer in
        cache.filterY.storage.withUnsafeBufferPointer { fyBuffer in
        dGlimpse.storage.withUnsafeBufferPointer { drBuffer in
        dFilterX.storage.withUnsafeMutableBufferPointer { dfx in
        dFilterY.storage.withUnsafeMutableBufferPointer { dfy in
        dIntensity.storage.withUnsafeMutableBufferPointer { dGamma in
            let x = xBuffer.baseAddress!, fx = fxBuffer.baseAddress!, fy = fyBuffer.baseAddress!, dr = drBuffer.baseAddress!
            let dFilterXBase = dfx.baseAddress!, dFilterYBase = dfy.baseAddress!, dIntensityBase = dGamma.baseAddress!
            forEachRowRange(image.rows) { rows in
                withUnsafeTemporaryAllocation(of: Scalar.self, capacity: 2 * n * height + n) { temporary in
                    let projection = temporary.baseAddress!, dProjection = projection + n * height, dots = dProjection + n * height
                    for row in rows {
                        let intensity = cache.window[row, AttentionParameter.intensity]
                        let source = x + row * plane, dOutput = dr + row * n * n
                        let filterX = fx + row * n * width, filterY = fy + row * n * height
                        let dFX = dFilterXBase + row * n * width, dFY = dFilterYBase + row * n * height
                        dIntensityBase[row] = filterImageBackward(source, dOutput: dOutput, filterX: filterX,   // Eq. 27
                                                                  filterY: filterY, scale: intensity,
                                                                  projection: projection, dProjection: dProjection,
                                                                  dFilterX: dFX, dFilterY: dFY, dots: dots)
                    }
                }
            }
        }}}}}}}
    }
}
