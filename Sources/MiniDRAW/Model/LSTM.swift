/// An LSTM cell in PyTorch's layout, used for the encoder (Eq. 5) and decoder (Eq. 7).
///
///     [i, f, g, o] = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh        (gates in this order)
///     c' = sigmoid(f) c + sigmoid(i) tanh(g)
///     h' = sigmoid(o) tanh(c')
package struct LSTM<Scalar: DRAWScalar>: Equatable, Sendable {
    /// W_ih: [4 hiddenSize, inputSize]
    package var weightIH: Matrix<Scalar>
    /// W_hh: [4 hiddenSize, hiddenSize]
    package var weightHH: Matrix<Scalar>
    /// b_ih: [1, 4 hiddenSize]
    package var biasIH: Matrix<Scalar>
    /// b_hh: [1, 4 hiddenSize]
    package var biasHH: Matrix<Scalar>

    package init(inputSize: Int, hiddenSize: Int) {
        weightIH = Matrix(rows: 4 * hiddenSize, columns: inputSize)
        weightHH = Matrix(rows: 4 * hiddenSize, columns: hiddenSize)
        biasIH = Matrix(rows: 1, columns: 4 * hiddenSize)
        biasHH = Matrix(rows: 1, columns: 4 * hiddenSize)
    }

    package var hiddenSize: Int { weightHH.columns }
    package var inputSize: Int { weightIH.columns }

    /// Uniform(-1/sqrt(H), 1/sqrt(H)) for every tensor, PyTorch's default.
    package mutating func initialize(using generator: inout SeededGenerator) {
        let bound = 1 / Double(hiddenSize).squareRoot()
        for keyPath in [\LSTM.weightIH, \.weightHH, \.biasIH, \.biasHH] {
            for index in self[keyPath: keyPath].storage.indices {
                self[keyPath: keyPath].storage[index] = Scalar((2 * generator.nextUniform() - 1) * bound)
            }
        }
    }
}

/// What one LSTM step keeps for its backward pass.
package struct LSTMStepCache<Scalar: DRAWScalar>: Sendable {
    /// Gate activations after their nonlinearity, [sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)]: [batchSize, 4 hiddenSize]
    package var gates: Matrix<Scalar>
    /// c_t: [batchSize, hiddenSize]
    package var cell: Matrix<Scalar>
    /// tanh(c_t): [batchSize, hiddenSize]
    package var tanhCell: Matrix<Scalar>
    /// h_t: [batchSize, hiddenSize]
    package var hidden: Matrix<Scalar>

    package init(batchSize: Int, hiddenSize: Int) {
        gates = Matrix(rows: batchSize, columns: 4 * hiddenSize)
        cell = Matrix(rows: batchSize, columns: hiddenSize)
        tanhCell = Matrix(rows: batchSize, columns: hiddenSize)
        hidden = Matrix(rows: batchSize, columns: hiddenSize)
    }
}

/// W_ih and W_hh packed once per batch for one direction of products (see `PackedWeight`):
/// transposed for the forward's x Wᵀ, plain for the backward's dGates · W.
package struct LSTMPackedWeights: Sendable {
    package var inputWeight: PackedWeight
    package var hiddenWeight: PackedWeight

    package init(transposed: Bool) {
        inputWeight = PackedWeight(transposed: transposed)
        hiddenWeight = PackedWeight(transposed: transposed)
    }
}

extension LSTM {
    /// Packs W_ih and W_hh into `packed` for products with `batchSize` rows; with
    /// `constantInputSize`, only the W_ih columns of the input that changes from step to step.
    package func pack(into packed: inout LSTMPackedWeights, batchSize: Int, constantInputSize: Int = 0) {
        packed.inputWeight.pack(weightIH, inputColumns: constantInputSize..<inputSize, rows: batchSize)
        packed.hiddenWeight.pack(weightHH, rows: batchSize)
    }

    // MARK: - Input columns that stay the same at every step

    /// x's leading columns that are the same at every step (the image in DRAW's read without
    /// attention, Eq. 17) give the same gates every step: x_const W_ih[:, const]ᵀ, computed once
    /// per sequence instead of T times.
    /// - constantInput: [batchSize, constantInputSize], gates: [batchSize, 4 hiddenSize]
    package func constantInputGates(_ constantInput: Matrix<Scalar>, into gates: inout Matrix<Scalar>) {
        matmulTransposedB(constantInput, weightIH, bColumns: 0..<constantInput.columns, into: &gates)
    }

    /// Backward of `constantInputGates` over the whole sequence: dW_ih[:, const] += (Σ_t dGates_t)ᵀ x_const
    /// (x_const is data: it gets no gradient).
    /// - dGatesSum: Σ_t dGates_t, [batchSize, 4 hiddenSize]
    package func constantInputBackward(dGatesSum: Matrix<Scalar>, constantInput: Matrix<Scalar>, gradient: inout LSTM<Scalar>) {
        matmulTransposedA(dGatesSum, constantInput, into: &gradient.weightIH, cColumns: 0..<constantInput.columns, accumulate: true)
    }

