// Opening several matrices' storage at once, so model code reads as maths and not as a
// staircase of `withUnsafeBufferPointer` closures:
//
//     withPointers(image, cache.filterX, cache.filterY) { inputs in          // read: [x, F_X, F_Y]
//     withMutablePointers(&dFilterX, &dFilterY) { dFilterX, dFilterY in      // written
//         ...
//     }}
//
// The pointers are valid inside the closure only (an empty matrix gives an aligned address
// that must not be read). A matrix opened for writing must not also be opened for reading in
// the same call, nor share its storage with another value, or writing would copy it first.

// MARK: - One matrix

extension Matrix {
    /// Calls `body` with the address of `storage[0]`, valid for `count` values inside `body`.
    @inline(__always)
    func withPointer<Result>(_ body: (UnsafePointer<Scalar>) -> Result) -> Result {
        storage.withUnsafeBufferPointer { body($0.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Scalar>.alignment)!) }
    }

    /// Calls `body` with the writable address of `storage[0]`, valid for `count` values inside `body`.
    @inline(__always)
    mutating func withMutablePointer<Result>(_ body: (UnsafeMutablePointer<Scalar>) -> Result) -> Result {
        storage.withUnsafeMutableBufferPointer {
            body($0.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<Scalar>.alignment)!)
        }
    }
}

// MARK: - Several matrices read

/// Calls `body` with the base address of every matrix in `matrices`, in order; each is valid
/// for that matrix's `count` values inside `body`.
@inline(__always)
func withPointers<Scalar: DRAWScalar, Result>(_ matrices: Matrix<Scalar>...,
                                              body: ([UnsafePointer<Scalar>]) -> Result) -> Result {
    var pointers: [UnsafePointer<Scalar>] = []
    pointers.reserveCapacity(matrices.count)
    func open(_ index: Int) -> Result {
        if index == matrices.count { return body(pointers) }
        return matrices[index].withPointer { pointer in
            pointers.append(pointer)
            return open(index + 1)
        }
    }
    return open(0)
}

// MARK: - Several matrices written

/// Calls `body` with the writable base addresses of two matrices.
@inline(__always)
func withMutablePointers<Scalar: DRAWScalar, Result>(
    _ first: inout Matrix<Scalar>, _ second: inout Matrix<Scalar>,
    body: (UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Result
) -> Result {
    first.withMutablePointer { first in second.withMutablePointer { second in body(first, second) } }
}

/// Calls `body` with the writable base addresses of three matrices.
@inline(__always)
func withMutablePointers<Scalar: DRAWScalar, Result>(
    _ first: inout Matrix<Scalar>, _ second: inout Matrix<Scalar>, _ third: inout Matrix<Scalar>,
    body: (UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Result
) -> Result {
    withMutablePointers(&first, &second) { first, second in
        third.withMutablePointer { third in body(first, second, third) }
    }
}

/// Calls `body` with the writable base addresses of four matrices.
@inline(__always)
func withMutablePointers<Scalar: DRAWScalar, Result>(
    _ first: inout Matrix<Scalar>, _ second: inout Matrix<Scalar>, _ third: inout Matrix<Scalar>,
    _ fourth: inout Matrix<Scalar>,
    body: (UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>,
           UnsafeMutablePointer<Scalar>) -> Result
) -> Result {
    withMutablePointers(&first, &second, &third) { first, second, third in
        fourth.withMutablePointer { fourth in body(first, second, third, fourth) }
    }
}

/// Calls `body` with the writable base addresses of five matrices.
@inline(__always)
func withMutablePointers<Scalar: DRAWScalar, Result>(
    _ first: inout Matrix<Scalar>, _ second: inout Matrix<Scalar>, _ third: inout Matrix<Scalar>,
    _ fourth: inout Matrix<Scalar>, _ fifth: inout Matrix<Scalar>,
    body: (UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>,
           UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Result
) -> Result {
    withMutablePointers(&first, &second, &third, &fourth) { first, second, third, fourth in
        fifth.withMutablePointer { fifth in body(first, second, third, fourth, fifth) }
    }
}

// MARK: - Vectors at any address

/// The `Vector.scalarCount` values from `pointer` on, as one vector. Rows of a matrix start at
/// any element, so the address need not be aligned to the vector's size.
@inline(__always)
func loadVector<Vector: SIMD>(_ pointer: UnsafePointer<Vector.Scalar>, as type: Vector.Type = Vector.self) -> Vector {
    UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
}

/// Writes `vector`'s values to `pointer`, `pointer + 1`, ... (any alignment).
@inline(__always)
func storeVector<Vector: SIMD>(_ vector: Vector, to pointer: UnsafeMutablePointer<Vector.Scalar>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: Vector.self)
}
