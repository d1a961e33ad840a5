/// Images generated from the prior (paper §2.3, Eq. 13-16), written as the paper's Figure 7 shows
/// them: one grid of all images per step t, each the canvas sigmoid(c_t), optionally with the write
/// window (Eq. 29) of that step outlined in red. Grey models (C = 1) write PGM frames, colour
/// models (C = 3, paper §3.3) PPM frames; PNG and GIF follow.
public enum SampleWriter {
    /// Images shown one per row, step by step, in `sequence.pgm` (the paper's Figure 1 layout).
    public static let sequenceRows = 10

    public struct Options: Equatable, Sendable {
        /// Also write every frame as PNG.
        public var png: Bool
        /// Also write the animation `drawing.gif` (and `drawing-boxes.gif` with `boxes`).
        public var gif: Bool
        /// Also write colour frames with each image's write window drawn (needs attention).
        public var boxes: Bool
        /// Integer upscaling; nil means 1, or 2 with `boxes` so the boxes are visible, and for images
        /// smaller than MNIST's enough to show each at 28 pixels or more (`resolvedScale(for:)`).
        public var scale: Int?
        /// Replace files already in the folder (else they stop the write before it starts).
        public var overwrite: Bool

        public init(png: Bool = false, gif: Bool = false, boxes: Bool = false, scale: Int? = nil, overwrite: Bool = false) {
            self.png = png
            self.gif = gif
            self.boxes = boxes
            self.scale = scale
            self.overwrite = overwrite
        }

        /// The upscaling used for images of `config`'s size: 8x8 digits come out 4 times larger, so a
        /// grid of 100 is a picture to look at rather than 90 pixels wide.
        public func resolvedScale(for config: DRAWConfig) -> Int {
            if let scale { return scale }
            let side = max(config.width, config.height, 1)
            let smallImage = (Self.minimumShownSide + side - 1) / side                   // ceil(28 / side)
            return max(boxes ? 2 : 1, smallImage)
        }

        /// The side, in pixels, below which images are scaled up by default (MNIST's).
        public static let minimumShownSide = 28
    }

