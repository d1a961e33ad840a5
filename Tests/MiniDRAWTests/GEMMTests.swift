import Testing
@testable import MiniDRAW

// MARK: - Reference

/// The naive triple loop in Double over strided operands: op(A)[i, p] = a[i * aRowStride +
/// p * aColumnStride], likewise op(B). With the magnitudes Σ_p |a_ip · b_pj| it bounds the
/// Float rounding error: a k-term sum plus a start value c0 is off by at most
/// (k + 2) · ulpOfOne · (|c0| + Σ_p |a_ip · b_pj|).
private struct ReferenceProduct {
    let n: Int
    let k: Int
    var sums: [Double]
    var magnitudes: [Double]

    init(m: Int, n: Int, k: Int, a: [Float], aRowStride: Int, aColumnStride: Int,
         b: [Float], bRowStride: Int, bColumnStride: Int) {
        self.n = n
        self.k = k
        sums = [Double](repeating: 0, count: m * n)
        magnitudes = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let term = Double(a[i * aRowStride + p * aColumnStride]) * Double(b[p * bRowStride + j * bColumnStride])
                    sum += term
                    magnitude += abs(term)
                }
                sums[i * n + j] = sum
                magnitudes[i * n + j] = magnitude
            }
        }
    }

    /// The first element of `observed` farther from `start + op(A) · op(B)` than its bound,
    /// described for a failure message; nil when all agree.
    func firstMismatch(_ observed: [Float], start: [Float]?) -> String? {
        let unitRoundoff = Double(Float.ulpOfOne) * Double(k + 2)
        for index in sums.indices {
            let startValue = Double(start?[index] ?? 0)
            let expected = startValue + sums[index]
            let tolerance = unitRoundoff * (abs(startValue) + magnitudes[index])
            if !(abs(Double(observed[index]) - expected) <= tolerance) {
                return "C[\(index / n), \(index % n)]: expected \(expected), observed \(observed[index]), tolerance \(tolerance)"
            }
        }
        return nil
    }
}

private func gaussianMatrix<S: DRAWScalar>(_ rows: Int, _ columns: Int, _ generator: inout SeededGenerator) -> Matrix<S> {
    var matrix = Matrix<S>(rows: rows, columns: columns)
    generator.fillGaussian(&matrix.storage)
    return matrix
}

/// The operands of one product form over stored matrices, as the packed kernel sees them.
private struct FormOperands {
    let form: GEMMForm
    let a: Matrix<Float>
    let b: Matrix<Float>

    init(_ form: GEMMForm, m: Int, n: Int, k: Int, _ generator: inout SeededGenerator) {
        self.form = form
        a = form == .transposedA ? gaussianMatrix(k, m, &generator) : gaussianMatrix(m, k, &generator)
        b = form == .transposedB ? gaussianMatrix(n, k, &generator) : gaussianMatrix(k, n, &generator)
    }

    init(_ form: GEMMForm, a: Matrix<Float>, b: Matrix<Float>) {
        (self.form, self.a, self.b) = (form, a, b)
    }

    /// (row, column) strides of op(A) and op(B) in the stored matrices.
    var aStrides: (row: Int, column: Int) { form == .transposedA ? (1, a.columns) : (a.columns, 1) }
    var bStrides: (row: Int, column: Int) { form == .transposedB ? (1, b.columns) : (b.columns, 1) }

    func reference(m: Int, n: Int, k: Int) -> ReferenceProduct {
        ReferenceProduct(m: m, n: n, k: k, a: a.storage, aRowStride: aStrides.row, aColumnStride: aStrides.column,
                         b: b.storage, bRowStride: bStrides.row, bColumnStride: bStrides.column)
    }

    /// `c (+)= op(A) · op(B)` through the public function of this form.
    func multiplyPublicly(into c: inout Matrix<Float>, accumulate: Bool) {
        switch form {
        case .plain: matmul(a, b, into: &c, accumulate: accumulate)
        case .transposedB: matmulTransposedB(a, b, into: &c, accumulate: accumulate)
        case .transposedA: matmulTransposedA(a, b, into: &c, accumulate: accumulate)
        }
    }

