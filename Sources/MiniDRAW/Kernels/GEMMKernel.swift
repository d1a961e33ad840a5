// MARK: - Packed Float GEMM (GotoBLAS / BLIS blocking)
//
// C[m, n] (+)= op(A)[m, k] · op(B)[k, n] is cut into blocks that fit the caches:
//
//   for each block of `columnBlock` columns of C          (B panel lives in L3)
//     for each block of `maximumDepth` steps of k          (pack B: depth x 16 slivers,
//                                                           or read a `PackedWeight`'s)
//       for each block of `rowBlock` rows of C             (pack A: R x depth slivers, L2)
//         for each 16-column sliver of B                   (sliver lives in L1)
//           for each R-row sliver of A: micro-kernel       (R x 16 tile of C in registers)
//
// The micro-kernel keeps an R x 16 tile of C in R `SIMD16<Float>` accumulators and adds one
// rank-1 update per step of k with fused multiply-adds. R follows the vector registers:
// - AVX2 (sixteen 256-bit registers, a `SIMD16` in two): R = 6, twelve accumulators, the
//   most that fit beside the B row and a broadcast.
// - AVX-512 (thirty-two 512-bit registers, a `SIMD16` in one): R = 12. With 6 rows only six
//   chains of multiply-adds would be in flight, and a core with two 512-bit FMA units of
//   4 cycles' latency (Zen 5) needs eight to keep both busy: at most 6/8 of its peak.
// A product whose rows divide by R - R/6 (5 or 10) and not by R uses that shorter tile
// instead: a slice of 50 images is ten 5-row tiles (or five 10-row ones) instead of nine
// 6-row tiles of which the last is two-thirds padding. The tile's shape never changes a
// result bit: each element of C is the same chain of multiply-adds over k either way.
//
// Edge slivers are padded with zeros (`GEMMPacking.swift`), so every tile, full or partial,
// is computed by the same instructions. (Reading A or B in place instead of packing was
// measured slower on Zen 3: a strided sliver does not stay in L1.)

/// The blocking of the packed Float product. The k blocks depend on k alone, so every
/// element of C sees the same sequence of additions whatever the thread partition.
enum FloatGEMMBlocking {
    /// Rows of C in one register tile (MR): 12 with AVX-512's 32 registers, else 6 (AVX2's 16;
    /// on arm64 a `SIMD16` takes four of NEON's 32, so 6 there too). See `tileRows(for:)`.
    static let processorTileRows = CPUFeatures.current.hasAVX512 ? 12 : 6
    /// The tile rows in use: `processorTileRows` unless `GEMM.setRegisterTileRows` chose the other.
    static var tileRows: Int { tileRowsSetting.value }
    static let tileRowsSetting = LockedSetting(processorTileRows)
    /// The shorter tile for row counts it divides and `tileRows` does not: 10 or 5.
    static var shortTileRows: Int { tileRows / 6 * 5 }
    /// Every height the micro-kernel is compiled for.
    static let supportedTileRows = [5, 6, 10, 12]
    /// The tile height for a block of `rows` rows of C: `shortTileRows` when that pads no row
    /// and `tileRows` would (50 = 10 x 5, against 9 x 6 = 54), else `tileRows`.
    static func tileRows(for rows: Int) -> Int {
        let tall = tileRows, short = tall / 6 * 5
        return rows % tall != 0 && rows % short == 0 ? short : tall
    }
    /// Columns of C in one register tile (NR): one `SIMD16<Float>`.
    static let tileColumns = 16
    /// Whether tiles of `rows` rows take two B slivers at once where they can (`floatWideMicroKernel`):
    /// the AVX-512 heights, whose 2R accumulators fit its 32 registers; AVX2's 16 hold one width only.
    static func widensTiles(rows: Int) -> Bool { rows >= 10 }
    /// Largest number of k steps packed at once (KC): a 16-column B sliver is 16 KB.
    static let maximumDepth = 256
    /// Rows of A packed at once (MC, a multiple of `tileRows`): about 150 KB of L2.
    static let rowBlock = 144
    /// Columns of B packed at once (NC, a multiple of `tileColumns`).
    static let columnBlock = 1024

    /// The k blocks of a product with depth `k`: as even as possible, none over `maximumDepth`.
    static func depthBlocks(k: Int) -> [Range<Int>] {
        let blockCount = (k + maximumDepth - 1) / maximumDepth
        return (0..<blockCount).map { index in (index * k / blockCount)..<((index + 1) * k / blockCount) }
    }
}

