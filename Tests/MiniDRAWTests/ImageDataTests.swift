import Foundation
import Testing
@testable import MiniDRAW

/// `--data PATH`: CIFAR-10 batches, IDX sets, folders of PNG/PGM/PPM, their splits, and the lines bad input gets.
@Suite("Your own images: formats and splits")
struct ImageDataTests {
    /// A grey w x h image whose pixel i is (seed + 5i) mod 256, as a PNG.
    static func greyPNG(width: Int = 6, height: Int = 4, seed: Int) -> [UInt8] {
        PNGWriter.encode(GreyImage(width: width, height: height, pixels: (0..<(width * height)).map { UInt8((seed + 5 * $0) % 256) }))
    }

    /// 28x28 IDX images whose bytes are (seed + i) mod 256.
    static func idxImages(count: Int, seed: Int) -> [UInt8] {
        idxBytes(dimensions: [count, 28, 28], elements: (0..<(count * 784)).map { UInt8(($0 + seed) % 256) })
    }

    // MARK: - CIFAR-10

    @Test("CIFAR-10: a three-record batch reads as three 32x32x3 images, planes R, G, B, labels dropped")
    func cifarBatch() throws {
        try withTemporaryFolder { folder in
            let images = (0..<3).map { TestDataFiles.cifarImage(seed: 50 * $0) }
            try TestDataFiles.write(TestDataFiles.cifarBatch(labels: [6, 9, 0], images: images), folder, "data_batch_1.bin")
            let set = try CIFAR10.read(path: folder + "/data_batch_1.bin")
            #expect((set.imageCount, set.width, set.height, set.channels) == (3, 32, 32, 3))
            #expect(Array(set.image(1)) == images[1])
            #expect(Array(set.image(2))[1024 + 32 * 2 + 5] == UInt8((100 + 7 + 6 + 5) % 256), "green plane, row 2, column 5")
        }
    }

