/// Writing to the canvas with selective attention (Eq. 28-29), per channel. The write layer
/// itself (w_t = W(h^dec_t), Eq. 18 / 28) is a `Linear`; without attention its output is
/// added to the canvas whole (Eq. 18, in `DRAWModel.forwardStep`).

// MARK: - With attention: write (Eq. 29)

extension AttentionGeometry {
    /// Eq. 29: canvas += write(h^dec_t) = (1 / gamma) F_Yᵀ w_t F_X, per channel.
    /// - patch: [batchSize, C N^2] (w_t of Eq. 28), canvas: [batchSize, C B A] (accumulated into)
    package func write<Scalar: DRAWScalar>(patch: Matrix<Scalar>, cache: AttentionStepCache<Scalar>, channels: Int,
                                           canvas: inout Matrix<Scalar>) {
        let n = gridSize, plane = width * height, patchSize = n * n
        withPointers(patch, cache.filterX, cache.filterY) { inputs in
        canvas.withMutablePointer { canvasBase in
            let (w, fx, fy) = (inputs[0], inputs[1], inputs[2])
            withUnsafeTemporaryAllocation(of: Scalar.self, capacity: n * width) { temporary in
                let product = temporary.baseAddress!
                for row in 0..<patch.rows {
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
        }}
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
        let n = gridSize, plane = width * height, patchSize = n * n
        dFilterX.setZero()
        dFilterY.setZero()
        withPointers(patch, dCanvas, cache.filterX, cache.filterY) { inputs in
        withMutablePointers(&dFilterX, &dFilterY, &dPatch, &dIntensity) { dFilterXBase, dFilterYBase, dPatchBase, dIntensityBase in
            let (w, dc, fx, fy) = (inputs[0], inputs[1], inputs[2], inputs[3])
            withUnsafeTemporaryAllocation(of: Scalar.self, capacity: 2 * n * width + height) { temporary in
                let product = temporary.baseAddress!, dProduct = product + n * width, dots = dProduct + n * width
                for row in 0..<patch.rows {
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
        }}
    }
}
