/// The whole network over T steps (§2, Figure 2): the learned initial states (§2.1), the steps
/// t = 1...T of PaperDRAWStep.swift, the losses (Eq. 9-12), and the backward through time.

/// One forward pass of a batch: every step, and the losses per image.
public struct PaperForward<Scalar: DRAWScalar>: Sendable {
    /// c_0, h^enc_0, h^dec_0 on every image (§2.1), and c^enc_0 = c^dec_0 = 0
    public var initialState: PaperState<Scalar>
    /// Steps t = 1...T
    public var steps: [PaperStep<Scalar>]
    /// L^x per image (Eq. 9): [batchSize]
    public var reconstructionLoss: [Scalar]
    /// L^z per image (Eq. 10-11): [batchSize]
    public var latentLoss: [Scalar]
    /// The batch mean of each step's KL term (Eq. 11), t = 1...T
    public var klPerStep: [Double]

    public var batchSize: Int { reconstructionLoss.count }
    /// The batch means of L^x and L^z.
    public var meanReconstructionLoss: Double { reconstructionLoss.reduce(0) { $0 + Double($1) } / Double(batchSize) }
    public var meanLatentLoss: Double { latentLoss.reduce(0) { $0 + Double($1) } / Double(batchSize) }
    /// Eq. 12: L = L^x + L^z, averaged over the batch
    public var meanLoss: Double { meanReconstructionLoss + meanLatentLoss }                      // Eq. 12
    /// c_1 ... c_T, each [batchSize, C B A] (logits: sigmoid(c_t) is the picture)
    public var canvases: [Matrix<Scalar>] { steps.map(\.canvas) }
    /// State before step t (0-based): the initial states for t = 0, else step t - 1's.
    public func state(before t: Int) -> PaperState<Scalar> { t == 0 ? initialState : steps[t - 1].state }
}

extension PaperDRAW {
    // MARK: - Noise (Eq. 6)

    /// epsilon_t ~ N(0, I) for t = 1...T, each [batchSize, |z|], in the fast engine's order, so one seed
    /// gives both engines the same z: step, image, unit (`DRAWModel.fillNoise`, evaluation's `ForwardSlices`);
    /// with `sliceSize`, slice after slice of that many images, each in step, image, unit order
    /// (training's `BatchSlices.load`, slices of `BatchSlices.defaultSize`).
    public func noise(batchSize: Int, sliceSize: Int? = nil, generator: inout SeededGenerator) -> [Matrix<Scalar>] {
        let (size, z) = (sliceSize ?? batchSize, config.latentSize)
        var epsilon = (0..<config.timesteps).map { _ in Matrix<Scalar>(rows: batchSize, columns: z) }
        for first in stride(from: 0, to: batchSize, by: max(size, 1)) {
            let images = min(size, batchSize - first)
            for t in 0..<config.timesteps {
                var slice = [Scalar](repeating: 0, count: images * z)
                generator.fillGaussian(&slice)
                for index in 0..<slice.count { epsilon[t].storage[first * z + index] = slice[index] }
            }
        }
        return epsilon
    }

    // MARK: - Forward (Eq. 1-12)

    /// The initial states of §2.1 ("c_0, h^enc_0, h^dec_0 are initialised to learned biases"), one row
    /// each repeated on every image; the LSTM cells start at 0.
    func initialState(batchSize: Int) -> PaperState<Scalar> {
        let zeroEncoder = Matrix<Scalar>(rows: batchSize, columns: config.encoderSize)
        let zeroDecoder = Matrix<Scalar>(rows: batchSize, columns: config.decoderSize)
        return PaperState(canvas: broadcast(parameters.initialCanvas, count: batchSize),
                          encoder: PaperLSTMState(hidden: broadcast(parameters.initialEncoderHidden, count: batchSize),
                                                  cell: zeroEncoder),
                          decoder: PaperLSTMState(hidden: broadcast(parameters.initialDecoderHidden, count: batchSize),
                                                  cell: zeroDecoder))
    }

    /// The T steps on the images x and the losses.
    /// - image x: [batchSize, C B A] with values in [0, 1]; noise: epsilon_t for each step (`noise(batchSize:generator:)`)
    public func forward(image x: Matrix<Scalar>, noise: [Matrix<Scalar>]) -> PaperForward<Scalar> {
        precondition(x.columns == config.imageSize && noise.count == config.timesteps,
                     "paper forward: image \(x.shapeDescription) and \(noise.count) noise steps for \(config.summary)")
        var state = initialState(batchSize: x.rows)
        var result = PaperForward(initialState: state, steps: [], reconstructionLoss: [],
                                  latentLoss: [Scalar](repeating: 0, count: x.rows), klPerStep: [])
        for t in 0..<config.timesteps {
            let current = step(x, previous: state, noise: noise[t])                                // Eq. 1-8
            let kl = klDivergence(current.latent)                                                  // Eq. 10-11
            for image in 0..<x.rows { result.latentLoss[image] += kl[image] }                      // Eq. 10: L^z = Σ_t KL
            result.klPerStep.append(kl.reduce(0) { $0 + Double($1) } / Double(x.rows))
            result.steps.append(current)
            state = current.state
        }
        result.reconstructionLoss = reconstructionLoss(x, canvas: state.canvas)                    // Eq. 9
        return result
    }

    /// `forward` with the noise drawn from `generator` (T * batchSize * |z| draws): a reconstruction
    /// of the images, drawn step by step in `canvases`.
    public func forward(image x: Matrix<Scalar>, generator: inout SeededGenerator) -> PaperForward<Scalar> {
        forward(image: x, noise: noise(batchSize: x.rows, generator: &generator))
    }

    // MARK: - Backward through time

    /// The gradient of the batch mean of L = L^x + L^z (Eq. 12) with respect to every parameter,
    /// after `forward` on the same images. Each step, t = T down to 1, adds its own weight gradients;
    /// the initial states get what is left at t = 0, summed over the images they were repeated on.
    /// - Returns a `DRAWModel` holding the gradient of each parameter in its place.
    public func backward(image x: Matrix<Scalar>, forward: PaperForward<Scalar>) -> DRAWModel<Scalar> {
        let scale = 1 / Scalar(x.rows)
        var gradient = parameters.zeros()
        let zeroEncoder = Matrix<Scalar>(rows: x.rows, columns: config.encoderSize)
        let zeroDecoder = Matrix<Scalar>(rows: x.rows, columns: config.decoderSize)
        var d = PaperStateGradient(dCanvas: reconstructionLossBackward(x, canvas: forward.state(before: config.timesteps).canvas,  // Eq. 9
                                                                       scale: scale),
                                   dEncoderHidden: zeroEncoder, dEncoderCell: zeroEncoder,
                                   dDecoderHidden: zeroDecoder, dDecoderCell: zeroDecoder)
        for t in stride(from: config.timesteps - 1, through: 0, by: -1) {
            d = stepBackward(x, step: forward.steps[t], previous: forward.state(before: t), d: d, scale: scale,
                             gradient: &gradient)
        }
        gradient.initialCanvas += columnSums(d.dCanvas)                                   // §2.1: dc_0
        gradient.initialEncoderHidden += columnSums(d.dEncoderHidden)                     // §2.1: dh^enc_0
        gradient.initialDecoderHidden += columnSums(d.dDecoderHidden)                     // §2.1: dh^dec_0
        return gradient
    }
}