// MARK: - Strided operand

/// A read-only view of a matrix operand: element (row, column) is `base[row * rowStride + column * columnStride]`.
struct FloatOperand {
    let base: UnsafePointer<Float>
    let rowStride: Int
    let columnStride: Int
}

// MARK: - One thread's share

/// Computes the rows `rows` and columns `columns` of `c[m, n] (+)= op(A) · op(B)`.
/// - c: row-major, row i starting at `c + i * cRowStride` (`n` for a contiguous C); `rows` and
///   `columns` start on tile boundaries.
/// - prepackedB: all of op(B) packed already (`PackedWeight`'s layout), or nil to pack here.
/// - help: threads that may take blocks of rows (each with its own packed A) while this one
///   packs B once for all of them (`ProductHelp`); nil runs every block here.
/// - tileRows: the register tile's height, one of `supportedTileRows`; nil for the one
///   `FloatGEMMBlocking.tileRows(for:)` picks (tests and `minidraw bench` try them all).
func packedFloatProduct(rows: Range<Int>, columns: Range<Int>, k: Int,
                        a: FloatOperand, b: FloatOperand, prepackedB: UnsafePointer<Float>? = nil,
                        c: UnsafeMutablePointer<Float>, n: Int, cRowStride: Int, accumulate: Bool,
                        help: ProductHelp? = nil, tileRows: Int? = nil) {
    typealias Blocking = FloatGEMMBlocking
    let tileRows = tileRows ?? Blocking.tileRows(for: rows.count), tileColumns = Blocking.tileColumns
    let depthBlocks = Blocking.depthBlocks(k: k)
    let maximumDepth = depthBlocks.map(\.count).max() ?? 0
    let rowBlocks = evenBlocks(rows, tileSize: tileRows, maximumSize: Blocking.rowBlock)
    let columnBlocks = evenBlocks(columns, tileSize: tileColumns, maximumSize: Blocking.columnBlock)
    // packedA: slivers of [depth, tileRows]; packedB: slivers of [depth, 16]; edgeTile: [tileRows, 16].
    // With help, each block of rows has its own packedA and edgeTile, so any thread may take it.
    let packedRows = rowBlocks.map { roundUp($0.count, to: tileRows) }.max() ?? 0
    let packedColumns = columnBlocks.map { roundUp($0.count, to: tileColumns) }.max() ?? 0
    let buffers = help == nil ? 1 : rowBlocks.count
    let packedASize = packedRows * maximumDepth + packingSlack, edgeTileSize = tileRows * tileColumns
    let packedA = UnsafeMutablePointer<Float>.allocate(capacity: buffers * packedASize)
    let packedB = UnsafeMutablePointer<Float>.allocate(capacity: prepackedB == nil ? packedColumns * maximumDepth : 0)
    let edgeTile = UnsafeMutablePointer<Float>.allocate(capacity: buffers * edgeTileSize)
    defer {
        packedA.deallocate()
        packedB.deallocate()
        edgeTile.deallocate()
    }
    for columnBlock in columnBlocks {
        for (blockIndex, depth) in depthBlocks.enumerated() {
            var bPanel = UnsafePointer(packedB)
            if let prepackedB {
                bPanel = prepackedB + depth.lowerBound * roundUp(n, to: tileColumns) + columnBlock.lowerBound * depth.count
            } else {
                packB(b, depth: depth, columns: columnBlock, into: packedB)
            }
            let loadC = accumulate || blockIndex > 0
            let runRowBlock = { (index: Int) in
                let buffer = help == nil ? 0 : index
                let packedA = packedA + buffer * packedASize, edgeTile = edgeTile + buffer * edgeTileSize
                packA(a, rows: rowBlocks[index], depth: depth, tileRows: tileRows, into: packedA)
                multiplySlivers(packedA: packedA, rows: rowBlocks[index], tileRows: tileRows, packedB: bPanel, columns: columnBlock,
                                depth: depth.count, c: c, n: cRowStride, loadC: loadC, edgeTile: edgeTile)
            }
            if let help {
                help.share(parts: rowBlocks.count, runRowBlock)
            } else {
                for index in rowBlocks.indices { runRowBlock(index) }
            }
        }
    }
}

