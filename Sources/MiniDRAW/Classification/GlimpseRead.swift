/// Eq. 27 for the classifier of paper §4.1: the read of one image without the error image x_hat
/// (there is no canvas), glimpse = gamma F_Y x F_Xᵀ. It uses the same per-image kernels as
/// `AttentionGeometry.read` (`filterImage`, `projectRows`), one grey channel.

extension AttentionGeometry {
    // MARK: - Forward

    /// Eq. 27 without x_hat: glimpse[i, j] = gamma Σ_b Σ_a F_Y[i, b] x[b, a] F_X[j, a].
    /// - image: [batchSize, B A], glimpse: [batchSize, N^2]
    package func readImage<Scalar: DRAWScalar>(image: Matrix<Scalar>, cache: AttentionStepCache<Scalar>,
                                               glimpse: inout Matrix<Scalar>) {
        precondition(image.columns == width * height && glimpse.columns == gridSize * gridSize && glimpse.rows == image.rows,
                     "readImage: image \(image.shapeDescription), glimpse \(glimpse.shapeDescription), grid \(gridSize) on \(width)x\(height)")
        withPointers(image, cache.filterX, cache.filterY) { inputs in
        glimpse.withMutablePointer { glimpse in
            forEachRowRange(image.rows) { rows in
                readImageRows(rows, x: inputs[0], fx: inputs[1], fy: inputs[2], cache: cache, glimpse: glimpse)
            }
        }}
    }

    /// `readImage` for the images `rows` on the buffers it opened, with one [N, B] projection of scratch.
    /// - x: [batchSize, B A], fx: [batchSize, N A], fy: [batchSize, N B], glimpse: [batchSize, N^2]
    @inline(__always)
    private func readImageRows<Scalar: DRAWScalar>(_ rows: Range<Int>, x: UnsafePointer<Scalar>, fx: UnsafePointer<Scalar>,
                                                   fy: UnsafePointer<Scalar>, cache: AttentionStepCache<Scalar>,
                                                   glimpse: UnsafeMutablePointer<Scalar>) {
        let n = gridSize, plane = width * height
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: n * height) { projection in
            for row in rows {
                filterImage(x + row * plane, filterX: fx + row * n * width, filterY: fy + row * n * height,  // Eq. 27
                            scale: cache.window[row, AttentionParameter.intensity],
                            projection: projection.baseAddress!, output: glimpse + row * n * n)
            }
        }
    }

    // MARK: - Backward

    /// Backward of `readImage` (x is data). With P = F_X xᵀ [N, B] and glimpse = gamma F_Y Pᵀ:
    ///   dgamma = Σ dglimpse ⊙ (F_Y Pᵀ),   dF_Y = gamma dglimpse P,   dP = gamma dglimpseᵀ F_Y,   dF_X = dP x.
    /// - dGlimpse: [batchSize, N^2]; dFilterX [batchSize, N A], dFilterY [batchSize, N B],
    ///   dIntensity [batchSize, 1]: overwritten.
    package func readImageBackward<Scalar: DRAWScalar>(dGlimpse: Matrix<Scalar>, image: Matrix<Scalar>,
                                                       cache: AttentionStepCache<Scalar>, dFilterX: inout Matrix<Scalar>,
                                                       dFilterY: inout Matrix<Scalar>, dIntensity: inout Matrix<Scalar>) {
        dFilterX.setZero()
        dFilterY.setZero()
        withPointers(image, cache.filterX, cache.filterY, dGlimpse) { inputs in
        withMutablePointers(&dFilterX, &dFilterY, &dIntensity) { dFilterX, dFilterY, dIntensity in
            forEachRowRange(image.rows) { rows in
                readImageBackwardRows(rows, x: inputs[0], fx: inputs[1], fy: inputs[2], dr: inputs[3], cache: cache,
                                      dFilterX: dFilterX, dFilterY: dFilterY, dIntensity: dIntensity)
            }
        }}
    }

    /// `readImageBackward` for the images `rows` on the buffers it opened, with [N, B] projection and
    /// dP and N dots of scratch.
    /// - x: [batchSize, B A], fx, dFilterX: [batchSize, N A], fy, dFilterY: [batchSize, N B],
    ///   dr: [batchSize, N^2], dIntensity: [batchSize]
    @inline(__always)
    private func readImageBackwardRows<Scalar: DRAWScalar>(_ rows: Range<Int>, x: UnsafePointer<Scalar>,
                                                           fx: UnsafePointer<Scalar>, fy: UnsafePointer<Scalar>,
                                                           dr: UnsafePointer<Scalar>, cache: AttentionStepCache<Scalar>,
                                                           dFilterX dFilterXBase: UnsafeMutablePointer<Scalar>,
                                                           dFilterY dFilterYBase: UnsafeMutablePointer<Scalar>,
                                                           dIntensity dIntensityBase: UnsafeMutablePointer<Scalar>) {
        let n = gridSize, plane = width * height
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
}
