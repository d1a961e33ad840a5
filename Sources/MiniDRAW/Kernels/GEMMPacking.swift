// MARK: - Packing
//
// Packing copies op(A) and op(B) into the exact order the micro-kernel reads them
// (`GEMMKernel.swift`), so the transposed forms differ only in the strides packing reads
// with. Slivers past the end of op(A) or op(B) are padded with zeros. Packing only copies:
// every value keeps its bits.

/// Copies op(A)[rows, depth] into slivers of R = `tileRows` rows (5, 6, 10 or 12): sliver s
/// holds `[depth, R]`, element (p, r) = op(A)[rows.lowerBound + R s + r, depth.lowerBound + p];
/// rows past the end are 0. May write up to 7 values past the last sliver (`packingSlack`).
func packA(_ a: FloatOperand, rows: Range<Int>, depth: Range<Int>, tileRows: Int,
           into packed: UnsafeMutablePointer<Float>) {
    precondition(FloatGEMMBlocking.supportedTileRows.contains(tileRows), "packA: no \(tileRows)-row tile")
    let depthCount = depth.count
    let sliverSize = depthCount * tileRows
    let fullSlivers = rows.count / tileRows
    let origin = a.base + rows.lowerBound * a.rowStride + depth.lowerBound * a.columnStride
    if a.columnStride == 1 {
        // op(A) = A: R contiguous rows per sliver, transposed (one call site per height, so
        // that each compiles with its row groups known).
        switch tileRows {
        case 12: packRowSlivers(tileRows: 12, origin: origin, rowStride: a.rowStride, slivers: fullSlivers, depth: depthCount, into: packed)
        case 10: packRowSlivers(tileRows: 10, origin: origin, rowStride: a.rowStride, slivers: fullSlivers, depth: depthCount, into: packed)
        case 6: packRowSlivers(tileRows: 6, origin: origin, rowStride: a.rowStride, slivers: fullSlivers, depth: depthCount, into: packed)
        default: packRowSlivers(tileRows: 5, origin: origin, rowStride: a.rowStride, slivers: fullSlivers, depth: depthCount, into: packed)
        }
    } else if a.rowStride == 1 {
        // op(A) = stored Aᵀ: each step is a contiguous stored row; copy R values per sliver
        // (4 + 1, 4 + 2, 8 + 2 or 8 + 4), eight steps of one sliver at a time (see `stepGroup`).
        let wide = tileRows >= 8
        let headCount = wide ? 8 : 4
        let floatBytes = MemoryLayout<Float>.stride
        for firstStep in stride(from: 0, to: depthCount, by: stepGroup) {
            let steps = firstStep..<min(depthCount, firstStep + stepGroup)
            for sliver in 0..<fullSlivers {
                let sliverBytes = sliver * tileRows * floatBytes
                let tailBytes = sliverBytes + headCount * floatBytes, tailOffset = headCount * floatBytes
                for step in steps {
                    let source = UnsafeRawPointer(origin + step * a.columnStride)
                    let target = UnsafeMutableRawPointer(packed + sliver * sliverSize + step * tileRows)
                    if wide {
                        target.storeBytes(of: source.loadUnaligned(fromByteOffset: sliverBytes, as: SIMD8<Float>.self), as: SIMD8<Float>.self)
                    } else {
                        target.storeBytes(of: source.loadUnaligned(fromByteOffset: sliverBytes, as: SIMD4<Float>.self), as: SIMD4<Float>.self)
                    }
                    switch tileRows - headCount {
                    case 4:
                        target.storeBytes(of: source.loadUnaligned(fromByteOffset: tailBytes, as: SIMD4<Float>.self),
                                          toByteOffset: tailOffset, as: SIMD4<Float>.self)
                    case 2:
                        target.storeBytes(of: source.loadUnaligned(fromByteOffset: tailBytes, as: SIMD2<Float>.self),
                                          toByteOffset: tailOffset, as: SIMD2<Float>.self)
                    default:
                        target.storeBytes(of: source.load(fromByteOffset: tailBytes, as: Float.self), toByteOffset: tailOffset, as: Float.self)
                    }
                }
            }
        }
    }
    packGenerally(a.base, laneStride: a.rowStride, stepStride: a.columnStride, lanes: rows, depth: depth,
                  sliverLanes: tileRows, fullSlivers: a.columnStride != 1 && a.rowStride != 1, into: packed)
}

