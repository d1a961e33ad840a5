// MARK: - Grid layout

/// Tiles `rows x columns` equally sized images into one, row-major, with a `border`-pixel line
/// around and between the tiles:
///
///     width  = columns * (tileWidth + border) + border
///     height = rows * (tileHeight + border) + border
///
/// Tile `index` (row `index / columns`, column `index % columns`) has its top-left pixel at
/// `origin(ofTile: index)`.
public struct ImageGrid: Sendable {
    public let rows: Int
    public let columns: Int
    public let tileWidth: Int
    public let tileHeight: Int
    public let border: Int

    public init(rows: Int, columns: Int, tileWidth: Int, tileHeight: Int, border: Int = 1) {
        precondition(rows > 0 && columns > 0 && tileWidth > 0 && tileHeight > 0 && border >= 0,
                     "grid needs positive rows, columns and tile size, got \(rows)x\(columns) of \(tileWidth)x\(tileHeight)")
        self.rows = rows
        self.columns = columns
        self.tileWidth = tileWidth
        self.tileHeight = tileHeight
        self.border = border
    }

    public var width: Int { columns * (tileWidth + border) + border }
    public var height: Int { rows * (tileHeight + border) + border }

    /// Top-left pixel of tile `index`, counted row-major.
    public func origin(ofTile index: Int) -> (x: Int, y: Int) {
        (x: border + (index % columns) * (tileWidth + border), y: border + (index / columns) * (tileHeight + border))
    }

    /// The tiled image. Tiles beyond `tiles.count` stay `backgroundValue`; borders are `borderValue`.
    /// - tiles: at most rows * columns images, each [tileHeight * tileWidth] in [0, 1]
    public func render(_ tiles: [[Float]], borderValue: Float = 0.5, backgroundValue: Float = 0) -> GreyImage {
        precondition(tiles.count <= rows * columns, "\(tiles.count) tiles do not fit a \(rows)x\(columns) grid")
        var image = GreyImage(width: width, height: height, fill: quantise(borderValue))
        let background = [Float](repeating: backgroundValue, count: tileWidth * tileHeight)
        for index in 0..<(rows * columns) {
            let tile = index < tiles.count ? tiles[index] : background
            precondition(tile.count == tileWidth * tileHeight,
                         "tile \(index) has \(tile.count) values, expected \(tileWidth)x\(tileHeight)")
            let (originX, originY) = origin(ofTile: index)
            for y in 0..<tileHeight {
                for x in 0..<tileWidth {
                    image[originX + x, originY + y] = quantise(tile[y * tileWidth + x])
                }
            }
        }
        return image
    }
}

// MARK: - Drawing

extension RGBImage {
    /// Draws the 1-pixel outline of the rectangle with corners (x0, y0) and (x1, y1), in pixel
    /// units, each coordinate rounded to the nearest pixel. Pixels outside the image are skipped,
    /// so a partly visible box shows its visible edges; non-finite coordinates draw nothing.
    public mutating func drawRectangle(x0: Float, y0: Float, x1: Float, y1: Float, color: RGBColor) {
        guard [x0, y0, x1, y1].allSatisfy({ $0.isFinite }) else { return }
        // Clamping to one pixel beyond the image keeps Int conversion safe and edges outside invisible.
        func pixel(_ value: Float, limit: Int) -> Int { Int(min(max(value, -1), Float(limit)).rounded()) }
        let left = pixel(min(x0, x1), limit: width), right = pixel(max(x0, x1), limit: width)
        let top = pixel(min(y0, y1), limit: height), bottom = pixel(max(y0, y1), limit: height)
        func plot(_ x: Int, _ y: Int) {
            if x >= 0 && x < width && y >= 0 && y < height { self[x, y] = color }
        }
        for x in left...right {
            plot(x, top)
            plot(x, bottom)
        }
        for y in top...bottom {
            plot(left, y)
            plot(right, y)
        }
    }

    /// Nearest-neighbour upscaling: each pixel becomes a `factor x factor` block.
    public func upscaled(by factor: Int) -> RGBImage {
        precondition(factor > 0, "upscale factor must be positive, got \(factor)")
        var result = RGBImage(width: width * factor, height: height * factor)
        for y in 0..<result.height {
            for x in 0..<result.width { result[x, y] = self[x / factor, y / factor] }
        }
        return result
    }
}

extension GreyImage {
    /// Nearest-neighbour upscaling: each pixel becomes a `factor x factor` block.
    public func upscaled(by factor: Int) -> GreyImage {
        precondition(factor > 0, "upscale factor must be positive, got \(factor)")
        var result = GreyImage(width: width * factor, height: height * factor)
        for y in 0..<result.height {
            for x in 0..<result.width { result[x, y] = self[x / factor, y / factor] }
        }
        return result
    }
}
