// MARK: - A weight packed once, used by many products

/// op(B) of the products `x · op(W)` that reuse one weight W, copied once into the packed
/// kernel's 16-column slivers (GEMMKernel.swift) so that those products skip packing B.
///
/// A training step uses each LSTM weight in T forward products (x Wᵀ) and T backward products
/// (dGates · W) without changing it; packing W again in each of them cost about as much as
/// the arithmetic. The layout is, for each k block of `FloatGEMMBlocking.depthBlocks(k:)`,
/// the slivers of all n columns in order, each `[depth, 16]` with zero-padded edge columns:
/// exactly what packing B for any tile-aligned block of columns writes, so a product gives the
/// same bits with or without it. Only products that run on the packed kernel as C = op(A) · op(B)
/// use it; the rest (Double, tiny products, products computed as Cᵀ) read W as usual, and for
/// them `pack` keeps nothing.
///
/// The packed values are a copy: pack again after W changes (`DRAWModel.forward` and
/// `backward` do, once per batch).
package struct PackedWeight: Sendable {
    /// op(W) = Wᵀ (forward products x Wᵀ) or W (input gradients dY · W).
    package let transposed: Bool
    /// k and n of op(W): [depth, columns].
    private var depth = 0
    private var columns = 0
    /// The slivers described above; empty when the products do not use them.
    private var packedValues: [Float] = []

    package init(transposed: Bool) {
        self.transposed = transposed
    }

    /// Packs op(`weight`) for products whose A has `rows` rows, if they run on the packed kernel.
    /// - weight: [out, in]; op(weight) is [in, out] when `transposed`, else [out, in].
    /// - inputColumns: only these columns of `weight` (nil: all), for the products of
    ///   `matmulTransposedB(_:_:bColumns:)` and `matmul(_:_:bColumns:)`.
    package mutating func pack<S: DRAWScalar>(_ weight: Matrix<S>, inputColumns: Range<Int>? = nil, rows: Int) {
        let inputColumns = inputColumns ?? 0..<weight.columns
        depth = transposed ? inputColumns.count : weight.rows
        columns = transposed ? weight.rows : inputColumns.count
        let plan = FloatProductPlan(m: rows, n: columns, k: depth, threads: GEMM.threadCount)
        guard S.self == Float.self, !plan.isTiny, !plan.computesTranspose else {
            packedValues.removeAll(keepingCapacity: true)
            return
        }
        let paddedColumns = roundUp(columns, to: FloatGEMMBlocking.tileColumns)
        if packedValues.count != depth * paddedColumns {
            packedValues = [Float](repeating: 0, count: depth * paddedColumns)
        }
        let (depth, columns, transposed) = (depth, columns, transposed)
        weight.storage.withUnsafeBufferPointer { weightBuffer in
            packedValues.withUnsafeMutableBufferPointer { packed in
                let base = UnsafeRawPointer(weightBuffer.baseAddress! + inputColumns.lowerBound).assumingMemoryBound(to: Float.self)
                let operand = FloatOperand(base: base, rowStride: transposed ? 1 : weight.columns,
                                           columnStride: transposed ? weight.columns : 1)
                for block in FloatGEMMBlocking.depthBlocks(k: depth) {
                    packB(operand, depth: block, columns: 0..<columns,
                          into: packed.baseAddress! + block.lowerBound * paddedColumns)
                }
            }
        }
    }

    /// The packed values for op(B) of shape [depth, columns] in form `transposed`, or [] when
    /// nothing is packed. Stops if something else was packed: that is a caller's mix-up.
    func slivers(depth: Int, columns: Int, transposed: Bool) -> [Float] {
        guard !packedValues.isEmpty else { return [] }
        precondition(depth == self.depth && columns == self.columns && transposed == self.transposed,
                     "PackedWeight holds op(W) [\(self.depth), \(self.columns)] (transposed: \(self.transposed)), "
                     + "product needs [\(depth), \(columns)] (transposed: \(transposed))")
        return packedValues
    }
}
