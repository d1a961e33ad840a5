import Foundation

/// A data set written out as a folder of PNG files, so a user can see what a model trains on and
/// read it back with `ImageData.open` (an image folder with train/, valid/ and test/):
///
///     directory/train/0000.png ...   epoch 0 of the training images, in their stored order
///     directory/valid/0000.png ...   the fixed validation set
///     directory/test/0000.png ...    the fixed test set
///
/// Values are the targets after `RunData.pixels` (0 or 255 for binary and stochastic), rounded
/// to 8 bits; 1-channel images are grey PNGs, 3-channel ones RGB. Numbers are zero-padded to the
/// width of the largest, so the files sort in their order.
package enum ImageExport {
    /// Writes the first `count` images (all if nil) of each of `splits`; training images are those
    /// of a run seeded with `seed`. Refuses, before writing anything, a `directory` that exists and
    /// is not empty. Returns the number of files written per split, in the order of `splits`.
    @discardableResult
    package static func write(_ data: RunData, splits: [ImageData.Split], count: Int?, seed: UInt64,
                              directory: String) throws -> [(split: ImageData.Split, count: Int)] {
        try checkDestination(directory)
        var written: [(split: ImageData.Split, count: Int)] = []
        for split in splits {
            let images: any TrainingImages = split == .train ? data.trainingImages(seed: seed)
                : data.evaluationImages(split: split, count: count)
            let kept = min(count ?? images.imageCount, images.imageCount)
            let folder = FilePaths.join(directory, split.rawValue)
            try AtomicFile.ensureDirectory(folder)
            var values = [Float](repeating: 0, count: images.valuesPerImage)
            for index in 0..<kept {
                values.withUnsafeMutableBufferPointer { images.fill(index: index, epoch: 0, into: $0) }
                try AtomicFile.write(pngBytes(values, width: images.width, height: images.height, channels: images.channels),
                                     to: FilePaths.join(folder, fileName(index: index, count: kept)), durable: false)
            }
            written.append((split, kept))
        }
        return written
    }

    /// Refuses a `directory` that exists and is not empty: an export never mixes with other files.
    package static func checkDestination(_ directory: String) throws {
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: directory), !contents.isEmpty {
            throw VisualsError("\(directory) already exists and is not empty; export into a new folder")
        }
    }

    /// `0042.png` for image 42 of 1,000.
    package static func fileName(index: Int, count: Int) -> String {
        let digits = String(max(count - 1, 0)).count, number = String(index)
        return String(repeating: "0", count: max(0, digits - number.count)) + number + ".png"
    }

    /// One image's channel planes in [0, 1] as a grey (1 channel) or RGB (3 channels) PNG.
    /// - values: [channels * height * width]
    static func pngBytes(_ values: [Float], width: Int, height: Int, channels: Int) -> [UInt8] {
        channels == 1 ? PNGWriter.encode(GreyImage(width: width, height: height, values: values))
            : PNGWriter.encode(RGBImage(width: width, height: height, planes: values))
    }
}
