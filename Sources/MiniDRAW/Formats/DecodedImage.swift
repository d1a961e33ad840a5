/// An image read from a PNG, PGM or PPM file: one grey channel or three colour channels, 8 bits each.
public enum DecodedImage: Equatable, Sendable {
    case grey(GreyImage)
    case color(RGBImage)

    public var width: Int {
        switch self {
        case .grey(let image): return image.width
        case .color(let image): return image.width
        }
    }

    public var height: Int {
        switch self {
        case .grey(let image): return image.height
        case .color(let image): return image.height
        }
    }

    /// 1 (grey) or 3 (RGB).
    public var channels: Int {
        if case .grey = self { return 1 }
        return 3
    }

    /// "28x28x1", as data sets print shapes.
    public var shapeDescription: String { "\(width)x\(height)x\(channels)" }

    /// The samples as `channels` planes one after the other, as DRAW's C-channel images hold them
    /// (paper §3.3): a grey image is copied into each plane; `channels` is 1 only for grey images.
    /// - returns: [channels * height * width]
    public func planes(channels: Int) -> [UInt8] {
        switch self {
        case .grey(let image):
            precondition(channels == 1 || channels == 3, "images have 1 or 3 channels")
            return Array([[UInt8]](repeating: image.pixels, count: channels).joined())
        case .color(let image):
            precondition(channels == 3, "a colour image has 3 channels")
            let planeSize = image.width * image.height
            var planes = [UInt8](repeating: 0, count: 3 * planeSize)
            for pixel in 0..<planeSize {
                for channel in 0..<3 { planes[channel * planeSize + pixel] = image.pixels[3 * pixel + channel] }
            }
            return planes
        }
    }
}
