import Foundation
import Testing
@testable import MiniDRAW

/// The `minidraw` tool itself, run as a user runs it, on a tiny model and data set: training twice
/// into one folder, `--overwrite`, resuming, the picture commands, and every path it prints.
@Suite("minidraw on disk: one run per folder, no file replaced by surprise, printed paths exist", .serialized)
struct CommandLineRunTests {
    /// The `minidraw` built beside the test bundle (`swift build --build-tests` and `swift test` build both).
    static let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("minidraw").path

    /// What one run of the tool did.
    struct Outcome {
        let status: Int32
        let output: String
        let errors: String
    }

    /// Runs `minidraw arguments` in `directory`, its output and errors captured in files there.
    func minidraw(_ arguments: [String], in directory: String) throws -> Outcome {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "no \(Self.executable): swift build first")
        let capture = makeTemporaryFolder("minidraw-capture")
        defer { try? FileManager.default.removeItem(atPath: capture) }
        for name in ["out", "err"] { try AtomicFile.write([], to: "\(capture)/\(name)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(capture)/out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(capture)/err"))
        try process.run()
        process.waitUntilExit()
        func text(_ name: String) -> String { (try? String(contentsOfFile: "\(capture)/\(name)", encoding: .utf8)) ?? "" }
        return Outcome(status: process.terminationStatus, output: text("out"), errors: text("err"))
    }

    /// A tiny `small`-named model trained on `data`: 28x28, T = 2, 8 units, no attention (so its
    /// closing samples are quick to draw), a checkpoint every step.
    static func trainFlags(data: String) -> [String] {
        ["--encoder-size", "8", "--decoder-size", "8", "--latent-size", "2", "--timesteps", "2", "--no-attention"]
            + resumeFlags(data: data)
    }

    /// The flags a resumed run may take.
    static func resumeFlags(data: String) -> [String] {
        ["--batch-size", "5", "--validation-images", "5", "--validate-every", "0", "--log-every", "1", "--checkpoint-every", "1",
         "--threads", "1", "--data", data]
    }

    /// A working folder holding `data/` (30 random digits a split) and `runs/small`, trained 3 steps
    /// by `minidraw train` (checkpoints 2 and 3 kept, log, samples/). Made once, copied for each test.
    static let template: String? = {
        let folder = makeTemporaryFolder("minidraw-cli-template")
        guard let data = try? DatasetTests.dataFolder(count: 30),
              (try? FileManager.default.moveItem(atPath: data, toPath: "\(folder)/data")) != nil,
              let outcome = try? CommandLineRunTests().minidraw(["train", "--steps", "3"] + trainFlags(data: "data"), in: folder),
              outcome.status == 0 else { return nil }
        return folder
    }()

    /// A fresh copy of `template`.
    func workingFolder() throws -> String {
        let template = try #require(Self.template, "the first minidraw train of the tiny run failed")
        let folder = makeTemporaryFolder("minidraw-cli")
        try FileManager.default.removeItem(atPath: folder)
        try FileManager.default.copyItem(atPath: template, toPath: folder)
        return folder
    }

    /// Every path in `output` under `folder` (or relative to it, as `runs/...`), and whether each exists.
    func expectPrintedPathsExist(_ output: String, in folder: String) {
        let words = output.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: ":,()")) }
        let paths = words.filter { $0.hasPrefix("runs/") }
        #expect(!paths.isEmpty, "no path printed in:\n\(output)")
        for path in paths { #expect(FileManager.default.fileExists(atPath: "\(folder)/\(path)"), "printed \(path), which does not exist") }
    }

    func loggedSteps(_ run: String) throws -> [Int] {
        try String(contentsOfFile: "\(run)/log.csv", encoding: .utf8).split(separator: "\n").dropFirst().compactMap { Int($0.prefix { $0 != "," }) }
    }

    @Test("train twice into one folder: the second stops in one line, saying what is there and the ways on; the folder is unchanged")
    func trainTwiceRefused() throws {
        let folder = try workingFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let before = folderSnapshot(folder)
        let second = try minidraw(["train", "--steps", "1"] + Self.trainFlags(data: "data"), in: folder)
        #expect(second.status == 1 && second.output.isEmpty)
        #expect(second.errors == "minidraw: runs/small already holds a run (checkpoint-000003.safetensors: step 3, model 28x28 T=2 "
                + "enc=8 dec=8 z=2 no attention on mnist; log.csv to step 3); continue it with --resume runs/small, "
                + "train into another --out DIR, or give --overwrite to replace it\n")
        #expect(folderSnapshot(folder) == before)
    }

    @Test("bench --tile-rows 6, 12 or both in turn (a training line each) runs with those register tiles and says so; another value is refused in one line")
    func benchTileRows() throws {
        let folder = makeTemporaryFolder("minidraw-bench")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for rows in ["6", "12"] {
            let outcome = try minidraw(["bench", "--presets", "none", "--gemm-seconds", "0", "--tile-rows", rows], in: folder)
            #expect(outcome.status == 0, "\(outcome.errors)")
            #expect(outcome.output.contains("GEMM register tile \(rows)x16 floats"), "\(outcome.output)")
            #expect(outcome.output.contains("Subnormal floats in MiniDRAW's work: "), "\(outcome.output)")
        }
        for wrong in ["8", "6,6", "6,12,6", "6,"] {
            let refused = try minidraw(["bench", "--presets", "none", "--gemm-seconds", "0", "--tile-rows", wrong], in: folder)
            #expect(refused.status == 1 && refused.output.isEmpty)
            #expect(refused.errors == "minidraw: --tile-rows must be 6, 12, 6,12 or 12,6, got \"\(wrong)\"\n")
        }
        // Both heights in turn: one training line each, the same preset, and the JSON says which is which.
        let compared = try minidraw(["bench", "--presets", "small", "--gemm-seconds", "0", "--steps", "1", "--batch-size", "4",
                                     "--threads", "1", "--tile-rows", "12,6"], in: folder)
        #expect(compared.status == 0, "\(compared.errors)")
        #expect(compared.output.contains("GEMM register tile 12x16 floats"), "\(compared.output)")
        #expect(compared.output.contains("the timed steps take 12-row and 6-row register tiles in turn"), "\(compared.output)")
        for rows in [6, 12] {
            let line = compared.output.split(separator: "\n").first { $0.contains("small, \(rows)-row tiles") && $0.contains("train") }
            #expect(line != nil, "no training line for \(rows)-row tiles in \(compared.output)")
        }
        let json = try minidraw(["bench", "--presets", "small", "--gemm-seconds", "0", "--steps", "1", "--batch-size", "4",
                                 "--threads", "1", "--tile-rows", "6,12", "--json"], in: folder)
        #expect(json.status == 0, "\(json.errors)")
        let jsonLines = json.output.split(separator: "\n")
        #expect(jsonLines.first?.contains("\"name\":\"machine\"") == true && jsonLines.first?.contains("\"subnormals_flushed\"") == true,
                "\(json.output)")
        #expect(jsonLines.dropFirst().map { $0.contains("\"tile_rows\":6") ? 6 : $0.contains("\"tile_rows\":12") ? 12 : 0 }
            == [6, 12], "\(json.output)")
        #if os(Linux)
        // Where the system counts the host's steal, every training figure says how much there was.
        #expect(compared.output.contains("(steal: of the time the cores had work during the timed steps"), "\(compared.output)")
        for line in compared.output.split(separator: "\n") where line.contains("train") && line.contains("img/s") {
            #expect(line.range(of: #"steal +[0-9]+\.[0-9]%$"#, options: .regularExpression) != nil, "\(line)")
        }
        #expect(jsonLines.dropFirst().allSatisfy { $0.range(of: #""steal_percent":[0-9.]+"#, options: .regularExpression) != nil },
                "\(json.output)")
        #endif
    }

    @Test("train --weights FILE starts a new run from a model file: its shape, step 0, its data; a step of lr 1e-9 keeps its weights; refusals in one line")
    func trainFromWeights() throws {
        let folder = try workingFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = "runs/small/checkpoint-000003.safetensors"
        let oneTinyStep = ["--steps", "1", "--learning-rate", "1e-9"]
        let flags = Self.resumeFlags(data: "data") + oneTinyStep
        #expect(Self.resumeFlags(data: "data").suffix(2) == ["--data", "data"])
        let withoutData = Self.resumeFlags(data: "data").dropLast(2) + oneTinyStep
        let tuned = try minidraw(["train", "--weights", source, "--out", "runs/tuned"] + flags, in: folder)
        #expect(tuned.status == 0, "\(tuned.errors)")
        #expect(tuned.output.contains("weights  \(source): a new run from its weights (step 0, fresh Adam moments)"), "\(tuned.output)")
        #expect(try loggedSteps("\(folder)/runs/tuned") == [1])
        // One step at lr 1e-9 moves no weight by more than about 1e-9 (Adam's step is at most lr per weight):
        // the run started from the file's weights, not from the seed's fresh ones, which differ by far more.
        let original = try SafeTensorsFile(contentsOf: "\(folder)/\(source)")
        let after = try SafeTensorsFile(contentsOf: "\(folder)/runs/tuned/checkpoint-000001.safetensors")
        let fresh = DRAWModel<Float>.initialized(config: try Checkpoint.config(from: original), seed: 1)
        let freshFile = Checkpoint.modelFile(fresh)
        var largestMove = 0.0, largestFromFresh = 0.0
        for (name, tensor) in original.tensors {
            let moved = try #require(after.tensors[name], "\(name) missing after training").values
            largestMove = max(largestMove, zip(tensor.values, moved).map { abs($0 - $1) }.max() ?? 0)
            if let freshValues = freshFile.tensors[name]?.values {
                largestFromFresh = max(largestFromFresh, zip(tensor.values, freshValues).map { abs($0 - $1) }.max() ?? 0)
            }
        }
        #expect(largestMove < 1e-6, "a step of lr 1e-9 moved a weight by \(largestMove)")
        #expect(largestFromFresh > 1e-3, "the file's weights equal a fresh model's (\(largestFromFresh)): the test cannot tell them apart")
        // Without --data the run trains on the images the file's metadata names (here `data`), and says so.
        let fromMetadata = try minidraw(["train", "--weights", source, "--out", "runs/from-metadata"] + withoutData, in: folder)
        #expect(fromMetadata.status == 0 && fromMetadata.output.contains(" in data: "), "\(fromMetadata.output)\(fromMetadata.errors)")
        #expect(try SafeTensorsFile(contentsOf: "\(folder)/runs/from-metadata/checkpoint-000001.safetensors").metadata["data"] == "data")
        // Files whose metadata names a data set MiniDRAW does not know, or images that are not here.
        for (name, key, value) in [("odd", "dataset", "nonsense"), ("gone", "data", "gone")] {
            var file = original
            file.metadata[key] = value
            try file.write(to: "\(folder)/runs/\(name).safetensors")
        }
        // Refusals: one line each, nothing written.
        let before = folderSnapshot(folder)
        let cases: [([String], String)] = [
            (["--weights", source, "--resume", "runs/small"],
             "minidraw: --weights starts a new run from a model file and --resume continues a run; give one of them\n"),
            (["--weights", source, "--preset", "paperMNIST", "--out", "runs/other"],
             "minidraw: --weights trains the model file's shape; drop --preset, --initial-canvas and the size flags\n"),
            (["--weights", "runs/none.safetensors", "--out", "runs/other"], "minidraw: --weights: runs/none.safetensors does not exist\n"),
            (["--weights", "runs/odd.safetensors", "--out", "runs/other"],
             "minidraw: runs/odd.safetensors: metadata dataset must be one of \(Dataset.names), got \"nonsense\"\n"),
        ]
        for (arguments, message) in cases {
            let refused = try minidraw(["train"] + arguments + flags, in: folder)
            #expect(refused.status == 1 && refused.errors == message, "\(arguments): \(refused.errors)")
        }
        let gone = try minidraw(["train", "--weights", "runs/gone.safetensors", "--out", "runs/other"] + withoutData, in: folder)
        #expect(gone.status == 1 && gone.errors == "minidraw: runs/gone.safetensors was trained on --data gone, which does not exist "
                + "here; give --data PATH\n", "\(gone.errors)")
        #expect(folderSnapshot(folder) == before)
    }

    @Test("train --overwrite removes the old run first: only the new run's checkpoint, log and samples remain")
    func trainOverwrite() throws {
        let folder = try workingFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = "\(folder)/runs/small"
        let second = try minidraw(["train", "--steps", "1", "--overwrite"] + Self.trainFlags(data: "data"), in: folder)
        #expect(second.status == 0, "\(second.errors)")
        #expect(second.output.contains("removed  2 checkpoints (steps 2-3), log.csv, samples/ from runs/small (--overwrite)"))
        #expect(entryNames(run) == ["checkpoint-000001.safetensors", "checkpoint-000001.state.safetensors", "log.csv", "samples"])
        #expect(try loggedSteps(run) == [1])
        expectPrintedPathsExist(second.output, in: folder)
    }

    @Test("a resumed run goes on in its folder and prunes its own older checkpoints; nothing left to train is refused")
    func resumePrunes() throws {
        let folder = try workingFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = "\(folder)/runs/small"
        let before = folderSnapshot(folder)
        let finished = try minidraw(["train", "--resume", "runs/small"] + Self.resumeFlags(data: "data"), in: folder)
        #expect(finished.status == 1 && finished.errors.hasPrefix("minidraw: --resume: the checkpoint is at step 3, which --steps 3"))
        #expect(folderSnapshot(folder) == before)

        let resumed = try minidraw(["train", "--resume", "runs/small", "--steps", "5"] + Self.resumeFlags(data: "data"), in: folder)
        #expect(resumed.status == 0, "\(resumed.errors)")
        #expect(Checkpoint.completeSteps(in: run) == [4, 5])
        #expect(try loggedSteps(run) == [1, 2, 3, 4, 5])
        #expect(resumed.output.contains("checkpoint runs/small/checkpoint-000005.safetensors"))
        expectPrintedPathsExist(resumed.output, in: folder)
    }

    @Test("train --average-decay: resumed with it, the run keeps an average, validates it and the training subset, saves it as a model eval reads; a bad decay is refused in one line")
    func averageDecay() throws {
        let folder = try workingFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = "\(folder)/runs/small"
        let before = folderSnapshot(folder)
        for wrong in ["1", "-0.5", "x"] {
            let refused = try minidraw(["train", "--resume", "runs/small", "--steps", "5", "--average-decay", wrong]
                                       + Self.resumeFlags(data: "data"), in: folder)
            #expect(refused.status == 1 && refused.output.isEmpty)
            #expect(refused.errors.hasPrefix("minidraw: --average-decay") && refused.errors.filter { $0 == "\n" }.count == 1, "\(refused.errors)")
        }
        #expect(folderSnapshot(folder) == before)
        let resumed = try minidraw(["train", "--resume", "runs/small", "--steps", "5", "--average-decay", "0.5",
                                    "--training-bound-images", "7"] + Self.resumeFlags(data: "data"), in: folder)
        #expect(resumed.status == 0, "\(resumed.errors)")
        #expect(resumed.output.contains("nats with the weight average (decay 0.5)"), "\(resumed.output)")
        #expect(resumed.output.contains("nats (the first 7 training images)"), "\(resumed.output)")
        #expect(entryNames(run).filter { $0.contains(".average.") } == ["checkpoint-000004.average.safetensors", "checkpoint-000005.average.safetensors"])
        let table = try TrainingLogTable.load(runDirectory: run)
        #expect(table.column("step").compactMap { $0 } == [1, 2, 3, 4, 5])
        #expect(table.column("valid_bound_average").last! != nil && table.column("train_bound").last! != nil, "\(table.rows)")
        let evaluated = try minidraw(["eval", "--checkpoint", "runs/small/checkpoint-000005.average.safetensors", "--samples", "0",
                                      "--images", "5", "--data", "data"], in: folder)
        #expect(evaluated.status == 0, "\(evaluated.errors)")
    }

    @Test("average: the mean of a run's two checkpoints as a model file eval reads; refused over an existing file, for one file, or models of two configs")
    func averageCheckpoints() throws {
        let folder = try workingFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = "runs/small/checkpoint-000002.safetensors,runs/small/checkpoint-000003.safetensors"
        let averaged = try minidraw(["average", files, "--out", "mean.safetensors"], in: folder)
        #expect(averaged.status == 0 && averaged.output.contains("wrote   mean.safetensors: the mean of 2 models"), "\(averaged.errors)")
        let models: [DRAWModel<Double>] = try [2, 3].map { try Checkpoint.loadModel(path: "\(folder)/runs/small/checkpoint-00000\($0).safetensors") }
        let written: DRAWModel<Float> = try Checkpoint.loadModel(path: "\(folder)/mean.safetensors")
        #expect(written == WeightAverage.mean(of: models).converted(to: Float.self))
        let evaluated = try minidraw(["eval", "--checkpoint", "mean.safetensors", "--samples", "0", "--images", "5", "--data", "data"], in: folder)
        #expect(evaluated.status == 0, "\(evaluated.errors)")

        var wider = try Checkpoint.loadModel(path: "\(folder)/runs/small/checkpoint-000003.safetensors", as: Float.self).config
        wider.latentSize += 1
        try Checkpoint.modelFile(DRAWModel<Float>(config: wider)).write(to: "\(folder)/wider.safetensors")
        let before = folderSnapshot(folder)
        for (arguments, start) in [(["average", files, "--out", "mean.safetensors"], "minidraw: mean.safetensors already exists"),
                                   (["average", "runs/small/checkpoint-000003.safetensors", "--out", "one.safetensors"], "minidraw: <MODEL_FILES> needs two"),
                                   (["average", "runs/small/checkpoint-000003.safetensors,wider.safetensors", "--out", "two.safetensors"],
                                    "minidraw: checkpoint wider.safetensors: holds a")] {
            let refused = try minidraw(arguments, in: folder)
            #expect(refused.status == 1 && refused.output.isEmpty)
            #expect(refused.errors.hasPrefix(start) && refused.errors.filter { $0 == "\n" }.count == 1, "\(refused.errors)")
        }
        #expect(folderSnapshot(folder) == before)
    }

    @Test("resuming from an earlier checkpoint of the folder is refused; --overwrite drops what came later, another --out branches off")
    func resumeFromEarlier() throws {
        let folder = try workingFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = "\(folder)/runs/small", earlier = "runs/small/checkpoint-000002.safetensors"
        let before = folderSnapshot(folder)
        let refused = try minidraw(["train", "--resume", earlier, "--steps", "4"] + Self.resumeFlags(data: "data"), in: folder)
        #expect(refused.status == 1 && refused.errors.hasPrefix("minidraw: --resume: runs/small goes on past step 2"))
        #expect(folderSnapshot(folder) == before)

        let branch = try minidraw(["train", "--resume", earlier, "--steps", "3", "--out", "runs/branch"] + Self.resumeFlags(data: "data"),
                                  in: folder)
        #expect(branch.status == 0 && Checkpoint.completeSteps(in: "\(folder)/runs/branch") == [3])
        #expect(try loggedSteps("\(folder)/runs/branch") == [1, 2, 3], "the log carried over, cut at step 2")
        #expect(Checkpoint.completeSteps(in: run) == [2, 3], "the original run is untouched")

        let replaced = try minidraw(["train", "--resume", earlier, "--steps", "4", "--overwrite"] + Self.resumeFlags(data: "data"), in: folder)
        #expect(replaced.status == 0, "\(replaced.errors)")
        #expect(replaced.output.contains("removed  checkpoint 3, samples/ from runs/small (--overwrite)"))
        #expect(Checkpoint.completeSteps(in: run) == [3, 4])
        #expect(try loggedSteps(run) == [1, 2, 3, 4])
        expectPrintedPathsExist(replaced.output, in: folder)
    }

    @Test("sample, reconstruct and eval: a bad --count, --seed, --scale or --batch-size is refused in one line before anything is printed or written")
    func flagsRefusedFirst() throws {
        let folder = try workingFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let before = folderSnapshot(folder)
        let (count, seed, scale) = (("--count", "-3", "a positive integer"), ("--seed", "x", "a non-negative integer"),
                                    ("--scale", "0", "a positive integer"))
        let cases = [(["sample", "--out", "pictures"], [count, seed, scale]),
                     (["reconstruct", "--data", "data", "--out", "pictures"], [count, seed, scale]),
                     (["eval", "--data", "data", "--images", "5"], [seed, ("--batch-size", "0", "a positive integer")])]
        for (command, flags) in cases {
            for (flag, value, rule) in flags {
                let refused = try minidraw(command + ["--checkpoint", "runs/small", flag, value], in: folder)
                #expect(refused.status == 1 && refused.output.isEmpty
                        && refused.errors == "minidraw: \(flag) must be \(rule), got \"\(value)\"\n",
                        "\(command) \(flag) \(value): \(refused.output)\(refused.errors)")
            }
        }
        #expect(folderSnapshot(folder) == before)
    }

    @Test("sample, reconstruct, plot, report, attention-demo, classify: refused over existing files, folder unchanged; --overwrite writes what they print")
    func pictureCommands() throws {
        let folder = try workingFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let commands: [[String]] = [
            ["sample", "--checkpoint", "runs/small", "--count", "4"],                       // runs/small/samples, made by train
            ["reconstruct", "--checkpoint", "runs/small", "--count", "2", "--data", "data"],
            ["plot", "runs/small"],
            ["report", "runs/small", "--data", "data", "--refresh"],                       // reuses plot's loss.svg and kl.svg
            ["attention-demo", "--data", "data"],
        ]
        for (index, command) in commands.enumerated() {
            if index == 1 || index == 2 || index == 3 || index == 4 {                      // nothing there yet: written
                let first = try minidraw(command, in: folder)
                #expect(first.status == 0, "\(command): \(first.errors)")
                expectPrintedPathsExist(first.output, in: folder)
                if command[0] == "report" {                                                // plot's files, newer than the log
                    #expect(!first.output.contains("loss.svg") && first.output.contains("report.html"), "\(first.output)")
                }
            }
            let before = folderSnapshot(folder)
            let refused = try minidraw(command, in: folder)
            #expect(refused.status == 1 && refused.errors.hasPrefix("minidraw: runs/") && refused.errors.contains("already exists")
                    && refused.errors.filter { $0 == "\n" }.count == 1, "\(command): \(refused.errors)")
            #expect(folderSnapshot(folder) == before, "\(command) changed the folder")
            let replaced = try minidraw(command + ["--overwrite"], in: folder)
            #expect(replaced.status == 0, "\(command) --overwrite: \(replaced.errors)")
            expectPrintedPathsExist(replaced.output, in: folder)
        }
        try AtomicFile.ensureDirectory("\(folder)/runs/cluttered-attention-g8")
        try AtomicFile.write(Array("step\n".utf8), to: "\(folder)/runs/cluttered-attention-g8/log.csv")
        let before = folderSnapshot(folder)
        let classify = try minidraw(["classify", "--data", "data"], in: folder)
        #expect(classify.status == 1 && classify.errors == "minidraw: runs/cluttered-attention-g8/log.csv already exists; "
                + "give --overwrite to replace it, or another --out DIR\n")
        #expect(folderSnapshot(folder) == before)
    }
}
