/// The paper model: DRAW (Gregor, Danihelka, Graves, Rezende, Wierstra 2015, arXiv 1502.04623)
/// written to be read beside the paper. Every file of `Paper/` is one concept, each forward is
/// followed at once by its backward, and every line that implements an equation carries its number.
///
/// It is plain loops over `Matrix`: no pointers, no packed weights, no vector lanes, no threads.
/// It runs on the fast engine's parameters (`DRAWModel`, the same tensors and checkpoint names),
/// draws the same noise from the same seed, and the tests prove the two engines equal.
///
/// This file holds the few matrix operations the others are written with.
public struct PaperDRAW<Scalar: DRAWScalar>: Sendable {
    /// Every parameter of the network, shared with the fast engine (`DRAWModel.parameterPaths`).
    public var parameters: DRAWModel<Scalar>

    public init(_ parameters: DRAWModel<Scalar>) {
        self.parameters = parameters
    }

    /// The hyper-parameters (Table 3) the parameters were made for.
    public var config: DRAWConfig { parameters.config }
}

// MARK: - Element-wise sums

extension Matrix {
    /// a + b, element by element: [rows, columns]
    static func + (a: Matrix, b: Matrix) -> Matrix {
        a.checkSameShape(as: b, "+")
        var sum = a
        for index in 0..<sum.count { sum.storage[index] += b.storage[index] }
        return sum
    }

    /// a += b, element by element.
    static func += (a: inout Matrix, b: Matrix) {
        a = a + b
    }
}

// MARK: - Products, transposes, pieces of rows

extension PaperDRAW {
    /// a b: [n, k] times [k, m] is [n, m].
    func product(_ a: Matrix<Scalar>, _ b: Matrix<Scalar>) -> Matrix<Scalar> {
        precondition(a.columns == b.rows, "product: \(a.shapeDescription) times \(b.shapeDescription)")
        var result = Matrix<Scalar>(rows: a.rows, columns: b.columns)
        for i in 0..<a.rows {
            for j in 0..<b.columns {
                var sum: Scalar = 0
                for k in 0..<a.columns { sum += a[i, k] * b[k, j] }
                result[i, j] = sum
            }
        }
        return result
    }

    /// aᵀ: [n, m] becomes [m, n].
    func transpose(_ a: Matrix<Scalar>) -> Matrix<Scalar> {
        var result = Matrix<Scalar>(rows: a.columns, columns: a.rows)
        for i in 0..<a.rows {
            for j in 0..<a.columns { result[j, i] = a[i, j] }
        }
        return result
    }

    /// s a: every element times s.
    func scaled(_ a: Matrix<Scalar>, by s: Scalar) -> Matrix<Scalar> {
        var result = a
        for index in 0..<result.count { result.storage[index] *= s }
        return result
    }

    /// Σ a ⊙ b, the sum of the element-wise products of two matrices of one shape.
    func sumOfProducts(_ a: Matrix<Scalar>, _ b: Matrix<Scalar>) -> Scalar {
        a.checkSameShape(as: b, "sumOfProducts")
        var sum: Scalar = 0
        for index in 0..<a.count { sum += a.storage[index] * b.storage[index] }
        return sum
    }

    /// [a, b]: the columns of a, then those of b: [n, p] and [n, q] give [n, p + q].
    func concatenate(_ a: Matrix<Scalar>, _ b: Matrix<Scalar>) -> Matrix<Scalar> {
        precondition(a.rows == b.rows, "concatenate: \(a.shapeDescription) and \(b.shapeDescription)")
        var result = Matrix<Scalar>(rows: a.rows, columns: a.columns + b.columns)
        for row in 0..<a.rows {
            for column in 0..<a.columns { result[row, column] = a[row, column] }
            for column in 0..<b.columns { result[row, a.columns + column] = b[row, column] }
        }
        return result
    }

    /// Columns `start ..< start + count` of every row: [n, count].
    func columns(_ a: Matrix<Scalar>, from start: Int, count: Int) -> Matrix<Scalar> {
        var result = Matrix<Scalar>(rows: a.rows, columns: count)
        for row in 0..<a.rows {
            for column in 0..<count { result[row, column] = a[row, start + column] }
        }
        return result
    }

    /// The `rows` x `columns` block that row `row` of `a` holds from column `start` on, row by row:
    /// one channel plane of an image (B x A) or of a glimpse or patch (N x N).
    func block(of a: Matrix<Scalar>, row: Int, start: Int, rows: Int, columns: Int) -> Matrix<Scalar> {
        var result = Matrix<Scalar>(rows: rows, columns: columns)
        for index in 0..<result.count { result.storage[index] = a[row, start + index] }
        return result
    }

    /// Writes `block` back into row `row` of `a` from column `start` on (the inverse of `block(of:)`).
    func place(_ block: Matrix<Scalar>, into a: inout Matrix<Scalar>, row: Int, start: Int) {
        for index in 0..<block.count { a[row, start + index] = block.storage[index] }
    }

    /// `row` ([1, n], a learned initial state of §2.1) repeated on each of `count` rows: [count, n].
    func broadcast(_ row: Matrix<Scalar>, count: Int) -> Matrix<Scalar> {
        var result = Matrix<Scalar>(rows: count, columns: row.columns)
        for image in 0..<count {
            for column in 0..<row.columns { result[image, column] = row[0, column] }
        }
        return result
    }

    /// Σ_rows a: [n, m] becomes [1, m]; the gradient of a row that `broadcast` repeated.
    func columnSums(_ a: Matrix<Scalar>) -> Matrix<Scalar> {
        var result = Matrix<Scalar>(rows: 1, columns: a.columns)
        for row in 0..<a.rows {
            for column in 0..<a.columns { result[0, column] += a[row, column] }
        }
        return result
    }

    /// f applied to every element.
    func map(_ a: Matrix<Scalar>, _ f: (Scalar) -> Scalar) -> Matrix<Scalar> {
        Matrix(rows: a.rows, columns: a.columns, storage: a.storage.map(f))
    }

    /// The logistic sigmoid 1 / (1 + e^-x), written so that neither branch overflows.
    func sigmoid(_ x: Scalar) -> Scalar {
        x >= 0 ? 1 / (1 + Scalar.exp(-x)) : Scalar.exp(x) / (1 + Scalar.exp(x))
    }
}
