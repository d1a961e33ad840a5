/// A dense row-major matrix: element (row, column) lives at `storage[row * columns + column]`.
///
/// Shapes are checked where matrices meet (products, element-wise ops, copies): a mismatch
/// is a precondition failure that names both shapes. Vectors (biases) are `[1, n]`.
public struct Matrix<Scalar: DRAWScalar>: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    public var storage: [Scalar]

    /// A `[rows, columns]` matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix shape [\(rows), \(columns)] is negative")
        self.rows = rows
        self.columns = columns
        self.storage = [Scalar](repeating: value, count: rows * columns)
    }

    /// A `[rows, columns]` matrix over existing row-major values.
    public init(rows: Int, columns: Int, storage: [Scalar]) {
        precondition(storage.count == rows * columns,
                     "Matrix shape [\(rows), \(columns)] needs \(rows * columns) values, got \(storage.count)")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    public var count: Int { storage.count }
    public var shape: [Int] { [rows, columns] }
    public var shapeDescription: String { "[\(rows), \(columns)]" }

    @inline(__always)
    public subscript(row: Int, column: Int) -> Scalar {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// Stops with both shapes named when `other` is not the same shape as `self`.
    @inline(__always)
    public func checkSameShape(as other: Matrix, _ operation: @autoclosure () -> String) {
        precondition(rows == other.rows && columns == other.columns,
                     "\(operation()): shape \(shapeDescription) does not match \(other.shapeDescription)")
    }

    /// Sets every element to zero, keeping the allocation.
    public mutating func setZero() {
        storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Copies `other`'s values into `self` (same shape), keeping the allocation.
    public mutating func assign(_ other: Matrix) {
        checkSameShape(as: other, "assign")
        storage.withUnsafeMutableBufferPointer { target in
            other.storage.withUnsafeBufferPointer { source in
                _ = target.update(fromContentsOf: source)
            }
        }
    }

    /// `self += other`, element-wise.
    public mutating func add(_ other: Matrix) {
        checkSameShape(as: other, "add")
        storage.withUnsafeMutableBufferPointer { target in
            other.storage.withUnsafeBufferPointer { source in
                for index in 0..<target.count { target[index] += source[index] }
            }
        }
    }

    /// `self[:, targetColumn ..< targetColumn + columns.count] = source[:, columns]`, row by row
    /// (`+=` when `adding`): the pieces of a concatenated input, such as the encoder's [r_t, h^dec_{t-1}].
    public mutating func setColumns(_ targetColumn: Int, from source: Matrix, columns sourceColumns: Range<Int>,
                                    adding: Bool = false) {
        precondition(rows == source.rows && sourceColumns.lowerBound >= 0 && sourceColumns.upperBound <= source.columns
                     && targetColumn >= 0 && targetColumn + sourceColumns.count <= columns,
                     "setColumns: \(source.shapeDescription)[:, \(sourceColumns)] into \(shapeDescription) at column \(targetColumn)")
        let (width, targetStride, sourceStride) = (sourceColumns.count, columns, source.columns)
        storage.withUnsafeMutableBufferPointer { target in
            source.storage.withUnsafeBufferPointer { values in
                for row in 0..<rows {
                    let from = values.baseAddress! + row * sourceStride + sourceColumns.lowerBound
                    let to = target.baseAddress! + row * targetStride + targetColumn
                    if adding {
                        for index in 0..<width { to[index] += from[index] }
                    } else {
                        to.update(from: from, count: width)
                    }
                }
            }
        }
    }

    /// Converts to another scalar type (Float <-> Double), value by value.
    public func converted<Other: DRAWScalar>(to _: Other.Type = Other.self) -> Matrix<Other> {
        Matrix<Other>(rows: rows, columns: columns, storage: storage.map { Other($0) })
    }

    /// The sum of squares of all elements, accumulated in Double.
    public var sumOfSquares: Double {
        storage.reduce(0) { $0 + Double($1) * Double($1) }
    }
}
