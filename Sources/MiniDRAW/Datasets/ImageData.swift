import Foundation

/// The images at a `--data PATH`, whatever their format, as train, validation and test splits of
/// 8-bit images. `ImageData.open` recognises, in this order:
///
///     CIFAR-10      a folder with data_batch_1.bin ... data_batch_5.bin (those present) and
///                   test_batch.bin (`CIFAR10`), or one such .bin file
///     IDX           a folder with train-images-idx3-ubyte[.gz] and t10k-images-idx3-ubyte[.gz] or
///                   test-images-idx3-ubyte[.gz], and valid-images-idx3-ubyte[.gz] if there is one
///                   (the shipped binarized MNIST; "train-images.idx3-ubyte" is read too), or one IDX file
///     images        a folder of PNG, PGM and PPM files (`ImageFolder`): its train/, valid/ and test/
///                   subfolders when any exists, else the whole folder
///
/// A split the data has no files for is carved from the training images: a fixed seeded shuffle
/// (the same for every run) sets aside a tenth of them, at most 10,000, so choosing a model on the
/// validation split never touches the test images, and the test split stays the same between runs.
///
///     let data = try ImageData.open("Data/binarized-mnist")
///     data.summary    // "IDX files in Data/binarized-mnist: 70,000 images of 28x28x1; train 50,000 (...), ..."
///
/// The data's other words are listed at `RunData`.
public struct ImageData: Sendable {
    public typealias Split = BinarizedMNIST.Split

    /// How the images were stored.
    public enum Format: String, Sendable {
        case idx = "IDX files"
        case cifar10 = "CIFAR-10 batches"
        case imageFolder = "image folder"
    }

    public let path: String
    public let format: Format
    public let train: ByteImageSet
    public let valid: ByteImageSet
    public let test: ByteImageSet
    /// Where each split came from, for the summary: file or folder names, or how it was carved.
    public let origins: [Split: String]

    /// The images of `split`.
    public func images(_ split: Split) -> ByteImageSet {
        switch split {
        case .train: return train
        case .valid: return valid
        case .test: return test
        }
    }

    public var width: Int { train.width }
    public var height: Int { train.height }
    public var channels: Int { train.channels }

    /// The targets a user of this data expects (`--pixels` by default): `binary` for images already
    /// binarized (every sample 0 or 255, as the shipped MNIST and digits exported from it are);
    /// otherwise `stochastic` for grey IDX sets (MNIST's grey levels: dynamic binarization) and
    /// `grey` for CIFAR-10 and image folders (photographs, icons).
    public var defaultPixels: PixelTargets {
        if format != .cifar10 && train.isBinary { return .binary }
        return format == .idx ? .stochastic : .grey
    }

    /// One line: format, path, image count and shape, each split's size and origin.
    public var summary: String {
        let total = train.imageCount + valid.imageCount + test.imageCount
        let splits = Split.allCases.map { "\($0.rawValue) \(groupedDigits(images($0).imageCount)) (\(origins[$0] ?? "?"))" }
        return "\(format.rawValue) in \(path): \(groupedDigits(total)) images of \(train.shapeDescription); "
            + splits.joined(separator: ", ")
    }

    // MARK: - Opening