    // MARK: - Forward

    /// One step: (h_{t-1}, c_{t-1}, x_t) -> (h_t, c_t), written into `cache`.
    /// - input: [batchSize, inputSize]; or, with `constantGates`, only x_t's last columns, those
    ///   after the constant ones (`constantInputGates`). previousHidden, previousCell: [batchSize, hiddenSize]
    /// - packedWeights: this cell's weights packed with `transposed: true` (and the same constant
    ///   input size), or nil.
    package func forward(input: Matrix<Scalar>, previousHidden: Matrix<Scalar>, previousCell: Matrix<Scalar>,
                         packedWeights: LSTMPackedWeights? = nil, constantGates: Matrix<Scalar>? = nil,
                         cache: inout LSTMStepCache<Scalar>) {
        let inputColumns = (inputSize - input.columns)..<inputSize
        precondition(inputColumns.count == inputSize || constantGates != nil, "LSTM input has \(input.columns) of \(inputSize) columns and no constant gates")
        if let constantGates { cache.gates.assign(constantGates) }
        matmulTransposedB(input, weightIH, bColumns: inputColumns, packed: packedWeights?.inputWeight,
                          into: &cache.gates, accumulate: constantGates != nil)
        matmulTransposedB(previousHidden, weightHH, packed: packedWeights?.hiddenWeight, into: &cache.gates, accumulate: true)
        let hidden = hiddenSize
        let batchSize = input.rows
        withPointers(biasIH, biasHH, previousCell) { inputs in
        withMutablePointers(&cache.gates, &cache.cell, &cache.tanhCell, &cache.hidden) { gates, cell, tanhCell, h in
            let (biasI, biasH, cPrev) = (inputs[0], inputs[1], inputs[2])
            for row in 0..<batchSize {
                let g = gates + row * 4 * hidden, s = row * hidden
                for k in 0..<(4 * hidden) { g[k] = g[k] + biasI[k] + biasH[k] }
                Scalar.sigmoid(g, count: 2 * hidden)                       // i, f = sigmoid(.)
                Scalar.tanh(g + 2 * hidden, count: hidden)                 // g = tanh(.)
                Scalar.sigmoid(g + 3 * hidden, count: hidden)              // o = sigmoid(.)
                // This row's gates, cells and hidden state, each [hiddenSize] (pointers to whole
                // rows keep the index arithmetic out of the loops, which then run in vector lanes).
                let (inputGate, forgetGate, candidate, outputGate) = (g, g + hidden, g + 2 * hidden, g + 3 * hidden)
                let (previous, newCell, newTanhCell, newHidden) = (cPrev + s, cell + s, tanhCell + s, h + s)
                for unit in 0..<hidden {
                    let c = forgetGate[unit] * previous[unit] + inputGate[unit] * candidate[unit]   // c' = f c + i g
                    newCell[unit] = c
                    newTanhCell[unit] = c
                }
                Scalar.tanh(newTanhCell, count: hidden)
                for unit in 0..<hidden { newHidden[unit] = outputGate[unit] * newTanhCell[unit] }   // h' = o tanh(c')
            }
        }}
    }

    // MARK: - Backward

    /// Backward of one step: `gatesBackward`, then `parametersBackward` and `inputsBackward`.
    /// (DRAW's backward calls the three itself and runs the parameter half once for all T
    /// steps; see `SharedWeightStacks`.)
    ///
    /// - dHidden: dL/dh_t [batchSize, hiddenSize] (from the layers above and from step t+1).
    /// - dCell: on entry dL/dc_t from step t+1, on exit dL/dc_{t-1}.
    /// - dGates: scratch [batchSize, 4 hiddenSize], left holding dL/d(pre-activation gates).
    /// - input: as given to `forward` (all of x_t, or its columns after the constant ones).
    /// - dInput: receives dL/d(input) (overwritten).
    /// - dPreviousHidden: receives dL/dh_{t-1} (overwritten).
    /// - packedWeights: this cell's weights packed with `transposed: false`, or nil.
    package func backward(dHidden: Matrix<Scalar>, dCell: inout Matrix<Scalar>, cache: LSTMStepCache<Scalar>,
                          input: Matrix<Scalar>, previousHidden: Matrix<Scalar>, previousCell: Matrix<Scalar>,
                          packedWeights: LSTMPackedWeights? = nil, dGates: inout Matrix<Scalar>, gradient: inout LSTM<Scalar>,
                          dInput: inout Matrix<Scalar>, dPreviousHidden: inout Matrix<Scalar>) {
        gatesBackward(dHidden: dHidden, dCell: &dCell, cache: cache, previousCell: previousCell, dGates: &dGates)
        parametersBackward(dGates: dGates, input: input, previousHidden: previousHidden, gradient: &gradient)
        inputsBackward(dGates: dGates, packedWeights: packedWeights, dInput: &dInput, dPreviousHidden: &dPreviousHidden)
    }

