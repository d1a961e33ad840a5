/// Two-digit MNIST of the paper's §4.3: each 60x60 image holds two 28x28 binarized digits, chosen
/// at random from a split and placed at random positions fully inside a black canvas. Where the
/// digits overlap a pixel is the maximum of the two, so the images stay binary.
///
/// Image `index` of epoch `epoch` is drawn by its own generator (`imageGenerator`), so a training
/// run sees new pairs every epoch and a resumed run the same pairs as an uninterrupted one.
///
///     let digits = try BinarizedMNIST.load(split: .train, directory: folder)
///     let images = TwoDigitMNIST(digits: digits, seed: 7)          // 50,000 60x60 images an epoch
public struct TwoDigitMNIST: TrainingImages, Sendable {
    /// Side of the canvas (paper §4.3: 60).
    public static let canvasSize = 60

    /// The single-digit images the pairs are drawn from: [digitCount, 1, 28, 28].
    public let digits: ImageSet
    public let seed: UInt64
    public let imageCount: Int
    public var height: Int { Self.canvasSize }
    public var width: Int { Self.canvasSize }
    public var channels: Int { 1 }

    /// `imageCount` images an epoch (default: as many as there are digits).
    public init(digits: ImageSet, seed: UInt64, imageCount: Int? = nil) {
        precondition(digits.channels == 1 && digits.width <= Self.canvasSize && digits.height <= Self.canvasSize,
                     "two-digit MNIST needs grey digits no larger than the \(Self.canvasSize)x\(Self.canvasSize) canvas")
        precondition(digits.imageCount > 0, "two-digit MNIST needs at least one digit")
        self.digits = digits
        self.seed = seed
        self.imageCount = imageCount ?? digits.imageCount
    }

    /// The two digits of image (index, epoch) and the top-left corners they are placed at.
    public func placements(index: Int, epoch: Int) -> [(digit: Int, x: Int, y: Int)] {
        var generator = imageGenerator(seed: seed, epoch: epoch, index: index)
        let freeX = Self.canvasSize - digits.width + 1, freeY = Self.canvasSize - digits.height + 1
        return (0..<2).map { _ in
            let digit = generator.nextInt(below: digits.imageCount)
            let x = generator.nextInt(below: freeX), y = generator.nextInt(below: freeY)
            return (digit, x, y)
        }
    }

    /// The smallest boxes around the ink (pixels above 1/2) of image (index, epoch)'s two digits on
    /// the canvas, in the order of `placements`: where a model drawing that digit should write.
    /// A digit without ink gets its whole 28x28 frame.
    public func inkBoxes(index: Int, epoch: Int) -> [PixelBox] {
        placements(index: index, epoch: epoch).map { placement in
            let start = placement.digit * digits.pixelsPerImage
            var left = digits.width, top = digits.height, right = -1, bottom = -1
            for row in 0..<digits.height {
                for column in 0..<digits.width where digits.pixels[start + row * digits.width + column] > 0.5 {
                    (left, right) = (min(left, column), max(right, column))
                    (top, bottom) = (min(top, row), max(bottom, row))
                }
            }
            if right < 0 { (left, top, right, bottom) = (0, 0, digits.width - 1, digits.height - 1) }     // no ink: the frame
            return PixelBox(left: placement.x + left, top: placement.y + top, right: placement.x + right,
                            bottom: placement.y + bottom)
        }
    }

    public func fill(index: Int, epoch: Int, into target: UnsafeMutableBufferPointer<Float>) {
        let canvas = Self.canvasSize, digitWidth = digits.width
        for offset in 0..<(canvas * canvas) { target[offset] = 0 }
        digits.pixels.withUnsafeBufferPointer { source in
            for placement in placements(index: index, epoch: epoch) {
                let start = placement.digit * digits.pixelsPerImage
                for row in 0..<digits.height {
                    for column in 0..<digitWidth {
                        let value = source[start + row * digitWidth + column]
                        let pixel = (placement.y + row) * canvas + placement.x + column
                        target[pixel] = max(target[pixel], value)
                    }
                }
            }
        }
    }
}

/// A rectangle of whole pixels, 0-based, edges included: pixel columns left...right, rows top...bottom.
public struct PixelBox: Equatable, Sendable {
    public var left: Int
    public var top: Int
    public var right: Int
    public var bottom: Int

    public init(left: Int, top: Int, right: Int, bottom: Int) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
    }

    /// Whether the point (x, y), in 0-based pixel coordinates (pixel centres at whole numbers),
    /// lies on one of the box's pixels.
    public func contains(x: Double, y: Double) -> Bool {
        x >= Double(left) - 0.5 && x <= Double(right) + 0.5 && y >= Double(top) - 0.5 && y <= Double(bottom) + 0.5
    }
}
