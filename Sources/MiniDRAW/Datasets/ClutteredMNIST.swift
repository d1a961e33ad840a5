/// Cluttered translated MNIST (paper §4.1, after Mnih et al. 2014): a 100 x 100 image holding one
/// 28 x 28 digit at a random place, fully inside, and 8 random 8 x 8 pieces cut from other digits
/// of the same set at random places, combined by taking the brighter pixel (max).
///
/// Labelled data: only the 10,000 binarized test images ship with labels, so MiniDRAW trains on
/// 9,000 of them and reports the error on the other 1,000 (the paper used MNIST's 60,000), split
/// by a fixed shuffle (`labelledSplit`). Clutter is cut only from images of the same part, so no
/// held-out digit leaks into training images.

// MARK: - One image

/// Where the digit and the pieces of one cluttered image came from.
package struct ClutteredPlacement: Equatable, Sendable {
    /// Index (into the source `ImageSet`) of the digit, and its label.
    package var digitIndex: Int
    package var label: Int
    /// Top-left pixel of the digit in the cluttered image (0-based).
    package var digitX: Int
    package var digitY: Int
    /// For each piece: the source image, the top-left pixel of the cut in it, and where it lands.
    package var pieces: [ClutterPiece]
}

/// One 8 x 8 piece of clutter.
package struct ClutterPiece: Equatable, Sendable {
    package var sourceIndex: Int
    package var cutX: Int
    package var cutY: Int
    package var x: Int
    package var y: Int
}

// MARK: - The data set

/// Labelled digits and the recipe that clutters them.
public struct ClutteredMNIST: Sendable {
    /// The digits: [imageCount, 28, 28] (any size that fits the canvas).
    public let digits: ImageSet
    /// One label 0-9 per digit.
    public let labels: [Int]
    /// The cluttered image is `canvasSize x canvasSize` (100 in the paper).
    public let canvasSize: Int
    /// Pieces of clutter per image (8 in the paper) and their side (8 pixels).
    public let pieceCount: Int
    public let pieceSize: Int

    public init(digits: ImageSet, labels: [Int], canvasSize: Int = 100, pieceCount: Int = 8, pieceSize: Int = 8) {
        precondition(labels.count == digits.imageCount, "\(labels.count) labels for \(digits.imageCount) digits")
        precondition(digits.channels == 1, "cluttered MNIST takes grey digits, got \(digits.channels) channels")
        precondition(digits.width <= canvasSize && digits.height <= canvasSize && pieceSize <= min(digits.width, digits.height),
                     "digits \(digits.width)x\(digits.height) and pieces \(pieceSize) must fit a \(canvasSize) canvas")
        self.digits = digits
        self.labels = labels
        self.canvasSize = canvasSize
        self.pieceCount = pieceCount
        self.pieceSize = pieceSize
    }

    public var count: Int { digits.imageCount }
    /// Pixels of one cluttered image, canvasSize^2.
    public var pixelCount: Int { canvasSize * canvasSize }

    /// Images `indices` of `images` with their labels, in that order.
    public static func subset(images: ImageSet, labels: [UInt8], indices: [Int]) -> ClutteredMNIST {
        let size = images.pixelsPerImage
        var pixels: [Float] = []
        pixels.reserveCapacity(indices.count * size)
        for index in indices {
            precondition(index < images.imageCount && index < labels.count,
                         "image \(index) of \(images.imageCount) images / \(labels.count) labels")
            pixels += images.pixels[(index * size)..<((index + 1) * size)]
        }
        return ClutteredMNIST(digits: ImageSet(imageCount: indices.count, height: images.height, width: images.width, pixels: pixels),
                              labels: indices.map { Int(labels[$0]) })
    }

    /// The labelled images split into training and held-out digits by one fixed shuffle of their
    /// indices (`seed`): the shipped test images are ordered by class, so the last 1,000 would all be 9s.
    /// Each part lists its images in the shuffled order, so the held-out set mixes the classes.
    public static func labelledSplit(images: ImageSet, labels: [UInt8], heldOutCount: Int,
                                     seed: UInt64) -> (training: ClutteredMNIST, heldOut: ClutteredMNIST) {
        precondition(heldOutCount < images.imageCount && labels.count == images.imageCount,
                     "cannot hold out \(heldOutCount) of \(images.imageCount) images with \(labels.count) labels")
        var generator = SeededGenerator(seed: seed)
        let order = generator.permutation(count: images.imageCount)
        let trainingCount = images.imageCount - heldOutCount
        return (subset(images: images, labels: labels, indices: Array(order[..<trainingCount])),
                subset(images: images, labels: labels, indices: Array(order[trainingCount...])))
    }

