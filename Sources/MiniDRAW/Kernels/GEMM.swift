import Dispatch
import Foundation

// MARK: - The three products backprop needs

/// `c = a · b` (or `c += a · b` when `accumulate`): a layer's input gradient, `dX = dY · W`.
/// - a: [m, k], b: [k, n], c: [m, n]
/// - packed: `b` packed with `PackedWeight(transposed: false)`, or nil; same result either way.
package func matmul<S: DRAWScalar>(_ a: Matrix<S>, _ b: Matrix<S>, packed: PackedWeight? = nil,
                                   into c: inout Matrix<S>, accumulate: Bool = false) {
    precondition(a.columns == b.rows && c.rows == a.rows && c.columns == b.columns,
                 "matmul A·B: A \(a.shapeDescription) · B \(b.shapeDescription) -> C \(c.shapeDescription)")
    GEMM.multiply(a, transposeA: false, b, transposeB: false, packedB: packed, into: &c, accumulate: accumulate)
}

/// `c = a · bᵀ` (or `+=`): a linear layer's forward with a PyTorch `[out, in]` weight.
/// - a: [m, k], b: [n, k], c: [m, n]
/// - packed: `b` packed with `PackedWeight(transposed: true)`, or nil; same result either way.
package func matmulTransposedB<S: DRAWScalar>(_ a: Matrix<S>, _ b: Matrix<S>, packed: PackedWeight? = nil,
                                              into c: inout Matrix<S>, accumulate: Bool = false) {
    precondition(a.columns == b.columns && c.rows == a.rows && c.columns == b.rows,
                 "matmul A·Bᵀ: A \(a.shapeDescription) · B \(b.shapeDescription)ᵀ -> C \(c.shapeDescription)")
    GEMM.multiply(a, transposeA: false, b, transposeB: true, packedB: packed, into: &c, accumulate: accumulate)
}

/// `c = aᵀ · b` (or `+=`): a weight gradient, `dW += dYᵀ · X`.
/// - a: [k, m], b: [k, n], c: [m, n]
package func matmulTransposedA<S: DRAWScalar>(_ a: Matrix<S>, _ b: Matrix<S>, into c: inout Matrix<S>, accumulate: Bool = false) {
    precondition(a.rows == b.rows && c.rows == a.columns && c.columns == b.columns,
                 "matmul Aᵀ·B: A \(a.shapeDescription)ᵀ · B \(b.shapeDescription) -> C \(c.shapeDescription)")
    GEMM.multiply(a, transposeA: true, b, transposeB: false, into: &c, accumulate: accumulate)
}

// MARK: - Products with a block of a weight's columns

/// `c = a · b[:, columns]ᵀ` (or `+=`): the forward of the input columns `columns` of a layer
/// whose other input columns are handled elsewhere.
/// - a: [m, columns.count], b: [n, k'] with `columns` in 0..<k', c: [m, n]
/// - packed: `b` packed with `PackedWeight(transposed: true)` and the same `columns`, or nil.
package func matmulTransposedB<S: DRAWScalar>(_ a: Matrix<S>, _ b: Matrix<S>, bColumns columns: Range<Int>,
                                              packed: PackedWeight? = nil, into c: inout Matrix<S>, accumulate: Bool = false) {
    precondition(a.columns == columns.count && columns.upperBound <= b.columns && c.rows == a.rows && c.columns == b.rows,
                 "matmul A·B[:, \(columns)]ᵀ: A \(a.shapeDescription) · B \(b.shapeDescription)ᵀ -> C \(c.shapeDescription)")
    let (m, n, k) = (c.rows, c.columns, columns.count)
    let slivers = packed?.slivers(depth: k, columns: n, transposed: true) ?? []
    a.storage.withUnsafeBufferPointer { aBuffer in
    b.storage.withUnsafeBufferPointer { bBuffer in
    c.storage.withUnsafeMutableBufferPointer { cBuffer in
    slivers.withUnsafeBufferPointer { sliverBuffer in
        GEMM.multiply(m: m, n: n, k: k, a: aBuffer.baseAddress!, aRowStride: k, aColumnStride: 1,
                      b: bBuffer.baseAddress! + columns.lowerBound, bRowStride: 1, bColumnStride: b.columns,
                      prepackedB: slivers.isEmpty ? nil : sliverBuffer.baseAddress, c: cBuffer.baseAddress!, accumulate: accumulate)
    }}}}
}

