import Foundation

/// A run folder as `minidraw train` finds it before writing: the checkpoints and log of the run it
/// holds, if any.
///
/// A folder holds one run, so its log, checkpoints and samples describe the same model. A new run
/// starts only in a folder without a run, or after `--overwrite` removed the old one; a resumed run
/// goes on in its own folder only from the newest checkpoint, or after `--overwrite` removed what
/// came later.
package struct RunFolder: Sendable {
    package let path: String
    /// Steps of the checkpoint files present (model or state, complete or not), ascending, each once.
    package let checkpointSteps: [Int]
    /// The last step `log.csv` records, nil without a log or without rows.
    package let loggedStep: Int?
    package let hasLog: Bool

    /// What a run writes into its folder besides the checkpoints: the log, and the pictures
    /// `train`, `sample`, `reconstruct`, `plot` and `report` make from it by default.
    package static let runEntries = ["log.csv", "samples", "reconstructions", "loss.svg", "kl.svg", "report.html"]

    package init(_ path: String) {
        self.path = path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        checkpointSteps = Set(names.compactMap(Checkpoint.step(fileName:))).sorted()
        let logPath = "\(path)/log.csv"
        hasLog = FileManager.default.fileExists(atPath: logPath)
        let lastRow = (try? String(contentsOfFile: logPath, encoding: .utf8))?.split(separator: "\n").dropFirst().last
        loggedStep = lastRow.flatMap { Int($0.prefix { $0 != "," }) }
    }

    /// True when the folder holds a checkpoint file or a log.
    package var holdsRun: Bool { !checkpointSteps.isEmpty || hasLog }

    /// What the folder holds, for messages: `checkpoint-000030.safetensors: step 30, preset small on
    /// mnist; log.csv to step 30`.
    package var contents: String {
        var parts: [String] = []
        if let modelPath = Checkpoint.newestModelPath(in: path) {
            let name = (modelPath as NSString).lastPathComponent
            parts.append("\(name): " + (Self.modelDescription(modelPath) ?? "unreadable"))
        } else if let step = checkpointSteps.last {
            parts.append("an incomplete checkpoint at step \(step)")
        } else {
            parts.append("no checkpoint")
        }
        if hasLog { parts.append(loggedStep.map { "log.csv to step \($0)" } ?? "log.csv without rows") }
        return parts.joined(separator: "; ")
    }

    /// `step 30, preset small on mnist`, or the config's summary when no preset matches.
    static func modelDescription(_ modelPath: String) -> String? {
        guard let file = try? SafeTensorsFile(contentsOf: modelPath), let config = try? Checkpoint.config(from: file) else { return nil }
        let dataset = file.metadata["dataset"].flatMap(Dataset.init(rawValue:)) ?? Dataset.matching(config)
        let preset = DRAWConfig.allPresets.first { (dataset?.shaping($0.config) ?? $0.config) == config }?.name
        return "step \(file.metadata["step"] ?? "?"), " + (preset.map { "preset \($0)" } ?? "model \(config.summary)")
            + (dataset.map { " on \($0.rawValue)" } ?? "")
    }

    // MARK: - Before training

    /// What training removes from the folder before it writes.
    package enum Cleanup: Equatable, Sendable {
        /// The folder holds no run, or the run goes on from its newest checkpoint.
        case nothing
        /// `--overwrite` on a folder holding another run: its checkpoints, log and pictures.
        case wholeRun
        /// `--overwrite` on a run resumed from an earlier checkpoint of this folder: the checkpoints
        /// after that step and the pictures (the log keeps its rows up to the step, `TrainingLog`).
        case after(step: Int)
    }

    /// Checks that a run may write here and says what to remove first; throws, changing nothing,
    /// when that needs `--overwrite` and it was not given.
    /// - Parameters:
    ///   - resumedFrom: the folder and step of the checkpoint a resumed run starts from, nil for a new run.
    ///   - overwrite: whether a run already in the folder (or its checkpoints after `resumedFrom`) may go.
    /// - Throws: `RunFolderError` when the folder holds what only `overwrite` may remove.
    package func cleanupBeforeTraining(resumedFrom: (directory: String, step: Int)?, overwrite: Bool) throws(RunFolderError) -> Cleanup {
        if let resumedFrom, Self.isSameFolder(resumedFrom.directory, path) {
            let later = Checkpoint.completeSteps(in: path).filter { $0 > resumedFrom.step }
            guard let newest = later.last else { return .nothing }
            if overwrite { return .after(step: resumedFrom.step) }
            throw RunFolderError.goesOnPast(folder: path, step: resumedFrom.step, newest: Checkpoint.modelFileName(step: newest))
        }
        guard holdsRun else { return .nothing }
        if overwrite { return .wholeRun }
        let resumable = Checkpoint.newestModelPath(in: path) != nil
        throw RunFolderError.holdsRun(folder: path, contents: contents, resumable: resumable)
    }

    /// Removes what `cleanup` names; returns a description of what was removed ("" for nothing), such
    /// as `2 checkpoints (steps 20-30), log.csv, samples/`.
    package func perform(_ cleanup: Cleanup) throws -> String {
        let steps: [Int], entries: [String]
        switch cleanup {
        case .nothing: return ""
        case .wholeRun: (steps, entries) = (checkpointSteps, Self.runEntries)
        case .after(let step): (steps, entries) = (checkpointSteps.filter { $0 > step }, Self.runEntries.filter { $0 != "log.csv" })
        }
        var removed: [String] = []
        if let first = steps.first, let last = steps.last {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            for name in names where Checkpoint.step(fileName: name).map(steps.contains) == true {
                try remove(name)
            }
            removed.append(steps.count == 1 ? "checkpoint \(first)" : "\(steps.count) checkpoints (steps \(first)-\(last))")
        }
        for entry in entries {
            if try remove(entry) { removed.append(entry.contains(".") ? entry : entry + "/") }
        }
        return removed.joined(separator: ", ")
    }

    /// Removes `name` (a file or a folder) from the folder; false when it was not there.
    @discardableResult
    func remove(_ name: String) throws -> Bool {
        let entryPath = "\(path)/\(name)"
        guard FileManager.default.fileExists(atPath: entryPath) else { return false }
        do {
            try FileManager.default.removeItem(atPath: entryPath)
        } catch {
            throw FileError(operation: "remove", path: entryPath, reason: (error as NSError).localizedDescription)
        }
        return true
    }

    /// Whether two paths name the same folder (`runs/a`, `./runs/a/`, a symbolic link to it).
    package static func isSameFolder(_ first: String, _ second: String) -> Bool {
        func canonical(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
        return canonical(first) == canonical(second)
    }
}

/// Why a run may not write into its folder as things stand. The command-line tool words these with
/// `--resume`, `--out` and `--overwrite`.
package enum RunFolderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A run resumed from `step` of its own folder, which holds checkpoints after it (`newest` the last).
    case goesOnPast(folder: String, step: Int, newest: String)
    /// A new run, or one resumed from elsewhere, into a folder that holds a run (`contents` says what;
    /// `resumable` when it has a complete checkpoint to go on from).
    case holdsRun(folder: String, contents: String, resumable: Bool)

    package var description: String {
        switch self {
        case .goesOnPast(let folder, let step, let newest):
            return "\(folder) goes on past step \(step), to \(newest)"
        case .holdsRun(let folder, let contents, _):
            return "\(folder) already holds a run (\(contents))"
        }
    }
}
