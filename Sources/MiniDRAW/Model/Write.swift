/// Writing to the canvas with selective attention (Eq. 28-29), per channel. The write layer
/// itself (w_t = W(h^dec_t), Eq. 18 / 28) is a `Linear`; without attention its output is
/// added to the canvas whole (Eq. 18, in `DRAWModel.forwardStep`).

// MARK: - With attention: write (Eq. 29)

extension AttentionGeometry {
    /// Eq. 29: canvas += write(h^dec_t) = (1 / gamma) F_Yᵀ w_t F_X, per channel.
    /// - patch: [batchSize, C N^2] (w_t of Eq. 28), canvas: [batchSize, C B A] (accumulated into)
    package func write<Scalar: DRAWScalar>(patch: Matrix<Scalar>, cache: AttentionStepCache<Scalar>, channels: Int,
                                           canvas: inout Matrix<Scalar>) {
        withPointers(patch, cache.filterX, cache.filterY) { inputs in
        canvas.withMutablePointer { canvas in
            writeRows(patch.rows, w: inputs[0], fx: inputs[1], fy: inputs[2], cache: cache, channels: channels,
                      canvas: canvas)
        }}
    }

    /// `write` on the buffers it opened: Eq. 29 image by image, with one [N, A] product U of scratch.
    /// - w: [rows, C N^2], fx: [rows, N A], fy: [rows, N B], canvas: [rows, C B A] (accumulated into)
    @inline(__always)
    private func writeRows<Scalar: DRAWScalar>(_ rows: Int, w: UnsafePointer<Scalar>, fx: UnsafePointer<Scalar>,
                                               fy: UnsafePointer<Scalar>, cache: AttentionStepCache<Scalar>,
                                               channels: Int, canvas canvasBase: UnsafeMutablePointer<Scalar>) {
        let n = gridSize, plane = width * height, patchSize = n * n
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: n * width) { temporary in
            let product = temporary.baseAddress!
            for row in 0..<rows {
                let inverseIntensity = 1 / cache.window[row, AttentionParameter.intensity]   // Eq. 29: 1 / gamma
                let filterX = fx + row * n * width, filterY = fy + row * n * height
                for channel in 0..<channels {
                    let patchPlane = w + row * channels * patchSize + channel * patchSize
                    let canvasPlane = canvasBase + row * channels * plane + channel * plane
                    patchTimesFilterX(patchPlane, filterX: filterX, output: product)         // U = w F_X: [N, A]
                    for b in 0..<height {
                        addCombination(into: canvasPlane + b * width, count: width, terms: n,        // Eq. 29: (1/gamma) F_Yᵀ U
                                       coefficient: { inverseIntensity * filterY[$0 * height + b] },
                                       row: { UnsafePointer(product + $0 * width) })
                    }
                }
            }
        }
    }

    /// U[i, a] = Σ_j w[i, j] F_X[j, a]: [N, A]
    @inline(__always)
    func patchTimesFilterX<Scalar: DRAWScalar>(_ patch: UnsafePointer<Scalar>, filterX: UnsafePointer<Scalar>,
                                               output: UnsafeMutablePointer<Scalar>) {
        let n = gridSize
        output.update(repeating: 0, count: n * width)
        for i in 0..<n {
            addCombination(into: output + i * width, count: width, terms: n,
                           coefficient: { patch[i * n + $0] }, row: { filterX + $0 * width })
        }
    }

    /// Backward of Eq. 29. With U = w F_X and out = (1/gamma) F_Yᵀ U:
    ///   dU = (1/gamma) F_Y dout,   dF_Y += (1/gamma) U doutᵀ,   dw = dU F_Xᵀ,
    ///   dF_X += wᵀ dU,   dgamma = -(1/gamma) Σ U ⊙ dU.
    /// - dCanvas: [batchSize, C B A]; dPatch: [batchSize, C N^2], dFilterX, dFilterY, dIntensity: overwritten.
    package func writeBackward<Scalar: DRAWScalar>(dCanvas: Matrix<Scalar>, patch: Matrix<Scalar>,
                                                   cache: AttentionStepCache<Scalar>, channels: Int,
                                                   dPatch: inout Matrix<Scalar>, dFilterX: inout Matrix<Scalar>,
                                                   dFilterY: inout Matrix<Scalar>, dIntensity: inout Matrix<Scalar>) {
        dFilterX.setZero()
        dFilterY.setZero()
        withPointers(patch, dCanvas, cache.filterX, cache.filterY) { inputs in
        withMutablePointers(&dFilterX, &dFilterY, &dPatch, &dIntensity) { dFilterX, dFilterY, dPatch, dIntensity in
            writeBackwardRows(patch.rows, w: inputs[0], dc: inputs[1], fx: inputs[2], fy: inputs[3], cache: cache,
                              channels: channels, dFilterX: dFilterX, dFilterY: dFilterY, dPatch: dPatch,
                              dIntensity: dIntensity)
        }}
    }

    /// `writeBackward` on the buffers it opened, image by image, with U, dU and B dots of scratch.
    /// - w, dPatch: [rows, C N^2], dc: [rows, C B A], fx, dFilterX: [rows, N A], fy, dFilterY: [rows, N B],
    ///   dIntensity: [rows]
    @inline(__always)
    private func writeBackwardRows<Scalar: DRAWScalar>(_ rows: Int, w: UnsafePointer<Scalar>, dc: UnsafePointer<Scalar>,
                                                       fx: UnsafePointer<Scalar>, fy: UnsafePointer<Scalar>,
                                                       cache: AttentionStepCache<Scalar>, channels: Int,
                                                       dFilterX dFilterXBase: UnsafeMutablePointer<Scalar>,
                                                       dFilterY dFilterYBase: UnsafeMutablePointer<Scalar>,
                                                       dPatch dPatchBase: UnsafeMutablePointer<Scalar>,
                                                       dIntensity dIntensityBase: UnsafeMutablePointer<Scalar>) {
        let n = gridSize, plane = width * height, patchSize = n * n
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: 2 * n * width + height) { temporary in
            let product = temporary.baseAddress!, dProduct = product + n * width, dots = dProduct + n * width
            for row in 0..<rows {
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
                        addCombination(into: dProduct + i * width, count: width, terms: height,          // dU = (1/gamma) F_Y dout
                                       coefficient: { inverseIntensity * filterY[i * height + $0] },
                                       row: { dOutput + $0 * width })
                        dotRows(dOutput, rowStride: width, rows: height, product + i * width, count: width, into: dots)
                        for b in 0..<height { dFY[i * height + b] += inverseIntensity * dots[b] }        // dF_Y += (1/gamma) U doutᵀ
                        dIntensityRow -= inverseIntensity * dot(product + i * width, dProduct + i * width, count: width)
                    }
                    for i in 0..<n {                                                                    // dw = dU F_Xᵀ
                        dotRows(filterX, rowStride: width, rows: n, dProduct + i * width, count: width, into: dPatchPlane + i * n)
                    }
                    for j in 0..<n {                                                                    // dF_X += wᵀ dU
                        addCombination(into: dFX + j * width, count: width, terms: n,
                                       coefficient: { patchPlane[$0 * n + j] },
                                       row: { UnsafePointer(dProduct + $0 * width) })
                    }
                }
                dIntensityBase[row] = dIntensityRow
            }
        }
    }
}