/// `c = a · b[:, columns]`: the input gradient of those columns only.
/// - a: [m, k], b: [k, n'] with `columns` in 0..<n', c: [m, columns.count]
/// - packed: `b` packed with `PackedWeight(transposed: false)` and the same `columns`, or nil.
package func matmul<S: DRAWScalar>(_ a: Matrix<S>, _ b: Matrix<S>, bColumns columns: Range<Int>,
                                   packed: PackedWeight? = nil, into c: inout Matrix<S>) {
    precondition(a.columns == b.rows && columns.upperBound <= b.columns && c.rows == a.rows && c.columns == columns.count,
                 "matmul A·B[:, \(columns)]: A \(a.shapeDescription) · B \(b.shapeDescription) -> C \(c.shapeDescription)")
    let (m, n, k) = (c.rows, c.columns, a.columns)
    let slivers = packed?.slivers(depth: k, columns: n, transposed: false) ?? []
    a.storage.withUnsafeBufferPointer { aBuffer in
    b.storage.withUnsafeBufferPointer { bBuffer in
    c.storage.withUnsafeMutableBufferPointer { cBuffer in
    slivers.withUnsafeBufferPointer { sliverBuffer in
        GEMM.multiply(m: m, n: n, k: k, a: aBuffer.baseAddress!, aRowStride: k, aColumnStride: 1,
                      b: bBuffer.baseAddress! + columns.lowerBound, bRowStride: b.columns, bColumnStride: 1,
                      prepackedB: slivers.isEmpty ? nil : sliverBuffer.baseAddress, c: cBuffer.baseAddress!, accumulate: false)
    }}}}
}

/// `c[:, columns] = aᵀ · b` (or `+=`): the weight gradient of those input columns.
/// - a: [k, m], b: [k, columns.count], c: [m, n'] with `columns` in 0..<n'
package func matmulTransposedA<S: DRAWScalar>(_ a: Matrix<S>, _ b: Matrix<S>, into c: inout Matrix<S>, cColumns columns: Range<Int>,
                                              accumulate: Bool = false) {
    precondition(a.rows == b.rows && c.rows == a.columns && b.columns == columns.count && columns.upperBound <= c.columns,
                 "matmul Aᵀ·B -> C[:, \(columns)]: A \(a.shapeDescription)ᵀ · B \(b.shapeDescription) -> C \(c.shapeDescription)")
    let (m, n, k) = (a.columns, columns.count, a.rows)
    let cRowStride = c.columns
    a.storage.withUnsafeBufferPointer { aBuffer in
    b.storage.withUnsafeBufferPointer { bBuffer in
    c.storage.withUnsafeMutableBufferPointer { cBuffer in
        GEMM.multiply(m: m, n: n, k: k, a: aBuffer.baseAddress!, aRowStride: 1, aColumnStride: m,
                      b: bBuffer.baseAddress!, bRowStride: n, bColumnStride: 1,
                      c: cBuffer.baseAddress! + columns.lowerBound, cRowStride: cRowStride, accumulate: accumulate)
    }}}
}

// MARK: - Strided product

