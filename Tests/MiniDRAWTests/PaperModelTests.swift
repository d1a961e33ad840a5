import Foundation
import Testing
@testable import MiniDRAW

/// The paper model (Sources/MiniDRAW/Paper) checked on its own: every parameter's gradient of the
/// whole T-step model against central differences in Double (with and without attention, grey and
/// colour, random learned initial states), each concept's backward on its own (LSTM, Eq. 5, 7;
/// attention window and read, Eq. 21-27; write, Eq. 29), and agreement with the independent float64
/// reference of shared/reference at 1e-10.
@Suite("Paper model: gradient checks and reference agreement")
struct PaperModelTests {
    // MARK: - Whole model

    /// Noise epsilon_t for every step from `seed`, as the paper model draws it.
    static func noise(_ model: DRAWModel<Double>, batchSize: Int, seed: UInt64 = 13) -> [Matrix<Double>] {
        var generator = SeededGenerator(seed: seed)
        return PaperDRAW(model).noise(batchSize: batchSize, generator: &generator)
    }

    /// Every parameter tensor of the paper model (up to 48 elements each) against central differences.
    static func checkEveryParameter(_ model: DRAWModel<Double>, image: Matrix<Double>) -> GradientReport {
        let noise = Self.noise(model, batchSize: image.rows)
        let paper = PaperDRAW(model)
        let gradient = paper.backward(image: image, forward: paper.forward(image: image, noise: noise))
        var worst = GradientReport(name: "none", tolerance: 1e-6)
        for (name, path) in DRAWModel<Double>.parameterPaths(config: model.config) {
            var values = model[keyPath: path].storage
            let report = gradientCheck(name: name, values: &values, analytic: gradient[keyPath: path].storage) { perturbed in
                var probe = model
                probe[keyPath: path].storage = perturbed
                return PaperDRAW(probe).forward(image: image, noise: noise).meanLoss
            }
            #expect(report.passed, "\(report)")
            if report.maxRelativeError >= worst.maxRelativeError { worst = report }
        }
        return worst
    }

    @Test("Eq. 1-12, 17-29, §2.1: every parameter of the T = 3 model, grey, with and without attention",
          arguments: [true, false])
    func everyParameterGrey(attention: Bool) {
        let config = TinyModels.config(attention: attention)
        let worst = Self.checkEveryParameter(TinyModels.model(config), image: TinyModels.images(config, batchSize: 2))
        #expect(worst.checkedCount > 0 && worst.maxRelativeError < 1e-6, "\(worst)")
        print("paper model gradient check, grey, attention \(attention): worst \(worst)")
    }

    @Test("§3.3, Eq. 1-12, 17-29: every parameter of the T = 2 model on colour images, with and without attention",
          arguments: [true, false])
    func everyParameterColour(attention: Bool) {
        let config = ColorGradientTests.config(attention: attention, timesteps: 2)
        let worst = Self.checkEveryParameter(TinyModels.model(config), image: ColorGradientTests.images(config, batchSize: 2))
        #expect(worst.checkedCount > 0 && worst.maxRelativeError < 1e-6, "\(worst)")
        print("paper model gradient check, colour, attention \(attention): worst \(worst)")
    }

    // MARK: - One concept at a time

