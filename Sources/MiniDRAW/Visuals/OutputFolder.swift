import Foundation

// MARK: - Never replacing by surprise

/// Files a command would write that are already there: it stops before writing any of them.
public struct ExistingOutputError: Error, CustomStringConvertible, Equatable {
    /// The paths already present, in the order the command would write them.
    public let existing: [String]
    /// How many files the command would write.
    public let total: Int
    /// Whether the command can write into another folder instead, so a message can offer one.
    public let offersOut: Bool

    /// What is in the way, without the flags that would clear it (the tool adds those).
    public var description: String {
        let more = existing.count > 1 ? " (and \(existing.count - 1) more of the \(total) files to write)" : ""
        return "\(existing[0]) already exists\(more)"
    }
}

/// The one rule of every command that writes pictures, plots or pages: a file already there is
/// replaced only when the caller says `overwrite`, and the check covers every file before the first
/// is written, so a refused command leaves the disk as it was.
package enum OutputFiles {
    /// Throws `ExistingOutputError` when `overwrite` is false and any of `paths` exists.
    package static func checkNew(_ paths: [String], overwrite: Bool, offersOut: Bool = true) throws {
        guard !overwrite else { return }
        let existing = paths.filter { FileManager.default.fileExists(atPath: $0) }
        if !existing.isEmpty { throw ExistingOutputError(existing: existing, total: paths.count, offersOut: offersOut) }
    }

    /// `directory/name`, without a doubled slash.
    static func path(_ name: String, in directory: String) -> String {
        directory.hasSuffix("/") ? directory + name : "\(directory)/\(name)"
    }
}

// MARK: - Writing a folder of pictures

/// A folder being filled with pictures. It is told every name it will write, checks them all
/// (`OutputFiles.checkNew`) before it creates the folder or writes the first, and remembers the
/// paths it wrote, in order.
struct OutputFolder {
    let directory: String
    /// The names checked, the only ones `write` accepts.
    let names: [String]
    private(set) var paths: [String] = []

    init(_ directory: String, names: [String], overwrite: Bool) throws {
        self.directory = directory
        self.names = names
        try OutputFiles.checkNew(names.map { OutputFiles.path($0, in: directory) }, overwrite: overwrite)
    }

    mutating func write(_ bytes: [UInt8], name: String) throws {
        precondition(names.contains(name), "\(name) was not checked before writing into \(directory)")
        if paths.isEmpty { try AtomicFile.ensureDirectory(directory) }
        let path = OutputFiles.path(name, in: directory)
        try AtomicFile.write(bytes, to: path)
        paths.append(path)
    }

    /// `name.pgm` / `name.ppm`, and `name.png` when `png`.
    mutating func write<Image: FrameImage>(_ image: Image, name: String, png: Bool) throws {
        try write(image.netpbmBytes, name: "\(name).\(Image.netpbmExtension)")
        if png { try write(image.pngBytes, name: "\(name).png") }
    }

    /// The names `write(_:name:png:)` writes for one image.
    static func imageNames(_ name: String, netpbmExtension: String, png: Bool) -> [String] {
        ["\(name).\(netpbmExtension)"] + (png ? ["\(name).png"] : [])
    }

    /// `prefix-00 ... prefix-(T-1)` and `finalName` (the last frame again) as Netpbm (and PNG), and
    /// the animation `gifName` when given.
    mutating func writeSequence<Image: FrameImage>(_ frames: [Image], prefix: String, finalName: String,
                                                   gifName: String?, png: Bool) throws {
        guard let last = frames.last else { return }
        for (index, frame) in frames.enumerated() {
            try write(frame, name: DrawingFrames.frameName(index, frameCount: frames.count, prefix: prefix), png: png)
        }
        try write(last, name: finalName, png: png)
        if let gifName {
            try write(Image.gifBytes(frames, delaysCentiseconds: DrawingFrames.gifDelays(frameCount: frames.count)), name: gifName)
        }
    }

    /// The names `writeSequence` writes for `frameCount` frames, in order.
    static func sequenceNames(frameCount: Int, prefix: String, finalName: String, gifName: String?,
                              png: Bool, netpbmExtension: String) -> [String] {
        guard frameCount > 0 else { return [] }
        let frames = (0..<frameCount).map { DrawingFrames.frameName($0, frameCount: frameCount, prefix: prefix) } + [finalName]
        return frames.flatMap { imageNames($0, netpbmExtension: netpbmExtension, png: png) } + (gifName.map { [$0] } ?? [])
    }
}