/// General matrix multiply over strided operands.
///
/// Element (i, p) of op(A) is `a[i * aRowStride + p * aColumnStride]`; likewise for B.
/// `Float` products go to the packed, register-tiled kernel of `GEMMKernel.swift`; other
/// scalars (the `Double` of gradient checks) and tiny Float products use a plain loop. How a
/// product is computed depends on its shape alone, the work is split over tiles of C in a
/// fixed partition, and each element is summed in an order that depends on k alone, so a
/// result is bit-identical for every `threadCount`.
package enum GEMM {
    /// Number of threads the products and the per-image loops (`forEachRowRange`) use: 2 until
    /// set, once, by the tool's `--threads`. Results do not depend on it (see above).
    /// Inside `serially` it reads 1 on that thread.
    package static var threadCount: Int {
        get { SerialRegion.isActive ? 1 : threadCountSetting.value }
        set { threadCountSetting.value = newValue }
    }

    /// The Float kernel's register tile for this processor: rows x columns of C held in vector
    /// registers (`GEMMKernel.swift`), 6 x 16 with AVX2, 12 x 16 with AVX-512; products whose
    /// rows divide by `shortRows` (5 or 10) and not by `rows` use that many rows.
    package static var registerTile: (rows: Int, shortRows: Int, columns: Int) {
        (FloatGEMMBlocking.tileRows, FloatGEMMBlocking.shortTileRows, FloatGEMMBlocking.tileColumns)
    }

    /// Uses register tiles of `rows` rows, 6 (AVX2's) or 12 (AVX-512's), instead of this
    /// processor's choice: for `minidraw bench --tile-rows`, which compares the two on one
    /// machine. Every tile height gives the same bits; only the speed changes.
    package static func setRegisterTileRows(_ rows: Int) {
        precondition(rows == 6 || rows == 12, "register tiles have 6 or 12 rows, not \(rows)")
        FloatGEMMBlocking.tileRowsSetting.value = rows
    }

    /// `threadCount`'s value, behind a lock so that any thread may read or set it.
    private static let threadCountSetting = LockedSetting(2)

    /// Runs `body` with every product and per-image loop it starts on the calling thread: for
    /// work that is already one of several running side by side (the training step's batch
    /// slices, `BatchSlices.swift`).
    /// - help: the threads running alongside; while one of them has finished its own work, the
    ///   products `body` starts give it part of their tiles (`ProductHelp`).
    package static func serially<Result>(helpedBy help: ProductHelp? = nil, _ body: () throws -> Result) rethrows -> Result {
        try SerialRegion.run(help: help, body)
    }

    /// - packedB: op(B) packed already, or nil (see `PackedWeight`).
    package static func multiply<S: DRAWScalar>(_ a: Matrix<S>, transposeA: Bool, _ b: Matrix<S>, transposeB: Bool,
                                                packedB: PackedWeight? = nil, into c: inout Matrix<S>, accumulate: Bool) {
        let m = c.rows, n = c.columns
        let k = transposeA ? a.rows : a.columns
        let slivers = packedB?.slivers(depth: k, columns: n, transposed: transposeB) ?? []
        a.storage.withUnsafeBufferPointer { aBuffer in
            b.storage.withUnsafeBufferPointer { bBuffer in
                c.storage.withUnsafeMutableBufferPointer { cBuffer in
                    slivers.withUnsafeBufferPointer { sliverBuffer in
                        multiply(m: m, n: n, k: k,
                                 a: aBuffer.baseAddress!, aRowStride: transposeA ? 1 : a.columns, aColumnStride: transposeA ? a.columns : 1,
                                 b: bBuffer.baseAddress!, bRowStride: transposeB ? 1 : b.columns, bColumnStride: transposeB ? b.columns : 1,
                                 prepackedB: slivers.isEmpty ? nil : sliverBuffer.baseAddress, c: cBuffer.baseAddress!, accumulate: accumulate)
                    }
                }
            }
        }
    }

    /// `c[m, n] (+)= op(A)[m, k] · op(B)[k, n]`, with `c` row-major, row i at `c + i * cRowStride`
    /// (nil: `n`, a contiguous C; larger: a block of columns of a wider matrix).
    /// - prepackedB: for Float, op(B) in `PackedWeight`'s layout, used when the product runs on
    ///   the packed kernel without transposing; nil to pack B here.
    package static func multiply<S: DRAWScalar>(m: Int, n: Int, k: Int,
                                                a: UnsafePointer<S>, aRowStride: Int, aColumnStride: Int,
                                                b: UnsafePointer<S>, bRowStride: Int, bColumnStride: Int,
                                                prepackedB: UnsafePointer<Float>? = nil,
                                                c: UnsafeMutablePointer<S>, cRowStride: Int? = nil, accumulate: Bool) {
        let cRowStride = cRowStride ?? n
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * cRowStride).update(repeating: 0, count: n) } }
            return
        }
        if S.self == Float.self {
            multiplyFloat(m: m, n: n, k: k,
                          a: FloatOperand(base: UnsafeRawPointer(a).assumingMemoryBound(to: Float.self),
                                          rowStride: aRowStride, columnStride: aColumnStride),
                          b: FloatOperand(base: UnsafeRawPointer(b).assumingMemoryBound(to: Float.self),
                                          rowStride: bRowStride, columnStride: bColumnStride),
                          prepackedB: prepackedB, c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self),
                          cRowStride: cRowStride, accumulate: accumulate, threads: threadCount)
        } else {
            multiplyPlain(m: m, n: n, k: k, a: a, aRowStride: aRowStride, aColumnStride: aColumnStride,
                          b: b, bRowStride: bRowStride, bColumnStride: bColumnStride, c: c, cRowStride: cRowStride,
                          accumulate: accumulate)
        }
    }

    // MARK: Float: fixed partition over the packed kernel

    /// Runs a Float product as `FloatProductPlan` lays it out: tiny products as a plain loop,
    /// others on the packed kernel, possibly as Cᵀ = op(B)ᵀ · op(A)ᵀ, split into one block of
    /// whole tiles per thread.
    static func multiplyFloat(m: Int, n: Int, k: Int, a: FloatOperand, b: FloatOperand, prepackedB: UnsafePointer<Float>? = nil,
                              c: UnsafeMutablePointer<Float>, cRowStride: Int, accumulate: Bool, threads: Int) {
        // Inside `serially`, a helper that has finished its own work may take half of the product.
        let help = threads == 1 ? SerialRegion.help : nil
        let helped = help?.hasIdleHelper ?? false
        let plan = FloatProductPlan(m: m, n: n, k: k, threads: helped ? 2 : threads,
                                    threadStartCycles: helped ? FloatProductPlan.helperStartCycles : FloatProductPlan.threadStartCycles)
        if plan.isTiny {
            multiplyPlain(m: m, n: n, k: k, a: a.base, aRowStride: a.rowStride, aColumnStride: a.columnStride,
                          b: b.base, bRowStride: b.rowStride, bColumnStride: b.columnStride, c: c, cRowStride: cRowStride,
                          accumulate: accumulate)
            return
        }
        guard plan.computesTranspose else {
            runPacked(plan, m: m, n: n, k: k, a: a, b: b, prepackedB: prepackedB, c: c, cRowStride: cRowStride,
                      accumulate: accumulate, help: help)
            return
        }
        // Cᵀ[n, m] = op(B)ᵀ · op(A)ᵀ: the operands swap roles and their strides swap.
        let transposedC = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        defer { transposedC.deallocate() }
        if accumulate {
            transposeCopy(rows: m, columns: n, from: c, sourceRowStride: cRowStride, to: transposedC, targetRowStride: m)
        }
        runPacked(plan, m: n, n: m, k: k,
                  a: FloatOperand(base: b.base, rowStride: b.columnStride, columnStride: b.rowStride),
                  b: FloatOperand(base: a.base, rowStride: a.columnStride, columnStride: a.rowStride),
                  c: transposedC, cRowStride: m, accumulate: accumulate, help: help)
        transposeCopy(rows: n, columns: m, from: transposedC, sourceRowStride: m, to: c, targetRowStride: cRowStride)
    }

    /// Splits C[m, n] as `plan` says and runs the packed kernel on each part: on threads of
    /// their own, or, inside `serially` with `help`, here and on a helper. A product run whole
    /// there still offers its blocks of rows to a helper that comes along (`packedFloatProduct`).
    private static func runPacked(_ plan: FloatProductPlan, m: Int, n: Int, k: Int, a: FloatOperand, b: FloatOperand,
                                  prepackedB: UnsafePointer<Float>? = nil, c: UnsafeMutablePointer<Float>, cRowStride: Int,
                                  accumulate: Bool, help: ProductHelp?) {
        let tileSize = plan.split == .rows ? FloatGEMMBlocking.tileRows : FloatGEMMBlocking.tileColumns
        let extent = plan.split == .rows ? m : n
        let tileCount = (extent + tileSize - 1) / tileSize
        let parts = plan.threads
        let cAddress = UInt(bitPattern: c), prepackedAddress = UInt(bitPattern: prepackedB)
        let runPart = { (part: Int) in
            let start = min(extent, part * tileCount / parts * tileSize)
            let end = min(extent, (part + 1) * tileCount / parts * tileSize)
            let c = UnsafeMutablePointer<Float>(bitPattern: cAddress)!
            packedFloatProduct(rows: plan.split == .rows ? start..<end : 0..<m,
                               columns: plan.split == .columns ? start..<end : 0..<n,
                               k: k, a: a, b: b, prepackedB: UnsafePointer<Float>(bitPattern: prepackedAddress),
                               c: c, n: n, cRowStride: cRowStride, accumulate: accumulate,
                               help: parts == 1 ? help : nil)
        }
        if let help {
            help.share(parts: parts, runPart)
        } else {
            runConcurrently(parts: parts, runPart)
        }
    }

    // MARK: Other scalars: plain loop

    /// `c (+)= op(A) · op(B)` one row of C at a time, on the calling thread.
    static func multiplyPlain<S: DRAWScalar>(m: Int, n: Int, k: Int,
                                             a: UnsafePointer<S>, aRowStride: Int, aColumnStride: Int,
                                             b: UnsafePointer<S>, bRowStride: Int, bColumnStride: Int,
                                             c: UnsafeMutablePointer<S>, cRowStride: Int, accumulate: Bool) {
        for i in 0..<m {
            let cRow = c + i * cRowStride
            if !accumulate { cRow.update(repeating: 0, count: n) }
            for p in 0..<k {
                let aValue = a[i * aRowStride + p * aColumnStride]
                let bRow = b + p * bRowStride
                for j in 0..<n { cRow[j] += aValue * bRow[j * bColumnStride] }
            }
        }
    }
}

