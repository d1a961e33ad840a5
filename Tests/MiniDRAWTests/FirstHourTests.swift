import Foundation
import Testing
@testable import MiniDRAW

/// What a new user meets in the first hour: output in the order it happened, Ctrl-C that keeps the
/// work, labels that say what they measure, warnings for sizes that cannot attend.
@Suite("The first hour: output in order, Ctrl-C keeps the work, honest labels", .serialized)
struct FirstHourTests {
    /// Runs `minidraw arguments` in `folder` with standard output and standard error into one file, as
    /// `minidraw ... > log 2>&1` does; `signal` is sent once `ready(folder)` holds (polled every 10 ms).
    static func run(_ arguments: [String], in folder: String, signal: Int32? = nil,
                    when ready: @escaping (String) -> Bool = { _ in true }) throws -> (status: Int32, log: String) {
        let logPath = makeTemporaryFolder("minidraw-merged") + "/log"
        try AtomicFile.write([], to: logPath)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineRunTests.executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        if let signal {
            let deadline = Date().addingTimeInterval(120)
            while process.isRunning && !ready(folder) && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, signal) }
        }
        process.waitUntilExit()
        try log.close()
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: logPath).deletingLastPathComponent().path)
        return (process.terminationStatus, text)
    }

    /// The lines of `run`'s log.csv after its header.
    static func loggedRows(_ run: String) -> Int {
        ((try? String(contentsOfFile: "\(run)/log.csv", encoding: .utf8)) ?? "").split(separator: "\n").count - 1
    }

    // MARK: - Output in order

    @Test("train > log 2>&1: the header lines (data, model, training, run) come before the first progress line")
    func headerFirstInSharedLog() throws {
        let folder = try CommandLineRunTests().workingFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let outcome = try Self.run(["train", "--steps", "3", "--out", "runs/ordered"] + CommandLineRunTests.trainFlags(data: "data"),
                                   in: folder)
        #expect(outcome.status == 0, "\(outcome.log)")
        let lines = outcome.log.split(separator: "\n").map(String.init)
        let firstProgress = lines.firstIndex { $0.hasPrefix("step ") } ?? -1
        for header in ["data ", "model ", "training ", "run "] {
            let index = lines.firstIndex { $0.hasPrefix(header) }
            #expect(index != nil && firstProgress >= 0 && index! < firstProgress,
                    "'\(header)' at line \(index.map(String.init) ?? "none"), first progress line at \(firstProgress):\n\(outcome.log)")
        }
    }

    // MARK: - Ctrl-C keeps the work

    /// A tiny run (T = 2, 8 units, batch 5) that saves by steps only at its end, so every checkpoint
    /// but the last comes from the interruption.
    static func tinyRunFlags(out: String) -> [String] {
        ["--encoder-size", "8", "--decoder-size", "8", "--latent-size", "2", "--timesteps", "2", "--no-attention",
         "--batch-size", "5", "--validation-images", "5", "--validate-every", "0", "--log-every", "1", "--threads", "1",
         "--data", "data", "--steps", "120", "--checkpoint-every", "1000", "--checkpoint-minutes", "0", "--out", out]
    }

    @Test("Ctrl-C mid-run: exit 130, a checkpoint of the last step done, the resume command; resumed, the same model bytes as a run never stopped")
    func interruptAndResume() throws {
        let folder = try CommandLineRunTests().workingFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let interrupted = try Self.run(["train"] + Self.tinyRunFlags(out: "runs/stopped"), in: folder, signal: SIGINT,
                                       when: { Self.loggedRows("\($0)/runs/stopped") >= 10 })
        #expect(interrupted.status == 130, "\(interrupted.log)")
        let steps = Checkpoint.completeSteps(in: "\(folder)/runs/stopped")
        let step = try #require(steps.last, "no checkpoint after Ctrl-C:\n\(interrupted.log)")
        #expect(step >= 10 && step < 120, "stopped at \(step)")
        #expect(Self.loggedRows("\(folder)/runs/stopped") == step, "every step up to the checkpoint logged, none after")
        #expect(interrupted.log.contains("interrupted at step \(step); continue with: minidraw train --resume runs/stopped\n"),
                "\(interrupted.log)")
        #expect(interrupted.log.contains("stopping training after this step"), "\(interrupted.log)")

        let resumed = try Self.run(["train", "--resume", "runs/stopped", "--log-every", "1"], in: folder)
        #expect(resumed.status == 0, "\(resumed.log)")
        let straight = try Self.run(["train"] + Self.tinyRunFlags(out: "runs/straight"), in: folder)
        #expect(straight.status == 0, "\(straight.log)")
        let name = Checkpoint.modelFileName(step: 120)
        let stoppedBytes = try AtomicFile.read("\(folder)/runs/stopped/\(name)")
        let straightBytes = try AtomicFile.read("\(folder)/runs/straight/\(name)")
        #expect(stoppedBytes == straightBytes, "the model after Ctrl-C at step \(step) and --resume differs from the run never stopped")
        #expect(Self.loggedRows("\(folder)/runs/stopped") == 120, "\(resumed.log)")
    }

    @Test("SIGTERM: exit 143 after saving, as Ctrl-C; a folder holding only a log says how to start over")
    func terminateAndLogOnly() throws {
        let folder = try CommandLineRunTests().workingFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let terminated = try Self.run(["train"] + Self.tinyRunFlags(out: "runs/term"), in: folder, signal: SIGTERM,
                                      when: { Self.loggedRows("\($0)/runs/term") >= 5 })
        #expect(terminated.status == 143, "\(terminated.log)")
        #expect(!Checkpoint.completeSteps(in: "\(folder)/runs/term").isEmpty, "\(terminated.log)")
        // What kill -9 before the first checkpoint leaves: a log and nothing to resume.
        for name in try FileManager.default.contentsOfDirectory(atPath: "\(folder)/runs/term") where name.hasPrefix("checkpoint-") {
            try FileManager.default.removeItem(atPath: "\(folder)/runs/term/\(name)")
        }
        let again = try Self.run(["train"] + Self.tinyRunFlags(out: "runs/term"), in: folder)
        #expect(again.status == 1 && again.log.contains("runs/term holds a run that stopped before its first complete checkpoint")
                && again.log.contains("start it over with --overwrite"), "\(again.log)")
    }

    @Test("classify: Ctrl-C saves the classifier trained so far, says so, and exits 130")
    func interruptClassifier() throws {
        let folder = makeTemporaryFolder("minidraw-classify-stop")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let stopped = try Self.run(["classify", "--model", "linear", "--steps", "100000", "--batch-size", "10", "--eval-every", "100000",
                                    "--log-every", "1", "--threads", "1", "--data", IOTestPaths.binarizedMNIST, "--out", "run"],
                                   in: folder, signal: SIGINT, when: { Self.loggedRows("\($0)/run") >= 5 })
        #expect(stopped.status == 130, "\(stopped.log)")
        let file = try SafeTensorsFile(contentsOf: "\(folder)/run/classifier.safetensors")
        let step = try #require(Int(file.metadata["steps"] ?? ""), "\(file.metadata)")
        #expect(step >= 5 && step < 100_000)
        #expect(stopped.log.contains("interrupted at step \(step); the classifier trained so far is in run/classifier.safetensors"),
                "\(stopped.log)")
    }

    // MARK: - The docs' commands run as written

    /// Every `minidraw train --resume PATH ...` command in `text`, with the line it starts on: in prose
    /// the inline code spans (which may wrap), in fenced blocks each line with its `\` continuations.
    static func resumeCommands(in text: String) -> [(line: Int, command: String)] {
        var commands: [String] = []
        for (index, segment) in text.components(separatedBy: "```").enumerated() {
            let pieces = index % 2 == 0
                ? segment.components(separatedBy: "`").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)   // inline spans
                : segment.replacingOccurrences(of: "\\\n", with: " ").components(separatedBy: "\n")            // block lines
            commands += pieces.filter { $0.contains("train --resume") }.map { $0.replacingOccurrences(of: "\n", with: " ") }
        }
        let lines = text.components(separatedBy: "\n").enumerated().filter { $0.element.contains("train --resume") }.map { $0.offset + 1 }
        return Array(zip(lines, commands))
    }

    @Test("every 'minidraw train --resume' the docs show for a shipped run trains on: --steps past its checkpoint where its own steps are done")
    func documentedResumeCommandsTrainOn() throws {
        let root = IOTestPaths.packageRoot
        let tutorial = try FileManager.default.contentsOfDirectory(atPath: "\(root)/Tutorial").filter { $0.hasSuffix(".md") }
        var checked = 0
        for document in ["README.md", "Data/pretrained/README.md"] + tutorial.map({ "Tutorial/\($0)" }) {
            let text = try String(contentsOfFile: "\(root)/\(document)", encoding: .utf8)
            for (line, command) in Self.resumeCommands(in: text) {
                let words = command.split(whereSeparator: \.isWhitespace).map(String.init)
                guard let at = words.firstIndex(of: "--resume"), at + 1 < words.count,
                      let modelPath = Checkpoint.newestModelPath(in: "\(root)/\(words[at + 1])") else { continue }   // not shipped
                let state = try Trainer.loadCheckpoint(modelPath: modelPath).state
                let steps = words.firstIndex(of: "--steps").flatMap { Int(words[$0 + 1]) } ?? state.settings.totalSteps
                let problem = "\(document):\(line): '\(command)' stops at once: the run is at step \(state.step) and trains "
                    + "to \(steps); give --steps above \(state.step)"
                #expect(steps > state.step, "\(problem)")
                checked += 1
            }
        }
        // The two-digit run's, in the README and the model card; the paper runs ship without optimiser state.
        #expect(checked >= 2, "found only \(checked) resume commands of shipped runs")
    }

    // MARK: - Labels that say what they measure

    @Test("grey targets (Eq. 9 against pixel values): train and eval name a cross-entropy bound, never -log p(x)")
    func greyTargetsLabels() throws {
        let folder = try CommandLineRunTests().workingFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let flags = Array(Self.tinyRunFlags(out: "runs/grey").dropLast(8)) + ["--steps", "2", "--out", "runs/grey", "--pixels", "grey"]
        let trained = try Self.run(["train"] + flags, in: folder)
        #expect(trained.status == 0 && trained.log.contains("validation cross-entropy bound "), "\(trained.log)")
        let evaluated = try Self.run(["eval", "--checkpoint", "runs/grey", "--samples", "2", "--images", "5"], in: folder)
        #expect(evaluated.status == 0, "\(evaluated.log)")
        #expect(evaluated.log.contains("test cross-entropy bound ") && evaluated.log.contains("test importance-weighted cross-entropy ~")
                && !evaluated.log.contains("log p(x)"), "\(evaluated.log)")
        let binary = try Self.run(["eval", "--checkpoint", "runs/small", "--samples", "2", "--images", "5"], in: folder)
        #expect(binary.log.contains("test bound ") && binary.log.contains("test -log p(x) ~"), "\(binary.log)")
    }

    @Test("pictures of images under 28 pixels are scaled up by default: 8x8 four times, MNIST as it is")
    func smallImagesScaledUp() {
        var config = DRAWConfig.small
        (config.width, config.height) = (8, 8)
        #expect(SampleWriter.Options().resolvedScale(for: config) == 4)
        #expect(SampleWriter.Options(boxes: true).resolvedScale(for: config) == 4)
        #expect(SampleWriter.Options(scale: 1).resolvedScale(for: config) == 1, "an explicit --scale wins")
        #expect(SampleWriter.Options().resolvedScale(for: .small) == 1)
        #expect(SampleWriter.Options(boxes: true).resolvedScale(for: .small) == 2)
        (config.width, config.height) = (60, 60)
        #expect(SampleWriter.Options().resolvedScale(for: config) == 1)
    }

    // MARK: - Sizes that cannot attend

    @Test("Eq. 19-24: read or write grids over half the image's side are warned of, with a size to try")
    func attentionSizeWarnings() {
        var tiny = DRAWConfig.small
        (tiny.width, tiny.height, tiny.readSize, tiny.writeSize) = (8, 8, 5, 12)
        #expect(tiny.attentionSizeWarnings == [
            "read grid 5x5 on 8x8 images: more than half the image's side, so every read window covers nearly all of it; try --read-size 2",
            "write grid 12x12 on 8x8 images: more than half the image's side, so every write window covers nearly all of it; try --write-size 2",
        ])
        for preset in [DRAWConfig.small, .paperMNIST, .paperMNISTNoAttention] {
            #expect(preset.attentionSizeWarnings.isEmpty, "\(preset.summary): \(preset.attentionSizeWarnings)")
        }
        tiny.attention = false
        #expect(tiny.attentionSizeWarnings.isEmpty, "no grids without attention")
    }
}
