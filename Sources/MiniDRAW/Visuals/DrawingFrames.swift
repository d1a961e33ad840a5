/// Pictures of DRAW drawing: many images tiled into one frame per step t, attention boxes drawn
/// on the tiles, and the frame sequences written as Netpbm, PNG and animated GIF files.
///
/// A frame of `count` images at scale K is the `ImageGrid` of the images with 1-pixel borders,
/// upscaled by K, so grey frames and frames with boxes line up pixel for pixel: box frames build
/// the same grid from tiles upscaled first (with K-pixel borders), then draw each box on its own
/// tile, clipped to it, so a window hanging off an image never marks its neighbour.

// MARK: - Layout and naming

package enum DrawingFrames {
    /// Colour of the write window (Eq. 29), as the red rectangle of the paper's Figure 7.
    package static let writeBoxColor = RGBColor.red
    /// Colour of the read window (Eq. 27).
    package static let readBoxColor = RGBColor.green
    /// Colour of the filter centres mu_X^j, mu_Y^i (Eq. 19-20).
    package static let filterCenterColor = RGBColor.yellow
    /// The grey of the borders between tiles (ImageGrid's default 0.5).
    package static let borderColor = RGBColor(grey: 128)
    /// How long an animation holds its last frame, in hundredths of a second.
    package static let finalFrameCentiseconds = 200

    /// A nearly square grid for `count` tiles: ceil(sqrt(count)) columns, as many rows as needed
    /// (100 images: 10 x 10).
    package static func gridShape(count: Int) -> (rows: Int, columns: Int) {
        var columns = max(1, Int(Double(count).squareRoot()))
        if columns * columns < count { columns += 1 }
        return (rows: max(1, (count + columns - 1) / columns), columns: columns)
    }

    /// `frame-07` for frame 7: two digits, or as many as the last index `frameCount - 1` needs.
    package static func frameName(_ index: Int, frameCount: Int, prefix: String = "frame") -> String {
        let digits = max(2, String(max(frameCount - 1, 0)).count)
        let number = String(index)
        return "\(prefix)-" + String(repeating: "0", count: max(0, digits - number.count)) + number
    }

    /// GIF delays in centiseconds: the whole drawing takes about 2 s (4...25 cs a frame), then the
    /// last frame is held `finalFrameCentiseconds`.
    package static func gifDelays(frameCount: Int) -> [Int] {
        guard frameCount > 0 else { return [] }
        let delay = min(25, max(4, 200 / frameCount))
        return Array(repeating: delay, count: frameCount - 1) + [finalFrameCentiseconds]
    }

    /// The steps a sequence picture shows (0-based): all T when T <= `maximum`, else `maximum`
    /// evenly spaced ones from the first to the last.
    package static func sequenceSteps(timesteps: Int, maximum: Int = 16) -> [Int] {
        guard timesteps > maximum, maximum > 1 else { return Array(0..<timesteps) }
        return (0..<maximum).map { Int((Double($0 * (timesteps - 1)) / Double(maximum - 1)).rounded()) }
    }

    // MARK: - Frames

    /// The grey frame of `images` (each [height * width] in [0, 1]) on `columns` columns, upscaled by `scale`.
    package static func greyFrame(_ images: [[Float]], width: Int, height: Int, columns: Int, scale: Int) -> GreyImage {
        let rows = max(1, (images.count + columns - 1) / columns)
        return ImageGrid(rows: rows, columns: columns, tileWidth: width, tileHeight: height).render(images).upscaled(by: scale)
    }

    /// One tile: the image upscaled by `scale`, with each attention box outlined.
    /// - values: [height * width] grey or [3 * height * width] RGB planes, in [0, 1]
    package static func tile(_ values: [Float], width: Int, height: Int, scale: Int,
                             boxes: [(box: AttentionBox, color: RGBColor)]) -> RGBImage {
        var image = RGBImage(width: width, height: height, planes: values).upscaled(by: scale)
        for (box, color) in boxes { image.drawAttentionBox(box.scaled(by: scale), color: color) }
        return image
    }

    /// The colour frame of equally sized `tiles` (from `tile`) on `columns` columns, with `scale`-pixel borders.
    package static func colorFrame(_ tiles: [RGBImage], columns: Int, scale: Int) -> RGBImage {
        precondition(!tiles.isEmpty, "a frame needs at least one tile")
        let grid = ImageGrid(rows: max(1, (tiles.count + columns - 1) / columns), columns: columns,
                             tileWidth: tiles[0].width, tileHeight: tiles[0].height, border: scale)
        var frame = RGBImage(width: grid.width, height: grid.height, fill: borderColor)
        for index in 0..<(grid.rows * grid.columns) {
            let origin = grid.origin(ofTile: index)
            let tile = index < tiles.count ? tiles[index] : RGBImage(width: grid.tileWidth, height: grid.tileHeight)
            frame.paste(tile, x: origin.x, y: origin.y)
        }
        return frame
    }

    /// Refuses images frames cannot show: only grey (1 channel) and RGB (3 channels) have pictures.
    package static func checkChannels(_ channels: Int) throws {
        guard channels == 1 || channels == 3 else {
            throw VisualsError("the model draws \(channels)-channel images; frames are made for 1-channel (grey) "
                               + "and 3-channel (RGB) models only")
        }
    }

    /// Row `row` of a [count, imageSize] matrix as Float values.
    static func values<Scalar: DRAWScalar>(_ matrix: Matrix<Scalar>, row: Int) -> [Float] {
        (0..<matrix.columns).map { Float(matrix[row, $0]) }
    }
}