// MARK: - Float plan

/// How a Float product runs, decided from its shape and thread count alone.
///
/// Choices come from a cost model in cycles of one core: the micro-kernel spends about 6
/// cycles per step of k on a full tile (12 multiply-adds, two per cycle: a 6 x 16 tile's on
/// AVX2, a 12 x 16 tile's on AVX-512; padded tiles cost as much as full ones), packing
/// about 1 cycle per element of op(A) and op(B) it copies, transposing C about
/// `transposeCyclesPerElement`, and waking a second thread about `threadStartCycles`.
/// None of these choices changes a result bit.
struct FloatProductPlan: Equatable {
    enum Split: Equatable { case none, rows, columns }

    /// Below this many multiply-adds a plain loop beats packing.
    static let tinyProductSize = 1024
    static let threadStartCycles = 6000
    /// Handing half a product to a helper that polls for work (`ProductHelp`): the lock, and
    /// the helper's delay in seeing the offer.
    static let helperStartCycles = 50_000
    /// Copying C to and from its transpose in 8 x 8 blocks (`transposeCopy`): 0.28 ms for the
    /// 1024 x 264 of a weight gradient, in and out, on a Zen 3 (element by element: 2.0 ms).
    static let transposeCyclesPerElement = 2

    let isTiny: Bool
    /// Compute Cᵀ[n, m] = op(B)ᵀ · op(A)ᵀ: fewer padded lanes when n is small.
    let computesTranspose: Bool
    /// How the (possibly transposed) C is divided into one block per thread.
    let split: Split
    let threads: Int

