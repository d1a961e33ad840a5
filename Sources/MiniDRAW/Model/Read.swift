/// What the encoder sees at each step: the error image (Eq. 3), then the read (Eq. 4) of x and
/// x_hat, whole without attention (Eq. 17) or through the N x N grid of selective attention
/// (Eq. 27), per channel (paper §3.3). Writing is in Write.swift.
///
/// Images are rows of `channels * height * width` values: channel planes one after another,
/// each plane row by row. Glimpses and write patches are `channels * N * N`, likewise.

// MARK: - Error image (Eq. 3)

/// Eq. 3: x_hat_t = x - sigmoid(c_{t-1})
/// - image, canvas, errorImage: [batchSize, imageSize]
package func errorImage<Scalar: DRAWScalar>(image: Matrix<Scalar>, canvas: Matrix<Scalar>, into errorImage: inout Matrix<Scalar>) {
    image.checkSameShape(as: canvas, "errorImage")
    errorImage.assign(canvas)
    errorImage.storage.withUnsafeMutableBufferPointer { xHat in
        image.storage.withUnsafeBufferPointer { x in
            Scalar.sigmoid(xHat.baseAddress!, count: xHat.count)                         // sigmoid(c_{t-1})
            for index in 0..<xHat.count { xHat[index] = x[index] - xHat[index] }        // Eq. 3
        }
    }
}

/// Backward of Eq. 3 into the canvas: with s = sigmoid(c), dx_hat/dc = -s (1 - s).
/// - sigmoidCanvas: scratch [batchSize, imageSize]; dCanvas: added to.
package func errorImageBackward<Scalar: DRAWScalar>(dErrorImage: Matrix<Scalar>, canvas: Matrix<Scalar>,
                                                    sigmoidCanvas: inout Matrix<Scalar>, dCanvas: inout Matrix<Scalar>) {
    sigmoidCanvas.assign(canvas)
    let count = sigmoidCanvas.count
    dErrorImage.withPointer { dxHat in
        withMutablePointers(&sigmoidCanvas, &dCanvas) { s, dc in
            Scalar.sigmoid(s, count: count)
            for index in 0..<count { dc[index] -= dxHat[index] * s[index] * (1 - s[index]) }
        }
    }
}

// MARK: - Without attention (Eq. 17)

/// Eq. 17: read(x, x_hat, h^dec_{t-1}) = [x, x_hat]
/// - image, errorImage: [batchSize, imageSize], glimpse: [batchSize, 2 imageSize]
func readWithoutAttention<Scalar: DRAWScalar>(image: Matrix<Scalar>, errorImage: Matrix<Scalar>,
                                              glimpse: inout Matrix<Scalar>) {
    let size = image.columns
    glimpse.setColumns(0, from: image, columns: 0..<size)               // Eq. 17: x
    glimpse.setColumns(size, from: errorImage, columns: 0..<size)       // Eq. 17: x_hat
}

/// Backward of Eq. 17 for x_hat (x is data): dx_hat = the second half of dglimpse.
func readWithoutAttentionBackward<Scalar: DRAWScalar>(dGlimpse: Matrix<Scalar>, dErrorImage: inout Matrix<Scalar>) {
    let size = dErrorImage.columns
    dErrorImage.setColumns(0, from: dGlimpse, columns: size..<2 * size)
}

// MARK: - With attention: read (Eq. 27)

extension AttentionGeometry {
    /// Eq. 27: read(x, x_hat, h^dec_{t-1}) = gamma [F_Y x F_Xᵀ, F_Y x_hat F_Xᵀ], per channel.
    /// - image, errorImage: [batchSize, C B A], glimpse: [batchSize, 2 C N^2]
    package func read<Scalar: DRAWScalar>(image: Matrix<Scalar>, errorImage: Matrix<Scalar>,
                                          cache: AttentionStepCache<Scalar>, channels: Int, glimpse: inout Matrix<Scalar>) {
        withPointers(image, errorImage, cache.filterX, cache.filterY) { inputs in
        glimpse.withMutablePointer { glimpse in
            readRows(image.rows, x: inputs[0], xHat: inputs[1], fx: inputs[2], fy: inputs[3], cache: cache,
                     channels: channels, glimpse: glimpse)
        }}
    }

