/// The paper's Figures 3 and 4 made by the reader: one N x N grid of Gaussian filters placed on an
/// image by hand, the glimpse it reads (Eq. 27), that glimpse written back (Eq. 29), and the
/// filterbank matrices F_X, F_Y (Eq. 25-26) as pictures.
public struct AttentionDemo {
    /// The image [height * width], values in [0, 1].
    public let image: [Float]
    public let width: Int
    public let height: Int
    public let window: AttentionWindow
    /// N
    public let gridSize: Int
    /// F_X, F_Y and gamma for `window`, built by the model's own Eq. 22-26.
    let cache: AttentionStepCache<Double>

    /// Checks the window (positive sigma^2, delta, gamma; N at least 1) and builds its filterbanks.
    public init(image: [Float], width: Int, height: Int, window: AttentionWindow, gridSize: Int) throws {
        precondition(image.count == width * height, "image has \(image.count) values, expected \(width)x\(height)")
        guard gridSize >= 1 && gridSize <= max(width, height) else {
            throw PictureOptionError.gridSize(gridSize, largestSide: max(width, height))
        }
        for (name, value) in [("stride delta", window.stride), ("variance sigma^2", window.variance), ("intensity gamma", window.intensity)]
        where !(value > 0 && value.isFinite) {
            throw VisualsError("the attention window's \(name) must be a positive number, got \(value)")
        }
        for (name, value) in [("centre g_X", window.centerX), ("centre g_Y", window.centerY)] where !value.isFinite {
            throw VisualsError("the attention window's \(name) must be a finite number, got \(value)")
        }
        self.image = image
        self.width = width
        self.height = height
        self.window = window
        self.gridSize = gridSize
        cache = AttentionStepCache(windows: [window], geometry: AttentionGeometry(gridSize: gridSize, width: width, height: height))
    }

    var geometry: AttentionGeometry { AttentionGeometry(gridSize: gridSize, width: width, height: height) }

    /// F_X, row j = filter j over the pixel columns a: [N * width]
    public var filterX: [Double] { cache.filterX.storage }
    /// F_Y, row i = filter i over the pixel rows b: [N * height]
    public var filterY: [Double] { cache.filterY.storage }

    /// Eq. 27 on the image alone: gamma F_Y x F_Xᵀ, [N * N].
    public var glimpse: [Double] {
        let image = Matrix<Double>(rows: 1, columns: width * height, storage: self.image.map(Double.init))
        var glimpse = Matrix<Double>(rows: 1, columns: 2 * gridSize * gridSize)
        geometry.read(image: image, errorImage: image, cache: cache, channels: 1, glimpse: &glimpse)
        return Array(glimpse.storage.prefix(gridSize * gridSize))                      // the x half of [x, x_hat]
    }

    /// Eq. 29 with the glimpse as the patch: (1 / gamma) F_Yᵀ glimpse F_X, [height * width].
    public var writtenBack: [Double] {
        var canvas = Matrix<Double>(rows: 1, columns: width * height)
        geometry.write(patch: Matrix(rows: 1, columns: gridSize * gridSize, storage: glimpse), cache: cache,
                       channels: 1, canvas: &canvas)
        return canvas.storage
    }

    // MARK: - Pictures

    /// Writes into `directory`, each image upscaled by `scale` (a .png copy of each with `png`):
    ///
    ///     original.ppm    the image, the grid's extent (red) and its N x N filter centres (yellow)
    ///     glimpse.pgm     the N x N glimpse (Eq. 27), shown as large as the image
    ///     written.pgm     the glimpse written back (Eq. 29), scaled so its brightest pixel is white
    ///     filter-x.pgm    F_X [N, A], filter j as row j; filter-y.pgm: F_Y [N, B]; each scaled to its maximum
    ///
    /// A file already there stops it before it writes anything, unless `overwrite`. Returns the written paths.
    public func write(directory: String, scale: Int, png: Bool, overwrite: Bool = false) throws -> [String] {
        guard scale > 0 else { throw PictureOptionError.scale(scale) }
        var folder = try OutputFolder(directory, names: Self.fileNames(png: png), overwrite: overwrite)
        let box = AttentionBox(window: window, gridSize: gridSize).scaled(by: scale)
        var original = RGBImage(grey: GreyImage(width: width, height: height, values: image)).upscaled(by: scale)
        original.drawAttentionBox(box, color: DrawingFrames.writeBoxColor)
        original.drawFilterCenters(box, color: DrawingFrames.filterCenterColor, radius: max(1, scale / 4))
        try folder.write(original, name: "original", png: png)

        let glimpseScale = max(1, (max(width, height) * scale) / gridSize)
        let glimpseImage = GreyImage(width: gridSize, height: gridSize, values: glimpse.map(Float.init))
        try folder.write(glimpseImage.upscaled(by: glimpseScale), name: "glimpse", png: png)
        try folder.write(Self.normalised(writtenBack, width: width, height: height).upscaled(by: scale), name: "written", png: png)
        try folder.write(Self.normalised(filterX, width: width, height: gridSize).upscaled(by: scale), name: "filter-x", png: png)
        try folder.write(Self.normalised(filterY, width: height, height: gridSize).upscaled(by: scale), name: "filter-y", png: png)
        return folder.paths
    }

    /// The names `write` gives its files, in the order it writes them.
    public static func fileNames(png: Bool) -> [String] {
        OutputFolder.imageNames("original", netpbmExtension: "ppm", png: png)
            + ["glimpse", "written", "filter-x", "filter-y"].flatMap { OutputFolder.imageNames($0, netpbmExtension: "pgm", png: png) }
    }

    /// `values` divided by their maximum (when positive), as a grey image.
    static func normalised(_ values: [Double], width: Int, height: Int) -> GreyImage {
        let maximum = values.max() ?? 0
        let scaleFactor = maximum > 0 ? 1 / maximum : 1
        return GreyImage(width: width, height: height, values: values.map { Float($0 * scaleFactor) })
    }
}