    init(m: Int, n: Int, k: Int, threads: Int, threadStartCycles: Int = threadStartCycles) {
        isTiny = m * n * k < Self.tinyProductSize
        // The tile height is a setting behind a lock (`GEMM.setRegisterTileRows`): read it once.
        let tileRows = FloatGEMMBlocking.tileRows, tileColumns = FloatGEMMBlocking.tileColumns
        computesTranspose = !isTiny && Self.cycles(rows: n, columns: m, k: k, tileRows: tileRows)
            + Self.transposeCyclesPerElement * m * n < Self.cycles(rows: m, columns: n, k: k, tileRows: tileRows)
        let (rows, columns) = computesTranspose ? (n, m) : (m, n)
        let alone = Self.cycles(rows: rows, columns: columns, k: k, tileRows: tileRows)
        var best = (split: Split.none, cycles: alone)
        if threads > 1 && !isTiny {
            let rowTiles = (rows + tileRows - 1) / tileRows, columnTiles = (columns + tileColumns - 1) / tileColumns
            let rowShare = min(rows, (rowTiles + threads - 1) / threads * tileRows)
            let columnShare = min(columns, (columnTiles + threads - 1) / threads * tileColumns)
            let byRows = Self.cycles(rows: rowShare, columns: columns, k: k, tileRows: tileRows) + threadStartCycles
            let byColumns = Self.cycles(rows: rows, columns: columnShare, k: k, tileRows: tileRows) + threadStartCycles
            if byRows < best.cycles { best = (.rows, byRows) }
            if byColumns < best.cycles { best = (.columns, byColumns) }
        }
        split = best.split
        switch split {
        case .none: self.threads = 1
        case .rows: self.threads = min(threads, (rows + tileRows - 1) / tileRows)
        case .columns: self.threads = min(threads, (columns + tileColumns - 1) / tileColumns)
        }
    }

    /// Estimated cycles for one core to compute a [rows, columns] block of C with depth k.
    static func cycles(rows: Int, columns: Int, k: Int, tileRows: Int) -> Int {
        let tiles = (rows + tileRows - 1) / tileRows
            * ((columns + FloatGEMMBlocking.tileColumns - 1) / FloatGEMMBlocking.tileColumns)
        return tiles * k * 6 + (rows + columns) * k
    }
}

// MARK: - A setting any thread may read

/// One value behind a lock: a process-wide setting (such as `GEMM.threadCount`) that is safe
/// to read from every thread. A lock costs tens of nanoseconds, nothing beside a product.
final class LockedSetting<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var storedValue: Value

    init(_ value: Value) { storedValue = value }

    var value: Value {
        get { lock.withLock { storedValue } }
        set { lock.withLock { storedValue = newValue } }
    }
}