    /// `read` on the buffers it opened: Eq. 27 image by image, with one [N, B] projection of scratch.
    /// - x, xHat: [rows, C B A], fx: [rows, N A], fy: [rows, N B], glimpse: [rows, 2 C N^2]
    @inline(__always)
    private func readRows<Scalar: DRAWScalar>(_ rows: Int, x: UnsafePointer<Scalar>, xHat: UnsafePointer<Scalar>,
                                              fx: UnsafePointer<Scalar>, fy: UnsafePointer<Scalar>,
                                              cache: AttentionStepCache<Scalar>, channels: Int,
                                              glimpse glimpseBase: UnsafeMutablePointer<Scalar>) {
        let n = gridSize, plane = width * height, patch = n * n
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: n * height) { temporary in
            for row in 0..<rows {
                let intensity = cache.window[row, AttentionParameter.intensity]
                let filterX = fx + row * n * width, filterY = fy + row * n * height
                for channel in 0..<channels {
                    for (source, half) in [(x, 0), (xHat, 1)] {
                        let imagePlane = source + row * channels * plane + channel * plane
                        let output = glimpseBase + row * 2 * channels * patch + (half * channels + channel) * patch
                        filterImage(imagePlane, filterX: filterX, filterY: filterY, scale: intensity,  // Eq. 27
                                    projection: temporary.baseAddress!, output: output)
                    }
                }
            }
        }
    }

    /// P = F_X imageᵀ: P[j, b] = Σ_a image[b, a] F_X[j, a], [N, B].
    @inline(__always)
    func projectRows<Scalar: DRAWScalar>(_ image: UnsafePointer<Scalar>, filterX: UnsafePointer<Scalar>,
                                         projection: UnsafeMutablePointer<Scalar>) {
        for j in 0..<gridSize {
            dotRows(image, rowStride: width, rows: height, filterX + j * width, count: width, into: projection + j * height)
        }
    }

    /// output[N, N] = scale F_Y image F_Xᵀ: output[i, j] = scale Σ_b F_Y[i, b] P[j, b].
    @inline(__always)
    func filterImage<Scalar: DRAWScalar>(_ image: UnsafePointer<Scalar>, filterX: UnsafePointer<Scalar>,
                                         filterY: UnsafePointer<Scalar>, scale: Scalar,
                                         projection: UnsafeMutablePointer<Scalar>, output: UnsafeMutablePointer<Scalar>) {
        projectRows(image, filterX: filterX, projection: projection)
        for i in 0..<gridSize {
            let outputRow = output + i * gridSize
            dotRows(projection, rowStride: height, rows: gridSize, filterY + i * height, count: height, into: outputRow)
            for j in 0..<gridSize { outputRow[j] = scale * outputRow[j] }
        }
    }

    /// Backward of `filterImage` for one image plane, with P = F_X imageᵀ and output = scale F_Y Pᵀ:
    /// adds scale doutput P into dF_Y and dP image into dF_X, leaves dP = scale doutputᵀ F_Y in
    /// `dProjection` [N, B] (for an image gradient), and returns Σ doutput ⊙ (F_Y Pᵀ), the plane's dscale.
    /// - dots: N values of scratch.
    @inline(__always)
    func filterImageBackward<Scalar: DRAWScalar>(_ image: UnsafePointer<Scalar>, dOutput: UnsafePointer<Scalar>,
                                                 filterX: UnsafePointer<Scalar>, filterY: UnsafePointer<Scalar>, scale: Scalar,
                                                 projection: UnsafeMutablePointer<Scalar>, dProjection: UnsafeMutablePointer<Scalar>,
                                                 dFilterX: UnsafeMutablePointer<Scalar>, dFilterY: UnsafeMutablePointer<Scalar>,
                                                 dots: UnsafeMutablePointer<Scalar>) -> Scalar {
        let n = gridSize
        projectRows(image, filterX: filterX, projection: projection)
        var dScale: Scalar = 0
        for i in 0..<n {
            dotRows(projection, rowStride: height, rows: n, filterY + i * height, count: height, into: dots)  // (F_Y Pᵀ)[i, :]
            for j in 0..<n { dScale += dOutput[i * n + j] * dots[j] }
            addCombination(into: dFilterY + i * height, count: height, terms: n,                                 // dF_Y += gamma dg P
                           coefficient: { scale * dOutput[i * n + $0] },
                           row: { UnsafePointer(projection + $0 * height) })
        }
        dProjection.update(repeating: 0, count: n * height)
        for j in 0..<n {
            addCombination(into: dProjection + j * height, count: height, terms: n,                              // dP = gamma dgᵀ F_Y
                           coefficient: { scale * dOutput[$0 * n + j] }, row: { filterY + $0 * height })
            addCombination(into: dFilterX + j * width, count: width, terms: height,                              // dF_X += dP image
                           coefficient: { dProjection[j * height + $0] }, row: { image + $0 * width })
        }
        return dScale
    }

    /// Backward of Eq. 27. With P = F_X imageᵀ [N, B] and g = gamma F_Y Pᵀ:
    ///   dgamma += Σ dg ⊙ (F_Y Pᵀ),   dF_Y += gamma dg P,   dP = gamma dgᵀ F_Y,
    ///   dF_X += dP image,   dimage = dPᵀ F_X (for x_hat only: x is data).
    /// - dFilterX, dFilterY, dIntensity, dErrorImage: overwritten.
    package func readBackward<Scalar: DRAWScalar>(dGlimpse: Matrix<Scalar>, image: Matrix<Scalar>, errorImage: Matrix<Scalar>,
                                                  cache: AttentionStepCache<Scalar>, channels: Int,
                                                  dErrorImage: inout Matrix<Scalar>, dFilterX: inout Matrix<Scalar>,
                                                  dFilterY: inout Matrix<Scalar>, dIntensity: inout Matrix<Scalar>) {
        dFilterX.setZero()
        dFilterY.setZero()
        dErrorImage.setZero()
        withPointers(image, errorImage, cache.filterX, cache.filterY, dGlimpse) { inputs in
        withMutablePointers(&dFilterX, &dFilterY, &dErrorImage, &dIntensity) { dFilterX, dFilterY, dErrorImage, dIntensity in
            readBackwardRows(image.rows, x: inputs[0], xHat: inputs[1], fx: inputs[2], fy: inputs[3], dr: inputs[4],
                             cache: cache, channels: channels, dFilterX: dFilterX, dFilterY: dFilterY,
                             dErrorImage: dErrorImage, dIntensity: dIntensity)
        }}
    }

    /// `readBackward` on the buffers it opened, image by image, with [N, B] projection and dP and N
    /// dots of scratch.
    /// - x, xHat: [rows, C B A], fx, dFilterX: [rows, N A], fy, dFilterY: [rows, N B],
    ///   dr: [rows, 2 C N^2], dErrorImage: [rows, C B A], dIntensity: [rows]
    @inline(__always)
    private func readBackwardRows<Scalar: DRAWScalar>(_ rows: Int, x: UnsafePointer<Scalar>, xHat: UnsafePointer<Scalar>,
                                                      fx: UnsafePointer<Scalar>, fy: UnsafePointer<Scalar>,
                                                      dr: UnsafePointer<Scalar>, cache: AttentionStepCache<Scalar>,
                                                      channels: Int, dFilterX dFilterXBase: UnsafeMutablePointer<Scalar>,
                                                      dFilterY dFilterYBase: UnsafeMutablePointer<Scalar>,
                                                      dErrorImage dErrorBase: UnsafeMutablePointer<Scalar>,
                                                      dIntensity dIntensityBase: UnsafeMutablePointer<Scalar>) {
        let n = gridSize, plane = width * height, patch = n * n
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: 2 * n * height + n) { temporary in
            let projection = temporary.baseAddress!, dProjection = projection + n * height, dots = dProjection + n * height
            for row in 0..<rows {
                let intensity = cache.window[row, AttentionParameter.intensity]
                let filterX = fx + row * n * width, filterY = fy + row * n * height
                let dFX = dFilterXBase + row * n * width, dFY = dFilterYBase + row * n * height
                var dIntensityRow: Scalar = 0
                for channel in 0..<channels {
                    for half in 0..<2 {
                        let offset = row * channels * plane + channel * plane
                        let source = (half == 0 ? x : xHat) + offset
                        let dOutput = dr + row * 2 * channels * patch + (half * channels + channel) * patch
                        dIntensityRow += filterImageBackward(source, dOutput: dOutput, filterX: filterX,      // Eq. 27
                                                             filterY: filterY, scale: intensity,
                                                             projection: projection, dProjection: dProjection,
                                                             dFilterX: dFX, dFilterY: dFY, dots: dots)
                        if half == 1 {
                            let dImage = dErrorBase + offset
                            for b in 0..<height {                                                // dimage = dPᵀ F_X
                                addCombination(into: dImage + b * width, count: width, terms: n,
                                               coefficient: { dProjection[$0 * height + b] },
                                               row: { filterX + $0 * width })
                            }
                        }
                    }
                }
                dIntensityBase[row] = dIntensityRow
            }
        }
    }
}
