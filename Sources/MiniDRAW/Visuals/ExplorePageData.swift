/// The numbers `minidraw explore` embeds in its page, every one computed by the paper model
/// (Sources/MiniDRAW/Paper): test images redrawn step by step (Eq. 1-12), samples drawn from the
/// prior step by step (Eq. 13-16), and the filterbanks, glimpses and write-backs of a few fixed
/// attention windows (Eq. 19-29) that the page recomputes in JavaScript to check itself.

// MARK: - A drawing, step by step

/// One image being drawn: a test image reconstructed, or a sample from the prior.
struct ExploreDrawing {
    /// "reconstruction" or "sample", as the page names them.
    var kind: String
    /// What the page calls it: "test image 7", "sample 2".
    var title: String
    /// Index into `ExplorePageData.images` of the image read (reconstructions), nil for samples.
    var imageIndex: Int?
    /// sigmoid(c_t) for t = 0...T (c_0 is the learned initial canvas of §2.1), each [C B A]
    var canvases: [[Float]]
    /// (g_X, g_Y, sigma^2, delta, gamma) of the read window of step t = 1...T (Eq. 21-24), each [5];
    /// empty for samples (nothing is read) and without attention.
    var readWindows: [[Float]]
    /// The same five numbers of the write window of step t = 1...T; empty without attention.
    var writeWindows: [[Float]]
    /// r_t (Eq. 27): [2 C N^2] per step, the C planes read from x, then the C read from x_hat_t;
    /// empty for samples and without attention.
    var glimpses: [[Float]]
    /// w_t (Eq. 28): [C N^2] per step; empty without attention.
    var writePatches: [[Float]]
    /// KL(Q(Z_t | h^enc_t) || P(Z_t)) of step t = 1...T (Eq. 10-11) in nats; empty for samples.
    var klPerStep: [Float]
    /// L^x (Eq. 9) and L^z (Eq. 10) of this image in nats; nil for samples.
    var reconstructionLoss: Float?
    var latentLoss: Float?
}

/// One fixed setting of the attention sandbox's sliders and what the paper model computes for it.
struct ExploreSelfCheckCase {
    /// The five outputs of Eq. 21: (g~_X, g~_Y, log sigma^2, log delta~, log gamma)
    var raw: [Float]
    /// N: the grid is N x N
    var gridSize: Int
    /// F_X: [N, A], F_Y: [N, B] (Eq. 25-26), row by row
    var filterX: [Float]
    var filterY: [Float]
    /// gamma F_Y x F_Xᵀ per channel (the x half of Eq. 27): [C N^2]
    var glimpse: [Float]
    /// (1 / gamma) F_Yᵀ glimpse F_X per channel (Eq. 29 with the glimpse as the patch): [C B A]
    var writtenBack: [Float]
}

/// Everything the page shows that comes from Swift.
struct ExplorePageData {
    var config: DRAWConfig
    /// The model file the drawings came from, as the command was given it.
    var modelName: String
    /// The seed of the noise epsilon_t (Eq. 6) and of the prior's z_t (Eq. 13).
    var seed: UInt64
    /// The test images read: [C B A] each, values in [0, 1]; also the attention sandbox's images.
    var images: [[Float]]
    /// The index of each image in the test set.
    var imageNumbers: [Int]
    var drawings: [ExploreDrawing]
    var selfCheck: [ExploreSelfCheckCase]
}

// MARK: - Computing the drawings

extension ExplorePageData {
    /// The raw sandbox settings (Eq. 21's five outputs, and N) the page checks itself on: the
    /// untrained grid over the whole image, a zoom, a coarse grid partly off the image, and N = 1.
    static let selfCheckSettings: [(raw: [Float], gridSize: Int)] = [
        ([0, 0, 0, 0, 0], 5),
        ([-0.3, 0.2, -1, -1.2, 0.5], 5),
        ([0.5, -0.4, 1, -0.5, -0.3], 3),
        ([0.7, 0.6, 0.3, 0, 0], 12),
        ([0.1, -0.1, 0.5, 0, 0.2], 1),
    ]

    /// Redraws `images` (test images `firstImageNumber`...) with noise from `seed`, as `minidraw
    /// reconstruct --seed` does, draws `sampleCount` samples from the prior with the same seed, as
    /// `minidraw sample --seed` does, and computes the sandbox's self-check on the first image.
    /// - images: [count, C B A] with values in [0, 1]
    init(model: DRAWModel<Float>, modelName: String, images: Matrix<Float>, firstImageNumber: Int,
         sampleCount: Int, seed: UInt64) {
        let paper = PaperDRAW(model)
        config = model.config
        self.modelName = modelName
        self.seed = seed
        self.images = (0..<images.rows).map { Array(images.storage[$0 * images.columns..<($0 + 1) * images.columns]) }
        imageNumbers = (0..<images.rows).map { firstImageNumber + $0 }
        var reconstructionGenerator = SeededGenerator(seed: seed)
        let forward = paper.forward(image: images, generator: &reconstructionGenerator)
        drawings = (0..<images.rows).map { image in
            Self.reconstruction(forward, image: image, number: firstImageNumber + image, paper: paper)
        }
        if sampleCount > 0 {
            var sampleGenerator = SeededGenerator(seed: seed)
            let steps = paper.generate(count: sampleCount, generator: &sampleGenerator)
            drawings += (0..<sampleCount).map { sample in Self.sample(steps, sample: sample, paper: paper) }
        }
        let sandboxImage = self.images[0]
        selfCheck = Self.selfCheckSettings.map { setting in
            Self.selfCheckCase(raw: setting.raw, gridSize: setting.gridSize, image: sandboxImage, config: model.config)
        }
    }

