import Foundation

/// `Data/pretrained/results.json`, the one file of MiniDRAW's result figures, written by the commands
/// that measure them (`minidraw eval --results FILE --key KEY`, `minidraw classify --checkpoint ...
/// --results FILE --key KEY`).
///
/// The file is edited in place, line by line, so that a new measurement changes only its own lines and
/// the diff shows nothing else. Its layout, which every edit keeps:
///
///     {
///       "about": "...",
///       "draw-attention.safetensors": {
///         "preset": "...",
///         "test_bound": { "value": 83.81, "images": 10000, "how": "minidraw eval ..." },
///         ...
///       },
///       ...
///     }
///
/// one model an object two spaces in, one member a line four spaces in. A figure already there keeps
/// its place and gets the new value, image count and how; a new one goes at the end of its model.
/// Foundation's `JSONSerialization` checks the text before and after the edit (it keeps no key order,
/// so it cannot write the file itself).

// MARK: - A figure

/// One measured figure: `"name": { "value": 83.81, "images": 10000, "how": "..." }`.
public struct ResultFigure: Equatable, Sendable {
    /// Its name inside the model's object, e.g. `test_bound`.
    public var name: String
    public var value: Double
    /// Digits after the decimal point, as the documents quote the figure (2 for nats).
    public var decimals: Int
    /// The images it was measured on, if it is a mean over images.
    public var images: Int?
    /// How it was measured: the command line, and which of its printed lines.
    public var how: String

    public init(name: String, value: Double, decimals: Int = 2, images: Int? = nil, how: String) {
        self.name = name
        self.value = value
        self.decimals = decimals
        self.images = images
        self.how = how
    }

    /// The member line without its indentation and comma.
    var member: String {
        let value = String(format: "%.\(decimals)f", self.value)
        let images = self.images.map { ", \"images\": \($0)" } ?? ""
        return "\(jsonStringLiteral(name)): { \"value\": \(value)\(images), \"how\": \(jsonStringLiteral(how)) }"
    }
}

// MARK: - Errors

/// Why the results file was not written; each description is one line naming the file.
public enum ResultsFileError: Error, CustomStringConvertible, Equatable, Sendable {
    case unreadable(path: String, reason: String)
    case notJSON(path: String, reason: String)
    case unknownKey(path: String, key: String, known: [String])
    case layout(path: String, problem: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read results file \(path): \(reason)"
        case .notJSON(let path, let reason):
            return "results file \(path) is not a JSON object: \(reason)"
        case .unknownKey(let path, let key, let known):
            return "results file \(path) has no model \"\(key)\" (expected one of: \(known.joined(separator: ", ")))"
        case .layout(let path, let problem):
            return "results file \(path): \(problem); it was left as it was"
        }
    }
}

// MARK: - Reading and writing

public enum ResultsFile {
    /// The model key of `key` in the file at `path`: `key` itself, or `key.safetensors` as the shipped
    /// models are keyed. Call it before a long measurement so a wrong file or key stops it at once.
    public static func checkedKey(_ key: String, in path: String) throws -> String {
        try resolvedKey(key, in: try parsedObject(text(of: path), path: path), path: path)
    }

    /// Puts `figures` under model `key` of the file at `path` and writes it atomically. On any error
    /// the file is left unchanged.
    public static func record(_ figures: [ResultFigure], under key: String, in path: String) throws {
        let text = try text(of: path)
        let edited = try updated(text, with: figures, under: key, path: path)
        do { try AtomicFile.write(Data(edited.utf8), to: path) } catch {
            throw ResultsFileError.unreadable(path: path, reason: "\(error)")
        }
    }

    /// `text` with `figures` recorded under `key`; `path` names the file in errors.
    package static func updated(_ text: String, with figures: [ResultFigure], under key: String, path: String) throws -> String {
        let modelKey = try resolvedKey(key, in: try parsedObject(text, path: path), path: path)
        var lines = text.components(separatedBy: "\n")
        let opening = "  \(jsonStringLiteral(modelKey)): {"
        guard let start = lines.firstIndex(of: opening),
              let end = lines[(start + 1)...].firstIndex(where: { $0 == "  }" || $0 == "  }," }) else {
            throw ResultsFileError.layout(path: path, problem: "no line \(opening) with its closing \"  }\" two spaces in")
        }
        var members = Array(lines[(start + 1)..<end])
        guard members.allSatisfy({ $0.hasPrefix("    \"") }) else {
            throw ResultsFileError.layout(path: path, problem: "\(modelKey) is not one member a line, four spaces in")
        }
        members = members.map { $0.hasSuffix(",") ? String($0.dropLast()) : $0 }
        for figure in figures {
            let line = "    " + figure.member
            if let index = members.firstIndex(where: { $0.hasPrefix("    \(jsonStringLiteral(figure.name)):") }) {
                members[index] = line
            } else {
                members.append(line)
            }
        }
        for index in members.indices.dropLast() { members[index] += "," }
        lines.replaceSubrange((start + 1)..<end, with: members)
        let edited = lines.joined(separator: "\n")
        _ = try parsedObject(edited, path: path)       // the edit kept it JSON
        return edited
    }

    // MARK: - Helpers

    static func text(of path: String) throws -> String {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch let error as FileError {
            throw ResultsFileError.unreadable(path: path, reason: error.reason)
        }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw ResultsFileError.notJSON(path: path, reason: "not UTF-8 text")
        }
        return text
    }

    static func parsedObject(_ text: String, path: String) throws -> [String: Any] {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            throw ResultsFileError.notJSON(path: path, reason: (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
                                           ?? "JSONSerialization cannot read it")
        }
        guard let object = parsed as? [String: Any] else {
            throw ResultsFileError.notJSON(path: path, reason: "the top level is not an object")
        }
        return object
    }

    static func resolvedKey(_ key: String, in object: [String: Any], path: String) throws -> String {
        for candidate in [key, key + ".safetensors"] where object[candidate] is [String: Any] { return candidate }
        let known = object.filter { $0.value is [String: Any] }.keys.sorted()
            .map { $0.hasSuffix(".safetensors") ? String($0.dropLast(".safetensors".count)) : $0 }
        throw ResultsFileError.unknownKey(path: path, key: key, known: known)
    }
}
