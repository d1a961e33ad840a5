/// Reading with selective attention (Eq. 27), per channel (paper §3.3), and the
/// whole-image read without attention (Eq. 17). Writing is in Write.swift.
///
/// Images are rows of `channels * height * width` values: channel planes one after another,
/// each plane row by row. Glimpses and write patches are `channels * N * N`, likewise.

// MARK: - Without attention (Eq. 17)

/// Eq. 17: read(x, x_hat, h^dec_{t-1}) = [x, x_hat]
/// - image, errorImage: [batchSize, imageSize], glimpse: [batchSize, 2 imageSize]
func readWithoutAttention<Scalar: DRAWScalar>(image: Matrix<Scalar>, errorImage: Matrix<Scalar>,
                                              glimpse: inout Matrix<Scalar>) {
    let size = image.columns
    for row in 0..<image.rows {
        for index in 0..<size {
            glimpse[row, index] = image[row, index]               // Eq. 17: x
            glimpse[row, size + index] = errorImage[row, index]   // Eq. 17: x_hat
        }
    }
}

/// Backward of Eq. 17 for x_hat (x is data): dx_hat = the second half of dglimpse.
func readWithoutAttentionBackward<Scalar: DRAWScalar>(dGlimpse: Matrix<Scalar>, dErrorImage: inout Matrix<Scalar>) {
    let size = dErrorImage.columns
    for row in 0..<dGlimpse.rows {
        for index in 0..<size { dErrorImage[row, index] = dGlimpse[row, size + index] }
    }
}

// MARK: - With attention: read (Eq. 27)

