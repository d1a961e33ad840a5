import Testing
@testable import MiniDRAW

/// A weight packed once (`PackedWeight`) must give the same bits as packing it in every product,
/// for both forms (x Wᵀ and dY · W), any thread count, with and without accumulate.
@Suite("Packed weights")
struct PackedWeightTests {
    /// (rows of x, W's [out, in]): the LSTM shapes at batch 100 (gates 1024 x 264, 256, 100), k over
    /// one depth block (300), n off the 16-column tile, n over a column block (1030), and shapes the
    /// plan computes transposed (out = 5) or as a tiny loop, for which nothing is packed.
    static let shapes: [(rows: Int, out: Int, in: Int)] = [
        (100, 1024, 264), (100, 1024, 100), (7, 33, 300), (13, 1030, 40), (20, 100, 513), (100, 5, 256), (2, 3, 4),
    ]

    static func gaussian(_ rows: Int, _ columns: Int, _ generator: inout SeededGenerator) -> Matrix<Float> {
        var matrix = Matrix<Float>(rows: rows, columns: columns)
        generator.fillGaussian(&matrix.storage)
        return matrix
    }

    /// `c (+)= a · op(weight)` on `threads` threads, with op(weight) packed beforehand or not.
    static func product(_ a: Matrix<Float>, _ weight: Matrix<Float>, transposed: Bool, packed: PackedWeight?,
                        start: Matrix<Float>, accumulate: Bool, threads: Int) -> Matrix<Float> {
        var c = start
        let (k, n) = transposed ? (weight.columns, weight.rows) : (weight.rows, weight.columns)
        let slivers = packed?.slivers(depth: k, columns: n, transposed: transposed) ?? []
        a.storage.withUnsafeBufferPointer { aBuffer in
            weight.storage.withUnsafeBufferPointer { weightBuffer in
                slivers.withUnsafeBufferPointer { sliverBuffer in
                    c.storage.withUnsafeMutableBufferPointer { cBuffer in
                        GEMM.multiplyFloat(m: a.rows, n: n, k: k,
                                           a: FloatOperand(base: aBuffer.baseAddress!, rowStride: k, columnStride: 1),
                                           b: FloatOperand(base: weightBuffer.baseAddress!, rowStride: transposed ? 1 : n,
                                                           columnStride: transposed ? k : 1),
                                           prepackedB: slivers.isEmpty ? nil : sliverBuffer.baseAddress,
                                           c: cBuffer.baseAddress!, cRowStride: n, accumulate: accumulate, threads: threads)
                    }
                }
            }
        }
        return c
    }

    @Test("x Wᵀ and dY · W with W packed once equal the unpacked products bit for bit")
    func packedMatchesUnpacked() {
        var generator = SeededGenerator(seed: 5)
        for shape in Self.shapes {
            let weight = Self.gaussian(shape.out, shape.in, &generator)
            for transposed in [true, false] {
                let depth = transposed ? shape.in : shape.out, columns = transposed ? shape.out : shape.in
                let a = Self.gaussian(shape.rows, depth, &generator)
                let start = Self.gaussian(shape.rows, columns, &generator)
                var packed = PackedWeight(transposed: transposed)
                packed.pack(weight, rows: shape.rows)
                for accumulate in [false, true] {
                    for threads in [1, 2] {
                        let expected = Self.product(a, weight, transposed: transposed, packed: nil,
                                                    start: start, accumulate: accumulate, threads: threads)
                        let observed = Self.product(a, weight, transposed: transposed, packed: packed,
                                                    start: start, accumulate: accumulate, threads: threads)
                        let index = expected.storage.indices.first { expected.storage[$0].bitPattern != observed.storage[$0].bitPattern }
                        let context = "\(shape) transposed \(transposed) accumulate \(accumulate) threads \(threads)"
                        #expect(index == nil, "\(context): element \(index ?? 0) differs")
                    }
                }
            }
        }
    }

    @Test("the LSTM's gate products use the packed values; transposed and tiny plans keep none")
    func packsOnlyWhatTheKernelReads() {
        var generator = SeededGenerator(seed: 6)
        var gates = PackedWeight(transposed: true), attention = PackedWeight(transposed: true)
        gates.pack(Self.gaussian(1024, 264, &generator), rows: 100)
        attention.pack(Self.gaussian(5, 256, &generator), rows: 100)
        #expect(gates.slivers(depth: 264, columns: 1024, transposed: true).count == 264 * 1024)
        #expect(attention.slivers(depth: 256, columns: 5, transposed: true).isEmpty)
        var doubleWeight = PackedWeight(transposed: false)
        doubleWeight.pack(Matrix<Double>(rows: 1024, columns: 264), rows: 100)
        #expect(doubleWeight.slivers(depth: 1024, columns: 264, transposed: false).isEmpty)
    }

