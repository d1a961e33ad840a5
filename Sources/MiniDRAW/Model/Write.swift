/// Writing to the canvas with selective attention (Eq. 28-29), per channel. The write layer
/// itself (w_t = W(h^dec_t), Eq. 18 / 28) is a `Linear`; without attention its output is
/// added to the canvas whole (Eq. 18, in `DRAWModel.forwardStep`).

// MARK: - With attention: write (Eq. 29)

extension AttentionGeometry {
    /// Eq. 29: canvas += write(h^dec_t) = (1 / gamma) F_Yᵀ w_t F_X, per channel.
    /// - patch: [batchSize, C N^2] (w_t of Eq. 28), canvas: [batchSize, C B A] (accumulated into)
    public func write<Scalar: DRAWScalar>(patch: Matrix<Scalar>, cache: AttentionStepCache<Scalar>, channels: Int,
                                          canvas: inout Matrix<Scalar>) {
        let n = gridSize, plane = width * height, patchSize = n * n
        patch.storage.withUnsafeBufferPointer { wBuffer in
        cache.filterX.storage.withUnsafeBufferPointer { fxBuffer in
        cache.filterY.storage.withUnsafeBufferPointer { fyBuffer in
        canvas.storage.withUnsafeMutableBufferPointer { canvasBuffer in
            let w = wBuffer.baseAddress!, fx = fxBuffer.baseAddress!, fy = fyBuffer.baseAddress!
            let canvasBase = canvasBuffer.baseAddress!
            forEachRowRange(patch.rows) { rows in
                withUnsafeTemporaryAllocation(of: Scalar.self, capacity: n * width) { temporary in
                    let product = temporary.baseAddress!
                    for row in rows {
                        let inverseIntensity = 1 / cache.window[row, AttentionParameter.intensity]   // Eq. 29: 1 / gamma
                        let filterX = fx + row * n * width, filterY = fy + row * n * height
                        for channel in 0..<channels {
                            let patchPlane = w + row * channels * patchSize + channel * patchSize
                            let canvasPlane = canvasBase + row * channels * plane + channel * plane
                            patchTimesFilterX(patchPlane, filterX: filterX, output: product)         // U = w F_X: [N, A]
                            for b in 0..<height {
                                for i in 0..<n {
                                    axpy(inverseIntensity * filterY[i * height + b], product + i * width,   // Eq. 29: (1/gamma) F_Yᵀ U
                                         canvasPlane + b * width, count: width)
                                }
                            }
                        }
                    }
                }
            }
        }}}}
    }

    /// U[i, a] = Σ_j w[i, j] F_X[j, a]: [N, A]
    @inline(__always)
    func patchTimesFilterX<Scalar: DRAWScalar>(_ patch: UnsafePointer<Scalar>, filterX: UnsafePointer<Scalar>,
                                               output: UnsafeMutablePointer<Scalar>) {
        let n = gridSize
        output.update(repeating: 0, count: n * width)
        for i in 0..<n {
            for j in 0..<n { axpy(patch[i * n + j], filterX + j * width, output + i * width, count: width) }
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
        patch.storage.withUnsafeBufferPointer { wBuffer in
        dCanvas.storage.withUnsafeBufferPointer { dcBuffer in
        cache.filterX.storage.withUnsafeBufferPointer { fxBuffer in
        cache.filterY.storage.withUnsafeBufferPointer { fyBuffer in
        dFilterX.storage.withUnsafeMutableBufferPointer { dfx in
        dFilterY.storage.withUnsafeMutableBufferPointer { dfy in
        dPatch.storage.withUnsafeMutableBufferPointer { dw in
        dIntensity.storage.withUnsafeMutableBufferPointer { dGamma in
            let w = wBuffer.baseAddress!, dc = dcBuffer.baseAddress!, fx = fxBuffer.baseAddress!, fy = fyBuffer.baseAddress!
            let dFilterXBase = dfx.baseAddress!, dFilterYBase = dfy.baseAddress!, dPatchBase = dw.baseAddress!
            let dIntensityBase = dGamma.baseAddress!
            forEachRowRange(patch.rows) { rows in
                withUnsafeTemporaryAllocation(of: Scalar.self, capacity: 2 * n * width) { temporary in
                    let product = temporary.baseAddress!, dProduct = temporary.baseAddress! + n * width
                    for row in rows {
                        let inverseIntensity = 1 / cache.window[row, AttentionParameter.intensity]
                        let filterX = fx + row * n * width, filterY = fy + row * n * height
                        let dFX = dFilterXBase + row * n * width, dFY = dFilterYBase + row * n * height
                        var dIntensityRow: Scalar = 0
                        for channel in 0..<channels {
                            let patchPlane = w + row * channels * patchSize + channel * patchSize
                            let dPatchPlane = dPatchBase + row * channels * patchSize + channel * patchSize
                            let dOutput = dc + row * channels * plane + channel * plane
                            patchTimesFilterX(patchPlane, filterX: filterX, output: product)
                            dProduct.update(repeating: 0, count: n * width)
                            for i in 0..<n {
                                for b in 0..<height {
                                    let filterValue = filterY[i * height + b]
                                    axpy(inverseIntensity * filterValue, dOutput + b * width, dProduct + i * width, count: width)
                                    dFY[i * height + b] += inverseIntensity * dot(product + i * width, dOutput + b * width, count: width)
                                }
                                dIntensityRow -= inverseIntensity * dot(product + i * width, dProduct + i * width, count: width)
                            }
                            for i in 0..<n {
                                for j in 0..<n {
                                    dPatchPlane[i * n + j] = dot(dProduct + i * width, filterX + j * width, count: width)
                                    axpy(patchPlane[i * n + j], dProduct + i * width, dFX + j * width, count: width)
                                }
                            }
                        }
                        dIntensityBase[row] = dIntensityRow
                    }
                }
            }
        }}}}}}}}
    }
}
