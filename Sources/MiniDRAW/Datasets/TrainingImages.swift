/// Where a training run takes its images from: a fixed `ImageSet`, or a generator that makes
/// image `index` of epoch `epoch` on the fly (two-digit MNIST, colour MNIST).
///
/// Image (index, epoch) must be a pure function of the source's seed, `epoch` and `index`, with
/// no generator state carried between calls: a resumed run then sees exactly the images the
/// uninterrupted run would have seen, from the step count alone. The fixed validation and test
/// sets are made from one too (`materialised`). The data's other words are listed at `RunData`.
public protocol TrainingImages {
    /// Images in one epoch.
    var imageCount: Int { get }
    var height: Int { get }
    var width: Int { get }
    /// 1 for grey images, 3 for RGB.
    var channels: Int { get }
    /// Writes image `index` (0..<imageCount) of epoch `epoch` into `target`, channel planes one
    /// after the other: [channels * height * width], values in [0, 1].
    func fill(index: Int, epoch: Int, into target: UnsafeMutableBufferPointer<Float>)
}

extension TrainingImages {
    /// Values per image, `channels * height * width`.
    public var valuesPerImage: Int { channels * height * width }

    /// The first `count` images of epoch `epoch` as a fixed set (all of them if there are fewer):
    /// how validation and test sets are made from a generator.
    public func materialised(count: Int, epoch: Int = 0) -> ImageSet {
        let kept = min(count, imageCount), size = valuesPerImage
        var pixels = [Float](repeating: 0, count: kept * size)
        pixels.withUnsafeMutableBufferPointer { buffer in
            for index in 0..<kept {
                fill(index: index, epoch: epoch,
                     into: UnsafeMutableBufferPointer(rebasing: buffer[(index * size)..<((index + 1) * size)]))
            }
        }
        return ImageSet(imageCount: kept, height: height, width: width, channels: channels, pixels: pixels)
    }
}

extension ImageSet: TrainingImages {
    /// The stored image `index`; the same in every epoch.
    public func fill(index: Int, epoch: Int, into target: UnsafeMutableBufferPointer<Float>) {
        let size = pixelsPerImage
        pixels.withUnsafeBufferPointer { source in
            for offset in 0..<size { target[offset] = source[index * size + offset] }
        }
    }
}

/// A generator for image `index` of epoch `epoch` of a source seeded with `seed`, independent of
/// every other (seed, epoch, index): the epoch is hashed into the seed through one SplitMix64 +
/// xoshiro draw, then the index into that.
func imageGenerator(seed: UInt64, epoch: Int, index: Int) -> SeededGenerator {
    var epochGenerator = SeededGenerator(seed: seed ^ UInt64(truncatingIfNeeded: epoch))
    var imageSeed = SeededGenerator(seed: epochGenerator.next() ^ UInt64(truncatingIfNeeded: index))
    return SeededGenerator(seed: imageSeed.next())
}
