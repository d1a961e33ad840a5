/// Colour MNIST, for the paper's §3.3 (read and write on C channels): each binarized digit painted
/// in a random foreground colour on a random background colour, as 3 channel planes (R, G, B) with
/// values in [0, 1]:
///
///     pixel[c] = digit ? foreground[c] : background[c]
///
/// The colours of image `index` in epoch `epoch` come from its own generator (`imageGenerator`),
/// so every epoch repaints the digits and a resumed run repaints them the same way. The two colours
/// are at least `minimumColorDistance` apart in RGB space, so the digit always shows.
public struct ColorMNIST: TrainingImages, Sendable {
    /// Smallest Euclidean distance between the two colours, in [0, 1]^3 units (the largest possible is sqrt 3).
    public static let minimumColorDistance: Float = 0.5

    /// The binarized digits painted: [digitCount, 1, height, width].
    public let digits: ImageSet
    public let seed: UInt64
    public var imageCount: Int { digits.imageCount }
    public var height: Int { digits.height }
    public var width: Int { digits.width }
    public var channels: Int { 3 }

    public init(digits: ImageSet, seed: UInt64) {
        precondition(digits.channels == 1, "colour MNIST paints grey (1-channel) digits")
        self.digits = digits
        self.seed = seed
    }

    /// The (foreground, background) RGB colours of image (index, epoch), each channel in [0, 1].
    public func colors(index: Int, epoch: Int) -> (foreground: SIMD3<Float>, background: SIMD3<Float>) {
        var generator = imageGenerator(seed: seed, epoch: epoch, index: index)
        func color() -> SIMD3<Float> {
            SIMD3(Float(generator.nextUniform()), Float(generator.nextUniform()), Float(generator.nextUniform()))
        }
        while true {                                   // about 3 in 4 random pairs are far enough apart
            let foreground = color(), background = color()
            let difference = foreground - background
            if (difference * difference).sum() >= Self.minimumColorDistance * Self.minimumColorDistance {
                return (foreground, background)
            }
        }
    }

    public func fill(index: Int, epoch: Int, into target: UnsafeMutableBufferPointer<Float>) {
        let (foreground, background) = colors(index: index, epoch: epoch)
        let planeSize = height * width
        digits.pixels.withUnsafeBufferPointer { source in
            let start = index * planeSize
            for channel in 0..<3 {
                for pixel in 0..<planeSize {
                    target[channel * planeSize + pixel] = source[start + pixel] > 0.5 ? foreground[channel] : background[channel]
                }
            }
        }
    }
}
