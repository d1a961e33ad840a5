import Foundation
import Testing
@testable import MiniDRAW

/// Where the tests find the shipped data: `Data/` next to `Tests/` in the package root.
enum IOTestPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let binarizedMNIST = packageRoot + "/Data/binarized-mnist"
}

/// A fresh temporary folder, removed when `body` returns.
func withTemporaryFolder<Result>(_ body: (String) throws -> Result) throws -> Result {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("minidraw-io-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try body(folder)
}

/// Writes `bytes` to the file at `path`.
func writeFile(_ path: String, bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Uncompressed IDX bytes of unsigned bytes with the given dimensions.
func idxBytes(dimensions: [Int], elements: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
    for size in dimensions { bytes += (0..<4).map { UInt8(truncatingIfNeeded: size >> (24 - 8 * $0)) } }
    return bytes + elements
}

@Suite("IDX files and binarized MNIST")
struct IDXTests {
    // MARK: - Parsing

    @Test("3-d and 1-d unsigned-byte files parse to dimensions and bytes")
    func parse() throws {
        let images = try IDXFile.parse(idxBytes(dimensions: [2, 2, 3], elements: Array(1...12)), expectedDimensionCount: 3)
        #expect(images.dimensions == [2, 2, 3])
        #expect(images.bytes == Array(1...12))
        let labels = try IDXFile.parse([0, 0, 8, 1, 0, 0, 1, 0x2C] + [UInt8](repeating: 7, count: 300))
        #expect(labels.dimensions == [300])
    }

    @Test("a wrong magic number names what was found and what was expected")
    func wrongMagic() throws {
        let signed: [UInt8] = [0, 0, 0x09, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0]
        let error = #expect(throws: IDXError.self) { try IDXFile.parse(signed, expectedDimensionCount: 3) }
        #expect(error == .wrongMagic(found: 0x0000_0903, expectedDimensionCount: 3))
        #expect(error?.description == "wrong IDX magic 0x00000903 (3-d signed-byte data; expected 0x00000803 for 3-d unsigned-byte images)")

        let labels: [UInt8] = [0, 0, 0x08, 1, 0, 0, 0, 1, 5]
        #expect(throws: IDXError.wrongMagic(found: 0x0000_0801, expectedDimensionCount: 3)) {
            try IDXFile.parse(labels, expectedDimensionCount: 3)
        }
        let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0]
        let notIDX = #expect(throws: IDXError.self) { try IDXFile.parse(zip) }
        #expect(notIDX?.description == "wrong IDX magic 0x504B0304 (not an IDX file; expected 0x000008nn for unsigned-byte data)")
    }

    @Test("a byte count that does not match the dimensions is rejected")
    func byteCountMismatch() {
        let short = idxBytes(dimensions: [2, 2, 3], elements: Array(1...11))
        let error = #expect(throws: IDXError.self) { try IDXFile.parse(short) }
        #expect(error == .byteCountMismatch(dimensions: [2, 2, 3], needed: 28, actual: 27))
        let mnist = IDXError.byteCountMismatch(dimensions: [10000, 28, 28], needed: 7_840_016, actual: 7_000_016)
        #expect(mnist.description == "IDX dimensions 10000x28x28 need 7,840,016 bytes with the header, but the file holds 7,000,016")

        let long = idxBytes(dimensions: [2, 2, 3], elements: Array(1...13))
        #expect(throws: IDXError.byteCountMismatch(dimensions: [2, 2, 3], needed: 28, actual: 29)) { try IDXFile.parse(long) }
        let huge = idxBytes(dimensions: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], elements: [])
        #expect(throws: IDXError.self) { try IDXFile.parse(huge) }
        #expect(throws: IDXError.tooShort(byteCount: 3, needed: 4)) { try IDXFile.parse([0, 0, 8]) }
        #expect(throws: IDXError.tooShort(byteCount: 8, needed: 16)) { try IDXFile.parse([0, 0, 8, 3, 0, 0, 0, 1]) }
    }

    // MARK: - Reading files

    @Test("files are recognised as gzip by their magic number, not their name")
    func gzipDetection() throws {
        try withTemporaryFolder { folder in
            let compressed = folder + "/labels.idx"
            try writeFile(compressed, bytes: Self.gzippedLabels)
            #expect(try IDXFile.read(path: compressed).bytes == [3, 1, 4, 1, 5])
            let plain = folder + "/labels.gz"
            try writeFile(plain, bytes: idxBytes(dimensions: [2], elements: [9, 8]))
            #expect(try IDXFile.read(path: plain).bytes == [9, 8])
        }
    }

    @Test("errors while reading name the file")
    func readErrors() throws {
        try withTemporaryFolder { folder in
            let missing = folder + "/none.gz"
            let error = #expect(throws: DataError.self) { try IDXFile.read(path: missing) }
            #expect(error?.description == "cannot read \(missing): no such file")

            let truncated = folder + "/cut.gz"
            try writeFile(truncated, bytes: Array(Self.gzippedLabels[..<20]))
            let cut = #expect(throws: DataError.self) { try IDXFile.read(path: truncated) }
            #expect(cut == .compression(path: truncated, .truncated(.gzip, byteCount: 20, part: .compressedData)))
            #expect(cut?.description == "cannot read \(truncated): gzip stream ends after 20 bytes, inside the compressed data (truncated file?)")

            let images = folder + "/images"
            try writeFile(images, bytes: idxBytes(dimensions: [1], elements: [0]))
            let magic = #expect(throws: DataError.self) { try IDXFile.read(path: images, expectedDimensionCount: 3) }
            #expect(magic?.description == "\(images): wrong IDX magic 0x00000801 (1-d unsigned-byte data; expected 0x00000803 for 3-d unsigned-byte images)")
        }
    }

    // MARK: - Binarized MNIST

    @Test("pixels above 127 become 1, others 0; images of the wrong size are refused")
    func loadImages() throws {
        try withTemporaryFolder { folder in
            let pixels = (0..<2 * 28 * 28).map { UInt8([0, 127, 128, 255][$0 % 4]) }
            let path = folder + "/" + BinarizedMNIST.Split.valid.fileName
            try writeFile(path, bytes: idxBytes(dimensions: [2, 28, 28], elements: pixels))
            let set = try BinarizedMNIST.load(split: .valid, directory: folder)
            #expect((set.imageCount, set.height, set.width) == (2, 28, 28))
            #expect(Array(set.pixels[..<8]) == [0, 0, 1, 1, 0, 0, 1, 1])

            let wrongSize = folder + "/" + BinarizedMNIST.Split.train.fileName
            try writeFile(wrongSize, bytes: idxBytes(dimensions: [1, 32, 32], elements: [UInt8](repeating: 0, count: 1024)))
            let error = #expect(throws: DataError.self) { try BinarizedMNIST.load(split: .train, directory: folder + "/") }
            #expect(error?.description == "\(wrongSize): images are 32x32, the model expects 28x28")
            #expect(try BinarizedMNIST.load(split: .train, directory: folder, expectedHeight: nil, expectedWidth: nil).width == 32)
        }
    }

    @Test("labels outside 0-9 are refused")
    func badLabels() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/" + BinarizedMNIST.testLabelsFileName
            try writeFile(path, bytes: idxBytes(dimensions: [3], elements: [1, 12, 3]))
            #expect(throws: DataError.invalidLabel(path: path, index: 1, value: 12)) {
                try BinarizedMNIST.loadTestLabels(directory: folder)
            }
        }
    }

    @Test("the data folder: explicit, found from a base folder, or a clear error")
    func findDirectory() throws {
        #expect(try BinarizedMNIST.findDirectory(base: IOTestPaths.packageRoot) == IOTestPaths.binarizedMNIST)
        #expect(try BinarizedMNIST.findDirectory(explicit: IOTestPaths.binarizedMNIST) == IOTestPaths.binarizedMNIST)
        #expect(throws: DataError.missingDirectory(path: "/no/such/folder")) {
            try BinarizedMNIST.findDirectory(explicit: "/no/such/folder")
        }
        try withTemporaryFolder { root in
            // Two levels down, so that `../shared` is inside the temporary folder too, whatever sits beside it.
            let folder = root + "/project/main"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let error = #expect(throws: DataError.self) { try BinarizedMNIST.findDirectory(base: folder) }
            #expect(error == .dataDirectoryNotFound(searched: BinarizedMNIST.searchedDirectories, base: folder))
        }
    }

    @Test("the shipped test split: 10,000 28x28 binary images and their sorted labels")
    func shippedTestSplit() throws {
        let set = try BinarizedMNIST.load(split: .test, directory: IOTestPaths.binarizedMNIST)
        #expect((set.imageCount, set.height, set.width) == (10000, 28, 28))
        var zeroCount = 0, oneCount = 0
        for pixel in set.pixels {
            if pixel == 0 { zeroCount += 1 } else if pixel == 1 { oneCount += 1 }
        }
        #expect((zeroCount, oneCount) == (6_801_104, 1_038_896))   // pixels at 0 and 255, counted with Python
        let labels = try BinarizedMNIST.loadTestLabels(directory: IOTestPaths.binarizedMNIST)
        let counts = (0...9).map { digit in labels.filter { $0 == digit }.count }
        #expect(counts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        #expect(labels == labels.sorted())               // this copy is ordered by class
    }

    /// Python's `gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 5, 3, 1, 4, 1, 5]), mtime=0)`.
    static let gzippedLabels: [UInt8] = [
        0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x63, 0x60, 0xE0, 0x60, 0x64, 0x60,
        0x60, 0x60, 0x65, 0x66, 0x64, 0x61, 0x64, 0x05, 0x00, 0xED, 0x2D, 0xDC, 0x9B, 0x0D, 0x00, 0x00,
        0x00,
    ]
}