    @Test("matmul with a packed weight through the public functions gives the unpacked bits")
    func publicFunctionsAgree() {
        var generator = SeededGenerator(seed: 7)
        let weight = Self.gaussian(1024, 256, &generator)
        let x = Self.gaussian(100, 256, &generator), dY = Self.gaussian(100, 1024, &generator)
        var forwardPacked = PackedWeight(transposed: true), backwardPacked = PackedWeight(transposed: false)
        forwardPacked.pack(weight, rows: 100)
        backwardPacked.pack(weight, rows: 100)
        var plainGates = Matrix<Float>(rows: 100, columns: 1024), packedGates = plainGates
        matmulTransposedB(x, weight, into: &plainGates)
        matmulTransposedB(x, weight, packed: forwardPacked, into: &packedGates)
        #expect(plainGates.storage.map(\.bitPattern) == packedGates.storage.map(\.bitPattern))
        var plainInput = Matrix<Float>(rows: 100, columns: 256), packedInput = plainInput
        matmul(dY, weight, into: &plainInput)
        matmul(dY, weight, packed: backwardPacked, into: &packedInput)
        #expect(plainInput.storage.map(\.bitPattern) == packedInput.storage.map(\.bitPattern))
    }

    // MARK: - A block of a weight's columns (the encoder's constant input without attention)

    /// Columns `columns` of `matrix`, copied out.
    static func columnBlock(_ matrix: Matrix<Float>, _ columns: Range<Int>) -> Matrix<Float> {
        var block = Matrix<Float>(rows: matrix.rows, columns: columns.count)
        for row in 0..<matrix.rows { for (index, column) in columns.enumerated() { block[row, index] = matrix[row, column] } }
        return block
    }

    @Test("a block of W's columns: x W[:, cols]ᵀ and dY W[:, cols] (packed or not), dW[:, cols] += dYᵀ x equal the copied block's products bit for bit")
    func columnBlocks() {
        var generator = SeededGenerator(seed: 9)
        for (rows, out, inputs, columns) in [(100, 128, 300, 40..<300), (100, 128, 300, 0..<40), (7, 33, 50, 5..<29), (3, 4, 6, 2..<5)] {
            let weight = Self.gaussian(out, inputs, &generator), block = Self.columnBlock(weight, columns)
            let x = Self.gaussian(rows, columns.count, &generator), dY = Self.gaussian(rows, out, &generator)
            let context = "\(rows)x\(out)x\(inputs) columns \(columns)"
            var forwardPacked = PackedWeight(transposed: true), backwardPacked = PackedWeight(transposed: false)
            forwardPacked.pack(weight, inputColumns: columns, rows: rows)
            backwardPacked.pack(weight, inputColumns: columns, rows: rows)
            var expectedGates = Matrix<Float>(rows: rows, columns: out)
            matmulTransposedB(x, block, into: &expectedGates)
            for packed in [nil, forwardPacked] {
                var gates = Matrix<Float>(rows: rows, columns: out)
                matmulTransposedB(x, weight, bColumns: columns, packed: packed, into: &gates)
                #expect(gates.storage.map(\.bitPattern) == expectedGates.storage.map(\.bitPattern), "\(context): x W[:, cols]ᵀ")
            }
            var expectedInput = Matrix<Float>(rows: rows, columns: columns.count)
            matmul(dY, block, into: &expectedInput)
            for packed in [nil, backwardPacked] {
                var dInput = Matrix<Float>(rows: rows, columns: columns.count)
                matmul(dY, weight, bColumns: columns, packed: packed, into: &dInput)
                #expect(dInput.storage.map(\.bitPattern) == expectedInput.storage.map(\.bitPattern), "\(context): dY W[:, cols]")
            }
            let start = Self.gaussian(out, inputs, &generator)
            var expectedBlockGradient = Self.columnBlock(start, columns)
            matmulTransposedA(dY, x, into: &expectedBlockGradient, accumulate: true)
            var gradient = start
            matmulTransposedA(dY, x, into: &gradient, cColumns: columns, accumulate: true)
            #expect(Self.columnBlock(gradient, columns).storage.map(\.bitPattern) == expectedBlockGradient.storage.map(\.bitPattern),
                    "\(context): dW[:, cols] += dYᵀ x")
            let outside = (0..<inputs).filter { !columns.contains($0) }
            #expect(outside.allSatisfy { column in (0..<out).allSatisfy { gradient[$0, column] == start[$0, column] } },
                    "\(context): columns outside the block changed")
        }
    }
}
