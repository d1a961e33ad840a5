/// The binary version of CIFAR-10 (Krizhevsky 2009, www.cs.toronto.edu/~kriz/cifar.html): five
/// training batches `data_batch_1.bin` ... `data_batch_5.bin` and `test_batch.bin`, 10,000 records
/// each. A record is one label byte (0-9) and 3,072 bytes of a 32x32 RGB image as three planes,
/// red, green, blue, each row-major: exactly the [channels, height, width] order of `ByteImageSet`.
///
///     let test = try CIFAR10.read(path: "cifar-10-batches-bin/test_batch.bin")   // 10000 x 3 x 32 x 32
public enum CIFAR10 {
    public static let side = 32
    public static let channels = 3
    /// Bytes in one record: the label and the image.
    package static let recordLength = 1 + channels * side * side

    /// The training batches' file names, in order.
    public static let trainingFileNames = (1...5).map { "data_batch_\($0).bin" }
    public static let testFileName = "test_batch.bin"

    /// Reads one batch file; errors name `path`: a length that is not a whole number of records, or
    /// a label outside 0-9 (not a CIFAR-10 file).
    public static func read(path: String) throws -> ByteImageSet {
        let bytes = try IDXFile.readFile(path: path)
        guard !bytes.isEmpty, bytes.count % recordLength == 0 else {
            let complete = bytes.count / recordLength
            throw DataError.invalidData(path: path, problem: bytes.isEmpty ? "empty file, expected \(groupedDigits(recordLength))-byte CIFAR-10 records"
                : "\(groupedDigits(bytes.count)) bytes are not whole \(groupedDigits(recordLength))-byte CIFAR-10 records: "
                + "record \(complete + 1) holds only \(groupedDigits(bytes.count % recordLength)) bytes (truncated file?)")
        }
        let count = bytes.count / recordLength, imageLength = recordLength - 1
        var images = [UInt8]()
        images.reserveCapacity(count * imageLength)
        for record in 0..<count {
            let start = record * recordLength
            guard bytes[start] <= 9 else {
                throw DataError.invalidData(path: path, problem: "record \(record + 1) has label \(bytes[start]), "
                                            + "expected 0-9 (not a CIFAR-10 batch?)")
            }
            images += bytes[(start + 1)..<(start + recordLength)]
        }
        return ByteImageSet(imageCount: count, height: side, width: side, channels: channels, bytes: images)
    }

    /// The batches in `paths`, one after the other.
    public static func read(paths: [String]) throws -> ByteImageSet {
        ByteImageSet.concatenating(try paths.map { try read(path: $0) })
    }
}