/// Cuts `range` into the fewest blocks of at most `maximumSize` (a multiple of `tileSize`),
/// as even as whole tiles allow; every block but the last starts and ends on a tile boundary.
private func evenBlocks(_ range: Range<Int>, tileSize: Int, maximumSize: Int) -> [Range<Int>] {
    let tileCount = (range.count + tileSize - 1) / tileSize
    let tilesPerBlock = maximumSize / tileSize
    let blockCount = (tileCount + tilesPerBlock - 1) / tilesPerBlock
    return (0..<blockCount).map { index in
        let start = range.lowerBound + index * tileCount / blockCount * tileSize
        let end = min(range.upperBound, range.lowerBound + (index + 1) * tileCount / blockCount * tileSize)
        return start..<end
    }
}

@inline(__always)
func roundUp(_ value: Int, to multiple: Int) -> Int {
    (value + multiple - 1) / multiple * multiple
}

/// Runs the micro-kernel over every (A sliver, B sliver) pair of one packed block. A tile
/// that sticks out of C goes through `edgeTile` ([tileRows, 16]), so it runs the same instructions.
/// With the AVX-512 heights (10 and 12 rows) two neighbouring B slivers go through the wide kernel
/// together, an R x 32 tile, wherever both are whole; the rest goes through the R x 16 kernel.
private func multiplySlivers(packedA: UnsafePointer<Float>, rows: Range<Int>, tileRows: Int,
                             packedB: UnsafePointer<Float>, columns: Range<Int>,
                             depth: Int, c: UnsafeMutablePointer<Float>, n: Int, loadC: Bool,
                             edgeTile: UnsafeMutablePointer<Float>) {
    let tileColumns = FloatGEMMBlocking.tileColumns
    // One call site per tile height, so each is compiled with its own accumulators.
    func microKernel(_ aSliver: UnsafePointer<Float>, _ bSliver: UnsafePointer<Float>,
                     _ cTile: UnsafeMutablePointer<Float>, _ cRowStride: Int) {
        switch tileRows {
        case 12: floatMicroKernel(tileRows: 12, depth: depth, packedA: aSliver, packedB: bSliver, c: cTile, cRowStride: cRowStride, loadC: loadC)
        case 10: floatMicroKernel(tileRows: 10, depth: depth, packedA: aSliver, packedB: bSliver, c: cTile, cRowStride: cRowStride, loadC: loadC)
        case 6: floatMicroKernel(tileRows: 6, depth: depth, packedA: aSliver, packedB: bSliver, c: cTile, cRowStride: cRowStride, loadC: loadC)
        default: floatMicroKernel(tileRows: 5, depth: depth, packedA: aSliver, packedB: bSliver, c: cTile, cRowStride: cRowStride, loadC: loadC)
        }
    }
    func wideMicroKernel(_ aSliver: UnsafePointer<Float>, _ bSliver: UnsafePointer<Float>, _ cTile: UnsafeMutablePointer<Float>) {
        if tileRows == 12 {
            floatWideMicroKernel(tileRows: 12, depth: depth, packedA: aSliver, packedB: bSliver, c: cTile, cRowStride: n, loadC: loadC)
        } else {
            floatWideMicroKernel(tileRows: 10, depth: depth, packedA: aSliver, packedB: bSliver, c: cTile, cRowStride: n, loadC: loadC)
        }
    }
    let pairsSlivers = FloatGEMMBlocking.widensTiles(rows: tileRows)
    var columnStart = columns.lowerBound
    while columnStart < columns.upperBound {
        let validColumns = min(tileColumns, columns.upperBound - columnStart)
        let bSliver = packedB + (columnStart - columns.lowerBound) * depth
        let wide = pairsSlivers && columns.upperBound - columnStart >= 2 * tileColumns
        for rowStart in stride(from: rows.lowerBound, to: rows.upperBound, by: tileRows) {
            let validRows = min(tileRows, rows.upperBound - rowStart)
            let aSliver = packedA + (rowStart - rows.lowerBound) * depth
            let cTile = c + rowStart * n + columnStart
            if validRows == tileRows && wide {
                wideMicroKernel(aSliver, bSliver, cTile)
                continue
            }
            if validRows == tileRows && validColumns == tileColumns {
                microKernel(aSliver, bSliver, cTile, n)
                if wide { microKernel(aSliver, bSliver + tileColumns * depth, cTile + tileColumns, n) }
                continue
            }
            for half in 0..<(wide ? 2 : 1) {                 // the last rows: each 16-column half on its own
                let halfColumns = half == 0 ? validColumns : tileColumns, halfTile = cTile + half * tileColumns
                edgeTile.update(repeating: 0, count: tileRows * tileColumns)
                if loadC {
                    for row in 0..<validRows {
                        (edgeTile + row * tileColumns).update(from: halfTile + row * n, count: halfColumns)
                    }
                }
                microKernel(aSliver, bSliver + half * tileColumns * depth, edgeTile, tileColumns)
                for row in 0..<validRows {
                    (halfTile + row * n).update(from: edgeTile + row * tileColumns, count: halfColumns)
                }
            }
        }
        columnStart += wide ? 2 * tileColumns : tileColumns
    }
}

