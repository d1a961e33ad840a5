/// The encoder RNN^enc (Eq. 5) and the decoder RNN^dec (Eq. 7, 14) are LSTMs (§2.1, "we use the
/// Long Short-Term Memory architecture"), in PyTorch's layout with the gates in the order i, f, g, o:
///
///     [i, f, g, o] = x W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh
///     c_t = sigmoid(f) c_{t-1} + sigmoid(i) tanh(g)
///     h_t = sigmoid(o) tanh(c_t)

/// What an LSTM carries from step to step: its output h and its cell c, each [batchSize, H].
public struct PaperLSTMState<Scalar: DRAWScalar>: Sendable {
    /// h_t: [batchSize, H]
    public var hidden: Matrix<Scalar>
    /// c_t: [batchSize, H]
    public var cell: Matrix<Scalar>
}

/// One LSTM step, kept for its backward.
public struct PaperLSTMStep<Scalar: DRAWScalar>: Sendable {
    /// x_t: [batchSize, inputSize]
    public var input: Matrix<Scalar>
    /// (h_{t-1}, c_{t-1})
    public var previous: PaperLSTMState<Scalar>
    /// sigmoid(i), sigmoid(f), tanh(g), sigmoid(o): each [batchSize, H]
    public var inputGate: Matrix<Scalar>
    public var forgetGate: Matrix<Scalar>
    public var candidate: Matrix<Scalar>
    public var outputGate: Matrix<Scalar>
    /// (h_t, c_t)
    public var state: PaperLSTMState<Scalar>
}

extension PaperDRAW {
    // MARK: - Forward

    /// One step of `cell`: (h_{t-1}, c_{t-1}, x_t) -> (h_t, c_t).
    /// - input: [batchSize, inputSize]; previous: [batchSize, H] each
    func lstm(_ cell: LSTM<Scalar>, input: Matrix<Scalar>, previous: PaperLSTMState<Scalar>) -> PaperLSTMStep<Scalar> {
        let h = cell.hiddenSize, batchSize = input.rows
        // [i, f, g, o] = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh: [batchSize, 4 H]
        let gates = linear(input, weight: cell.weightIH, bias: cell.biasIH)
            + linear(previous.hidden, weight: cell.weightHH, bias: cell.biasHH)
        let zero = Matrix<Scalar>(rows: batchSize, columns: h)
        var step = PaperLSTMStep(input: input, previous: previous, inputGate: zero, forgetGate: zero, candidate: zero,
                                 outputGate: zero, state: PaperLSTMState(hidden: zero, cell: zero))
        for image in 0..<batchSize {
            for unit in 0..<h {
                let i = sigmoid(gates[image, unit])
                let f = sigmoid(gates[image, h + unit])
                let g = Scalar.tanh(gates[image, 2 * h + unit])
                let o = sigmoid(gates[image, 3 * h + unit])
                let c = f * previous.cell[image, unit] + i * g                 // c_t = f c_{t-1} + i g
                step.inputGate[image, unit] = i
                step.forgetGate[image, unit] = f
                step.candidate[image, unit] = g
                step.outputGate[image, unit] = o
                step.state.cell[image, unit] = c
                step.state.hidden[image, unit] = o * Scalar.tanh(c)            // h_t = o tanh(c_t)
            }
        }
        return step
    }

    // MARK: - Backward

    /// Backward of one step: from dL/dh_t and dL/dc_t to dL/dx_t, dL/dh_{t-1} and dL/dc_{t-1},
    /// adding this step's dW_ih, dW_hh, db_ih, db_hh into `gradient`.
    /// - dHidden, dCell: [batchSize, H]; returns dInput [batchSize, inputSize] and the two [batchSize, H]
    func lstmBackward(_ cell: LSTM<Scalar>, dHidden: Matrix<Scalar>, dCell: Matrix<Scalar>, step: PaperLSTMStep<Scalar>,
                      gradient: inout LSTM<Scalar>)
        -> (dInput: Matrix<Scalar>, dPreviousHidden: Matrix<Scalar>, dPreviousCell: Matrix<Scalar>) {
        let h = cell.hiddenSize, batchSize = dHidden.rows
        var dGates = Matrix<Scalar>(rows: batchSize, columns: 4 * h)           // d[i, f, g, o] before the nonlinearities
        var dPreviousCell = Matrix<Scalar>(rows: batchSize, columns: h)
        for image in 0..<batchSize {
            for unit in 0..<h {
                let i = step.inputGate[image, unit], f = step.forgetGate[image, unit]
                let g = step.candidate[image, unit], o = step.outputGate[image, unit]
                let tanhCell = Scalar.tanh(step.state.cell[image, unit]), dh = dHidden[image, unit]
                // h_t = o tanh(c_t): dc_t gets dh o (1 - tanh^2 c_t), do = dh tanh(c_t)
                let dc = dCell[image, unit] + dh * o * (1 - tanhCell * tanhCell)
                // c_t = f c_{t-1} + i g: di = dc g, df = dc c_{t-1}, dg = dc i, dc_{t-1} = dc f
                dPreviousCell[image, unit] = dc * f
                // through sigmoid' = s (1 - s) and tanh' = 1 - t^2
                dGates[image, unit] = dc * g * i * (1 - i)
                dGates[image, h + unit] = dc * step.previous.cell[image, unit] * f * (1 - f)
                dGates[image, 2 * h + unit] = dc * i * (1 - g * g)
                dGates[image, 3 * h + unit] = dh * tanhCell * o * (1 - o)
            }
        }
        let dInput = linearBackward(dGates, input: step.input, weight: cell.weightIH,
                                    dWeight: &gradient.weightIH, dBias: &gradient.biasIH)
        let dPreviousHidden = linearBackward(dGates, input: step.previous.hidden, weight: cell.weightHH,
                                             dWeight: &gradient.weightHH, dBias: &gradient.biasHH)
        return (dInput, dPreviousHidden, dPreviousCell)
    }
}
