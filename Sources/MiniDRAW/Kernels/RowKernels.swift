import Dispatch

// MARK: - Work split over images or elements

/// Runs `body` on `0..<count` cut into `GEMM.threadCount` contiguous ranges, one per thread.
///
/// The partition depends on `count` and the thread count only, and each index is handled by
/// one call, so per-image work (a glimpse classifier's reads) or per-element work (Adam, the
/// slices' gradient sum) gives the same bits however it is scheduled. Small counts
/// (`count < 2 * minimumPerThread`) run on the calling thread.
@inline(__always)
func forEachRowRange(_ count: Int, minimumPerThread: Int = 8, _ body: (Range<Int>) -> Void) {
    let chunks = max(1, min(GEMM.threadCount, count / max(minimumPerThread, 1)))
    if chunks == 1 {
        body(0..<count)
        return
    }
    let perChunk = (count + chunks - 1) / chunks
    runConcurrently(parts: chunks) { chunk in
        let start = chunk * perChunk
        body(start..<min(count, start + perChunk))
    }
}

/// Runs `body(part)` for every part in `0..<parts`, on as many threads at once (the calling
/// thread alone for one part), and returns when all are done: the one place MiniDRAW starts
/// threads. Each call of `body` must write only memory that belongs to its part; that promise,
/// which the compiler cannot check through the pointers the kernels pass around, is what makes
/// sharing `body` between threads safe.
func runConcurrently(parts: Int, _ body: (Int) -> Void) {
    if parts == 1 {
        body(0)
        return
    }
    withoutActuallyEscaping(body) { body in
        let work = DisjointWork(body: body)
        DispatchQueue.concurrentPerform(iterations: parts) { part in work.body(part) }
    }
}

/// Work whose parts write disjoint memory (see `runConcurrently`).
private struct DisjointWork: @unchecked Sendable {
    let body: (Int) -> Void
}

// MARK: - Short vector kernels

/// Σ_k x[k] y[k] with four independent partial sums, so the additions do not wait on one
/// another (Swift keeps the written order of floating-point sums; one running sum would
/// serialise on the adder's latency).
@inline(__always)
func dot<Scalar: DRAWScalar>(_ x: UnsafePointer<Scalar>, _ y: UnsafePointer<Scalar>, count: Int) -> Scalar {
    var sum0: Scalar = 0, sum1: Scalar = 0, sum2: Scalar = 0, sum3: Scalar = 0
    var k = 0
    while k + 4 <= count {
        sum0 += x[k] * y[k]
        sum1 += x[k + 1] * y[k + 1]
        sum2 += x[k + 2] * y[k + 2]
        sum3 += x[k + 3] * y[k + 3]
        k += 4
    }
    while k < count {
        sum0 += x[k] * y[k]
        k += 1
    }
    return (sum0 + sum1) + (sum2 + sum3)
}

/// y[k] += alpha x[k]: unit stride, so the compiler vectorises it.
@inline(__always)
func axpy<Scalar: DRAWScalar>(_ alpha: Scalar, _ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>, count: Int) {
    for k in 0..<count { y[k] += alpha * x[k] }
}
