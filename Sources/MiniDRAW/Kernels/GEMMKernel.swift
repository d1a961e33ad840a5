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
// The micro-kernel keeps an R x 16 tile of C in R `SIMD16<Float>` accumulators (2R 256-bit
// registers on AVX2) and adds one rank-1 update per step of k with fused multiply-adds.
// R is 6 (twelve accumulators, the most that AVX2's sixteen registers hold beside the B row
// and a broadcast), or 5 when the product's rows divide by 5 but not by 6: a slice of 50
// images is ten 5-row tiles instead of nine 6-row tiles of which the last is two-thirds
// padding. The tile's shape never changes a result bit: each element of C is the same chain
// of multiply-adds over k either way.
//
// Packing copies op(A) and op(B) into the exact order the kernel reads them, so the
// transposed forms differ only in the strides packing reads with. Edge slivers are
// padded with zeros, so every tile, full or partial, is computed by the same instructions.
// (Reading A or B in place instead of packing was measured slower on Zen 3: a strided
// sliver does not stay in L1.)

/// The blocking of the packed Float product. The k blocks depend on k alone, so every
/// element of C sees the same sequence of additions whatever the thread partition.
enum FloatGEMMBlocking {
    /// Rows of C in one register tile (MR), the most AVX2's registers hold; see `tileRows(for:)`.
    static let tileRows = 6
    /// The tile height for a block of `rows` rows of C: 5 when that pads no row and 6 would
    /// (50 = 10 x 5, against 9 x 6 = 54), else `tileRows`.
    static func tileRows(for rows: Int) -> Int {
        rows % tileRows != 0 && rows % 5 == 0 ? 5 : tileRows
    }
    /// Columns of C in one register tile (NR): one `SIMD16<Float>`.
    static let tileColumns = 16
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
func packedFloatProduct(rows: Range<Int>, columns: Range<Int>, k: Int,
                        a: FloatOperand, b: FloatOperand, prepackedB: UnsafePointer<Float>? = nil,
                        c: UnsafeMutablePointer<Float>, n: Int, cRowStride: Int, accumulate: Bool,
                        help: ProductHelp? = nil) {
    typealias Blocking = FloatGEMMBlocking
    let tileRows = Blocking.tileRows(for: rows.count), tileColumns = Blocking.tileColumns
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

/// Extra values allocated after packed A for the spill of its 8-wide stores (at most 3).
private let packingSlack = 8

@inline(__always)
func roundUp(_ value: Int, to multiple: Int) -> Int {
    (value + multiple - 1) / multiple * multiple
}

/// Runs the micro-kernel over every (A sliver, B sliver) pair of one packed block. A tile
/// that sticks out of C goes through `edgeTile` ([tileRows, 16]), so it runs the same instructions.
private func multiplySlivers(packedA: UnsafePointer<Float>, rows: Range<Int>, tileRows: Int,
                             packedB: UnsafePointer<Float>, columns: Range<Int>,
                             depth: Int, c: UnsafeMutablePointer<Float>, n: Int, loadC: Bool,
                             edgeTile: UnsafeMutablePointer<Float>) {
    let tileColumns = FloatGEMMBlocking.tileColumns
    // One call site per tile height, so each is compiled with its own accumulators.
    func microKernel(_ aSliver: UnsafePointer<Float>, _ bSliver: UnsafePointer<Float>,
                     _ cTile: UnsafeMutablePointer<Float>, _ cRowStride: Int) {
        if tileRows == 6 {
            floatMicroKernel(tileRows: 6, depth: depth, packedA: aSliver, packedB: bSliver, c: cTile, cRowStride: cRowStride, loadC: loadC)
        } else {
            floatMicroKernel(tileRows: 5, depth: depth, packedA: aSliver, packedB: bSliver, c: cTile, cRowStride: cRowStride, loadC: loadC)
        }
    }
    for columnStart in stride(from: columns.lowerBound, to: columns.upperBound, by: tileColumns) {
        let validColumns = min(tileColumns, columns.upperBound - columnStart)
        let bSliver = packedB + (columnStart - columns.lowerBound) * depth
        for rowStart in stride(from: rows.lowerBound, to: rows.upperBound, by: tileRows) {
            let validRows = min(tileRows, rows.upperBound - rowStart)
            let aSliver = packedA + (rowStart - rows.lowerBound) * depth
            let cTile = c + rowStart * n + columnStart
            if validRows == tileRows && validColumns == tileColumns {
                microKernel(aSliver, bSliver, cTile, n)
                continue
            }
            edgeTile.update(repeating: 0, count: tileRows * tileColumns)
            if loadC {
                for row in 0..<validRows {
                    (edgeTile + row * tileColumns).update(from: cTile + row * n, count: validColumns)
                }
            }
            microKernel(aSliver, bSliver, edgeTile, tileColumns)
            for row in 0..<validRows {
                (cTile + row * n).update(from: edgeTile + row * tileColumns, count: validColumns)
            }
        }
    }
}

// MARK: - Packing

/// Copies op(A)[rows, depth] into slivers of R = `tileRows` (5 or 6) rows: sliver s holds
/// `[depth, R]`, element (p, r) = op(A)[rows.lowerBound + R s + r, depth.lowerBound + p]; rows
/// past the end are 0. May write 8 - R values past the last sliver (`packingSlack`).
private func packA(_ a: FloatOperand, rows: Range<Int>, depth: Range<Int>, tileRows: Int,
                   into packed: UnsafeMutablePointer<Float>) {
    let depthCount = depth.count
    let sliverSize = depthCount * tileRows
    let fullSlivers = rows.count / tileRows
    let origin = a.base + rows.lowerBound * a.rowStride + depth.lowerBound * a.columnStride
    if a.columnStride == 1 {
        // op(A) = A: R contiguous rows per sliver, transposed eight steps at a time; each
        // 8-wide store spills 8 - R values that the next store (or the next sliver) overwrites.
        let rowStride = a.rowStride
        for sliver in 0..<fullSlivers {
            let sliverOrigin = origin + sliver * tileRows * rowStride
            let target = packed + sliver * sliverSize
            var step = 0
            while step + 8 <= depthCount {
                let source = sliverOrigin + step
                let sixthRow = tileRows == 6 ? load8(source + 5 * rowStride) : SIMD8()
                let columns = transposeEightByEight(load8(source), load8(source + rowStride),
                                                    load8(source + 2 * rowStride), load8(source + 3 * rowStride),
                                                    load8(source + 4 * rowStride), sixthRow,
                                                    SIMD8(), SIMD8())
                storeEight(columns, to: target + step * tileRows, stride: tileRows)
                step += 8
            }
            for remainingStep in step..<depthCount {
                for row in 0..<tileRows { target[remainingStep * tileRows + row] = sliverOrigin[row * rowStride + remainingStep] }
            }
        }
    } else if a.rowStride == 1 {
        // op(A) = stored Aᵀ: copy each stored row of the block in order, R values per sliver
        // (four, then the last one or two).
        for step in 0..<depthCount {
            let source = UnsafeRawPointer(origin + step * a.columnStride)
            var target = UnsafeMutableRawPointer(packed + step * tileRows)
            let highBytes = 4 * MemoryLayout<Float>.stride
            for sliver in 0..<fullSlivers {
                let sliverBytes = sliver * tileRows * MemoryLayout<Float>.stride
                target.storeBytes(of: source.loadUnaligned(fromByteOffset: sliverBytes, as: SIMD4<Float>.self),
                                  as: SIMD4<Float>.self)
                if tileRows == 6 {
                    target.storeBytes(of: source.loadUnaligned(fromByteOffset: sliverBytes + highBytes, as: SIMD2<Float>.self),
                                      toByteOffset: highBytes, as: SIMD2<Float>.self)
                } else {
                    target.storeBytes(of: source.load(fromByteOffset: sliverBytes + highBytes, as: Float.self),
                                      toByteOffset: highBytes, as: Float.self)
                }
                target += sliverSize * MemoryLayout<Float>.stride
            }
        }
    } else {
        packSliversGenerally(a.base, laneStride: a.rowStride, stepStride: a.columnStride,
                             lanes: fullSlivers * tileRows, firstLane: rows.lowerBound, depth: depth,
                             sliverLanes: tileRows, into: packed)
    }
    let edgeLanes = rows.count - fullSlivers * tileRows
    if edgeLanes > 0 {
        let edge = packed + fullSlivers * sliverSize
        edge.update(repeating: 0, count: sliverSize)
        packSliversGenerally(a.base, laneStride: a.rowStride, stepStride: a.columnStride,
                             lanes: edgeLanes, firstLane: rows.lowerBound + fullSlivers * tileRows, depth: depth,
                             sliverLanes: tileRows, into: edge)
    }
}

/// Copies op(B)[depth, columns] into 16-column slivers: sliver s holds `[depth, 16]`, element
/// (p, j) = op(B)[depth.lowerBound + p, columns.lowerBound + 16 s + j]; columns past the end are 0.
func packB(_ b: FloatOperand, depth: Range<Int>, columns: Range<Int>, into packed: UnsafeMutablePointer<Float>) {
    let tileColumns = FloatGEMMBlocking.tileColumns
    let depthCount = depth.count
    let sliverSize = depthCount * tileColumns
    let fullSlivers = columns.count / tileColumns
    let origin = b.base + depth.lowerBound * b.rowStride + columns.lowerBound * b.columnStride
    if b.columnStride == 1 {
        // op(B) = B: copy each row of the block in storage order, 16 values per sliver.
        for step in 0..<depthCount {
            let sourceRow = UnsafeRawPointer(origin + step * b.rowStride)
            var target = UnsafeMutableRawPointer(packed + step * tileColumns)
            for sliver in 0..<fullSlivers {
                let values = sourceRow.loadUnaligned(fromByteOffset: sliver * MemoryLayout<SIMD16<Float>>.stride,
                                                     as: SIMD16<Float>.self)
                target.storeBytes(of: values, as: SIMD16<Float>.self)
                target += sliverSize * MemoryLayout<Float>.stride
            }
        }
    } else if b.rowStride == 1 {
        // op(B) = stored Bᵀ: each sliver is 16 contiguous rows, transposed in 8 x 8 blocks.
        let columnStride = b.columnStride
        for sliver in 0..<fullSlivers {
            let sliverOrigin = origin + sliver * tileColumns * columnStride
            let target = packed + sliver * sliverSize
            for half in 0..<2 {
                var step = 0
                while step + 8 <= depthCount {
                    let source = sliverOrigin + 8 * half * columnStride + step
                    let columns = transposeEightByEight(
                        load8(source), load8(source + columnStride),
                        load8(source + 2 * columnStride), load8(source + 3 * columnStride),
                        load8(source + 4 * columnStride), load8(source + 5 * columnStride),
                        load8(source + 6 * columnStride), load8(source + 7 * columnStride))
                    storeEight(columns, to: target + step * tileColumns + 8 * half, stride: tileColumns)
                    step += 8
                }
                for remainingStep in step..<depthCount {
                    for column in 8 * half..<8 * half + 8 {
                        target[remainingStep * tileColumns + column] = sliverOrigin[column * columnStride + remainingStep]
                    }
                }
            }
        }
    } else {
        packSliversGenerally(b.base, laneStride: b.columnStride, stepStride: b.rowStride,
                             lanes: fullSlivers * tileColumns, firstLane: columns.lowerBound, depth: depth,
                             sliverLanes: tileColumns, into: packed)
    }
    let edgeLanes = columns.count - fullSlivers * tileColumns
    if edgeLanes > 0 {
        let edge = packed + fullSlivers * sliverSize
        edge.update(repeating: 0, count: sliverSize)
        packSliversGenerally(b.base, laneStride: b.columnStride, stepStride: b.rowStride,
                             lanes: edgeLanes, firstLane: columns.lowerBound + fullSlivers * tileColumns, depth: depth,
                             sliverLanes: tileColumns, into: edge)
    }
}

/// The element-by-element packing for any strides: lane l of op(X) (a row of A or a column of B)
/// at step p goes to sliver l / sliverLanes, position p * sliverLanes + l % sliverLanes.
private func packSliversGenerally(_ base: UnsafePointer<Float>, laneStride: Int, stepStride: Int,
                                  lanes: Int, firstLane: Int, depth: Range<Int>, sliverLanes: Int,
                                  into packed: UnsafeMutablePointer<Float>) {
    let sliverSize = depth.count * sliverLanes
    for lane in 0..<lanes {
        let source = base + (firstLane + lane) * laneStride + depth.lowerBound * stepStride
        let target = packed + lane / sliverLanes * sliverSize + lane % sliverLanes
        for step in 0..<depth.count { target[step * sliverLanes] = source[step * stepStride] }
    }
}

// MARK: - Micro-kernel

/// `c[R, 16] = (loadC ? c : 0) + Σ_p packedA[p, 0..<R]ᵀ · packedB[p, 0..<16]`, one fused
/// multiply-add chain per element, in order p = 0, 1, ..., depth - 1.
/// - tileRows: R, 5 or 6; a constant at each call site, so the sixth row's code folds away.
/// - packedA: [depth, R], packedB: [depth, 16], c: R rows of 16 values, `cRowStride` apart.
@inline(__always)
private func floatMicroKernel(tileRows: Int, depth: Int, packedA: UnsafePointer<Float>, packedB: UnsafePointer<Float>,
                              c: UnsafeMutablePointer<Float>, cRowStride: Int, loadC: Bool) {
    let hasSixthRow = tileRows == 6
    typealias Vector = SIMD16<Float>
    let cRaw = UnsafeMutableRawPointer(c)
    let rowBytes = cRowStride * MemoryLayout<Float>.stride
    var row0 = Vector(), row1 = Vector(), row2 = Vector()
    var row3 = Vector(), row4 = Vector(), row5 = Vector()
    if loadC {
        row0 = cRaw.loadUnaligned(fromByteOffset: 0 * rowBytes, as: Vector.self)
        row1 = cRaw.loadUnaligned(fromByteOffset: 1 * rowBytes, as: Vector.self)
        row2 = cRaw.loadUnaligned(fromByteOffset: 2 * rowBytes, as: Vector.self)
        row3 = cRaw.loadUnaligned(fromByteOffset: 3 * rowBytes, as: Vector.self)
        row4 = cRaw.loadUnaligned(fromByteOffset: 4 * rowBytes, as: Vector.self)
        if hasSixthRow { row5 = cRaw.loadUnaligned(fromByteOffset: 5 * rowBytes, as: Vector.self) }
    }
    var aStep = packedA
    var bStep = UnsafeRawPointer(packedB)
    for _ in 0..<depth {
        let bRow = bStep.loadUnaligned(as: Vector.self)
        row0 = row0.addingProduct(aStep[0], bRow)
        row1 = row1.addingProduct(aStep[1], bRow)
        row2 = row2.addingProduct(aStep[2], bRow)
        row3 = row3.addingProduct(aStep[3], bRow)
        row4 = row4.addingProduct(aStep[4], bRow)
        if hasSixthRow { row5 = row5.addingProduct(aStep[5], bRow) }
        aStep += tileRows
        bStep += MemoryLayout<Vector>.stride
    }
    cRaw.storeBytes(of: row0, toByteOffset: 0 * rowBytes, as: Vector.self)
    cRaw.storeBytes(of: row1, toByteOffset: 1 * rowBytes, as: Vector.self)
    cRaw.storeBytes(of: row2, toByteOffset: 2 * rowBytes, as: Vector.self)
    cRaw.storeBytes(of: row3, toByteOffset: 3 * rowBytes, as: Vector.self)
    cRaw.storeBytes(of: row4, toByteOffset: 4 * rowBytes, as: Vector.self)
    if hasSixthRow { cRaw.storeBytes(of: row5, toByteOffset: 5 * rowBytes, as: Vector.self) }
}