    /// Draws a placement for digit `index`: the digit's corner, then per piece a source digit
    /// other than `index`, the cut's corner in it and the piece's corner on the canvas, all
    /// uniform, in that order from `generator`.
    package func placement(index: Int, generator: inout SeededGenerator) -> ClutteredPlacement {
        let digitX = generator.nextInt(below: canvasSize - digits.width + 1)
        let digitY = generator.nextInt(below: canvasSize - digits.height + 1)
        var pieces: [ClutterPiece] = []
        for _ in 0..<pieceCount {
            var source = index
            if count > 1 {
                source = generator.nextInt(below: count - 1)
                if source >= index { source += 1 }                   // any digit but this one
            }
            pieces.append(ClutterPiece(sourceIndex: source,
                                       cutX: generator.nextInt(below: digits.width - pieceSize + 1),
                                       cutY: generator.nextInt(below: digits.height - pieceSize + 1),
                                       x: generator.nextInt(below: canvasSize - pieceSize + 1),
                                       y: generator.nextInt(below: canvasSize - pieceSize + 1)))
        }
        return ClutteredPlacement(digitIndex: index, label: labels[index], digitX: digitX, digitY: digitY, pieces: pieces)
    }

    /// Paints `placement` into `image`, which must hold `pixelCount` values (overwritten).
    package func render<Scalar: DRAWScalar>(_ placement: ClutteredPlacement, into image: UnsafeMutablePointer<Scalar>) {
        image.update(repeating: 0, count: pixelCount)
        func paste(source: Int, fromX: Int, fromY: Int, width: Int, height: Int, toX: Int, toY: Int) {
            let base = source * digits.pixelsPerImage
            for y in 0..<height {
                for x in 0..<width {
                    let value = Scalar(digits.pixels[base + (fromY + y) * digits.width + fromX + x])
                    let target = (toY + y) * canvasSize + toX + x
                    image[target] = max(image[target], value)
                }
            }
        }
        paste(source: placement.digitIndex, fromX: 0, fromY: 0, width: digits.width, height: digits.height,
              toX: placement.digitX, toY: placement.digitY)
        for piece in placement.pieces {
            paste(source: piece.sourceIndex, fromX: piece.cutX, fromY: piece.cutY, width: pieceSize, height: pieceSize,
                  toX: piece.x, toY: piece.y)
        }
    }

    /// Fills `images` ([indices.count, pixelCount]) with freshly cluttered digits `indices`, in
    /// order, and returns their labels.
    public func batch<Scalar: DRAWScalar>(indices: [Int], generator: inout SeededGenerator, into images: inout Matrix<Scalar>) -> [Int] {
        precondition(images.rows == indices.count && images.columns == pixelCount,
                     "cluttered batch: images \(images.shapeDescription), expected [\(indices.count), \(pixelCount)]")
        let placements = indices.map { placement(index: $0, generator: &generator) }
        images.storage.withUnsafeMutableBufferPointer { buffer in
            for (row, placement) in placements.enumerated() { render(placement, into: buffer.baseAddress! + row * pixelCount) }
        }
        return placements.map(\.label)
    }

    /// Every digit cluttered once, in order, from `seed`: the fixed held-out set.
    /// - images: [count, pixelCount]
    package func fixedSet<Scalar: DRAWScalar>(seed: UInt64) -> (images: Matrix<Scalar>, labels: [Int], placements: [ClutteredPlacement]) {
        var generator = SeededGenerator(seed: seed)
        let placements = (0..<count).map { placement(index: $0, generator: &generator) }
        var images = Matrix<Scalar>(rows: count, columns: pixelCount)
        images.storage.withUnsafeMutableBufferPointer { buffer in
            for (row, placement) in placements.enumerated() { render(placement, into: buffer.baseAddress! + row * pixelCount) }
        }
        return (images, placements.map(\.label), placements)
    }
}
