/// Images run through the whole model (Eq. 1-8, noise epsilon_t from a seed) and pictured step by
/// step: each input beside the canvas sigmoid(c_t), the read window (Eq. 27) outlined in green on
/// the input and the write window (Eq. 29) in red on the canvas.
public enum ReconstructionWriter {
    public struct Options: Equatable, Sendable {
        /// Also write every frame as PNG.
        public var png: Bool
        /// Also write the animation `reconstruction.gif`.
        public var gif: Bool
        /// Integer upscaling of every image.
        public var scale: Int
        /// Replace files already in the folder (else they stop the write before it starts).
        public var overwrite: Bool

        public init(png: Bool = false, gif: Bool = false, scale: Int = 2, overwrite: Bool = false) {
            self.png = png
            self.gif = gif
            self.scale = scale
            self.overwrite = overwrite
        }
    }

    /// Input/canvas pairs per frame row.
    public static let pairsPerRow = 5

    /// What `write` produced.
    public struct Result: Sendable {
        /// The written files in order.
        public var paths: [String]
        /// The mean L^x (Eq. 9) and L^z (Eq. 10) of these images with this noise.
        public var reconstructionLoss: Double
        public var latentLoss: Double
    }

    /// Writes into `directory` (created if needed) `frame-00.ppm ... frame-(T-1).ppm`, `final.ppm`,
    /// PNG copies with options.png and `reconstruction.gif` with options.gif. Frame t tiles the
    /// images in pairs, input then canvas sigmoid(c_t), `pairsPerRow` pairs a row. A file already
    /// there stops it before it writes anything, unless `options.overwrite`.
    /// - images: the inputs, values in [0, 1], of the model's size
    /// - engine: the code that runs the model (`Engine`); both draw the same noise from `seed`
    public static func write<Scalar: DRAWScalar>(model: DRAWModel<Scalar>, images: ImageSet, seed: UInt64,
                                                 directory: String, options: Options = Options(),
                                                 engine: Engine = .fast) throws -> Result {
        let config = model.config
        guard images.imageCount > 0 else { throw VisualsError("no images to reconstruct") }
        guard options.scale > 0 else { throw PictureOptionError.scale(options.scale) }
        try DrawingFrames.checkChannels(config.channels)
        guard images.width == config.width && images.height == config.height && images.channels == config.channels else {
            throw VisualsError("images are \(images.width)x\(images.height)x\(images.channels), "
                               + "the model expects \(config.width)x\(config.height)x\(config.channels)")
        }
        var folder = try OutputFolder(directory, names: fileNames(config: config, options: options), overwrite: options.overwrite)
        let count = images.imageCount
        var generator = SeededGenerator(seed: seed)
        let (input, drawing) = model.drawing(images, generator: &generator, engine: engine)

        let scale = options.scale, columns = 2 * min(count, pairsPerRow)
        let frames = drawing.steps.map { step -> RGBImage in
            var tiles: [RGBImage] = []
            for row in 0..<count {
                var readBoxes: [(box: AttentionBox, color: RGBColor)] = []
                var writeBoxes = readBoxes
                if config.attention {
                    readBoxes = [(AttentionBox(window: AttentionWindow(step.readWindow, row: row), gridSize: config.readSize),
                                  DrawingFrames.readBoxColor)]
                    writeBoxes = [(AttentionBox(window: AttentionWindow(step.writeWindow, row: row), gridSize: config.writeSize),
                                   DrawingFrames.writeBoxColor)]
                }
                let canvas = DrawingFrames.values(step.canvas, row: row).map { 1 / (1 + Float.exp(-$0)) }   // sigmoid(c_t)
                tiles.append(DrawingFrames.tile(DrawingFrames.values(input, row: row), width: config.width,
                                                height: config.height, scale: scale, boxes: readBoxes))
                tiles.append(DrawingFrames.tile(canvas, width: config.width, height: config.height, scale: scale, boxes: writeBoxes))
            }
            return DrawingFrames.colorFrame(tiles, columns: columns, scale: scale)
        }
        try folder.writeSequence(frames, prefix: "frame", finalName: "final",
                                 gifName: options.gif ? "reconstruction.gif" : nil, png: options.png)
        return Result(paths: folder.paths, reconstructionLoss: drawing.reconstructionLoss, latentLoss: drawing.latentLoss)
    }

