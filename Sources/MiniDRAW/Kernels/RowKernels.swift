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
/// threads, each with subnormals flushed to zero (Subnormals.swift). Each call of `body` must
/// write only memory that belongs to its part; that promise, which the compiler cannot check
/// through the pointers the kernels pass around, is what makes sharing `body` between threads safe.
func runConcurrently(parts: Int, _ body: (Int) -> Void) {
    if parts == 1 {
        withSubnormalsFlushed { body(0) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let work = DisjointWork(body: body)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            withSubnormalsFlushed { work.body(part) }          // per thread: see Subnormals.swift
        }
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

/// `out[r * outStride] = dot(x + r * rowStride, y, count)` for r = 0..<rows, bit for bit: four
/// rows at a time, each with `dot`'s four partial sums (the lanes of one `SIMD4`) and its final
/// `(s0 + s1) + (s2 + s3)`. The four rows' chains are independent, so the adds overlap instead of
/// each row waiting on its own adder latency.
@inline(__always)
func dotRows<Scalar: DRAWScalar>(_ x: UnsafePointer<Scalar>, rowStride: Int, rows: Int, _ y: UnsafePointer<Scalar>,
                                 count: Int, into out: UnsafeMutablePointer<Scalar>, outStride: Int = 1) {
    typealias Lanes = SIMD4<Scalar>
    var row = 0
    while row + 4 <= rows {
        let x0 = x + row * rowStride, x1 = x0 + rowStride, x2 = x1 + rowStride, x3 = x2 + rowStride
        var sums0 = Lanes(), sums1 = Lanes(), sums2 = Lanes(), sums3 = Lanes()
        var k = 0
        while k + 4 <= count {
            let yk = loadVector(y + k, as: Lanes.self)
            sums0 += loadVector(x0 + k) * yk
            sums1 += loadVector(x1 + k) * yk
            sums2 += loadVector(x2 + k) * yk
            sums3 += loadVector(x3 + k) * yk
            k += 4
        }
        while k < count {
            sums0[0] += x0[k] * y[k]
            sums1[0] += x1[k] * y[k]
            sums2[0] += x2[k] * y[k]
            sums3[0] += x3[k] * y[k]
            k += 1
        }
        out[row * outStride] = (sums0[0] + sums0[1]) + (sums0[2] + sums0[3])
        out[(row + 1) * outStride] = (sums1[0] + sums1[1]) + (sums1[2] + sums1[3])
        out[(row + 2) * outStride] = (sums2[0] + sums2[1]) + (sums2[2] + sums2[3])
        out[(row + 3) * outStride] = (sums3[0] + sums3[1]) + (sums3[2] + sums3[3])
        row += 4
    }
    while row < rows {
        out[row * outStride] = dot(x + row * rowStride, y, count: count)
        row += 1
    }
}

/// `y[0..<count] += Σ_s coefficient(s) · row(s)[0..<count]` over s = 0..<terms, bit for bit the
/// additions `y[k] += coefficient(s) * row(s)[k]` one term after another, in order of s. Each block of up
/// to 32 values of y stays in registers through all the terms (four `SIMD8`s, or what is left:
/// `SIMD8`s, a `SIMD4`, single values), so the terms neither reload nor store y, and the block's
/// separate sums overlap instead of waiting on one another.
@inline(__always)
func addCombination<Scalar: DRAWScalar>(into y: UnsafeMutablePointer<Scalar>, count: Int, terms: Int,
                                        coefficient: (Int) -> Scalar, row: (Int) -> UnsafePointer<Scalar>) {
    typealias Eight = SIMD8<Scalar>
    typealias Four = SIMD4<Scalar>
    var start = 0
    while start < count {
        let width = min(32, count - start)
        let eights = width / 8, fours = width % 8 / 4, ones = width % 4
        let block = y + start, fourStart = 8 * eights, oneStart = fourStart + 4 * fours
        var sum0 = Eight(), sum1 = Eight(), sum2 = Eight(), sum3 = Eight(), sumFour = Four()
        var single0: Scalar = 0, single1: Scalar = 0, single2: Scalar = 0
        if eights > 0 { sum0 = loadVector(block, as: Eight.self) }
        if eights > 1 { sum1 = loadVector(block + 8, as: Eight.self) }
        if eights > 2 { sum2 = loadVector(block + 16, as: Eight.self) }
        if eights > 3 { sum3 = loadVector(block + 24, as: Eight.self) }
        if fours > 0 { sumFour = loadVector(block + fourStart, as: Four.self) }
        if ones > 0 { single0 = block[oneStart] }
        if ones > 1 { single1 = block[oneStart + 1] }
        if ones > 2 { single2 = block[oneStart + 2] }
        for term in 0..<terms {
            let c = coefficient(term), x = row(term) + start
            let c8 = Eight(repeating: c)
            if eights > 0 { sum0 += c8 * loadVector(x, as: Eight.self) }
            if eights > 1 { sum1 += c8 * loadVector(x + 8, as: Eight.self) }
            if eights > 2 { sum2 += c8 * loadVector(x + 16, as: Eight.self) }
            if eights > 3 { sum3 += c8 * loadVector(x + 24, as: Eight.self) }
            if fours > 0 { sumFour += Four(repeating: c) * loadVector(x + fourStart, as: Four.self) }
            if ones > 0 { single0 += c * x[oneStart] }
            if ones > 1 { single1 += c * x[oneStart + 1] }
            if ones > 2 { single2 += c * x[oneStart + 2] }
        }
        if eights > 0 { storeVector(sum0, to: block) }
        if eights > 1 { storeVector(sum1, to: block + 8) }
        if eights > 2 { storeVector(sum2, to: block + 16) }
        if eights > 3 { storeVector(sum3, to: block + 24) }
        if fours > 0 { storeVector(sumFour, to: block + fourStart) }
        if ones > 0 { block[oneStart] = single0 }
        if ones > 1 { block[oneStart + 1] = single1 }
        if ones > 2 { block[oneStart + 2] = single2 }
        start += width
    }
}