    /// Finds the format of `path` and reads every split; errors name the file or folder and the problem.
    public static func open(_ path: String) throws -> ImageData {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.invalidData(path: path, problem: "no such file or folder")
        }
        guard isDirectory.boolValue else { return try openFile(path) }
        let names = Set((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
        if !names.isDisjoint(with: CIFAR10.trainingFileNames + [CIFAR10.testFileName]) {
            return try openCIFAR10(path, names: names)
        }
        let idxFiles = Split.allCases.map { split in idxFileNames(split).first(where: names.contains) }
        if idxFiles.contains(where: { $0 != nil }) { return try openIDX(path, files: idxFiles) }
        return try openImageFolder(path, names: names)
    }

    /// One CIFAR-10 batch or IDX image file: all of it is training images, the other splits carved.
    static func openFile(_ path: String) throws -> ImageData {
        let name = (path as NSString).lastPathComponent
        if ImageFolder.readableExtensions.contains((name as NSString).pathExtension.lowercased()) {
            throw DataError.invalidData(path: path, problem: "one image is not a data set; give the folder that holds the images")
        }
        if name.hasSuffix(".bin") {
            return try carving(path: path, format: .cifar10, pool: CIFAR10.read(path: path), poolOrigin: name)
        }
        let pool = ByteImageSet(idx: try IDXFile.read(path: path, expectedDimensionCount: 3))
        return try carving(path: path, format: .idx, pool: pool, poolOrigin: name)
    }

    static func openCIFAR10(_ folder: String, names: Set<String>) throws -> ImageData {
        let batches = CIFAR10.trainingFileNames.filter(names.contains)
        guard !batches.isEmpty else {
            throw DataError.invalidData(path: folder, problem: "holds \(CIFAR10.testFileName) but no training batch data_batch_1.bin ... data_batch_5.bin")
        }
        let pool = try CIFAR10.read(paths: batches.map { FilePaths.join(folder, $0) })
        let test = try names.contains(CIFAR10.testFileName) ? CIFAR10.read(path: FilePaths.join(folder, CIFAR10.testFileName)) : nil
        return try carving(path: folder, format: .cifar10, pool: pool, poolOrigin: batches.joined(separator: ", "),
                           test: test.map { ($0, CIFAR10.testFileName) })
    }

    /// The names an IDX file of `split` may have: `<stem>-images-idx3-ubyte`, also with `.idx3-ubyte`, gzipped or not.
    static func idxFileNames(_ split: Split) -> [String] {
        let stems = split == .test ? ["t10k", "test"] : [split.rawValue]
        return stems.flatMap { stem in
            ["-", "."].flatMap { separator in ["", ".gz"].map { "\(stem)-images\(separator)idx3-ubyte\($0)" } }
        }
    }

    /// `files`: the train, valid and test file names found (nil: none).
    static func openIDX(_ folder: String, files: [String?]) throws -> ImageData {
        guard let trainFile = files[0] else {
            throw DataError.invalidData(path: folder, problem: "holds \(files.compactMap { $0 }.joined(separator: " and ")) "
                                        + "but no training images train-images-idx3-ubyte[.gz]")
        }
        func read(_ name: String?) throws -> (ByteImageSet, String)? {
            guard let name else { return nil }
            let path = FilePaths.join(folder, name)
            return (ByteImageSet(idx: try IDXFile.read(path: path, expectedDimensionCount: 3)), name)
        }
        let pool = try read(trainFile)!.0
        return try carving(path: folder, format: .idx, pool: pool, poolOrigin: trainFile, valid: read(files[1]), test: read(files[2]))
    }

    static func openImageFolder(_ folder: String, names: Set<String>) throws -> ImageData {
        let splitFolders = Split.allCases.filter { names.contains($0.rawValue) && FilePaths.isDirectory(FilePaths.join(folder, $0.rawValue)) }
        guard !splitFolders.isEmpty else {
            let paths = try ImageFolder.imagePaths(in: folder)
            guard !paths.isEmpty else {
                throw DataError.invalidData(path: folder, problem: "holds no images (*.png, *.pgm, *.ppm, or train/ valid/ "
                                            + "test/ folders of them), no IDX files (train-images-idx3-ubyte[.gz], "
                                            + "valid-images-..., test- or t10k-images-...) and no CIFAR-10 batches "
                                            + "(data_batch_1.bin ... data_batch_5.bin, test_batch.bin)")
            }
            return try carving(path: folder, format: .imageFolder, pool: ImageFolder.read(groups: [paths])[0], poolOrigin: "the folder")
        }
        guard splitFolders.contains(.train) else {
            throw DataError.invalidData(path: folder, problem: "has \(splitFolders.map { "\($0.rawValue)/" }.joined(separator: " and ")) "
                                        + "but no train/ subfolder")
        }
        let groups = try splitFolders.map { split in
            let paths = try ImageFolder.imagePaths(in: FilePaths.join(folder, split.rawValue))
            guard !paths.isEmpty else {
                throw DataError.invalidData(path: FilePaths.join(folder, split.rawValue), problem: "holds no images (PNG, PGM, PPM)")
            }
            return paths
        }
        let sets = Dictionary(uniqueKeysWithValues: zip(splitFolders, try ImageFolder.read(groups: groups)))
        func found(_ split: Split) -> (ByteImageSet, String)? { sets[split].map { ($0, "\(split.rawValue)/") } }
        return try carving(path: folder, format: .imageFolder, pool: sets[.train]!, poolOrigin: "train/",
                           valid: found(.valid), test: found(.test))
    }

    // MARK: - Carving

    /// Seeds the fixed shuffle that carves missing splits from the training images ("carve").
    package static let carvingSeed: UInt64 = 0x63_6172_7665

    /// Images in a carved split: a tenth of the training images, at most 10,000, at least 1.
    package static func carvedCount(poolCount: Int) -> Int { max(1, min(10_000, poolCount / 10)) }

    /// The data with `valid` and `test` as given, each missing one carved from `pool` (the training
    /// images, read from `poolOrigin`); the rest of `pool` is the training split. Carved and kept
    /// images stay in their order in `pool`. Every split must have the pool's shape.
    static func carving(path: String, format: Format, pool: ByteImageSet, poolOrigin: String,
                        valid: (ByteImageSet, String)? = nil, test: (ByteImageSet, String)? = nil) throws -> ImageData {
        for (split, given) in [(Split.valid, valid), (.test, test)] {
            guard let (images, origin) = given else { continue }
            guard images.shapeDescription == pool.shapeDescription else {
                throw DataError.invalidData(path: FilePaths.join(path, origin), problem: "\(split.rawValue) images are "
                                            + "\(images.shapeDescription), but the training images in \(poolOrigin) are \(pool.shapeDescription)")
            }
        }
        let missing = [valid == nil ? Split.valid : nil, test == nil ? Split.test : nil].compactMap { $0 }
        let size = carvedCount(poolCount: pool.imageCount)
        guard pool.imageCount > size * missing.count else {
            throw DataError.invalidData(path: path, problem: "\(pool.imageCount) training images are too few to carve "
                                        + "\(missing.map(\.rawValue).joined(separator: " and ")) images from (need at least \(missing.count + 1))")
        }
        var generator = SeededGenerator(seed: carvingSeed)
        let order = missing.isEmpty ? Array(0..<pool.imageCount) : generator.permutation(count: pool.imageCount)
        var carved: [Split: ByteImageSet] = [:]
        var origins: [Split: String] = [.train: missing.isEmpty ? poolOrigin : "of \(groupedDigits(pool.imageCount)) in \(poolOrigin)"]
        for (position, split) in missing.enumerated() {
            carved[split] = pool.subset(order[(position * size)..<((position + 1) * size)].sorted())
            origins[split] = "carved by a fixed shuffle"
        }
        if let valid { origins[.valid] = valid.1 }
        if let test { origins[.test] = test.1 }
        let train = missing.isEmpty ? pool : pool.subset(order[(missing.count * size)...].sorted())
        return ImageData(path: path, format: format, train: train, valid: valid?.0 ?? carved[.valid]!,
                         test: test?.0 ?? carved[.test]!, origins: origins)
    }
}