    /// What the frames show of one step t of a reconstruction, whichever engine drew it.
    struct DrawnStep<Scalar: DRAWScalar> {
        /// c_t (logits): [count, imageSize]
        var canvas: Matrix<Scalar>
        /// (g_X, g_Y, sigma^2, delta, gamma) of each image's read and write (Eq. 21-24): [count, 5], [0, 5] without attention
        var readWindow: Matrix<Scalar>
        var writeWindow: Matrix<Scalar>
    }

    /// A reconstruction's steps t = 1...T and its mean L^x (Eq. 9) and L^z (Eq. 10).
    struct Drawing<Scalar: DRAWScalar> {
        var steps: [DrawnStep<Scalar>]
        var reconstructionLoss: Double
        var latentLoss: Double
    }

    /// The names `write` gives its files for a model of `config`, in the order it writes them.
    public static func fileNames(config: DRAWConfig, options: Options) -> [String] {
        OutputFolder.sequenceNames(frameCount: config.timesteps, prefix: "frame", finalName: "final",
                                   gifName: options.gif ? "reconstruction.gif" : nil, png: options.png, netpbmExtension: "ppm")
    }
}

extension DRAWModel {
    /// `images` through the whole model (`reconstruct`, Eq. 1-9 in Model/DRAWForward.swift): the
    /// input [imageCount, imageSize] and the cache of every step.
    func reconstruct(_ images: ImageSet, generator: inout SeededGenerator) -> (input: Matrix<Scalar>, cache: DRAWForwardCache<Scalar>) {
        let input = Matrix<Scalar>(rows: images.imageCount, columns: config.imageSize, storage: images.pixels.map { Scalar($0) })
        return (input, reconstruct(input, generator: &generator))
    }

    /// `images` through the whole model by `engine`, epsilon_t (Eq. 6) drawn from `generator` in step,
    /// image, unit order by both: the input [imageCount, imageSize] and what each step drew.
    func drawing(_ images: ImageSet, generator: inout SeededGenerator,
                 engine: Engine) -> (input: Matrix<Scalar>, drawing: ReconstructionWriter.Drawing<Scalar>) {
        switch engine {
        case .fast:
            let (input, cache) = reconstruct(images, generator: &generator)
            let steps = cache.steps.map {
                ReconstructionWriter.DrawnStep(canvas: $0.canvas, readWindow: $0.readAttention.window, writeWindow: $0.writeAttention.window)
            }
            return (input, .init(steps: steps, reconstructionLoss: cache.meanReconstructionLoss, latentLoss: cache.meanLatentLoss))
        case .paper:
            let subnormals = SubnormalsFlushed()                         // Subnormals.swift
            defer { subnormals.restore() }
            let input = Matrix<Scalar>(rows: images.imageCount, columns: config.imageSize, storage: images.pixels.map { Scalar($0) })
            let forward = PaperDRAW(self).forward(image: input, generator: &generator)                    // Eq. 1-12
            let steps = forward.steps.map {
                ReconstructionWriter.DrawnStep(canvas: $0.canvas, readWindow: $0.readWindow, writeWindow: $0.writeWindow)
            }
            return (input, .init(steps: steps, reconstructionLoss: forward.meanReconstructionLoss, latentLoss: forward.meanLatentLoss))
        }
    }
}

extension ImageSet {
    /// Images `first ..< first + count` (fewer at the end of the set).
    public func slice(first: Int, count: Int) throws -> ImageSet {
        guard first >= 0 && first < imageCount else {
            throw VisualsError("image index \(first) is outside the set's \(imageCount) images (0...\(imageCount - 1))")
        }
        let kept = min(count, imageCount - first)
        let start = first * pixelsPerImage
        return ImageSet(imageCount: kept, height: height, width: width, channels: channels,
                        pixels: Array(pixels[start..<(start + kept * pixelsPerImage)]))
    }
}