    /// Draws `count` images with noise from `seed` and writes into `directory` (created if needed):
    ///
    ///     frame-00.pgm ... frame-(T-1).pgm, final.pgm     the grid of sigmoid(c_t), t = 1...T (.ppm in colour)
    ///     *.png                                           the same, with options.png
    ///     drawing.gif                                     the frames animated, with options.gif
    ///     boxes-frame-00.ppm ..., boxes-final.ppm         with the write windows, with options.boxes
    ///     drawing-boxes.gif                               with options.boxes and options.gif
    ///     sequence.pgm (.ppm; boxes-sequence.ppm)         the first `sequenceRows` images, one per row,
    ///                                                     at the steps `DrawingFrames.sequenceSteps` picks
    ///
    /// The same model, count, seed and options write identical bytes. A file already there stops it
    /// before it writes anything, unless `options.overwrite`. Returns the written paths in order.
    /// `engine` runs the model (`Engine`); both draw the same z_t from `seed`.
    public static func write<Scalar: DRAWScalar>(model: DRAWModel<Scalar>, count: Int, seed: UInt64,
                                                 directory: String, options: Options = Options(),
                                                 engine: Engine = .fast) throws -> [String] {
        let config = model.config
        guard count > 0 else { throw VisualsError("sample count must be positive, got \(count)") }
        let scale = options.resolvedScale(for: config)
        guard scale > 0 else { throw PictureOptionError.scale(scale) }
        try DrawingFrames.checkChannels(config.channels)
        if options.boxes && !config.attention {
            throw PictureOptionError.boxesWithoutAttention
        }
        var folder = try OutputFolder(directory, names: fileNames(config: config, options: options), overwrite: options.overwrite)
        var generator = SeededGenerator(seed: seed)
        let steps = generate(model, count: count, generator: &generator, engine: engine)   // Eq. 13-16
        let columns = DrawingFrames.gridShape(count: count).columns

        // Sequence pictures: image r's canvas at step t is tile (r, t), row-major.
        let sequenceSteps = DrawingFrames.sequenceSteps(timesteps: steps.count)
        let sequenceTiles = (0..<min(count, sequenceRows)).flatMap { row in sequenceSteps.map { (step: $0, row: row) } }

        func canvasTile(_ step: Int, _ row: Int) -> [Float] { DrawingFrames.values(steps[step].canvas, row: row) }
        if config.channels == 1 {
            let greyFrames = steps.indices.map { step in
                DrawingFrames.greyFrame((0..<count).map { canvasTile(step, $0) },
                                        width: config.width, height: config.height, columns: columns, scale: scale)
            }
            try folder.writeSequence(greyFrames, prefix: "frame", finalName: "final",
                                     gifName: options.gif ? "drawing.gif" : nil, png: options.png)
            try folder.write(DrawingFrames.greyFrame(sequenceTiles.map { canvasTile($0.step, $0.row) }, width: config.width,
                                                     height: config.height, columns: sequenceSteps.count, scale: scale),
                             name: "sequence", png: options.png)
        } else {
            func colorTile(_ step: Int, _ row: Int) -> RGBImage {
                DrawingFrames.tile(canvasTile(step, row), width: config.width, height: config.height, scale: scale, boxes: [])
            }
            let colorFrames = steps.indices.map { step in
                DrawingFrames.colorFrame((0..<count).map { colorTile(step, $0) }, columns: columns, scale: scale)
            }
            try folder.writeSequence(colorFrames, prefix: "frame", finalName: "final",
                                     gifName: options.gif ? "drawing.gif" : nil, png: options.png)
            try folder.write(DrawingFrames.colorFrame(sequenceTiles.map { colorTile($0.step, $0.row) },
                                                      columns: sequenceSteps.count, scale: scale),
                             name: "sequence", png: options.png)
        }

        if options.boxes {
            func boxTile(_ step: Int, _ row: Int) -> RGBImage {
                let box = AttentionBox(window: AttentionWindow(steps[step].writeWindow, row: row), gridSize: config.writeSize)
                return DrawingFrames.tile(canvasTile(step, row), width: config.width, height: config.height, scale: scale,
                                          boxes: [(box, DrawingFrames.writeBoxColor)])
            }
            let boxFrames = steps.indices.map { step in
                DrawingFrames.colorFrame((0..<count).map { boxTile(step, $0) }, columns: columns, scale: scale)
            }
            try folder.writeSequence(boxFrames, prefix: "boxes-frame", finalName: "boxes-final",
                                     gifName: options.gif ? "drawing-boxes.gif" : nil, png: options.png)
            try folder.write(DrawingFrames.colorFrame(sequenceTiles.map { boxTile($0.step, $0.row) },
                                                      columns: sequenceSteps.count, scale: scale),
                             name: "boxes-sequence", png: options.png)
        }
        return folder.paths
    }

    /// Eq. 13-16 for `count` images by `engine`, z_t drawn from `generator` in the same order by both.
    static func generate<Scalar: DRAWScalar>(_ model: DRAWModel<Scalar>, count: Int, generator: inout SeededGenerator,
                                             engine: Engine) -> [GenerationStep<Scalar>] {
        switch engine {
        case .fast:
            return model.generate(count: count, generator: &generator)
        case .paper:
            let subnormals = SubnormalsFlushed()                         // Subnormals.swift
            defer { subnormals.restore() }
            return PaperDRAW(model).generate(count: count, generator: &generator)
        }
    }

    /// The names `write` gives its files for a model of `config`, in the order it writes them.
    public static func fileNames(config: DRAWConfig, options: Options) -> [String] {
        let netpbm = config.channels == 1 ? "pgm" : "ppm"
        var names = OutputFolder.sequenceNames(frameCount: config.timesteps, prefix: "frame", finalName: "final",
                                               gifName: options.gif ? "drawing.gif" : nil, png: options.png, netpbmExtension: netpbm)
        names += OutputFolder.imageNames("sequence", netpbmExtension: netpbm, png: options.png)
        if options.boxes {
            names += OutputFolder.sequenceNames(frameCount: config.timesteps, prefix: "boxes-frame", finalName: "boxes-final",
                                                gifName: options.gif ? "drawing-boxes.gif" : nil, png: options.png, netpbmExtension: "ppm")
            names += OutputFolder.imageNames("boxes-sequence", netpbmExtension: "ppm", png: options.png)
        }
        return names
    }
}
