import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Errors

/// A file operation that failed, in one line:
/// `cannot write runs/run1.safetensors: No such file or directory`.
package struct FileError: Error, CustomStringConvertible, Equatable {
    /// What was attempted: "read", "write", "create directory".
    package let operation: String
    /// The path the caller named (never the temporary file).
    package let path: String
    /// The system's reason, e.g. "No such file or directory".
    package let reason: String

    package var description: String { "cannot \(operation) \(path): \(reason)" }
}

// MARK: - Atomic write

/// The C `write` and `read`, reachable by these names inside `AtomicFile`, whose own
/// `write` and `read` hide them.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

/// Whole-file reads and all-or-nothing writes.
///
/// `write` puts the bytes in a temporary file `.name.tmp-<pid>-<counter>` beside the target,
/// flushes it to disk (fsync), then renames it over the target. POSIX `rename` is atomic, so
/// a reader (or a crash) sees either the old file or the new one, never half of each.
package enum AtomicFile {
    /// Replaces the file at `path` with `bytes`, or throws and leaves it as it was. `durable: false`
    /// skips the two fsyncs (still all or nothing, but a crash may lose the file): for writing
    /// thousands of small files that can be made again, such as an exported data set.
    package static func write(_ bytes: [UInt8], to path: String, durable: Bool = true) throws {
        try bytes.withUnsafeBytes { try write(buffer: $0, to: path, durable: durable) }
    }

    /// Replaces the file at `path` with `data`, or throws and leaves it as it was.
    package static func write(_ data: Data, to path: String) throws {
        try data.withUnsafeBytes { try write(buffer: $0, to: path) }
    }

    private static func write(buffer: UnsafeRawBufferPointer, to path: String, durable: Bool = true) throws {
        let (directory, fileName) = split(path)
        let temporaryPath = "\(directory)/.\(fileName).tmp-\(getpid())-\(temporaryNameCounter.next())"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw FileError(operation: "write", path: path, reason: systemReason()) }

        var failure = writeAll(buffer, to: descriptor)
        if failure == nil && durable && fsync(descriptor) != 0 { failure = systemReason() }
        if close(descriptor) != 0 && failure == nil { failure = systemReason() }
        if failure == nil && rename(temporaryPath, path) != 0 { failure = systemReason() }
        if let failure {
            unlink(temporaryPath)
            throw FileError(operation: "write", path: path, reason: failure)
        }
        guard durable else { return }
        // Make the rename itself durable. Some file systems cannot fsync a directory; the
        // new file is already in place, so that is not an error.
        let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// Writes every byte, retrying short writes and interrupted calls. Returns the failure reason.
    private static func writeAll(_ buffer: UnsafeRawBufferPointer, to descriptor: Int32) -> String? {
        var offset = 0
        while offset < buffer.count {
            let written = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return systemReason()
            }
            offset += written
        }
        return nil
    }

    /// `("runs", "a.bin")` for "runs/a.bin", `(".", "a.bin")` for "a.bin", `("", "a.bin")` for "/a.bin".
    private static func split(_ path: String) -> (directory: String, fileName: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    // MARK: - Reading and directories

    /// The whole content of the file at `path`.
    package static func read(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError(operation: "read", path: path, reason: systemReason()) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(operation: "read", path: path, reason: systemReason())
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// Creates the directory `path` and any missing parents; succeeds if it already exists.
    package static func ensureDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o777) != 0 && errno != EEXIST {
                throw FileError(operation: "create directory", path: path, reason: systemReason())
            }
            prefix += "/"
        }
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw FileError(operation: "create directory", path: path, reason: systemReason())
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw FileError(operation: "create directory", path: path, reason: "a file of that name exists")
        }
    }

    // MARK: - Helpers

    /// The text of the current `errno`, e.g. "No such file or directory".
    private static func systemReason() -> String { String(cString: strerror(errno)) }

    private static let temporaryNameCounter = Counter()

    /// A thread-safe counter that makes temporary names unique within the process.
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0

        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}