// MARK: - Micro-kernel

/// `c[R, 16] = (loadC ? c : 0) + Σ_p packedA[p, 0..<R]ᵀ · packedB[p, 0..<16]`, one fused
/// multiply-add chain per element, in order p = 0, 1, ..., depth - 1.
/// - tileRows: R, 5, 6, 10 or 12; a constant at each call site, so the code of rows past R
///   folds away and each height keeps its R accumulators in registers.
/// - packedA: [depth, R], packedB: [depth, 16], c: R rows of 16 values, `cRowStride` apart.
@inline(__always)
private func floatMicroKernel(tileRows: Int, depth: Int, packedA: UnsafePointer<Float>, packedB: UnsafePointer<Float>,
                              c: UnsafeMutablePointer<Float>, cRowStride: Int, loadC: Bool) {
    typealias Vector = SIMD16<Float>
    let cRaw = UnsafeMutableRawPointer(c)
    let rowBytes = cRowStride * MemoryLayout<Float>.stride
    @inline(__always) func load(_ row: Int) -> Vector {
        loadC ? cRaw.loadUnaligned(fromByteOffset: row * rowBytes, as: Vector.self) : Vector()
    }
    @inline(__always) func store(_ row: Int, _ values: Vector) {
        cRaw.storeBytes(of: values, toByteOffset: row * rowBytes, as: Vector.self)
    }
    // Accumulator r holds row r of the tile.
    var row0 = load(0), row1 = load(1), row2 = load(2), row3 = load(3), row4 = load(4)
    var row5 = Vector(), row6 = Vector(), row7 = Vector(), row8 = Vector()
    var row9 = Vector(), row10 = Vector(), row11 = Vector()
    if tileRows > 5 { row5 = load(5) }
    if tileRows > 6 { (row6, row7, row8, row9) = (load(6), load(7), load(8), load(9)) }
    if tileRows > 10 { (row10, row11) = (load(10), load(11)) }
    var aStep = packedA
    var bStep = UnsafeRawPointer(packedB)
    for _ in 0..<depth {
        // One rank-1 update: row r += a[p, r] · b[p, 0..<16].
        let bRow = bStep.loadUnaligned(as: Vector.self)
        row0 = row0.addingProduct(aStep[0], bRow)
        row1 = row1.addingProduct(aStep[1], bRow)
        row2 = row2.addingProduct(aStep[2], bRow)
        row3 = row3.addingProduct(aStep[3], bRow)
        row4 = row4.addingProduct(aStep[4], bRow)
        if tileRows > 5 { row5 = row5.addingProduct(aStep[5], bRow) }
        if tileRows > 6 {
            row6 = row6.addingProduct(aStep[6], bRow)
            row7 = row7.addingProduct(aStep[7], bRow)
            row8 = row8.addingProduct(aStep[8], bRow)
            row9 = row9.addingProduct(aStep[9], bRow)
        }
        if tileRows > 10 {
            row10 = row10.addingProduct(aStep[10], bRow)
            row11 = row11.addingProduct(aStep[11], bRow)
        }
        aStep += tileRows
        bStep += MemoryLayout<Vector>.stride
    }
    store(0, row0); store(1, row1); store(2, row2); store(3, row3); store(4, row4)
    if tileRows > 5 { store(5, row5) }
    if tileRows > 6 { store(6, row6); store(7, row7); store(8, row8); store(9, row9) }
    if tileRows > 10 { store(10, row10); store(11, row11) }
}

