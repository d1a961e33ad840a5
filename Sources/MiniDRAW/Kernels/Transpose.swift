// MARK: - Transposing Float blocks
//
// The packed GEMM reads some operands across their rows (`packA`, `packB` of a transposed
// operand) and computes some products as Cᵀ = op(B)ᵀ · op(A)ᵀ (`GEMM.multiplyFloat`). Both
// need a transpose; element by element, each read of a column is a new cache line (and, for
// a C of 1024 rows, a new page every four rows). In 8 x 8 blocks, eight rows are read and
// eight written per block, each 32 bytes at a time.

/// `target[j * targetRowStride + i] = source[i * sourceRowStride + j]` for i < rows, j < columns:
/// the transpose of a [rows, columns] block, in 8 x 8 blocks and then the edges one by one.
/// Only copies: every value keeps its bits.
func transposeCopy(rows: Int, columns: Int, from source: UnsafePointer<Float>, sourceRowStride: Int,
                   to target: UnsafeMutablePointer<Float>, targetRowStride: Int) {
    let fullRows = rows / 8 * 8, fullColumns = columns / 8 * 8
    for i in stride(from: 0, to: fullRows, by: 8) {
        for j in stride(from: 0, to: fullColumns, by: 8) {
            let block = source + i * sourceRowStride + j
            let transposed = transposeEightByEight(
                load8(block), load8(block + sourceRowStride),
                load8(block + 2 * sourceRowStride), load8(block + 3 * sourceRowStride),
                load8(block + 4 * sourceRowStride), load8(block + 5 * sourceRowStride),
                load8(block + 6 * sourceRowStride), load8(block + 7 * sourceRowStride))
            storeEight(transposed, to: target + j * targetRowStride + i, stride: targetRowStride)
        }
        for j in fullColumns..<columns {
            for r in i..<(i + 8) { target[j * targetRowStride + r] = source[r * sourceRowStride + j] }
        }
    }
    for i in fullRows..<rows {
        for j in 0..<columns { target[j * targetRowStride + i] = source[i * sourceRowStride + j] }
    }
}

// MARK: - 8 x 8 blocks

@inline(__always)
func load8(_ source: UnsafePointer<Float>) -> SIMD8<Float> {
    loadVector(source)
}

/// Stores vector j at `target + j * stride`, j = 0, 1, ..., 7, in that order.
@inline(__always)
func storeEight(_ vectors: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
                            SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>),
                to target: UnsafeMutablePointer<Float>, stride: Int) {
    let raw = UnsafeMutableRawPointer(target)
    let strideBytes = stride * MemoryLayout<Float>.stride
    raw.storeBytes(of: vectors.0, toByteOffset: 0 * strideBytes, as: SIMD8<Float>.self)
    raw.storeBytes(of: vectors.1, toByteOffset: 1 * strideBytes, as: SIMD8<Float>.self)
    raw.storeBytes(of: vectors.2, toByteOffset: 2 * strideBytes, as: SIMD8<Float>.self)
    raw.storeBytes(of: vectors.3, toByteOffset: 3 * strideBytes, as: SIMD8<Float>.self)
    raw.storeBytes(of: vectors.4, toByteOffset: 4 * strideBytes, as: SIMD8<Float>.self)
    raw.storeBytes(of: vectors.5, toByteOffset: 5 * strideBytes, as: SIMD8<Float>.self)
    raw.storeBytes(of: vectors.6, toByteOffset: 6 * strideBytes, as: SIMD8<Float>.self)
    raw.storeBytes(of: vectors.7, toByteOffset: 7 * strideBytes, as: SIMD8<Float>.self)
}

/// The 8 x 8 transpose of the rows `r0...r7`: result `.j` is column j.
///
/// Three rounds of splitting each pair (x, y) into its even and odd lanes move one bit of
/// the column index into the row index per round (a perfect unshuffle); feeding and reading
/// the rows in bit-reversed order makes the result the plain transpose.
@inline(__always)
func transposeEightByEight(_ r0: SIMD8<Float>, _ r1: SIMD8<Float>, _ r2: SIMD8<Float>, _ r3: SIMD8<Float>,
                           _ r4: SIMD8<Float>, _ r5: SIMD8<Float>, _ r6: SIMD8<Float>, _ r7: SIMD8<Float>)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    // Position i holds row bitReversed(i): 0, 4, 2, 6, 1, 5, 3, 7.
    var v = (r0, r4, r2, r6, r1, r5, r3, r7)
    for _ in 0..<3 {
        let pair0 = SIMD16(lowHalf: v.0, highHalf: v.4), pair1 = SIMD16(lowHalf: v.1, highHalf: v.5)
        let pair2 = SIMD16(lowHalf: v.2, highHalf: v.6), pair3 = SIMD16(lowHalf: v.3, highHalf: v.7)
        v = (pair0.evenHalf, pair0.oddHalf, pair1.evenHalf, pair1.oddHalf,
             pair2.evenHalf, pair2.oddHalf, pair3.evenHalf, pair3.oddHalf)
    }
    // Position i now holds column bitReversed(i).
    return (v.0, v.4, v.2, v.6, v.1, v.5, v.3, v.7)
}