// MARK: - Drawing on images

extension RGBImage {
    /// Copies `image` with its top-left pixel at (x, y); it must fit.
    package mutating func paste(_ image: RGBImage, x: Int, y: Int) {
        precondition(x >= 0 && y >= 0 && x + image.width <= width && y + image.height <= height,
                     "a \(image.width)x\(image.height) image does not fit at (\(x), \(y)) in \(width)x\(height)")
        for row in 0..<image.height {
            let source = 3 * row * image.width, target = 3 * ((y + row) * width + x)
            pixels.replaceSubrange(target..<(target + 3 * image.width), with: image.pixels[source..<(source + 3 * image.width)])
        }
    }

    /// The 1-pixel outline of `box` (already in this image's pixel coordinates), clamped to the
    /// image: an edge beyond it is drawn on the outermost pixels, so a window larger than the image
    /// frames the whole image and one off to a side shows as a line on that side.
    package mutating func drawAttentionBox(_ box: AttentionBox, color: RGBColor) {
        guard [box.left, box.top, box.right, box.bottom].allSatisfy(\.isFinite) else { return }
        func clamp(_ value: Double, _ limit: Int) -> Float { Float(min(max(value, 0), Double(limit - 1))) }
        drawRectangle(x0: clamp(box.left, width), y0: clamp(box.top, height),
                      x1: clamp(box.right, width), y1: clamp(box.bottom, height), color: color)
    }

    /// A plus sign of arm `radius` at every filter centre (mu_X^j, mu_Y^i) of `box`; parts off the image are skipped.
    package mutating func drawFilterCenters(_ box: AttentionBox, color: RGBColor, radius: Int) {
        for centerY in box.filterCentersY {
            for centerX in box.filterCentersX {
                guard centerX.isFinite, centerY.isFinite, abs(centerX) < 1e6, abs(centerY) < 1e6 else { continue }
                let x = Int(centerX.rounded()), y = Int(centerY.rounded())
                for offset in -radius...radius {
                    for (pointX, pointY) in [(x + offset, y), (x, y + offset)]
                    where pointX >= 0 && pointX < width && pointY >= 0 && pointY < height {
                        self[pointX, pointY] = color
                    }
                }
            }
        }
    }
}

// MARK: - Writing frame sequences

/// What an image needs to be written as a frame: Netpbm, PNG, and GIF of a sequence.
protocol FrameImage {
    /// "pgm" or "ppm"
    static var netpbmExtension: String { get }
    var netpbmBytes: [UInt8] { get }
    var pngBytes: [UInt8] { get }
    static func gifBytes(_ frames: [Self], delaysCentiseconds: [Int]) -> [UInt8]
}

extension GreyImage: FrameImage {
    static var netpbmExtension: String { "pgm" }
    var netpbmBytes: [UInt8] { Netpbm.pgm(self) }
    var pngBytes: [UInt8] { PNGWriter.encode(self) }
    static func gifBytes(_ frames: [GreyImage], delaysCentiseconds: [Int]) -> [UInt8] {
        GIFWriter.encode(frames: frames, delaysCentiseconds: delaysCentiseconds)
    }
}

extension RGBImage: FrameImage {
    static var netpbmExtension: String { "ppm" }
    var netpbmBytes: [UInt8] { Netpbm.ppm(self) }
    var pngBytes: [UInt8] { PNGWriter.encode(self) }
    static func gifBytes(_ frames: [RGBImage], delaysCentiseconds: [Int]) -> [UInt8] {
        GIFWriter.encode(frames: frames, delaysCentiseconds: delaysCentiseconds)
    }
}

// MARK: - Errors

/// A picture that cannot be made as asked; `description` is one line naming the option or file.
public struct VisualsError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// A picture option the library cannot draw with. The command-line tool words these with the flag
/// (`--grid`, `--scale`, `--boxes`).
public enum PictureOptionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An attention grid of N x N filters with N outside 1...the image's larger side.
    case gridSize(Int, largestSide: Int)
    /// An upscaling factor that is not positive.
    case scale(Int)
    /// Attention boxes asked of a model that writes whole images (Eq. 18).
    case boxesWithoutAttention

    public var description: String {
        switch self {
        case .gridSize(let size, let largestSide):
            return "the attention grid size must be between 1 and \(largestSide) (the image's larger side), got \(size)"
        case .scale(let scale): return "the scale must be a positive integer, got \(scale)"
        case .boxesWithoutAttention: return "attention boxes need a model with attention (this one writes whole images, Eq. 18)"
        }
    }
}