    /// `c (+)= op(A) · op(B)` on the packed kernel alone: no plan, one thread.
    /// - tileRows: the register tile's height; nil for the one the kernel picks.
    func multiplyPacked(into c: inout Matrix<Float>, accumulate: Bool, tileRows: Int? = nil) {
        let (m, n) = (c.rows, c.columns)
        let k = form == .transposedA ? a.rows : a.columns
        let (aRowStride, aColumnStride) = aStrides, (bRowStride, bColumnStride) = bStrides
        a.storage.withUnsafeBufferPointer { aPointer in
            b.storage.withUnsafeBufferPointer { bPointer in
                c.storage.withUnsafeMutableBufferPointer { cPointer in
                    packedFloatProduct(rows: 0..<m, columns: 0..<n, k: k,
                                       a: FloatOperand(base: aPointer.baseAddress!, rowStride: aRowStride, columnStride: aColumnStride),
                                       b: FloatOperand(base: bPointer.baseAddress!, rowStride: bRowStride, columnStride: bColumnStride),
                                       c: cPointer.baseAddress!, n: n, cRowStride: n, accumulate: accumulate, tileRows: tileRows)
                }
            }
        }
    }
}

// MARK: - Tests

@Suite("GEMM")
struct GEMMTests {
    /// (m, n, k): tiny, odd, k above one and two depth blocks (256), m and n off the 6 x 16
    /// tile, more rows than a row block (144), more columns than a column block (1024), and
    /// shapes the plan computes transposed or splits over threads by rows or by columns.
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (5, 17, 3), (7, 33, 300), (13, 100, 257), (6, 16, 256), (12, 32, 520),
        (100, 25, 256), (100, 5, 256), (5, 256, 100), (1, 1000, 1), (3, 1030, 9),
        (150, 20, 10), (61, 70, 70), (18, 320, 50), (50, 70, 300), (25, 40, 33),
    ]

    @Test("the shapes cover every path: tiny loop, transposed C, split by rows and by columns")
    func shapesCoverEveryPlan() {
        let plans = Self.shapes.map { FloatProductPlan(m: $0.m, n: $0.n, k: $0.k, threads: 2) }
        #expect(plans.contains { $0.isTiny })
        #expect(plans.contains { !$0.isTiny && $0.computesTranspose })
        #expect(plans.contains { !$0.isTiny && $0.split == .rows && $0.threads == 2 })
        #expect(plans.contains { !$0.isTiny && $0.split == .columns && $0.threads == 2 })
    }

    @Test("Float A·B, A·Bᵀ, Aᵀ·B, with and without accumulate, match a Double triple loop")
    func floatFormsAgreeWithReference() {
        var generator = SeededGenerator(seed: 1)
        for (m, n, k) in Self.shapes {
            for form in GEMMForm.allCases {
                let operands = FormOperands(form, m: m, n: n, k: k, &generator)
                let start: Matrix<Float> = gaussianMatrix(m, n, &generator)
                let reference = operands.reference(m: m, n: n, k: k)
                for accumulate in [false, true] {
                    var c = accumulate ? start : Matrix<Float>(rows: m, columns: n, repeating: .nan)
                    operands.multiplyPublicly(into: &c, accumulate: accumulate)
                    let publicMismatch = reference.firstMismatch(c.storage, start: accumulate ? start.storage : nil)
                    #expect(publicMismatch == nil, "\(form.rawValue) \(m)x\(n)x\(k) accumulate=\(accumulate): \(publicMismatch ?? "")")

                    c = accumulate ? start : Matrix<Float>(rows: m, columns: n, repeating: .nan)
                    operands.multiplyPacked(into: &c, accumulate: accumulate)
                    let packedMismatch = reference.firstMismatch(c.storage, start: accumulate ? start.storage : nil)
                    #expect(packedMismatch == nil,
                            "packed kernel \(form.rawValue) \(m)x\(n)x\(k) accumulate=\(accumulate): \(packedMismatch ?? "")")
                }
            }
        }
    }

    @Test("Float operands with no unit stride (views into larger buffers)")
    func floatGeneralStrides() {
        var generator = SeededGenerator(seed: 2)
        let (m, n, k) = (14, 37, 45)
        // op(A)[i, p] = aBuffer[3 i + 2 k p + 1], op(B)[p, j] = bBuffer[5 p + 2 n j]: neither stride is 1.
        let aBuffer: Matrix<Float> = gaussianMatrix(1, 3 * m + 2 * k * k + 2, &generator)
        let bBuffer: Matrix<Float> = gaussianMatrix(1, 5 * k + 2 * n * n, &generator)
        var c = [Float](repeating: .nan, count: m * n)
        aBuffer.storage.withUnsafeBufferPointer { aPointer in
            bBuffer.storage.withUnsafeBufferPointer { bPointer in
                c.withUnsafeMutableBufferPointer { cPointer in
                    GEMM.multiply(m: m, n: n, k: k,
                                  a: aPointer.baseAddress! + 1, aRowStride: 3, aColumnStride: 2 * k,
                                  b: bPointer.baseAddress!, bRowStride: 5, bColumnStride: 2 * n,
                                  c: cPointer.baseAddress!, accumulate: false)
                }
            }
        }
        let reference = ReferenceProduct(m: m, n: n, k: k, a: Array(aBuffer.storage.dropFirst()), aRowStride: 3, aColumnStride: 2 * k,
                                         b: bBuffer.storage, bRowStride: 5, bColumnStride: 2 * n)
        let mismatch = reference.firstMismatch(c, start: nil)
        #expect(mismatch == nil, "strided \(m)x\(n)x\(k): \(mismatch ?? "")")
    }

    @Test("Double A·B, A·Bᵀ, Aᵀ·B with accumulate match a triple loop to 1e-12")
    func doubleFormsAgreeWithReference() {
        var generator = SeededGenerator(seed: 3)
        let (m, n, k) = (7, 9, 5)
        let a: Matrix<Double> = gaussianMatrix(m, k, &generator)
        let aStoredTransposed: Matrix<Double> = gaussianMatrix(k, m, &generator)
        let b: Matrix<Double> = gaussianMatrix(k, n, &generator)
        let bStoredTransposed: Matrix<Double> = gaussianMatrix(n, k, &generator)
        let start: Matrix<Double> = gaussianMatrix(m, n, &generator)
        var plain = start, transposedB = start, transposedA = start
        matmul(a, b, into: &plain, accumulate: true)
        matmulTransposedB(a, bStoredTransposed, into: &transposedB, accumulate: true)
        matmulTransposedA(aStoredTransposed, b, into: &transposedA, accumulate: true)
        for i in 0..<m {
            for j in 0..<n {
                var plainSum = start[i, j], transposedBSum = start[i, j], transposedASum = start[i, j]
                for p in 0..<k {
                    plainSum += a[i, p] * b[p, j]
                    transposedBSum += a[i, p] * bStoredTransposed[j, p]
                    transposedASum += aStoredTransposed[p, i] * b[p, j]
                }
                #expect(abs(plain[i, j] - plainSum) < 1e-12, "A·B C[\(i), \(j)]: expected \(plainSum), observed \(plain[i, j])")
                #expect(abs(transposedB[i, j] - transposedBSum) < 1e-12,
                        "A·Bᵀ C[\(i), \(j)]: expected \(transposedBSum), observed \(transposedB[i, j])")
                #expect(abs(transposedA[i, j] - transposedASum) < 1e-12,
                        "Aᵀ·B C[\(i), \(j)]: expected \(transposedASum), observed \(transposedA[i, j])")
            }
        }
    }

    @Test("k = 0: C becomes 0, or stays unchanged with accumulate")
    func emptyDepth() {
        for (m, n) in [(3, 4), (25, 70)] {
            let a = Matrix<Float>(rows: m, columns: 0), b = Matrix<Float>(rows: 0, columns: n)
            var c = Matrix<Float>(rows: m, columns: n, repeating: 7)
            matmul(a, b, into: &c, accumulate: true)
            #expect(c.storage == [Float](repeating: 7, count: m * n), "\(m)x\(n)x0 accumulate changed C")
            matmul(a, b, into: &c)
            #expect(c.storage == [Float](repeating: 0, count: m * n), "\(m)x\(n)x0 did not zero C")
        }
    }

    @Test("transposeCopy: the transpose of blocks with and without 8 x 8 parts, in and out of wider matrices")
    func blockedTransposeCopies() {
        var generator = SeededGenerator(seed: 6)
        for (rows, columns, sourceStride, targetStride) in [(1, 1, 1, 1), (8, 8, 8, 8), (13, 21, 21, 13), (16, 9, 30, 17), (40, 264, 270, 40)] {
            let source: Matrix<Float> = gaussianMatrix(rows, sourceStride, &generator)
            var target = [Float](repeating: -1, count: columns * targetStride)
            source.storage.withUnsafeBufferPointer { sourceBuffer in
                target.withUnsafeMutableBufferPointer { targetBuffer in
                    transposeCopy(rows: rows, columns: columns, from: sourceBuffer.baseAddress!, sourceRowStride: sourceStride,
                                  to: targetBuffer.baseAddress!, targetRowStride: targetStride)
                }
            }
            for j in 0..<columns {
                for i in 0..<targetStride {
                    let expected: Float = i < rows ? source[i, j] : -1          // past the block's rows: untouched
                    #expect(target[j * targetStride + i].bitPattern == expected.bitPattern,
                            "\(rows)x\(columns) (strides \(sourceStride), \(targetStride)): target[\(j), \(i)] expected \(expected), observed \(target[j * targetStride + i])")
                }
            }
        }
    }

    @Test("The tile height follows the registers: 12 (10) with AVX-512, else 6 (5); the short one only where it pads no row")
    func tileHeightChoice() {
        let (tall, short) = (FloatGEMMBlocking.tileRows, FloatGEMMBlocking.shortTileRows)
        #expect((tall, short) == (CPUFeatures.current.hasAVX512 ? (12, 10) : (6, 5)), "tile heights \(tall), \(short)")
        #expect(FloatGEMMBlocking.tileRows(for: 50) == short && FloatGEMMBlocking.tileRows(for: 100) == short)
        #expect(FloatGEMMBlocking.tileRows(for: 60) == tall && FloatGEMMBlocking.tileRows(for: 1024) == tall)
    }

    @Test("CPUFeatures reads /proc/cpuinfo: the model and vector flags of an AVX2 and an AVX-512 x86-64 and of an arm64")
    func processorFlags() {
        let zen3 = CPUFeatures(cpuinfo: "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\nmodel name\t: AMD EPYC\n"
            + "flags\t\t: fpu sse2 avx fma bmi2 avx2 sha_ni\nbugs\t\t: sysret_ss_attrs\n\nprocessor\t: 1\nmodel name\t: AMD EPYC\n")
        #expect(zen3.modelName == "AMD EPYC" && zen3.vectorExtensions == ["avx2", "fma"] && !zen3.hasAVX512)
        #expect(zen3.description == "AMD EPYC (AuthenticAMD family 25 model 1; avx2 fma)", "\(zen3.description)")
        let xeon = CPUFeatures(cpuinfo: "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 207\n"
            + "model name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu fma avx2 avx512f avx512bw\n")
        #expect(xeon.description == "Intel(R) Xeon(R) Processor (GenuineIntel family 6 model 207; avx512f avx2 fma)", "\(xeon.description)")
        let zen5 = CPUFeatures(cpuinfo: "model name\t: AMD EPYC 9R45\nvmx flags\t: vnmi\n"
            + "flags\t\t: fpu avx fma avx2 avx512f avx512dq avx512vl\n")
        #expect(zen5.vectorExtensions == ["avx512f", "avx2", "fma"] && zen5.hasAVX512, "\(zen5.vectorExtensions)")
        let arm = CPUFeatures(cpuinfo: "processor\t: 0\nBogoMIPS\t: 243.75\nFeatures\t: fp asimd evtstrm aes crc32 atomics\n")
        #expect(arm.modelName == nil && arm.vectorExtensions == ["asimd"] && !arm.hasAVX512 && arm.vendor == nil)
        let nothing = CPUFeatures(cpuinfo: "")
        #expect(nothing.description == "unknown model (no AVX2/AVX-512/NEON flags found)")
    }

    @Test("Every register-tile height (5, 6, 10, 12) and the wide 10 x 32 and 12 x 32 tiles give the same bits, in all three forms, with edge rows and columns")
    func tileHeightDoesNotChangeBits() {
        var generator = SeededGenerator(seed: 5)
        // 120 rows: whole tiles of every height; 61: an edge sliver for each. k = 256 is a
        // whole number of 8-step blocks (packA's last spill lands past the sliver); k = 300
        // is two depth blocks of 150, each ending with 6 steps packed one by one. With 10 and 12
        // rows, 72 columns are two wide tiles (two B slivers at once) and an 8-column edge; 33 is
        // a wide tile over 61 rows, whose last rows go half by half through the edge tile.
        for form in [GEMMForm.plain, .transposedB, .transposedA] {
            for (m, n, k) in [(120, 40, 256), (120, 72, 256), (61, 33, 300), (24, 16, 8)] {
                let operands = FormOperands(form, m: m, n: n, k: k, &generator)
                let start: Matrix<Float> = gaussianMatrix(m, n, &generator)
                var results: [Int: Matrix<Float>] = [:]
                for tileRows in FloatGEMMBlocking.supportedTileRows {
                    var c = start
                    operands.multiplyPacked(into: &c, accumulate: true, tileRows: tileRows)
                    results[tileRows] = c
                }
                let reference = results[6]!
                let mismatch = operands.reference(m: m, n: n, k: k).firstMismatch(reference.storage, start: start.storage)
                #expect(mismatch == nil, "\(form.rawValue) \(m)x\(n)x\(k), 6-row tiles: \(mismatch ?? "")")
                for (tileRows, c) in results {
                    let differing = zip(c.storage, reference.storage).filter { $0.bitPattern != $1.bitPattern }.count
                    #expect(differing == 0, "\(form.rawValue) \(m)x\(n)x\(k): \(differing) of \(m * n) elements differ between \(tileRows)-row and 6-row tiles")
                }
            }
        }
    }

    @Test("Float results are bit-identical for 1 and 2 threads, run after run, and to the bare packed kernel")
    func deterministicAcrossThreadCounts() {
        var generator = SeededGenerator(seed: 4)
        // Split by rows, by columns, and computed as Cᵀ then split; k = 300 spans two depth blocks.
        for (m, n, k) in [(61, 70, 300), (18, 320, 50), (100, 5, 256)] {
            let plan = FloatProductPlan(m: m, n: n, k: k, threads: 2)
            #expect(plan.threads == 2, "\(m)x\(n)x\(k) is not split over threads: \(plan)")
            let operands = FormOperands(.transposedB, m: m, n: n, k: k, &generator)
            let start: Matrix<Float> = gaussianMatrix(m, n, &generator)
            var bare = start
            operands.multiplyPacked(into: &bare, accumulate: true)
            for threads in [1, 2, 1, 2, 2] {
                var c = start
                c.storage.withUnsafeMutableBufferPointer { cPointer in
                    operands.a.storage.withUnsafeBufferPointer { aPointer in
                        operands.b.storage.withUnsafeBufferPointer { bPointer in
                            GEMM.multiplyFloat(m: m, n: n, k: k,
                                               a: FloatOperand(base: aPointer.baseAddress!, rowStride: k, columnStride: 1),
                                               b: FloatOperand(base: bPointer.baseAddress!, rowStride: 1, columnStride: k),
                                               c: cPointer.baseAddress!, cRowStride: n, accumulate: true, threads: threads)
                        }
                    }
                }
                let differing = zip(bare.storage, c.storage).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differing == 0, "\(m)x\(n)x\(k) with \(threads) threads: \(differing) elements differ from the bare kernel")
            }
        }
    }
}