extension AttentionGeometry {
    /// Eq. 27: read(x, x_hat, h^dec_{t-1}) = gamma [F_Y x F_Xᵀ, F_Y x_hat F_Xᵀ], per channel.
    /// - image, errorImage: [batchSize, C B A], glimpse: [batchSize, 2 C N^2]
    public func read<Scalar: DRAWScalar>(image: Matrix<Scalar>, errorImage: Matrix<Scalar>,
                                         cache: AttentionStepCache<Scalar>, channels: Int, glimpse: inout Matrix<Scalar>) {
        let n = gridSize, plane = width * height, patch = n * n
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: height * n) { temporary in
            for row in 0..<image.rows {
                let intensity = cache.window[row, AttentionParameter.intensity]
                cache.filterX.storage.withUnsafeBufferPointer { fx in
                cache.filterY.storage.withUnsafeBufferPointer { fy in
                image.storage.withUnsafeBufferPointer { x in
                errorImage.storage.withUnsafeBufferPointer { xHat in
                glimpse.storage.withUnsafeMutableBufferPointer { r in
                    let filterX = fx.baseAddress! + row * n * width, filterY = fy.baseAddress! + row * n * height
                    for channel in 0..<channels {
                        for (source, half) in [(x, 0), (xHat, 1)] {
                            let plane = source.baseAddress! + row * channels * plane + channel * plane
                            let output = r.baseAddress! + row * 2 * channels * patch + (half * channels + channel) * patch
                            filterImage(plane, filterX: filterX, filterY: filterY, scale: intensity,  // Eq. 27
                                        temporary: temporary.baseAddress!, output: output)
                        }
                    }
                }}}}}
            }
        }
    }

    /// output[N, N] = scale F_Y image F_Xᵀ, with temporary = image F_Xᵀ [B, N].
    @inline(__always)
    func filterImage<Scalar: DRAWScalar>(_ image: UnsafePointer<Scalar>, filterX: UnsafePointer<Scalar>,
                                         filterY: UnsafePointer<Scalar>, scale: Scalar,
                                         temporary: UnsafeMutablePointer<Scalar>, output: UnsafeMutablePointer<Scalar>) {
        let n = gridSize
        for b in 0..<height {
            for j in 0..<n {
                var sum: Scalar = 0
                for a in 0..<width { sum += image[b * width + a] * filterX[j * width + a] }
                temporary[b * n + j] = sum
            }
        }
        for i in 0..<n {
            for j in 0..<n {
                var sum: Scalar = 0
                for b in 0..<height { sum += filterY[i * height + b] * temporary[b * n + j] }
                output[i * n + j] = scale * sum
            }
        }
    }

    /// Backward of Eq. 27. With T = image F_Xᵀ and g = gamma F_Y T:
    ///   dT = gamma F_Yᵀ dg,   dF_Y += gamma dg Tᵀ,   dF_X += dTᵀ image,
    ///   dimage = dT F_X (for x_hat only: x is data),   dgamma += Σ dg (F_Y T).
    /// - dFilterX, dFilterY, dIntensity: overwritten. dErrorImage: overwritten.
    public func readBackward<Scalar: DRAWScalar>(dGlimpse: Matrix<Scalar>, image: Matrix<Scalar>, errorImage: Matrix<Scalar>,
                                                 cache: AttentionStepCache<Scalar>, channels: Int,
                                                 dErrorImage: inout Matrix<Scalar>, dFilterX: inout Matrix<Scalar>,
                                                 dFilterY: inout Matrix<Scalar>, dIntensity: inout Matrix<Scalar>) {
        let n = gridSize, plane = width * height, patch = n * n
        dFilterX.setZero()
        dFilterY.setZero()
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: 2 * height * n) { temporary in
            let forward = temporary.baseAddress!, dForward = temporary.baseAddress! + height * n
            for row in 0..<image.rows {
                let intensity = cache.window[row, AttentionParameter.intensity]
                var dIntensityRow: Scalar = 0
                cache.filterX.storage.withUnsafeBufferPointer { fx in
                cache.filterY.storage.withUnsafeBufferPointer { fy in
                dFilterX.storage.withUnsafeMutableBufferPointer { dfx in
                dFilterY.storage.withUnsafeMutableBufferPointer { dfy in
                image.storage.withUnsafeBufferPointer { x in
                errorImage.storage.withUnsafeBufferPointer { xHat in
                dErrorImage.storage.withUnsafeMutableBufferPointer { dxHat in
                dGlimpse.storage.withUnsafeBufferPointer { dr in
                    let filterX = fx.baseAddress! + row * n * width, filterY = fy.baseAddress! + row * n * height
                    let dFX = dfx.baseAddress! + row * n * width, dFY = dfy.baseAddress! + row * n * height
                    for channel in 0..<channels {
                        for half in 0..<2 {
                            let offset = row * channels * plane + channel * plane
                            let source = (half == 0 ? x.baseAddress! : xHat.baseAddress!) + offset
                            let dOutput = dr.baseAddress! + row * 2 * channels * patch + (half * channels + channel) * patch
                            // T[b, j] = Σ_a image[b, a] F_X[j, a]
                            for b in 0..<height {
                                for j in 0..<n {
                                    var sum: Scalar = 0
                                    for a in 0..<width { sum += source[b * width + a] * filterX[j * width + a] }
                                    forward[b * n + j] = sum
                                }
                            }
                            for i in 0..<n {
                                for j in 0..<n {
                                    var filtered: Scalar = 0
                                    for b in 0..<height { filtered += filterY[i * height + b] * forward[b * n + j] }
                                    dIntensityRow += dOutput[i * n + j] * filtered
                                }
                                for b in 0..<height {
                                    var sum: Scalar = 0
                                    for j in 0..<n { sum += dOutput[i * n + j] * forward[b * n + j] }
                                    dFY[i * height + b] += intensity * sum
                                }
                            }
                            for b in 0..<height {
                                for j in 0..<n {
                                    var sum: Scalar = 0
                                    for i in 0..<n { sum += filterY[i * height + b] * dOutput[i * n + j] }
                                    dForward[b * n + j] = intensity * sum
                                }
                            }
                            for j in 0..<n {
                                for a in 0..<width {
                                    var sum: Scalar = 0
                                    for b in 0..<height { sum += dForward[b * n + j] * source[b * width + a] }
                                    dFX[j * width + a] += sum
                                }
                            }
                            if half == 1 {
                                let dImage = dxHat.baseAddress! + offset
                                for b in 0..<height {
                                    for a in 0..<width {
                                        var sum: Scalar = 0
                                        for j in 0..<n { sum += dForward[b * n + j] * filterX[j * width + a] }
                                        dImage[b * width + a] = sum
                                    }
                                }
                            }
                        }
                    }
                }}}}}}}}
                dIntensity[row, 0] = dIntensityRow
            }
        }
    }
}
