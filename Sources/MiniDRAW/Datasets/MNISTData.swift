import Foundation

/// A stack of images: `pixels` is [imageCount, channels, height, width], row-major, image after
/// image, each image's channel planes one after the other (paper §3.3), each value in [0, 1]
/// (0 or 1 for binarized MNIST). The data's other words are listed at `RunData`.
public struct ImageSet: Sendable {
    public let imageCount: Int
    public let height: Int
    public let width: Int
    /// 1 for grey images, 3 for RGB.
    public let channels: Int
    /// [imageCount * channels * height * width], values in [0, 1].
    public var pixels: [Float]

    /// Values in one image, `channels * height * width` (the model's `imageSize`).
    public var pixelsPerImage: Int { channels * height * width }

    public init(imageCount: Int, height: Int, width: Int, channels: Int = 1, pixels: [Float]) {
        precondition(channels > 0, "an image needs at least one channel")
        precondition(pixels.count == imageCount * channels * height * width,
                     "pixels must hold imageCount * channels * height * width values")
        self.imageCount = imageCount
        self.height = height
        self.width = width
        self.channels = channels
        self.pixels = pixels
    }

    /// Image `index` as a slice of `pixels`: [channels * height * width].
    public func image(_ index: Int) -> ArraySlice<Float> {
        pixels[(index * pixelsPerImage)..<((index + 1) * pixelsPerImage)]
    }
}

/// The binarized MNIST of the DRAW paper's Table 2 (Salakhutdinov & Murray 2008; split
/// 50,000 / 10,000 / 10,000 of Larochelle & Murray 2011), shipped in `Data/binarized-mnist`
/// as gzip-compressed IDX files with pixel values 0 and 255.
///
///     let folder = try BinarizedMNIST.findDirectory()
///     let train = try BinarizedMNIST.load(split: .train, directory: folder)   // 50000 x 28 x 28
public enum BinarizedMNIST {
    public enum Split: String, CaseIterable, Sendable {
        case train, valid, test

        /// The file holding this split's images.
        public var fileName: String { "\(rawValue)-images-idx3-ubyte.gz" }
    }

    /// The digit (0-9) of each test image; the other splits are unlabelled.
    public static let testLabelsFileName = "test-labels-idx1-ubyte.gz"

    /// Where `findDirectory` looks by default, relative to the current directory: the project's own copy.
    public static let searchedDirectories = ["Data/binarized-mnist"]

    // MARK: - Loading

    /// Loads one split, turning each pixel into 1 if it is above 127 and 0 otherwise.
    /// `expectedHeight` / `expectedWidth` (nil = any) reject images of the wrong size.
    public static func load(
        split: Split, directory: String, expectedHeight: Int? = 28, expectedWidth: Int? = 28
    ) throws -> ImageSet {
        let path = FilePaths.join(directory, split.fileName)
        let file = try IDXFile.read(path: path, expectedDimensionCount: 3)
        let (imageCount, height, width) = (file.dimensions[0], file.dimensions[1], file.dimensions[2])
        guard height == expectedHeight ?? height, width == expectedWidth ?? width else {
            throw DataError.wrongImageSize(path: path, height: height, width: width,
                                           expectedHeight: expectedHeight, expectedWidth: expectedWidth)
        }
        let pixels = file.bytes.map { $0 > 127 ? Float(1) : Float(0) }
        return ImageSet(imageCount: imageCount, height: height, width: width, pixels: pixels)
    }

    /// Loads the test labels, one digit 0-9 per test image.
    public static func loadTestLabels(directory: String) throws -> [UInt8] {
        let path = FilePaths.join(directory, testLabelsFileName)
        let labels = try IDXFile.read(path: path, expectedDimensionCount: 1).bytes
        if let index = labels.firstIndex(where: { $0 > 9 }) {
            throw DataError.invalidLabel(path: path, index: index, value: labels[index])
        }
        return labels
    }

    // MARK: - Finding the data

    /// The folder to load from: `explicit` if given (it must exist), otherwise the first of
    /// `searching` that exists under `base`.
    /// - Parameters:
    ///   - explicit: a folder named by the user, used as it is.
    ///   - base: the folder `searching` is relative to; nil for the current directory.
    ///   - searching: relative folders to try in order (`searchedDirectories` by default).
    /// - Throws: `DataError.missingDirectory` or `DataError.dataDirectoryNotFound`.
    public static func findDirectory(explicit: String? = nil, base: String? = nil,
                                     searching: [String] = searchedDirectories) throws -> String {
        if let explicit {
            guard FilePaths.isDirectory(explicit) else { throw DataError.missingDirectory(path: explicit) }
            return explicit
        }
        let candidates = searching.map { relative in base.map { FilePaths.join($0, relative) } ?? relative }
        if let found = candidates.first(where: FilePaths.isDirectory) { return found }
        throw DataError.dataDirectoryNotFound(
            searched: searching, base: base ?? FileManager.default.currentDirectoryPath)
    }
}
