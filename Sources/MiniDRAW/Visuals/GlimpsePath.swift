/// The picture of where the classifier looks: a few cluttered images side by side, each with the
/// G read windows (Eq. 21-24 from h_{g-1}) drawn as boxes, colour-graded from blue (glimpse 1)
/// to red (glimpse G). The box is the N x N grid's extent, g ± N delta / 2 (`AttentionBox`).

public enum GlimpsePath {
    /// The colour of glimpse `index` (0-based) of `count`: blue, through purple, to red.
    public static func color(glimpse index: Int, of count: Int) -> RGBColor {
        let first = RGBColor.blue, last = RGBColor.red
        let t = count > 1 ? Double(index) / Double(count - 1) : 1
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded()) }
        return RGBColor(red: mix(first.red, last.red), green: mix(first.green, last.green), blue: mix(first.blue, last.blue))
    }

    /// The windows of every glimpse for each image: [image][glimpse].
    /// - images: [count, A B]
    public static func windows(model: GlimpseClassifier<Float>, images: Matrix<Float>) -> (windows: [[AttentionWindow]], predicted: [Int]) {
        var workspace = model.makeWorkspace(batchSize: images.rows)
        let probabilities = model.probabilities(images: images, workspace: &workspace)
        let windows = (0..<images.rows).map { row in workspace.steps.map { AttentionWindow($0.attention.window, row: row) } }
        return (windows, predictedClasses(probabilities))
    }

    /// The images in a grid of `columns`, upscaled by `scale`, with each image's boxes on top.
    /// - images: [count, A B]; windows: [count][G]
    public static func render(images: Matrix<Float>, width: Int, height: Int, windows: [[AttentionWindow]],
                              gridSize: Int, columns: Int, scale: Int = 3) -> RGBImage {
        let rows = (images.rows + columns - 1) / columns
        let grid = ImageGrid(rows: rows, columns: columns, tileWidth: width, tileHeight: height, border: 2)
        let tiles = (0..<images.rows).map { Array(images.storage[($0 * width * height)..<(($0 + 1) * width * height)]) }
        var picture = RGBImage(grey: grid.render(tiles.map { $0.map { 0.75 * $0 } }, borderValue: 1)).upscaled(by: scale)
        for (index, imageWindows) in windows.enumerated() {
            let origin = grid.origin(ofTile: index)
            for (glimpse, window) in imageWindows.enumerated() {
                let box = AttentionBox(window: window, gridSize: gridSize).scaled(by: scale)
                let offsetX = Double(origin.x * scale), offsetY = Double(origin.y * scale)
                picture.drawRectangle(x0: Float(box.left + offsetX), y0: Float(box.top + offsetY),
                                      x1: Float(box.right + offsetX), y1: Float(box.bottom + offsetY),
                                      color: color(glimpse: glimpse, of: imageWindows.count))
            }
        }
        return picture
    }

    /// The first `count` held-out images with their glimpse paths, as PNG bytes, and the predicted classes.
    public static func png(model: GlimpseClassifier<Float>, images: Matrix<Float>, count: Int, columns: Int = 4) -> (png: [UInt8], predicted: [Int]) {
        let shown = min(count, images.rows)
        let subset = Matrix(rows: shown, columns: images.columns, storage: Array(images.storage[0..<(shown * images.columns)]))
        let (windows, predicted) = Self.windows(model: model, images: subset)
        let picture = render(images: subset, width: model.config.width, height: model.config.height, windows: windows,
                             gridSize: model.config.readSize, columns: min(columns, shown))
        return (PNGWriter.encode(picture), predicted)
    }
}