/// `packA` of a row-major op(A): `slivers` slivers of R = `tileRows` rows, each [depth, R],
/// from the rows starting at `origin`, `rowStride` apart. Blocks of eight steps are transposed
/// eight rows at a time; a group of r < 8 rows is stored 8 wide and spills 8 - r values into
/// the next step's first lanes. The group of rows 8... is stored first, so the group of rows
/// 0-7, stored next, overwrites its spill; the next sliver, or `packingSlack`, takes the last.
@inline(__always)
private func packRowSlivers(tileRows: Int, origin: UnsafePointer<Float>, rowStride: Int, slivers: Int, depth: Int,
                            into packed: UnsafeMutablePointer<Float>) {
    for sliver in 0..<slivers {
        let sliverOrigin = origin + sliver * tileRows * rowStride
        let target = packed + sliver * depth * tileRows
        var step = 0
        while step + 8 <= depth {
            for firstRow in stride(from: (tileRows - 1) / 8 * 8, through: 0, by: -8) {
                let source = sliverOrigin + firstRow * rowStride + step
                let groupRows = min(8, tileRows - firstRow)
                func row(_ index: Int) -> SIMD8<Float> { index < groupRows ? load8(source + index * rowStride) : SIMD8() }
                let columns = transposeEightByEight(row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
                storeEight(columns, to: target + step * tileRows + firstRow, stride: tileRows)
            }
            step += 8
        }
        for remainingStep in step..<depth {
            for row in 0..<tileRows { target[remainingStep * tileRows + row] = sliverOrigin[row * rowStride + remainingStep] }
        }
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
        // op(B) = B: 16 values of a stored row per sliver, eight steps of one sliver at a time.
        for firstStep in stride(from: 0, to: depthCount, by: stepGroup) {
            let steps = firstStep..<min(depthCount, firstStep + stepGroup)
            for sliver in 0..<fullSlivers {
                for step in steps {
                    let values = UnsafeRawPointer(origin + step * b.rowStride)
                        .loadUnaligned(fromByteOffset: sliver * MemoryLayout<SIMD16<Float>>.stride, as: SIMD16<Float>.self)
                    UnsafeMutableRawPointer(packed + sliver * sliverSize + step * tileColumns).storeBytes(of: values, as: SIMD16<Float>.self)
                }
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
    }
    packGenerally(b.base, laneStride: b.columnStride, stepStride: b.rowStride, lanes: columns, depth: depth,
                  sliverLanes: tileColumns, fullSlivers: b.columnStride != 1 && b.rowStride != 1, into: packed)
}

/// Element by element, what the strided fast paths of `packA` and `packB` leave: the full
/// slivers of `lanes` (rows of op(A) or columns of op(B)) if `fullSlivers` (no unit stride),
/// and the last sliver when the lanes do not fill it, padded with zeros.
private func packGenerally(_ base: UnsafePointer<Float>, laneStride: Int, stepStride: Int, lanes: Range<Int>,
                           depth: Range<Int>, sliverLanes: Int, fullSlivers: Bool, into packed: UnsafeMutablePointer<Float>) {
    let fullCount = lanes.count / sliverLanes, sliverSize = depth.count * sliverLanes
    if fullSlivers {
        packSliversGenerally(base, laneStride: laneStride, stepStride: stepStride, lanes: fullCount * sliverLanes,
                             firstLane: lanes.lowerBound, depth: depth, sliverLanes: sliverLanes, into: packed)
    }
    let edgeLanes = lanes.count - fullCount * sliverLanes
    guard edgeLanes > 0 else { return }
    let edge = packed + fullCount * sliverSize
    edge.update(repeating: 0, count: sliverSize)
    packSliversGenerally(base, laneStride: laneStride, stepStride: stepStride, lanes: edgeLanes,
                         firstLane: lanes.lowerBound + fullCount * sliverLanes, depth: depth, sliverLanes: sliverLanes, into: edge)
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

/// Steps packed together per sliver where a stored row feeds every sliver (`packA` of a stored
/// Aᵀ, `packB` of a stored B). Slivers are `depth` x R floats apart, a multiple of 4 KB for the
/// 256-step blocks of a weight gradient: going row by row across slivers put every store in
/// the same L1 set, which cost about 6 cycles per value on an Intel Xeon. Eight steps of one
/// sliver are one contiguous run of stores, from eight source rows that stay in L1.
private let stepGroup = 8

/// Extra values allocated after packed A for the spill of its 8-wide stores (at most 7).
let packingSlack = 8

