import Foundation

// MARK: - Forms

/// Which of the three products a benchmark runs; `m, n, k` always describe C[m, n] and the depth k.
package enum GEMMForm: String, CaseIterable, Sendable {
    /// `matmul`: A[m, k] · B[k, n] (backward dX = dGates · W).
    case plain = "A·B"
    /// `matmulTransposedB`: A[m, k] · B[n, k]ᵀ (a linear layer's forward).
    case transposedB = "A·Bᵀ"
    /// `matmulTransposedA`: A[k, m]ᵀ · B[k, n] (a weight gradient dW = dYᵀ · X).
    case transposedA = "Aᵀ·B"
}

// MARK: - Result

/// One measured product: the best time of repeated runs, as GFLOP/s (2·m·n·k flops per product).
package struct GEMMBenchmarkResult: Sendable, CustomStringConvertible {
    /// `"A·Bᵀ 100x1024x520"`: form then m x n x k.
    package let name: String
    package let form: GEMMForm
    package let m: Int
    package let n: Int
    package let k: Int
    package let threads: Int
    /// B was packed once beforehand (`PackedWeight`), as training does for a weight reused over T steps.
    package let packedWeight: Bool
    package let gflops: Double

    package var description: String {
        "\(name)\(packedWeight ? " W packed" : "") threads=\(threads): \(String(format: "%.1f", gflops)) GFLOP/s"
    }
}

// MARK: - Measurement

/// Times every (shape, form, thread count) combination on Float matrices of seeded Gaussians.
///
/// Each combination runs once to warm up, then repeatedly until `minimumSeconds` have passed
/// (at least three timed runs); the fastest run is reported, since other work on the machine
/// only ever slows a run down. `GEMM.threadCount` is restored afterwards.
///
/// With `packedWeight`, B of the two forms that multiply by a weight (`A·B` = dGates · W and
/// `A·Bᵀ` = X Wᵀ) is packed once before timing, as `DRAWModel` packs each weight once per batch
/// for its T products; the time then leaves out packing B. `Aᵀ·B` has no weight operand and ignores it.
package func benchmarkGEMM(shapes: [(m: Int, n: Int, k: Int)],
                           forms: [GEMMForm] = GEMMForm.allCases,
                           threads: [Int],
                           packedWeight: Bool = false,
                           minimumSeconds: Double) -> [GEMMBenchmarkResult] {
    let savedThreadCount = GEMM.threadCount
    defer { GEMM.threadCount = savedThreadCount }
    var generator = SeededGenerator(seed: 2015)
    func gaussian(_ rows: Int, _ columns: Int) -> Matrix<Float> {
        var matrix = Matrix<Float>(rows: rows, columns: columns)
        generator.fillGaussian(&matrix.storage)
        return matrix
    }
    var results: [GEMMBenchmarkResult] = []
    for shape in shapes {
        for form in forms {
            let a = form == .transposedA ? gaussian(shape.k, shape.m) : gaussian(shape.m, shape.k)
            let b = form == .transposedB ? gaussian(shape.n, shape.k) : gaussian(shape.k, shape.n)
            var c = Matrix<Float>(rows: shape.m, columns: shape.n)
            let packs = packedWeight && form != .transposedA
            for threadCount in threads {
                GEMM.threadCount = threadCount
                var weight = PackedWeight(transposed: form == .transposedB)
                if packs { weight.pack(b, rows: shape.m) }
                let packed = packs ? weight : nil
                let seconds = fastestRun(minimumSeconds: minimumSeconds) {
                    switch form {
                    case .plain: matmul(a, b, packed: packed, into: &c)
                    case .transposedB: matmulTransposedB(a, b, packed: packed, into: &c)
                    case .transposedA: matmulTransposedA(a, b, into: &c)
                    }
                }
                let flops = 2 * Double(shape.m) * Double(shape.n) * Double(shape.k)
                results.append(GEMMBenchmarkResult(name: "\(form.rawValue) \(shape.m)x\(shape.n)x\(shape.k)",
                                                   form: form, m: shape.m, n: shape.n, k: shape.k,
                                                   threads: threadCount, packedWeight: packs, gflops: flops / seconds / 1e9))
            }
        }
    }
    return results
}

/// GFLOP/s of the packed kernel on one thread with each register-tile height
/// (`FloatGEMMBlocking.supportedTileRows`), on a product that stays in cache: C[120, 256] with
/// k = 256 (120 rows divide by 5, 6, 10 and 12, so no tile is padding). Shows whether the
/// height chosen for this processor is its fastest. Tile height never changes a result bit.
package func benchmarkTileHeights(minimumSeconds: Double) -> [(tileRows: Int, gflops: Double)] {
    let (m, n, k) = (120, 256, 256)
    var generator = SeededGenerator(seed: 2015)
    var a = [Float](repeating: 0, count: m * k), b = [Float](repeating: 0, count: k * n)
    generator.fillGaussian(&a)
    generator.fillGaussian(&b)
    var c = [Float](repeating: 0, count: m * n)
    return FloatGEMMBlocking.supportedTileRows.map { tileRows in
        let seconds = a.withUnsafeBufferPointer { aBuffer in
            b.withUnsafeBufferPointer { bBuffer in
                c.withUnsafeMutableBufferPointer { cBuffer in
                    fastestRun(minimumSeconds: minimumSeconds) {
                        packedFloatProduct(rows: 0..<m, columns: 0..<n, k: k,
                                           a: FloatOperand(base: aBuffer.baseAddress!, rowStride: k, columnStride: 1),
                                           b: FloatOperand(base: bBuffer.baseAddress!, rowStride: n, columnStride: 1),
                                           c: cBuffer.baseAddress!, n: n, cRowStride: n, accumulate: false, tileRows: tileRows)
                    }
                }
            }
        }
        return (tileRows, 2 * Double(m * n * k) / seconds / 1e9)
    }
}

/// The shortest wall-clock time of `body`, in seconds, over runs lasting at least `minimumSeconds` in total.
private func fastestRun(minimumSeconds: Double, _ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    body()
    var fastest = Double.infinity
    var total = 0.0
    var runs = 0
    while runs < 3 || total < minimumSeconds {
        let elapsed = clock.measure(body)
        let seconds = elapsed.secondsValue
        fastest = min(fastest, seconds)
        total += seconds
        runs += 1
    }
    return fastest
}

extension Duration {
    /// The duration in seconds as a Double.
    package var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
