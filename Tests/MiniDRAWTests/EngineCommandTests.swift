import Foundation
import Testing
@testable import MiniDRAW

/// `minidraw train|eval|sample|reconstruct --engine paper|fast`, run as a user runs them: the paper
/// model (Paper/) and the fast engine (Model/, Kernels/) share checkpoints, seeds and noise order, so
/// what one trains the other evaluates, and their figures agree to rounding (not bit for bit: their
/// sums run in another order).
@Suite("minidraw --engine: the paper model and the fast engine train, evaluate and draw alike", .serialized)
struct EngineCommandTests {
    /// A tiny attention model of the 6x4 colour images: T = 2, 8 LSTM units, |z| = 4, read 2x2, write 3x3.
    static let modelFlags = ["--timesteps", "2", "--encoder-size", "8", "--decoder-size", "8", "--latent-size", "4",
                             "--read-size", "2", "--write-size", "3"]
    /// Three steps of 55 images, the batch in slices of 50 and 5 (`BatchSlices.defaultSize`), so
    /// the noise's slice-after-slice order counts; one checkpoint, at the end.
    static let trainFlags = ["--steps", "3", "--batch-size", "55", "--seed", "7", "--validation-images", "5",
                             "--validate-every", "0", "--log-every", "1", "--checkpoint-every", "3", "--threads", "1",
                             "--data", "data"]
    static let checkpoint = "checkpoint-000003.safetensors"

    /// A folder holding `data/` (100 smooth 6x4 colour PNGs: 80 train, 10 valid, 10 test; grey targets,
    /// so colour and the closing 100 samples stay quick in the debug build) and `runs/fast`, `runs/paper`:
    /// the tiny model trained from the same seed by each engine; and what each `train` printed. Made once.
    static let trained: (folder: String, fast: String, paper: String)? = {
        let folder = makeTemporaryFolder("minidraw-engines")
        let tool = CommandLineRunTests()
        guard (try? OwnImagesTrainingTests.colourFolder("\(folder)/data", count: 100)) != nil,
              let fast = try? tool.minidraw(["train", "--engine", "fast", "--out", "runs/fast"] + modelFlags + trainFlags, in: folder),
              let paper = try? tool.minidraw(["train", "--engine", "paper", "--out", "runs/paper"] + modelFlags + trainFlags, in: folder),
              fast.status == 0, paper.status == 0 else { return nil }
        return (folder, fast.output, paper.output)
    }()

    func minidraw(_ arguments: [String], in folder: String) throws -> CommandLineRunTests.Outcome {
        try CommandLineRunTests().minidraw(arguments, in: folder)
    }

    /// The numbers of the line of `output` that starts with `prefix` ("test cross-entropy bound  50.94 nats ...").
    func numbers(_ output: String, line prefix: String) -> [Double] {
        let line = output.split(separator: "\n").first { $0.hasPrefix(prefix) } ?? ""
        return line.split(whereSeparator: { " (),=+".contains($0) }).compactMap { Double($0) }
    }

    /// A model file of `path`.
    func model(_ path: String) throws -> DRAWModel<Float> {
        try Checkpoint.loadModel(try SafeTensorsFile(contentsOf: path))
    }

    // MARK: - Training