    /// dL/d(pre-activation gates) from dL/dh_t and dL/dc_t, through the cell's element-wise maths.
    /// - dCell: on entry dL/dc_t, on exit dL/dc_{t-1}. dGates: [batchSize, 4 hiddenSize], overwritten.
    package func gatesBackward(dHidden: Matrix<Scalar>, dCell: inout Matrix<Scalar>, cache: LSTMStepCache<Scalar>,
                               previousCell: Matrix<Scalar>, dGates: inout Matrix<Scalar>) {
        let hidden = hiddenSize
        let batchSize = dHidden.rows
        withPointers(dHidden, previousCell, cache.gates, cache.tanhCell) { inputs in
        withMutablePointers(&dCell, &dGates) { dc, dg in
            let (dHiddens, cPrev, gates, tanhCell) = (inputs[0], inputs[1], inputs[2], inputs[3])
            for row in 0..<batchSize {
                // This row's values, each [hiddenSize].
                let (g, s) = (gates + row * 4 * hidden, row * hidden)
                let (inputGates, forgetGates, candidates, outputGates) = (g, g + hidden, g + 2 * hidden, g + 3 * hidden)
                let d = dg + row * 4 * hidden
                let (dInputGates, dForgetGates, dCandidates, dOutputGates) = (d, d + hidden, d + 2 * hidden, d + 3 * hidden)
                let (dHiddenRow, dCellRow, previousCell, tanhCellRow) = (dHiddens + s, dc + s, cPrev + s, tanhCell + s)
                for unit in 0..<hidden {
                    let inputGate = inputGates[unit], forgetGate = forgetGates[unit]
                    let candidate = candidates[unit], outputGate = outputGates[unit]
                    let tc = tanhCellRow[unit], dh = dHiddenRow[unit]
                    // h' = o tanh(c'):  dc' += dh o (1 - tanh^2 c'),  do = dh tanh(c')
                    let dCellTotal = dCellRow[unit] + dh * outputGate * (1 - tc * tc)
                    let dOutputGate = dh * tc
                    // c' = f c + i g:  di = dc' g,  dg = dc' i,  df = dc' c,  dc = dc' f
                    let dInputGate = dCellTotal * candidate
                    let dCandidate = dCellTotal * inputGate
                    let dForgetGate = dCellTotal * previousCell[unit]
                    dCellRow[unit] = dCellTotal * forgetGate
                    // through the nonlinearities: sigmoid' = s (1 - s), tanh' = 1 - t^2
                    dInputGates[unit] = dInputGate * inputGate * (1 - inputGate)
                    dForgetGates[unit] = dForgetGate * forgetGate * (1 - forgetGate)
                    dCandidates[unit] = dCandidate * (1 - candidate * candidate)
                    dOutputGates[unit] = dOutputGate * outputGate * (1 - outputGate)
                }
            }
        }}
    }

    // gates = x W_ihᵀ + h W_hhᵀ + b_ih + b_hh

    /// dW_ih += dGatesᵀ x, dW_hh += dGatesᵀ h_{t-1}, db_ih, db_hh += column sums of dGates. The rows
    /// may be one step's batch, or all T steps' stacked (`SharedWeightStacks`): the same sum.
    /// - input: x's rows (all columns, or those after the constant ones); previousHidden: h_{t-1}'s rows.
    package func parametersBackward(dGates: Matrix<Scalar>, input: Matrix<Scalar>, previousHidden: Matrix<Scalar>,
                                    gradient: inout LSTM<Scalar>) {
        let inputColumns = (inputSize - input.columns)..<inputSize
        matmulTransposedA(dGates, input, into: &gradient.weightIH, cColumns: inputColumns, accumulate: true)
        matmulTransposedA(dGates, previousHidden, into: &gradient.weightHH, accumulate: true)
        accumulateColumnSums(of: dGates, into: &gradient.biasIH)
        accumulateColumnSums(of: dGates, into: &gradient.biasHH)
    }

    /// dL/dx = dGates W_ih (for x's columns in `dInput`, all or those after the constant ones)
    /// and dL/dh_{t-1} = dGates W_hh, both overwritten.
    package func inputsBackward(dGates: Matrix<Scalar>, packedWeights: LSTMPackedWeights? = nil,
                                dInput: inout Matrix<Scalar>, dPreviousHidden: inout Matrix<Scalar>) {
        let inputColumns = (inputSize - dInput.columns)..<inputSize
        matmul(dGates, weightIH, bColumns: inputColumns, packed: packedWeights?.inputWeight, into: &dInput)
        matmul(dGates, weightHH, packed: packedWeights?.hiddenWeight, into: &dPreviousHidden)
    }
}
