/// A stack of 8-bit images as files store them: `bytes` is [imageCount, channels, height, width],
/// image after image, each image's channel planes one after the other (R, G, B for colour), each
/// sample 0 (black) ... 255 (full intensity). A quarter of the memory of the same images as an
/// `ImageSet`; as `TrainingImages` each sample reads as sample / 255, the same in every epoch.
/// The data's other words are listed at `RunData`.
///
///     let digits = ByteImageSet(idx: try IDXFile.read(path: "train-images-idx3-ubyte.gz", expectedDimensionCount: 3))
public struct ByteImageSet: Equatable, Sendable {
    public let imageCount: Int
    public let height: Int
    public let width: Int
    /// 1 for grey images, 3 for RGB.
    public let channels: Int
    /// [imageCount * channels * height * width], 0...255.
    public let bytes: [UInt8]

    public init(imageCount: Int, height: Int, width: Int, channels: Int, bytes: [UInt8]) {
        precondition(channels > 0, "an image needs at least one channel")
        precondition(bytes.count == imageCount * channels * height * width,
                     "bytes must hold imageCount * channels * height * width samples")
        self.imageCount = imageCount
        self.height = height
        self.width = width
        self.channels = channels
        self.bytes = bytes
    }

    /// The images of a 3-d IDX file [imageCount, height, width], one grey channel.
    public init(idx file: IDXFile) {
        precondition(file.dimensions.count == 3, "IDX images have 3 dimensions")
        self.init(imageCount: file.dimensions[0], height: file.dimensions[1], width: file.dimensions[2], channels: 1,
                  bytes: file.bytes)
    }

    /// Samples in one image, `channels * height * width`.
    public var bytesPerImage: Int { channels * height * width }

    /// "32x32x3"
    public var shapeDescription: String { "\(width)x\(height)x\(channels)" }

    /// Image `index`: [channels * height * width].
    public func image(_ index: Int) -> ArraySlice<UInt8> {
        bytes[(index * bytesPerImage)..<((index + 1) * bytesPerImage)]
    }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> ByteImageSet {
        var kept = [UInt8]()
        kept.reserveCapacity(indices.count * bytesPerImage)
        for index in indices { kept += image(index) }
        return ByteImageSet(imageCount: indices.count, height: height, width: width, channels: channels, bytes: kept)
    }

    /// `sets` one after the other; all must have one shape.
    public static func concatenating(_ sets: [ByteImageSet]) -> ByteImageSet {
        guard let first = sets.first else { preconditionFailure("nothing to concatenate") }
        precondition(sets.allSatisfy { ($0.height, $0.width, $0.channels) == (first.height, first.width, first.channels) },
                     "concatenated image sets must have one shape")
        return ByteImageSet(imageCount: sets.reduce(0) { $0 + $1.imageCount }, height: first.height, width: first.width,
                            channels: first.channels, bytes: sets.flatMap(\.bytes))
    }

    /// True when every sample is 0 or 255: the images are binarized already, as the shipped MNIST is.
    public var isBinary: Bool { bytes.allSatisfy { $0 == 0 || $0 == 255 } }
}

extension ByteImageSet: TrainingImages {
    /// Image `index` as values in [0, 1]: sample / 255.
    public func fill(index: Int, epoch: Int, into target: UnsafeMutableBufferPointer<Float>) {
        let size = bytesPerImage, start = index * size
        bytes.withUnsafeBufferPointer { source in
            for offset in 0..<size { target[offset] = Float(source[start + offset]) / 255 }
        }
    }
}
