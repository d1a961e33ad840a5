/// Writing to the canvas: with selective attention (Eq. 28-29), per channel, and over the whole
/// image without attention (Eq. 18). The write layer itself (w_t = W(h^dec_t), Eq. 18 / 28) is a
/// `Linear`; this file holds the attention write that places its N x N patch.

// MARK: - With attention: write (Eq. 29)

extension AttentionGeometry {
    /// Eq. 29: canvas += write(h^dec_t) = (1 / gamma) F_Yᵀ w_t F_X, per channel.
    /// - patch: [batchSize, C N^2] (w_t of Eq. 28), canvas: [batchSize, C B A] (accumulated into)
    public func write<Scalar: DRAWScalar>(patch: Matrix<Scalar>, cache: AttentionStepCache<Scalar>, channels: Int,
                                          canvas: inout Matrix<Scalar>) {
        let n = gridSize, plane = width * height, patchSize = n * n
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: n * width) { temporary in
            let product = temporary.baseAddress!
            for row in 0..<patch.rows {
                let inverseIntensity = 1 / cache.window[row, AttentionParameter.intensity]   // Eq. 29: 1 / gamma
                cache.filterX.storage.withUnsafeBufferPointer { fx in
                cache.filterY.storage.withUnsafeBufferPointer { fy in
                patch.storage.withUnsafeBufferPointer { w in
                canvas.storage.withUnsafeMutableBufferPointer { c in
                    let filterX = fx.baseAddress! + row * n * width, filterY = fy.baseAddress! + row * n * height
                    for channel in 0..<channels {
                        let patchPlane = w.baseAddress! + row * channels * patchSize + channel * patchSize
                        let canvasPlane = c.baseAddress! + row * channels * plane + channel * plane
                        patchTimesFilterX(patchPlane, filterX: filterX, output: product)     // U = w F_X: [N, A]
                        for b in 0..<height {
                            for a in 0..<width {
                                var sum: Scalar = 0
                                for i in 0..<n { sum += filterY[i * height + b] * product[i * width + a] }
                                canvasPlane[b * width + a] += inverseIntensity * sum       // Eq. 29: (1/gamma) F_Yᵀ U
                            }
                        }
                    }
                }}}}
            }
        }
    }

    /// U[i, a] = Σ_j w[i, j] F_X[j, a]: [N, A]
    @inline(__always)
    func patchTimesFilterX<Scalar: DRAWScalar>(_ patch: UnsafePointer<Scalar>, filterX: UnsafePointer<Scalar>,
                                               output: UnsafeMutablePointer<Scalar>) {
        let n = gridSize
        for i in 0..<n {
            for a in 0..<width {
                var sum: Scalar = 0
                for j in 0..<n { sum += patch[i * n + j] * filterX[j * width + a] }
                output[i * width + a] = sum
            }
        }
    }

    /// Backward of Eq. 29. With U = w F_X and out = (1/gamma) F_Yᵀ U:
    ///   dU = (1/gamma) F_Y dout,   dF_Y += (1/gamma) U doutᵀ,   dw = dU F_Xᵀ,
    ///   dF_X += wᵀ dU,   dgamma = -(1/gamma) Σ U ⊙ dU.
    /// - dCanvas: [batchSize, C B A]; dPatch: [batchSize, C N^2], dFilterX, dFilterY, dIntensity: overwritten.
    public func writeBackward<Scalar: DRAWScalar>(dCanvas: Matrix<Scalar>, patch: Matrix<Scalar>,
                                                  cache: AttentionStepCache<Scalar>, channels: Int,
                                                  dPatch: inout Matrix<Scalar>, dFilterX: inout Matrix<Scalar>,
                                                  dFilterY: inout Matrix<Scalar>, dIntensity: inout Matrix<Scalar>) {
        let n = gridSize, plane = width * height, patchSize = n * n
        dFilterX.setZero()
        dFilterY.setZero()
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: 2 * n * width) { temporary in
            let product = temporary.baseAddress!, dProduct = temporary.baseAddress! + n * width
            for row in 0..<patch.rows {
                let inverseIntensity = 1 / cache.window[row, AttentionParameter.intensity]
                var dIntensityRow: Scalar = 0
                cache.filterX.storage.withUnsafeBufferPointer { fx in
                cache.filterY.storage.withUnsafeBufferPointer { fy in
                dFilterX.storage.withUnsafeMutableBufferPointer { dfx in
                dFilterY.storage.withUnsafeMutableBufferPointer { dfy in
                patch.storage.withUnsafeBufferPointer { w in
                dPatch.storage.withUnsafeMutableBufferPointer { dw in
                dCanvas.storage.withUnsafeBufferPointer { dc in
                    let filterX = fx.baseAddress! + row * n * width, filterY = fy.baseAddress! + row * n * height
                    let dFX = dfx.baseAddress! + row * n * width, dFY = dfy.baseAddress! + row * n * height
                    for channel in 0..<channels {
                        let patchPlane = w.baseAddress! + row * channels * patchSize + channel * patchSize
                        let dPatchPlane = dw.baseAddress! + row * channels * patchSize + channel * patchSize
                        let dOutput = dc.baseAddress! + row * channels * plane + channel * plane
                        patchTimesFilterX(patchPlane, filterX: filterX, output: product)
                        for i in 0..<n {
                            for a in 0..<width {
                                var sum: Scalar = 0
                                for b in 0..<height { sum += filterY[i * height + b] * dOutput[b * width + a] }
                                dProduct[i * width + a] = inverseIntensity * sum
                                dIntensityRow -= inverseIntensity * product[i * width + a] * dProduct[i * width + a]
                            }
                            for b in 0..<height {
                                var sum: Scalar = 0
                                for a in 0..<width { sum += product[i * width + a] * dOutput[b * width + a] }
                                dFY[i * height + b] += inverseIntensity * sum
                            }
                        }
                        for i in 0..<n {
                            for j in 0..<n {
                                var sum: Scalar = 0
                                for a in 0..<width { sum += dProduct[i * width + a] * filterX[j * width + a] }
                                dPatchPlane[i * n + j] = sum
                            }
                        }
                        for j in 0..<n {
                            for a in 0..<width {
                                var sum: Scalar = 0
                                for i in 0..<n { sum += patchPlane[i * n + j] * dProduct[i * width + a] }
                                dFX[j * width + a] += sum
                            }
                        }
                    }
                }}}}}}}
                dIntensity[row, 0] = dIntensityRow
            }
        }
    }
}