/// The R x 32 tile of two neighbouring B slivers at once: `c[R, 0..<16]` from `packedB[p, 0..<16]`
/// and `c[R, 16..<32]` from the next sliver, `packedB + 16 * depth`. Each broadcast of a[p, r]
/// feeds two multiply-adds instead of one, so an AVX-512 core issues R + 2 loads for 2R
/// multiply-adds (the R x 16 kernel: R + 1 for R), and its two load ports no longer hold back its
/// two FMA units. Every element of C is the same chain of multiply-adds as in `floatMicroKernel`,
/// so the result has the same bits.
/// - tileRows: R, 10 or 12 (24 accumulators and two B rows fit AVX-512's 32 registers).
/// - packedA: [depth, R], packedB: two slivers of [depth, 16], c: R rows of 32 values, `cRowStride` apart.
@inline(__always)
private func floatWideMicroKernel(tileRows: Int, depth: Int, packedA: UnsafePointer<Float>, packedB: UnsafePointer<Float>,
                                  c: UnsafeMutablePointer<Float>, cRowStride: Int, loadC: Bool) {
    typealias Vector = SIMD16<Float>
    let cRaw = UnsafeMutableRawPointer(c)
    let rowBytes = cRowStride * MemoryLayout<Float>.stride, halfBytes = 16 * MemoryLayout<Float>.stride
    @inline(__always) func load(_ row: Int, _ half: Int) -> Vector {
        loadC ? cRaw.loadUnaligned(fromByteOffset: row * rowBytes + half * halfBytes, as: Vector.self) : Vector()
    }
    @inline(__always) func store(_ row: Int, _ half: Int, _ values: Vector) {
        cRaw.storeBytes(of: values, toByteOffset: row * rowBytes + half * halfBytes, as: Vector.self)
    }
    // left r and right r hold row r of the tile's two halves.
    var (left0, left1, left2, left3, left4) = (load(0, 0), load(1, 0), load(2, 0), load(3, 0), load(4, 0))
    var (left5, left6, left7, left8, left9) = (load(5, 0), load(6, 0), load(7, 0), load(8, 0), load(9, 0))
    var (right0, right1, right2, right3, right4) = (load(0, 1), load(1, 1), load(2, 1), load(3, 1), load(4, 1))
    var (right5, right6, right7, right8, right9) = (load(5, 1), load(6, 1), load(7, 1), load(8, 1), load(9, 1))
    var (left10, left11, right10, right11) = (Vector(), Vector(), Vector(), Vector())
    if tileRows > 10 { (left10, left11, right10, right11) = (load(10, 0), load(11, 0), load(10, 1), load(11, 1)) }
    var aStep = packedA
    var leftStep = UnsafeRawPointer(packedB), rightStep = UnsafeRawPointer(packedB + 16 * depth)
    for _ in 0..<depth {
        // One rank-1 update: row r += a[p, r] · b[p, 0..<32].
        let left = leftStep.loadUnaligned(as: Vector.self), right = rightStep.loadUnaligned(as: Vector.self)
        var a = aStep[0]; left0 = left0.addingProduct(a, left); right0 = right0.addingProduct(a, right)
        a = aStep[1]; left1 = left1.addingProduct(a, left); right1 = right1.addingProduct(a, right)
        a = aStep[2]; left2 = left2.addingProduct(a, left); right2 = right2.addingProduct(a, right)
        a = aStep[3]; left3 = left3.addingProduct(a, left); right3 = right3.addingProduct(a, right)
        a = aStep[4]; left4 = left4.addingProduct(a, left); right4 = right4.addingProduct(a, right)
        a = aStep[5]; left5 = left5.addingProduct(a, left); right5 = right5.addingProduct(a, right)
        a = aStep[6]; left6 = left6.addingProduct(a, left); right6 = right6.addingProduct(a, right)
        a = aStep[7]; left7 = left7.addingProduct(a, left); right7 = right7.addingProduct(a, right)
        a = aStep[8]; left8 = left8.addingProduct(a, left); right8 = right8.addingProduct(a, right)
        a = aStep[9]; left9 = left9.addingProduct(a, left); right9 = right9.addingProduct(a, right)
        if tileRows > 10 {
            a = aStep[10]; left10 = left10.addingProduct(a, left); right10 = right10.addingProduct(a, right)
            a = aStep[11]; left11 = left11.addingProduct(a, left); right11 = right11.addingProduct(a, right)
        }
        aStep += tileRows
        leftStep += MemoryLayout<Vector>.stride
        rightStep += MemoryLayout<Vector>.stride
    }
    store(0, 0, left0); store(1, 0, left1); store(2, 0, left2); store(3, 0, left3); store(4, 0, left4)
    store(5, 0, left5); store(6, 0, left6); store(7, 0, left7); store(8, 0, left8); store(9, 0, left9)
    store(0, 1, right0); store(1, 1, right1); store(2, 1, right2); store(3, 1, right3); store(4, 1, right4)
    store(5, 1, right5); store(6, 1, right6); store(7, 1, right7); store(8, 1, right8); store(9, 1, right9)
    if tileRows > 10 { store(10, 0, left10); store(11, 0, left11); store(10, 1, right10); store(11, 1, right11) }
}