    @Test("train --engine paper and --engine fast from one seed: every tensor of the checkpoints within 1e-5 of its largest value; the paper's checkpoint evaluates with --engine fast")
    func trainingAgrees() throws {
        let trained = try #require(Self.trained, "the tiny runs of minidraw train --engine fast|paper failed")
        #expect(trained.fast.contains("training fast engine, batch 55"), "\(trained.fast)")
        #expect(trained.paper.contains("training paper engine, batch 55"), "\(trained.paper)")
        let fast = try model("\(trained.folder)/runs/fast/\(Self.checkpoint)")
        let paper = try model("\(trained.folder)/runs/paper/\(Self.checkpoint)")
        var worst = (name: "none", error: 0.0)
        for (name, path) in DRAWModel<Float>.parameterPaths(config: fast.config) {
            let (a, b) = (fast[keyPath: path].storage, paper[keyPath: path].storage)
            let largest = a.reduce(0) { max($0, Double(abs($1))) }
            let error = zip(a, b).reduce(0) { max($0, Double(abs($1.0 - $1.1))) } / max(largest, 1e-30)
            #expect(error < 1e-5, "\(name): the engines differ by \(error) of the tensor's largest value after 3 steps")
            if error >= worst.error { worst = (name, error) }
        }
        print("engine commands, 3 training steps: worst tensor \(worst.name), \(worst.error) of its largest value")
        let logs = try ["fast", "paper"].map { try String(contentsOfFile: "\(trained.folder)/runs/\($0)/log.csv", encoding: .utf8) }
        let losses = logs.map { $0.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[2])! } }
        #expect(losses[0].count == 3 && losses[1].count == 3)
        for (fastLoss, paperLoss) in zip(losses[0], losses[1]) {
            #expect(abs(fastLoss - paperLoss) <= 1e-5 * abs(fastLoss), "logged losses \(losses[0]) and \(losses[1])")
        }
        let evaluated = try minidraw(["eval", "--engine", "fast", "--checkpoint", "runs/paper", "--samples", "0"],
                                     in: trained.folder)
        #expect(evaluated.status == 0, "\(evaluated.errors)")
        let bound = try #require(numbers(evaluated.output, line: "test cross-entropy bound").first, "\(evaluated.output)")
        #expect(bound.isFinite && bound > 0, "\(evaluated.output)")
    }

    // MARK: - Evaluation

    @Test("eval --engine paper and --engine fast: the same bound and importance estimate to 0.01 nats, short last batch included")
    func evaluationAgrees() throws {
        let trained = try #require(Self.trained, "the tiny runs of minidraw train --engine fast|paper failed")
        var results: [[Double]] = []
        for engine in ["fast", "paper"] {
            let outcome = try minidraw(["eval", "--engine", engine, "--checkpoint", "runs/fast", "--images", "10",
                                        "--batch-size", "4", "--samples", "3"], in: trained.folder)
            #expect(outcome.status == 0, "\(outcome.errors)")
            #expect(outcome.output.contains("; \(engine) engine\n"), "the model line names the engine:\n\(outcome.output)")
            let bound = numbers(outcome.output, line: "test cross-entropy bound")           // grey targets (Eq. 9)
            let estimate = numbers(outcome.output, line: "test importance-weighted cross-entropy")
            results.append([try #require(bound.first), try #require(estimate.first)])
        }
        print("engine commands, eval of 10 images (bound, K = 3 estimate): fast \(results[0]), paper \(results[1])")
        for (fast, paper) in zip(results[0], results[1]) {
            #expect(abs(fast - paper) <= 0.0100001, "fast \(results[0]) and paper \(results[1])")
        }
    }

    // MARK: - Pictures

    @Test("sample and reconstruct --engine paper write the files the fast engine writes, and the same losses to 0.01 nats")
    func picturesAgree() throws {
        let trained = try #require(Self.trained, "the tiny runs of minidraw train --engine fast|paper failed")
        var reconstructionLosses: [[Double]] = []
        for engine in ["fast", "paper"] {
            let sampled = try minidraw(["sample", "--engine", engine, "--checkpoint", "runs/paper", "--count", "4", "--boxes",
                                        "--gif", "--out", "pictures/\(engine)-samples"], in: trained.folder)
            #expect(sampled.status == 0, "\(sampled.errors)")
            #expect(sampled.output.contains("; \(engine) engine\n"), "\(sampled.output)")
            let reconstructed = try minidraw(["reconstruct", "--engine", engine, "--checkpoint", "runs/paper", "--count", "3",
                                              "--gif", "--out", "pictures/\(engine)-reconstructions"], in: trained.folder)
            #expect(reconstructed.status == 0, "\(reconstructed.errors)")
            #expect(reconstructed.output.contains("; \(engine) engine\n"), "\(reconstructed.output)")
            reconstructionLosses.append(numbers(reconstructed.output, line: "test images").suffix(3))
        }
        for kind in ["samples", "reconstructions"] {
            let names = ["fast", "paper"].map { entryNames("\(trained.folder)/pictures/\($0)-\(kind)") }
            #expect(!names[0].isEmpty && names[0] == names[1], "\(kind): fast wrote \(names[0]), paper \(names[1])")
        }
        #expect(reconstructionLosses[0].count == 3, "\(reconstructionLosses)")
        for (fast, paper) in zip(reconstructionLosses[0], reconstructionLosses[1]) {
            #expect(abs(fast - paper) <= 0.0100001, "L^x, L^z, L: fast \(reconstructionLosses[0]), paper \(reconstructionLosses[1])")
        }
    }

    // MARK: - A wrong name

    @Test("--engine with another name: one line naming the flag and the names it takes, status 1, nothing written")
    func wrongEngine() throws {
        let folder = makeTemporaryFolder("minidraw-engine-name")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for command in ["train", "eval", "sample", "reconstruct"] {
            let outcome = try minidraw([command, "--engine", "slow"], in: folder)
            #expect(outcome.status == 1)
            #expect(outcome.errors == "minidraw: --engine must be one of fast, paper, got \"slow\"\n", "\(command): \(outcome.errors)")
            #expect(entryNames(folder).isEmpty, "\(command) wrote \(entryNames(folder))")
        }
    }
}
