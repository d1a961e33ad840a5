/// The paper's W(h): "a linear weight matrix" applied to a vector (§2.1, the notation after Eq. 2),
/// with a bias, in PyTorch's layout: weight [out, in], bias [1, out]. DRAW uses it for mu_t and
/// sigma_t (Eq. 1, 2), for the write (Eq. 18, 28), for the attention parameters (Eq. 21), and
/// twice in every LSTM gate.

extension PaperDRAW {
    // MARK: - Forward

    /// y = x Wᵀ + b
    /// - input x: [batchSize, in], weight W: [out, in], bias b: [1, out]; returns y: [batchSize, out]
    func linear(_ input: Matrix<Scalar>, weight: Matrix<Scalar>, bias: Matrix<Scalar>) -> Matrix<Scalar> {
        precondition(input.columns == weight.columns, "linear: input \(input.shapeDescription), weight \(weight.shapeDescription)")
        var output = Matrix<Scalar>(rows: input.rows, columns: weight.rows)
        for image in 0..<input.rows {
            for out in 0..<weight.rows {
                var sum: Scalar = 0
                for i in 0..<weight.columns { sum += input[image, i] * weight[out, i] }
                output[image, out] = sum + bias[0, out]
            }
        }
        return output
    }

    /// `linear` with a `Linear` layer's weight and bias.
    func linear(_ input: Matrix<Scalar>, _ layer: Linear<Scalar>) -> Matrix<Scalar> {
        linear(input, weight: layer.weight, bias: layer.bias)
    }

    // MARK: - Backward

    /// Backward of y = x Wᵀ + b: adds dW += dyᵀ x and db += Σ_images dy into the gradient,
    /// and returns dx = dy W.
    /// - dOutput dy: [batchSize, out], input x: [batchSize, in]; returns dx: [batchSize, in]
    func linearBackward(_ dOutput: Matrix<Scalar>, input: Matrix<Scalar>, weight: Matrix<Scalar>,
                        dWeight: inout Matrix<Scalar>, dBias: inout Matrix<Scalar>) -> Matrix<Scalar> {
        var dInput = Matrix<Scalar>(rows: input.rows, columns: input.columns)
        for out in 0..<weight.rows {
            for i in 0..<weight.columns {
                var sum: Scalar = 0
                for image in 0..<input.rows { sum += dOutput[image, out] * input[image, i] }
                dWeight[out, i] += sum                                         // dW = dyᵀ x
            }
        }
        dBias += columnSums(dOutput)                                           // db = Σ_images dy
        for image in 0..<input.rows {
            for i in 0..<weight.columns {
                var sum: Scalar = 0
                for out in 0..<weight.rows { sum += dOutput[image, out] * weight[out, i] }
                dInput[image, i] = sum                                         // dx = dy W
            }
        }
        return dInput
    }

    /// `linearBackward` for a `Linear` layer, adding into its gradient.
    func linearBackward(_ dOutput: Matrix<Scalar>, input: Matrix<Scalar>, _ layer: Linear<Scalar>,
                        gradient: inout Linear<Scalar>) -> Matrix<Scalar> {
        linearBackward(dOutput, input: input, weight: layer.weight, dWeight: &gradient.weight, dBias: &gradient.bias)
    }
}