    @Test("Eq. 5, 7: the LSTM step's gradients wrt its input, h_{t-1}, c_{t-1} and W_ih")
    func lstmGradient() {
        let paper = PaperDRAW(TinyModels.model(TinyModels.config(attention: true)))
        let cell = paper.parameters.encoder
        let (batchSize, inputSize, h) = (2, cell.inputSize, cell.hiddenSize)
        let input = randomMatrix(batchSize, inputSize, seed: 1)
        let previous = PaperLSTMState(hidden: randomMatrix(batchSize, h, seed: 2), cell: randomMatrix(batchSize, h, seed: 3))
        let (weightsH, weightsC) = (randomMatrix(batchSize, h, seed: 4), randomMatrix(batchSize, h, seed: 5))
        func loss(_ cell: LSTM<Double>, _ input: Matrix<Double>, _ previous: PaperLSTMState<Double>) -> Double {
            let state = paper.lstm(cell, input: input, previous: previous).state
            return weightedSum(state.hidden, weightsH) + weightedSum(state.cell, weightsC)
        }
        var gradient = LSTM<Double>(inputSize: inputSize, hiddenSize: h)
        let d = paper.lstmBackward(cell, dHidden: weightsH, dCell: weightsC,
                                   step: paper.lstm(cell, input: input, previous: previous), gradient: &gradient)
        var values = input.storage
        expectPassed(gradientCheck(name: "LSTM dx", values: &values, analytic: d.dInput.storage) {
            loss(cell, Matrix(rows: batchSize, columns: inputSize, storage: $0), previous)
        })
        values = previous.hidden.storage
        expectPassed(gradientCheck(name: "LSTM dh_{t-1}", values: &values, analytic: d.dPreviousHidden.storage) {
            loss(cell, input, PaperLSTMState(hidden: Matrix(rows: batchSize, columns: h, storage: $0), cell: previous.cell))
        })
        values = previous.cell.storage
        expectPassed(gradientCheck(name: "LSTM dc_{t-1}", values: &values, analytic: d.dPreviousCell.storage) {
            loss(cell, input, PaperLSTMState(hidden: previous.hidden, cell: Matrix(rows: batchSize, columns: h, storage: $0)))
        })
        values = cell.weightIH.storage
        expectPassed(gradientCheck(name: "LSTM dW_ih", values: &values, analytic: gradient.weightIH.storage) {
            var probe = cell
            probe.weightIH.storage = $0
            return loss(probe, input, previous)
        })
    }

    @Test("Eq. 21-27: the read's gradients wrt Eq. 21's five numbers and x_hat, on colour images")
    func readGradient() {
        let config = ColorGradientTests.config(attention: true)
        let paper = PaperDRAW(DRAWModel<Double>(config: config))
        let parameters = randomAttentionParameters(batchSize: 2, seed: 21)
        let image = ColorGradientTests.images(config, batchSize: 2)
        let errorImage = randomMatrix(2, config.imageSize, seed: 22)
        let weights = randomMatrix(2, config.glimpseSize, seed: 23)
        func loss(_ parameters: Matrix<Double>, _ errorImage: Matrix<Double>) -> Double {
            weightedSum(paper.read(image, errorImage: errorImage, windows: paper.windows(parameters, gridSize: config.readSize)),
                        weights)
        }
        let windows = paper.windows(parameters, gridSize: config.readSize)
        let read = paper.readBackward(weights, image: image, errorImage: errorImage, windows: windows)
        let dParameters = paper.windowsBackward(read.dWindows, windows: windows)
        expectWindowGradients(label: "read dx_hat", input: errorImage, dInput: read.dErrorImage, parameters: parameters,
                              dParameters: dParameters) { loss($1, $0) }
    }

    @Test("Eq. 21-26, 29: the write's gradients wrt Eq. 21's five numbers and the patch w_t, on colour images")
    func writeGradient() {
        let config = ColorGradientTests.config(attention: true)
        let paper = PaperDRAW(DRAWModel<Double>(config: config))
        let parameters = randomAttentionParameters(batchSize: 2, seed: 31)
        let patch = randomMatrix(2, config.writePatchSize, seed: 32)
        let weights = randomMatrix(2, config.imageSize, seed: 33)
        func loss(_ parameters: Matrix<Double>, _ patch: Matrix<Double>) -> Double {
            weightedSum(paper.write(patch, windows: paper.windows(parameters, gridSize: config.writeSize)), weights)
        }
        let windows = paper.windows(parameters, gridSize: config.writeSize)
        let write = paper.writeBackward(weights, patch: patch, windows: windows)
        let dParameters = paper.windowsBackward(write.dWindows, windows: windows)
        expectWindowGradients(label: "write dw_t", input: patch, dInput: write.dPatch, parameters: parameters,
                              dParameters: dParameters) { loss($1, $0) }
    }

    @Test("Eq. 25-26: every filterbank row sums to 1; Eq. 11: the KL of Q = N(0, I) is 0")
    func values() {
        let config = TinyModels.config(attention: true)
        let paper = PaperDRAW(DRAWModel<Double>(config: config))
        for window in paper.windows(randomAttentionParameters(batchSize: 3, seed: 41), gridSize: 3) {
            for filter in [window.filterX, window.filterY] {
                for i in 0..<filter.rows {
                    let sum = (0..<filter.columns).reduce(0.0) { $0 + filter[i, $1] }
                    #expect(abs(sum - 1) < 1e-12, "filterbank row \(i) sums to \(sum)")
                }
            }
        }
        let zero = Matrix<Double>(rows: 2, columns: 4), one = Matrix<Double>(rows: 2, columns: 4, repeating: 1)
        let prior = PaperLatentStep(mu: zero, logSigma: zero, sigma: one, noise: zero, z: zero)
        #expect(paper.klDivergence(prior) == [0, 0])
    }