    @Test("CIFAR-10 folder: data_batch_N.bin is the training pool, test_batch.bin the test split, validation carved")
    func cifarFolder() throws {
        try withTemporaryFolder { folder in
            let train = (0..<20).map { TestDataFiles.cifarImage(seed: $0) }
            try TestDataFiles.write(TestDataFiles.cifarBatch(labels: Array(repeating: 1, count: 12), images: Array(train[..<12])),
                                    folder, "data_batch_1.bin")
            try TestDataFiles.write(TestDataFiles.cifarBatch(labels: Array(repeating: 2, count: 8), images: Array(train[12...])),
                                    folder, "data_batch_2.bin")
            try TestDataFiles.write(TestDataFiles.cifarBatch(labels: [3, 4], images: [TestDataFiles.cifarImage(seed: 99),
                                                                                      TestDataFiles.cifarImage(seed: 98)]),
                                    folder, "test_batch.bin")
            let data = try ImageData.open(folder)
            #expect(data.format == .cifar10 && data.defaultPixels == .grey)
            #expect((data.train.imageCount, data.valid.imageCount, data.test.imageCount) == (18, 2, 2))
            #expect(Array(data.test.image(0)) == TestDataFiles.cifarImage(seed: 99))
            #expect(data.summary == "CIFAR-10 batches in \(folder): 22 images of 32x32x3; train 18 (of 20 in data_batch_1.bin, "
                    + "data_batch_2.bin), valid 2 (carved by a fixed shuffle), test 2 (test_batch.bin)")
            let single = try ImageData.open(folder + "/data_batch_1.bin")
            #expect((single.train.imageCount, single.valid.imageCount, single.test.imageCount) == (10, 1, 1))
        }
    }

    @Test("CIFAR-10: a truncated record and a label outside 0-9 are refused naming the file")
    func cifarRefusals() throws {
        try withTemporaryFolder { folder in
            let records = TestDataFiles.cifarBatch(labels: [1, 2, 3], images: (0..<3).map { TestDataFiles.cifarImage(seed: $0) })
            try TestDataFiles.write(Array(records.dropLast(100)), folder, "data_batch_1.bin")
            #expect(TestDataFiles.message { _ = try CIFAR10.read(path: folder + "/data_batch_1.bin") }
                    == "\(folder)/data_batch_1.bin: 9,119 bytes are not whole 3,073-byte CIFAR-10 records: record 3 holds only "
                    + "2,973 bytes (truncated file?)")
            var badLabel = records
            badLabel[3073] = 200
            try TestDataFiles.write(badLabel, folder, "data_batch_1.bin")
            #expect(TestDataFiles.message { _ = try ImageData.open(folder) }
                    == "\(folder)/data_batch_1.bin: record 2 has label 200, expected 0-9 (not a CIFAR-10 batch?)")
        }
    }

    // MARK: - IDX

    @Test("IDX as distributed: train and t10k files, gzipped or not, no validation file: one is carved; grey levels go stochastic")
    func idxSets() throws {
        for gzipped in [false, true] {
            try withTemporaryFolder { folder in
                let suffix = gzipped ? ".gz" : ""
                func encode(_ bytes: [UInt8]) -> [UInt8] { gzipped ? TestDataFiles.gzip(bytes) : bytes }
                try TestDataFiles.write(encode(Self.idxImages(count: 30, seed: 0)), folder, "train-images-idx3-ubyte" + suffix)
                try TestDataFiles.write(encode(Self.idxImages(count: 5, seed: 7)), folder, "t10k-images-idx3-ubyte" + suffix)
                let data = try ImageData.open(folder)
                #expect(data.format == .idx && data.defaultPixels == .stochastic)
                #expect((data.train.imageCount, data.valid.imageCount, data.test.imageCount) == (27, 3, 5))
                #expect(Array(data.test.image(1)) == Array(Self.idxImages(count: 5, seed: 7)[(16 + 784)..<(16 + 2 * 784)]))
                #expect(data.summary.hasSuffix("test 5 (t10k-images-idx3-ubyte\(suffix))"))
            }
        }
    }

    @Test("the shipped layout (train, valid, test files of 0/255 digits) keeps its splits, nothing carved, pixels binary")
    func shippedLayout() throws {
        let folder = try DatasetTests.dataFolder(count: 12)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = try ImageData.open(folder)
        #expect(data.defaultPixels == .binary)
        #expect((data.train.imageCount, data.valid.imageCount, data.test.imageCount) == (12, 12, 12))
        #expect(data.summary == "IDX files in \(folder): 36 images of 28x28x1; train 12 (train-images-idx3-ubyte.gz), "
                + "valid 12 (valid-images-idx3-ubyte.gz), test 12 (test-images-idx3-ubyte.gz)")
        let shipped = try BinarizedMNIST.load(split: .valid, directory: folder)
        #expect(data.valid.bytes.map { $0 > 127 ? Float(1) : 0 } == shipped.pixels)
    }

    @Test("IDX: a test file without a training file, and a test split of another size, are refused")
    func idxRefusals() throws {
        try withTemporaryFolder { folder in
            try TestDataFiles.write(Self.idxImages(count: 5, seed: 7), folder, "t10k-images-idx3-ubyte")
            #expect(TestDataFiles.message { _ = try ImageData.open(folder) }
                    == "\(folder): holds t10k-images-idx3-ubyte but no training images train-images-idx3-ubyte[.gz]")
            try TestDataFiles.write(idxBytes(dimensions: [12, 2, 3], elements: Array(repeating: 9, count: 72)), folder, "train-images-idx3-ubyte")
            #expect(TestDataFiles.message { _ = try ImageData.open(folder) }
                    == "\(folder)/t10k-images-idx3-ubyte: test images are 28x28x1, but the training images in train-images-idx3-ubyte are 3x2x1")
        }
    }

    // MARK: - Carving

    @Test("carving: a tenth of the pool (1 to 10,000) by a fixed shuffle, disjoint, in stored order, the same every time")
    func carving() throws {
        #expect(ImageData.carvedCount(poolCount: 60_000) == 6_000 && ImageData.carvedCount(poolCount: 500_000) == 10_000)
        #expect(ImageData.carvedCount(poolCount: 5) == 1)
        // Image i of the pool is filled with byte i, so each set lists the pool indices it holds.
        let pool = ByteImageSet(imageCount: 40, height: 1, width: 1, channels: 1, bytes: (0..<40).map { UInt8($0) })
        let data = try ImageData.carving(path: "pool", format: .imageFolder, pool: pool, poolOrigin: "the folder")
        let (train, valid, test) = (data.train.bytes, data.valid.bytes, data.test.bytes)
        #expect((train.count, valid.count, test.count) == (32, 4, 4))
        #expect(Set(train + valid + test).count == 40, "every image once")
        #expect(train == train.sorted() && valid == valid.sorted() && test == test.sorted())
        let again = try ImageData.carving(path: "pool", format: .imageFolder, pool: pool, poolOrigin: "the folder")
        #expect(again.valid.bytes == valid && again.test.bytes == test)
        #expect(valid != [0, 1, 2, 3], "shuffled, not the first images")
        let tiny = ByteImageSet(imageCount: 2, height: 1, width: 1, channels: 1, bytes: [0, 1])
        #expect(TestDataFiles.message { _ = try ImageData.carving(path: "two.bin", format: .cifar10, pool: tiny, poolOrigin: "two.bin") }
                == "two.bin: 2 training images are too few to carve valid and test images from (need at least 3)")
    }

    // MARK: - Folders of images

    @Test("a folder of PNG, PGM and PPM (binary and plain) files, subfolders included, in path order; colour if any is")
    func mixedFormats() throws {
        try withTemporaryFolder { folder in
            let grey = GreyImage(width: 3, height: 2, pixels: [0, 50, 100, 150, 200, 250])
            let color = RGBImage(width: 3, height: 2, pixels: (0..<18).map { UInt8($0 * 14) })
            try TestDataFiles.write(PNGWriter.encode(grey), folder + "/a", "1.png")
            try TestDataFiles.write(Netpbm.pgm(grey, plain: true), folder + "/a", "2.PGM")
            try TestDataFiles.write(Netpbm.ppm(color), folder + "/b", "3.ppm")
            try TestDataFiles.write(Netpbm.ppm(color, plain: true), folder, "4.ppm")
            try TestDataFiles.write(Array("notes".utf8), folder, "README.txt")
            try TestDataFiles.write(PNGWriter.encode(grey), folder + "/.hidden", "x.png")
            let paths = try ImageFolder.imagePaths(in: folder)
            #expect(paths == ["4.ppm", "a/1.png", "a/2.PGM", "b/3.ppm"].map { folder + "/" + $0 })
            let set = try ImageFolder.read(groups: [paths])[0]
            #expect((set.imageCount, set.channels, set.width, set.height) == (4, 3, 3, 2))
            #expect(Array(set.image(1)) == Array([[UInt8]](repeating: grey.pixels, count: 3).joined()), "grey copied into R, G, B")
            #expect(Array(set.image(3)) == DecodedImage.color(color).planes(channels: 3))
            #expect(try ImageFolder.decode(path: folder + "/a/2.PGM") == .grey(grey))
            #expect(try ImageFolder.decode(path: folder + "/4.ppm") == .color(color))
        }
    }

    @Test("train/ and test/ subfolders are the splits, validation carved from train/; exported 0/255 digits default to binary")
    func splitFolders() throws {
        try withTemporaryFolder { folder in
            for index in 0..<10 { try TestDataFiles.write(Self.greyPNG(seed: index), folder + "/train", "\(index).png") }
            for index in 0..<3 { try TestDataFiles.write(Self.greyPNG(seed: 100 + index), folder + "/test", "\(index).png") }
            try TestDataFiles.write(Self.greyPNG(seed: 0), folder, "ignored.png")
            let data = try ImageData.open(folder)
            #expect(data.format == .imageFolder && data.defaultPixels == .grey)
            #expect((data.train.imageCount, data.valid.imageCount, data.test.imageCount) == (9, 1, 3))
            #expect(data.summary == "image folder in \(folder): 13 images of 6x4x1; train 9 (of 10 in train/), "
                    + "valid 1 (carved by a fixed shuffle), test 3 (test/)")
            let binary = PNGWriter.encode(GreyImage(width: 2, height: 1, pixels: [0, 255]))
            for index in 0..<3 { try TestDataFiles.write(binary, folder + "/flat", "\(index).png") }
            #expect(try ImageData.open(folder + "/flat").defaultPixels == .binary)
        }
    }

    @Test("refused with one line naming the file: mixed sizes, an empty folder, a JPEG, a bad image, test/ without train/")
    func folderRefusals() throws {
        try withTemporaryFolder { folder in
            let nothingFound = "\(folder): holds no images (*.png, *.pgm, *.ppm, or train/ valid/ test/ folders of them), "
                + "no IDX files (train-images-idx3-ubyte[.gz], valid-images-..., test- or t10k-images-...) "
                + "and no CIFAR-10 batches (data_batch_1.bin ... data_batch_5.bin, test_batch.bin)"
            #expect(TestDataFiles.message { _ = try ImageData.open(folder) } == nothingFound)
            // An IDX file under another name is not guessed at: the message names the names looked for.
            try TestDataFiles.write([0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1], folder, "my-digits.idx")
            #expect(TestDataFiles.message { _ = try ImageData.open(folder) } == nothingFound)
            try FileManager.default.removeItem(atPath: folder + "/my-digits.idx")
            #expect(TestDataFiles.message { _ = try ImageData.open(folder + "/none") } == "\(folder)/none: no such file or folder")
            try TestDataFiles.write(Self.greyPNG(seed: 1), folder, "a.png")
            try TestDataFiles.write(Self.greyPNG(seed: 2), folder, "b.png")
            try TestDataFiles.write(Self.greyPNG(width: 7, height: 4, seed: 3), folder, "c.png")
            #expect(TestDataFiles.message { _ = try ImageData.open(folder) }
                    == "\(folder)/c.png: image is 7x4, but \(folder)/a.png is 6x4; all images of a data set must be one size")
            try FileManager.default.removeItem(atPath: folder + "/c.png")
            #expect(TestDataFiles.message { _ = try ImageData.open(folder) }
                    == "\(folder): 2 training images are too few to carve valid and test images from (need at least 3)")
            #expect(TestDataFiles.message { _ = try ImageData.open(folder + "/a.png") }
                    == "\(folder)/a.png: one image is not a data set; give the folder that holds the images")
            try TestDataFiles.write([0xFF, 0xD8, 0xFF], folder, "d.jpg")
            #expect(TestDataFiles.message { _ = try ImageData.open(folder) }
                    == "\(folder)/d.jpg: JPG images are not supported (PNG, PGM and PPM are); convert or remove it")
            try FileManager.default.removeItem(atPath: folder + "/d.jpg")
            try TestDataFiles.write(Array("GIF89a".utf8), folder, "e.png")
            #expect(TestDataFiles.message { _ = try ImageData.open(folder) }
                    == "\(folder)/e.png: not a PNG, PGM or PPM file (starts with 0x47 0x49 0x46 0x38)")
            try TestDataFiles.write(Self.greyPNG(seed: 1), folder + "/test", "a.png")
            #expect(TestDataFiles.message { _ = try ImageData.open(folder) } == "\(folder): has test/ but no train/ subfolder")
            try FileManager.default.createDirectory(atPath: folder + "/train", withIntermediateDirectories: true)
            #expect(TestDataFiles.message { _ = try ImageData.open(folder) } == "\(folder)/train: holds no images (PNG, PGM, PPM)")
        }
    }
}