    /// Row `row` of `matrix` as an array.
    static func row(_ matrix: Matrix<Float>, _ row: Int) -> [Float] {
        Array(matrix.storage[row * matrix.columns..<(row + 1) * matrix.columns])
    }

    /// sigmoid(c_0) of one image: the learned initial canvas (§2.1) as a picture.
    static func initialPicture(_ paper: PaperDRAW<Float>) -> [Float] {
        paper.parameters.initialCanvas.storage.map { paper.sigmoid($0) }
    }

    /// Image `image` of one forward pass: its canvases, windows, glimpses, patches and KL per step.
    static func reconstruction(_ forward: PaperForward<Float>, image: Int, number: Int, paper: PaperDRAW<Float>) -> ExploreDrawing {
        let steps = forward.steps
        return ExploreDrawing(
            kind: "reconstruction", title: "test image \(number)", imageIndex: image,
            canvases: [initialPicture(paper)] + steps.map { row($0.canvas, image).map { paper.sigmoid($0) } },
            readWindows: steps.compactMap { $0.readWindows.isEmpty ? nil : $0.readWindows[image].values },
            writeWindows: steps.compactMap { $0.writeWindows.isEmpty ? nil : $0.writeWindows[image].values },
            glimpses: paper.config.attention ? steps.map { row($0.glimpse, image) } : [],
            writePatches: paper.config.attention ? steps.map { row($0.writePatch, image) } : [],
            klPerStep: steps.map { paper.klDivergence($0.latent)[image] },
            reconstructionLoss: forward.reconstructionLoss[image], latentLoss: forward.latentLoss[image])
    }

    /// Sample `sample` of one generation: its canvases, write windows and patches per step.
    static func sample(_ steps: [GenerationStep<Float>], sample: Int, paper: PaperDRAW<Float>) -> ExploreDrawing {
        ExploreDrawing(
            kind: "sample", title: "sample \(sample + 1)", imageIndex: nil,
            canvases: [initialPicture(paper)] + steps.map { row($0.canvas, sample) },
            readWindows: [],
            writeWindows: paper.config.attention ? steps.map { row($0.writeWindow, sample) } : [],
            glimpses: [],
            writePatches: paper.config.attention ? steps.map { row($0.writePatch, sample) } : [],
            klPerStep: [], reconstructionLoss: nil, latentLoss: nil)
    }

    // MARK: - The sandbox's self-check

    /// A DRAW model that only places grids: the image's shape, N x N read and write, everything else
    /// of size 1. Its paper model computes Eq. 22-29 for any N the sandbox's slider can take.
    static func geometry(_ config: DRAWConfig, gridSize: Int) -> PaperDRAW<Float> {
        PaperDRAW(DRAWModel(config: DRAWConfig(width: config.width, height: config.height, channels: config.channels,
                                               timesteps: 1, encoderSize: 1, decoderSize: 1, latentSize: 1,
                                               readSize: gridSize, writeSize: gridSize, attention: true)))
    }

    /// The window of `raw` (Eq. 21's five outputs) on `image`: its filterbanks, the x half of its
    /// glimpse, and that glimpse written back through the same window.
    static func selfCheckCase(raw: [Float], gridSize: Int, image: [Float], config: DRAWConfig) -> ExploreSelfCheckCase {
        let geometry = geometry(config, gridSize: gridSize)
        let x = Matrix(rows: 1, columns: image.count, storage: image)
        let windows = geometry.windows(Matrix(rows: 1, columns: 5, storage: raw), gridSize: gridSize)
        let glimpse = geometry.read(x, errorImage: x, windows: windows)
        let xHalf = Matrix(rows: 1, columns: config.channels * gridSize * gridSize,
                           storage: Array(glimpse.storage.prefix(config.channels * gridSize * gridSize)))
        let writtenBack = geometry.write(xHalf, windows: windows)
        return ExploreSelfCheckCase(raw: raw, gridSize: gridSize, filterX: windows[0].filterX.storage,
                                    filterY: windows[0].filterY.storage, glimpse: xHalf.storage,
                                    writtenBack: writtenBack.storage)
    }
}
