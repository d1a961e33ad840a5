import Dispatch

// MARK: - The three products backprop needs

/// `c = a · b` (or `c += a · b` when `accumulate`).
/// - a: [m, k], b: [k, n], c: [m, n]
public func matmul<S: DRAWScalar>(_ a: Matrix<S>, _ b: Matrix<S>, into c: inout Matrix<S>, accumulate: Bool = false) {
    precondition(a.columns == b.rows && c.rows == a.rows && c.columns == b.columns,
                 "matmul A·B: A \(a.shapeDescription) · B \(b.shapeDescription) -> C \(c.shapeDescription)")
    GEMM.multiply(a, transposeA: false, b, transposeB: false, into: &c, accumulate: accumulate)
}

/// `c = a · bᵀ` (or `+=`): a linear layer's forward with a PyTorch `[out, in]` weight.
/// - a: [m, k], b: [n, k], c: [m, n]
public func matmulTransposedB<S: DRAWScalar>(_ a: Matrix<S>, _ b: Matrix<S>, into c: inout Matrix<S>, accumulate: Bool = false) {
    precondition(a.columns == b.columns && c.rows == a.rows && c.columns == b.rows,
                 "matmul A·Bᵀ: A \(a.shapeDescription) · B \(b.shapeDescription)ᵀ -> C \(c.shapeDescription)")
    GEMM.multiply(a, transposeA: false, b, transposeB: true, into: &c, accumulate: accumulate)
}

/// `c = aᵀ · b` (or `+=`): a weight gradient, `dW += dYᵀ · X`.
/// - a: [k, m], b: [k, n], c: [m, n]
public func matmulTransposedA<S: DRAWScalar>(_ a: Matrix<S>, _ b: Matrix<S>, into c: inout Matrix<S>, accumulate: Bool = false) {
    precondition(a.rows == b.rows && c.rows == a.columns && c.columns == b.columns,
                 "matmul Aᵀ·B: A \(a.shapeDescription)ᵀ · B \(b.shapeDescription) -> C \(c.shapeDescription)")
    GEMM.multiply(a, transposeA: true, b, transposeB: false, into: &c, accumulate: accumulate)
}

// MARK: - Strided kernel

/// General matrix multiply over strided operands.
///
/// Element (i, p) of op(A) is `a[i * aRowStride + p * aColumnStride]`; likewise for B.
/// The work is split over rows of C in a fixed partition, so a result never depends on
/// which thread ran which part.
public enum GEMM {
    /// Number of threads the products use; set once by the CLI's `--threads`.
    nonisolated(unsafe) public static var threadCount: Int = 2

    public static func multiply<S: DRAWScalar>(_ a: Matrix<S>, transposeA: Bool, _ b: Matrix<S>, transposeB: Bool,
                                               into c: inout Matrix<S>, accumulate: Bool) {
        let m = c.rows, n = c.columns
        let k = transposeA ? a.rows : a.columns
        a.storage.withUnsafeBufferPointer { aBuffer in
            b.storage.withUnsafeBufferPointer { bBuffer in
                c.storage.withUnsafeMutableBufferPointer { cBuffer in
                    multiply(m: m, n: n, k: k,
                             a: aBuffer.baseAddress!, aRowStride: transposeA ? 1 : a.columns, aColumnStride: transposeA ? a.columns : 1,
                             b: bBuffer.baseAddress!, bRowStride: transposeB ? 1 : b.columns, bColumnStride: transposeB ? b.columns : 1,
                             c: cBuffer.baseAddress!, accumulate: accumulate)
                }
            }
        }
    }

    /// `c[m, n] (+)= op(A)[m, k] · op(B)[k, n]`, with `c` contiguous row-major.
    public static func multiply<S: DRAWScalar>(m: Int, n: Int, k: Int,
                                               a: UnsafePointer<S>, aRowStride: Int, aColumnStride: Int,
                                               b: UnsafePointer<S>, bRowStride: Int, bColumnStride: Int,
                                               c: UnsafeMutablePointer<S>, accumulate: Bool) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { c.update(repeating: 0, count: m * n) }
            return
        }
        // Pack op(B) into a contiguous [k, n] panel so each row update below is a unit-stride axpy.
        let packedB = UnsafeMutablePointer<S>.allocate(capacity: k * n)
        defer { packedB.deallocate() }
        for p in 0..<k {
            for j in 0..<n { packedB[p * n + j] = b[p * bRowStride + j * bColumnStride] }
        }
        let workPerRow = n * k
        let chunkCount = (m * workPerRow < 1 << 16) ? 1 : min(threadCount, m)
        let rowsPerChunk = (m + chunkCount - 1) / chunkCount
        let body = { (chunk: Int) in
            let rowStart = chunk * rowsPerChunk
            let rowEnd = min(m, rowStart + rowsPerChunk)
            for i in rowStart..<rowEnd {
                let cRow = c + i * n
                if !accumulate { cRow.update(repeating: 0, count: n) }
                for p in 0..<k {
                    let aValue = a[i * aRowStride + p * aColumnStride]
                    let bRow = packedB + p * n
                    for j in 0..<n { cRow[j] += aValue * bRow[j] }
                }
            }
        }
        if chunkCount == 1 {
            body(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: chunkCount, execute: body)
        }
    }
}
