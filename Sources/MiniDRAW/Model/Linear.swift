/// A fully connected layer y = x Wᵀ + b, in PyTorch's layout (weight [out, in], bias [out]).
///
/// DRAW uses it for Eq. 1, 2 (latent mean and log sigma), Eq. 18 and 28 (write) and
/// Eq. 21 (attention parameters).
package struct Linear<Scalar: DRAWScalar>: Equatable, Sendable {
    /// W: [outputSize, inputSize]
    package var weight: Matrix<Scalar>
    /// b: [1, outputSize]
    package var bias: Matrix<Scalar>

    package init(inputSize: Int, outputSize: Int) {
        weight = Matrix(rows: outputSize, columns: inputSize)
        bias = Matrix(rows: 1, columns: outputSize)
    }

    package var inputSize: Int { weight.columns }
    package var outputSize: Int { weight.rows }

    /// Uniform(-1/sqrt(in), 1/sqrt(in)) for weight and bias, PyTorch's default.
    package mutating func initialize(using generator: inout SeededGenerator) {
        let bound = 1 / Double(max(inputSize, 1)).squareRoot()
        for index in weight.storage.indices { weight.storage[index] = Scalar((2 * generator.nextUniform() - 1) * bound) }
        for index in bias.storage.indices { bias.storage[index] = Scalar((2 * generator.nextUniform() - 1) * bound) }
    }

    // MARK: - Forward

    /// output = input · Wᵀ + b
    /// - input: [batchSize, inputSize], output: [batchSize, outputSize]
    /// - packedWeight: W packed with `transposed: true`, or nil.
    package func forward(_ input: Matrix<Scalar>, packedWeight: PackedWeight? = nil, into output: inout Matrix<Scalar>) {
        matmulTransposedB(input, weight, packed: packedWeight, into: &output)
        addBias(bias, to: &output)
    }

    // MARK: - Backward

    /// Backward of `output = input · Wᵀ + b`:
    /// dW += dOutputᵀ · input, db += column sums of dOutput, dInput (+)= dOutput · W.
    /// - dOutput: [batchSize, outputSize], dInput: [batchSize, inputSize] or nil when the
    ///   input needs no gradient.
    /// - packedWeight: W packed with `transposed: false`, or nil.
    package func backward(dOutput: Matrix<Scalar>, input: Matrix<Scalar>, packedWeight: PackedWeight? = nil,
                          gradient: inout Linear<Scalar>, dInput: inout Matrix<Scalar>, accumulateInput: Bool) {
        backwardParameters(dOutput: dOutput, input: input, gradient: &gradient)
        backwardInput(dOutput: dOutput, packedWeight: packedWeight, dInput: &dInput, accumulate: accumulateInput)
    }

    /// The input half of `backward`: dInput (+)= dOutput · W.
    package func backwardInput(dOutput: Matrix<Scalar>, packedWeight: PackedWeight? = nil,
                               dInput: inout Matrix<Scalar>, accumulate: Bool) {
        matmul(dOutput, weight, packed: packedWeight, into: &dInput, accumulate: accumulate)
    }

    /// The parameter half of `backward`, for layers whose input is data, and for a weight's
    /// T steps at once (rows stacked, `SharedWeightStacks`).
    package func backwardParameters(dOutput: Matrix<Scalar>, input: Matrix<Scalar>, gradient: inout Linear<Scalar>) {
        matmulTransposedA(dOutput, input, into: &gradient.weight, accumulate: true)
        accumulateColumnSums(of: dOutput, into: &gradient.bias)
    }
}

// MARK: - Bias helpers

/// output[r, c] += bias[0, c] for every row r.
/// - bias: [1, columns], output: [rows, columns]
package func addBias<Scalar: DRAWScalar>(_ bias: Matrix<Scalar>, to output: inout Matrix<Scalar>) {
    precondition(bias.rows == 1 && bias.columns == output.columns,
                 "addBias: bias \(bias.shapeDescription) does not fit output \(output.shapeDescription)")
    let (rows, columns) = (output.rows, output.columns)
    bias.withPointer { b in
        output.withMutablePointer { o in
            for row in 0..<rows {
                let outputRow = o + row * columns                    // a row pointer: the loop runs in vector lanes
                for column in 0..<columns { outputRow[column] += b[column] }
            }
        }
    }
}

/// sums[0, c] += Σ_r values[r, c]: the gradient of a bias added to every row.
package func accumulateColumnSums<Scalar: DRAWScalar>(of values: Matrix<Scalar>, into sums: inout Matrix<Scalar>) {
    precondition(sums.rows == 1 && sums.columns == values.columns,
                 "accumulateColumnSums: \(sums.shapeDescription) does not fit \(values.shapeDescription)")
    let columns = values.columns
    values.withPointer { v in
        sums.withMutablePointer { s in
            for row in 0..<values.rows {
                let valuesRow = v + row * columns                    // each column's sum still goes row by row
                for column in 0..<columns { s[column] += valuesRow[column] }
            }
        }
    }
}