    // MARK: - The independent reference (shared/reference)

    @Test("Eq. 1-29: forward values, losses and gradients match the float64 reference at 1e-10",
          arguments: ReferenceTests.locations)
    func reference(path: String) throws {
        let file = try SafeTensorsFile(contentsOf: path)
        let config = try ReferenceModel.config(file)
        let paper = PaperDRAW(try ReferenceModel.model(file, config: config))
        let batchSize = try Int(file.metadataValue("batch")) ?? 0
        let image = Matrix(rows: batchSize, columns: config.imageSize,
                           storage: try file.tensor("input.x", shape: [batchSize, config.imageSize]))
        let allNoise = try file.tensor("input.noise", shape: [config.timesteps, batchSize, config.latentSize])
        let noisePerStep = batchSize * config.latentSize
        let noise = (0..<config.timesteps).map {
            Matrix(rows: batchSize, columns: config.latentSize, storage: Array(allNoise[$0 * noisePerStep..<($0 + 1) * noisePerStep]))
        }
        let forward = paper.forward(image: image, noise: noise)
        let gradient = paper.backward(image: image, forward: forward)
        var worst = 0.0

        func compare(_ name: String, _ observed: [Double], _ expected: ArraySlice<Double>) {
            #expect(observed.count == expected.count, "\(name): \(observed.count) values, reference \(expected.count)")
            for (index, (value, reference)) in zip(observed, expected).enumerated() {
                let error = abs(value - reference) / max(abs(reference), 1e-300)
                worst = max(worst, error)
                if error > 1e-10 {
                    Issue.record("\(path): \(name) element \(index) expected \(reference), observed \(value), relative error \(error)")
                    return
                }
            }
        }
        func perStep(_ name: String, columns: Int, _ value: (PaperStep<Double>) -> Matrix<Double>) throws {
            let reference = try file.tensor(name, shape: [config.timesteps, batchSize, columns])
            let size = batchSize * columns
            for t in 0..<config.timesteps {
                compare("\(name) at t = \(t + 1)", value(forward.steps[t]).storage, reference[t * size..<(t + 1) * size])
            }
        }
        try perStep("output.canvas", columns: config.imageSize) { $0.canvas }                  // Eq. 8
        try perStep("output.glimpse", columns: config.glimpseSize) { $0.glimpse }              // Eq. 17 / 27
        try perStep("output.mu", columns: config.latentSize) { $0.latent.mu }                  // Eq. 1
        try perStep("output.sigma", columns: config.latentSize) { $0.latent.sigma }            // Eq. 2
        try perStep("output.z", columns: config.latentSize) { $0.latent.z }                    // Eq. 6
        if config.attention {
            try perStep("output.read_attention", columns: 5) { $0.readWindow }     // Eq. 21-24
            try perStep("output.write_attention", columns: 5) { $0.writeWindow }   // Eq. 21-24
        }
        compare("output.loss_x", forward.reconstructionLoss, try file.tensor("output.loss_x", shape: [batchSize])[...])
        compare("output.loss_z", forward.latentLoss, try file.tensor("output.loss_z", shape: [batchSize])[...])
        compare("output.loss", [forward.meanLoss], try file.tensor("output.loss", shape: [1])[...])
        var gradientsCompared = 0
        for (name, parameter) in DRAWModel<Double>.parameterPaths(config: config) {
            let shape = Checkpoint.fileShape(name: name, matrix: gradient[keyPath: parameter])
            guard let expected = try Checkpoint.parameterValues(file, tensor: "grad.\(name)", parameter: name, shape: shape) else { continue }
            compare("grad.\(name)", gradient[keyPath: parameter].storage, expected[...])
            gradientsCompared += 1
        }
        #expect(gradientsCompared >= (config.attention ? 18 : 14), "\(path): only \(gradientsCompared) gradients in the file")
        print("paper model vs reference \((path as NSString).lastPathComponent): worst relative error \(worst)")
    }
}
