import Foundation

/// A folder of image files as a data set: every PNG, PGM and PPM file in it and its subfolders
/// (so one subfolder per class works), in the order of their paths, hidden files skipped. All
/// images must be one size; the set is colour (3 channels) if any image is, grey images then
/// copied into all three planes. Files of other image formats (JPEG, GIF, ...) are refused rather
/// than silently left out; files that are not images (a README) are skipped.
///
///     let paths = try ImageFolder.imagePaths(in: "letters")
///     let letters = try ImageFolder.read(groups: [paths])[0]        // [count, channels, height, width]
public enum ImageFolder {
    /// File name extensions read, compared without case.
    public static let readableExtensions: Set<String> = ["png", "pgm", "ppm", "pnm"]
    /// Image formats MiniDRAW cannot read: their files stop loading with a line naming them.
    public static let unreadableExtensions: Set<String> = ["jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff", "heic", "avif"]

    // MARK: - Finding images

    /// The image files under `folder`, its subfolders included, sorted by path.
    public static func imagePaths(in folder: String) throws -> [String] {
        guard let relativePaths = try? FileManager.default.subpathsOfDirectory(atPath: folder) else {
            throw DataError.unreadableFile(path: folder, reason: "the folder could not be listed (permissions?)")
        }
        var paths = [String]()
        for relative in relativePaths.sorted() where !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
            let fileExtension = (relative as NSString).pathExtension.lowercased()
            let path = FilePaths.join(folder, relative)
            if unreadableExtensions.contains(fileExtension) {
                throw DataError.invalidData(path: path, problem: "\(fileExtension.uppercased()) images are not supported "
                                            + "(PNG, PGM and PPM are); convert or remove it")
            }
            if readableExtensions.contains(fileExtension) && !FilePaths.isDirectory(path) { paths.append(path) }
        }
        return paths
    }

    // MARK: - Reading

    /// Decodes one file by its contents: a PNG signature, or a Netpbm magic number P2, P3, P5, P6.
    public static func decode(path: String) throws -> DecodedImage {
        let bytes = try IDXFile.readFile(path: path)
        if bytes.starts(with: PNGWriter.signature) {
            do { return try PNGReader.decode(bytes) } catch let error as PNGError {
                throw DataError.invalidData(path: path, problem: error.description)
            }
        }
        if bytes.first == UInt8(ascii: "P") { return try Netpbm.decode(bytes, name: path) }
        throw DataError.invalidData(path: path, problem: "not a PNG, PGM or PPM file (starts with "
                                    + bytes.prefix(4).map { hexDigits(Int($0), count: 2) }.joined(separator: " ") + ")")
    }

    /// The images of each group of paths (a data set's splits) as one set per group, all one size;
    /// colour if any image of any group is. The first image sets the size; the first that differs
    /// stops reading with both files and sizes named.
    public static func read(groups: [[String]]) throws -> [ByteImageSet] {
        var first: (path: String, image: DecodedImage)?
        let decoded = try groups.map { paths in
            try paths.map { path -> DecodedImage in
                let image = try decode(path: path)
                if let first, (image.width, image.height) != (first.image.width, first.image.height) {
                    throw DataError.invalidData(path: path, problem: "image is \(image.width)x\(image.height), but \(first.path) "
                                                + "is \(first.image.width)x\(first.image.height); all images of a data set must be one size")
                }
                if first == nil { first = (path, image) }
                return image
            }
        }
        let channels = decoded.joined().contains { $0.channels == 3 } ? 3 : 1
        let (width, height) = (first?.image.width ?? 1, first?.image.height ?? 1)
        return decoded.map { images in
            ByteImageSet(imageCount: images.count, height: height, width: width, channels: channels,
                         bytes: images.flatMap { $0.planes(channels: channels) })
        }
    }
}
