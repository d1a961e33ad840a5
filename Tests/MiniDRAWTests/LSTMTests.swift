import Testing
@testable import MiniDRAW

/// The LSTM cell of the encoder (Eq. 5) and the decoder (Eq. 7), gates in PyTorch's order i, f, g, o.
@Suite("Eq. 5, 7: LSTM cell")
struct LSTMTests {
    /// A 1-unit cell whose four pre-activations, 2 W_ih - W_hh + b_ih + b_hh at x = 2, h = -1, are
    /// i: 1 - 0.5 - 0.5 = 0,  f: 2 ln 3 - ln 3 + 0 = ln 3,  g: 2 ln 2 - 0.1 - ln 2 + 0.1 = ln 2,  o: 0 - ln 3 + 0 = -ln 3.
    static func handCell() -> LSTM<Double> {
        let ln2 = Double.log(2), ln3 = Double.log(3)
        var cell = LSTM<Double>(inputSize: 1, hiddenSize: 1)
        cell.weightIH.storage = [0.5, ln3, ln2, 0]
        cell.weightHH.storage = [0.5, ln3, 0.1, ln3]
        cell.biasIH.storage = [-0.25, 0.5, -ln2, 0]
        cell.biasHH.storage = [-0.25, -0.5, 0.1, 0]
        return cell
    }

    @Test("Eq. 5, 7: one step of a 1-unit cell matches the hand-computed gates, c' and h'")
    func oneUnitStep() {
        let cell = Self.handCell()
        var cache = LSTMStepCache<Double>(batchSize: 1, hiddenSize: 1)
        cell.forward(input: Matrix(rows: 1, columns: 1, storage: [2]), previousHidden: Matrix(rows: 1, columns: 1, storage: [-1]),
                     previousCell: Matrix(rows: 1, columns: 1, storage: [2]), cache: &cache)
        // sigmoid(0) = 1/2, sigmoid(ln 3) = 3/4, tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 3/5, sigmoid(-ln 3) = 1/4
        expectClose(cache.gates.storage, [0.5, 0.75, 0.6, 0.25], tolerance: 1e-15, "gates [i, f, g, o]")
        // c' = f c + i g = 3/4 * 2 + 1/2 * 3/5 = 1.8
        expectClose(cache.cell[0, 0], 1.8, tolerance: 1e-15, "c'")
        // h' = o tanh(c') = tanh(1.8) / 4
        expectClose(cache.tanhCell[0, 0], 0.9468060128462683, tolerance: 1e-15, "tanh(c')")
        expectClose(cache.hidden[0, 0], 0.23670150321156708, tolerance: 1e-15, "h'")
    }

    @Test("Eq. 5, 7: LSTM.backward for every parameter, the input, h and c, with L = Σ R1 ⊙ h' + Σ R2 ⊙ c'")
    func gradient() {
        let batchSize = 2, inputSize = 3, hiddenSize = 4
        var cell = LSTM<Double>(inputSize: inputSize, hiddenSize: hiddenSize)
        cell.weightIH = randomMatrix(4 * hiddenSize, inputSize, seed: 1, scale: 0.6)
        cell.weightHH = randomMatrix(4 * hiddenSize, hiddenSize, seed: 2, scale: 0.6)
        cell.biasIH = randomMatrix(1, 4 * hiddenSize, seed: 3, scale: 0.3)
        cell.biasHH = randomMatrix(1, 4 * hiddenSize, seed: 4, scale: 0.3)
        let input = randomMatrix(batchSize, inputSize, seed: 5)
        let previousHidden = randomMatrix(batchSize, hiddenSize, seed: 6, scale: 0.5)
        let previousCell = randomMatrix(batchSize, hiddenSize, seed: 7)
        let weightsHidden = randomMatrix(batchSize, hiddenSize, seed: 8)
        let weightsCell = randomMatrix(batchSize, hiddenSize, seed: 9)

        func loss(_ cell: LSTM<Double>, _ input: Matrix<Double>, _ hidden: Matrix<Double>, _ cellState: Matrix<Double>) -> Double {
            var cache = LSTMStepCache<Double>(batchSize: batchSize, hiddenSize: hiddenSize)
            cell.forward(input: input, previousHidden: hidden, previousCell: cellState, cache: &cache)
            return weightedSum(cache.hidden, weightsHidden) + weightedSum(cache.cell, weightsCell)
        }

        var cache = LSTMStepCache<Double>(batchSize: batchSize, hiddenSize: hiddenSize)
        cell.forward(input: input, previousHidden: previousHidden, previousCell: previousCell, cache: &cache)
        var dCell = weightsCell                                       // in: dL/dc', out: dL/dc
        var dGates = Matrix<Double>(rows: batchSize, columns: 4 * hiddenSize)
        var gradient = LSTM<Double>(inputSize: inputSize, hiddenSize: hiddenSize)
        var dInput = Matrix<Double>(rows: batchSize, columns: inputSize)
        var dPreviousHidden = Matrix<Double>(rows: batchSize, columns: hiddenSize)
        cell.backward(dHidden: weightsHidden, dCell: &dCell, cache: cache, input: input, previousHidden: previousHidden,
                      previousCell: previousCell, dGates: &dGates, gradient: &gradient,
                      dInput: &dInput, dPreviousHidden: &dPreviousHidden)

        let parameters: [(String, WritableKeyPath<LSTM<Double>, Matrix<Double>>)] =
            [("weight_ih", \.weightIH), ("weight_hh", \.weightHH), ("bias_ih", \.biasIH), ("bias_hh", \.biasHH)]
        for (name, path) in parameters {
            var values = cell[keyPath: path].storage
            expectPassed(gradientCheck(name: "LSTM \(name)", values: &values, analytic: gradient[keyPath: path].storage) {
                var probe = cell
                probe[keyPath: path].storage = $0
                return loss(probe, input, previousHidden, previousCell)
            })
        }
        var inputValues = input.storage
        expectPassed(gradientCheck(name: "LSTM input x", values: &inputValues, analytic: dInput.storage) {
            loss(cell, Matrix(rows: batchSize, columns: inputSize, storage: $0), previousHidden, previousCell)
        })
        var hiddenValues = previousHidden.storage
        expectPassed(gradientCheck(name: "LSTM previous h", values: &hiddenValues, analytic: dPreviousHidden.storage) {
            loss(cell, input, Matrix(rows: batchSize, columns: hiddenSize, storage: $0), previousCell)
        })
        var cellValues = previousCell.storage
        expectPassed(gradientCheck(name: "LSTM previous c", values: &cellValues, analytic: dCell.storage) {
            loss(cell, input, previousHidden, Matrix(rows: batchSize, columns: hiddenSize, storage: $0))
        })
    }
}
