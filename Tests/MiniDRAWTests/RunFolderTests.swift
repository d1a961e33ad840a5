import Foundation
import Testing
@testable import MiniDRAW

/// A run folder holds one run: a second run is refused, `--overwrite` replaces the first, a resumed
/// run goes on from the newest checkpoint, and pruning keeps the newest checkpoints of this run.
@Suite("Run folders: one run each, pruning within the run")
struct RunFolderTests {
    /// A folder holding a run of `steps` steps with a checkpoint each step (the newest two kept),
    /// its log, a samples/ folder, and a file of the user's (`notes.txt`) that no cleanup may touch.
    func trainedRun(steps: Int = 3) throws -> String {
        let directory = makeTemporaryFolder("minidraw-run-folder")
        let trainer = try Trainer(config: TrainingTests.config, settings: TrainingTests.settings(steps: steps),
                                  images: TrainingTests.images(count: 10))
        let log = try TrainingLog(path: "\(directory)/log.csv", timesteps: TrainingTests.config.timesteps, resumedStep: nil)
        for _ in 0..<steps {
            log.append(try trainer.step(), elapsedSeconds: 0, imagesPerSecond: 1)
            try trainer.saveCheckpoint(directory: directory, elapsedSeconds: 0, keep: 2)
        }
        try AtomicFile.ensureDirectory("\(directory)/samples")
        try AtomicFile.write(Array("P2\n1 1\n255\n0\n".utf8), to: "\(directory)/samples/final.pgm")
        try AtomicFile.write(Array("mine\n".utf8), to: "\(directory)/notes.txt")
        return directory
    }

    static let model = "model 8x6 T=3 enc=8 dec=8 z=3 read=2 write=3 attention on mnist"

    @Test("a folder with a checkpoint or a log holds a run, and says which")
    func holdsRun() throws {
        let directory = try trainedRun()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let folder = RunFolder(directory)
        #expect(folder.holdsRun && folder.checkpointSteps == [2, 3] && folder.loggedStep == 3)
        #expect(folder.contents == "checkpoint-000003.safetensors: step 3, \(Self.model); log.csv to step 3")
        let empty = makeTemporaryFolder("minidraw-run-folder")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(!RunFolder(empty).holdsRun && !RunFolder("\(empty)/not-yet").holdsRun)
        try AtomicFile.write(Array("step,loss\n".utf8), to: "\(empty)/log.csv")
        #expect(RunFolder(empty).holdsRun)
        #expect(RunFolder(empty).contents == "no checkpoint; log.csv without rows")
    }

    @Test("a new run into a folder holding one is refused in one line naming it and the ways on; nothing changes")
    func newRunRefused() throws {
        let directory = try trainedRun()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let before = folderSnapshot(directory)
        #expect(throws: RunFolderError.holdsRun(folder: directory, contents: "checkpoint-000003.safetensors: step 3, \(Self.model); "
                                                + "log.csv to step 3", resumable: true)) {
            try RunFolder(directory).cleanupBeforeTraining(resumedFrom: nil, overwrite: false)
        }
        #expect(folderSnapshot(directory) == before)
        let fresh = makeTemporaryFolder("minidraw-run-folder")
        defer { try? FileManager.default.removeItem(atPath: fresh) }
        #expect(try RunFolder(fresh).cleanupBeforeTraining(resumedFrom: nil, overwrite: false) == .nothing)
    }

    @Test("--overwrite removes the old run's checkpoints, log and pictures first, and nothing else")
    func overwriteRemovesRun() throws {
        let directory = try trainedRun()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let folder = RunFolder(directory)
        let cleanup = try folder.cleanupBeforeTraining(resumedFrom: nil, overwrite: true)
        #expect(cleanup == .wholeRun)
        #expect(try folder.perform(cleanup) == "2 checkpoints (steps 2-3), log.csv, samples/")
        #expect(entryNames(directory) == ["notes.txt"])
        #expect(!RunFolder(directory).holdsRun)
    }

    @Test("a resumed run goes on from the newest checkpoint; from an earlier one only with --overwrite, which drops what came later")
    func resumeFromEarlierCheckpoint() throws {
        let directory = try trainedRun()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let folder = RunFolder(directory)
        #expect(try folder.cleanupBeforeTraining(resumedFrom: (directory, 3), overwrite: false) == .nothing)
        #expect(try folder.cleanupBeforeTraining(resumedFrom: ("\(directory)/./", 3), overwrite: false) == .nothing,
                "another spelling of the same folder")
        let before = folderSnapshot(directory)
        #expect(throws: RunFolderError.goesOnPast(folder: directory, step: 2, newest: "checkpoint-000003.safetensors")) {
            try folder.cleanupBeforeTraining(resumedFrom: (directory, 2), overwrite: false)
        }
        #expect(folderSnapshot(directory) == before)

        let cleanup = try folder.cleanupBeforeTraining(resumedFrom: (directory, 2), overwrite: true)
        #expect(cleanup == .after(step: 2))
        #expect(try folder.perform(cleanup) == "checkpoint 3, samples/")
        #expect(Checkpoint.completeSteps(in: directory) == [2])
        #expect(entryNames(directory).contains("log.csv"), "the log stays: TrainingLog keeps its rows up to step 2")
    }

    @Test("a run resumed into another folder needs that folder free, as a new run does")
    func resumeIntoAnotherFolder() throws {
        let source = try trainedRun(), target = try trainedRun()
        defer { for path in [source, target] { try? FileManager.default.removeItem(atPath: path) } }
        #expect(throws: RunFolderError.self) { try RunFolder(target).cleanupBeforeTraining(resumedFrom: (source, 2), overwrite: false) }
        #expect(try RunFolder(target).cleanupBeforeTraining(resumedFrom: (source, 2), overwrite: true) == .wholeRun)
        #expect(try RunFolder("\(target)/branch").cleanupBeforeTraining(resumedFrom: (source, 2), overwrite: false) == .nothing)
    }

    @Test("pruning keeps the newest checkpoints of this run: a later step is not its past, and the one just written stays")
    func pruningStaysWithinTheRun() throws {
        let directory = makeTemporaryFolder("minidraw-run-folder")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let images = TrainingTests.images(count: 10)
        let longer = try Trainer(config: TrainingTests.config, settings: TrainingTests.settings(steps: 5), images: images)
        for _ in 0..<5 {
            try longer.step()
            if longer.state.step >= 4 { try longer.saveCheckpoint(directory: directory, elapsedSeconds: 0, keep: 0) }
        }
        let run = try Trainer(config: TrainingTests.config, settings: TrainingTests.settings(steps: 3), images: images)
        for _ in 0..<3 {
            try run.step()
            let path = try run.saveCheckpoint(directory: directory, elapsedSeconds: 0, keep: 2)
            #expect(FileManager.default.fileExists(atPath: path), "\(path), just written, was pruned")
        }
        #expect(Checkpoint.completeSteps(in: directory) == [2, 3, 4, 5])
    }

    @Test("a resumed run prunes its own older checkpoints, keeping its newest")
    func resumedRunPrunes() throws {
        let directory = try trainedRun(steps: 3)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (model, state) = try Trainer.loadCheckpoint(modelPath: try #require(Checkpoint.newestModelPath(in: directory)))
        var settings = state.settings
        settings.totalSteps = 5
        var resumedState = state
        resumedState.settings = settings
        let resumed = try Trainer(model: model, state: resumedState, images: TrainingTests.images(count: 10))
        for _ in 0..<2 {
            try resumed.step()
            try resumed.saveCheckpoint(directory: directory, elapsedSeconds: 0, keep: 2)
        }
        #expect(Checkpoint.completeSteps(in: directory) == [4, 5])
    }

    @Test("checkpoint file names give their step; other names give none")
    func checkpointSteps() {
        #expect(Checkpoint.step(fileName: "checkpoint-000030.safetensors") == 30)
        #expect(Checkpoint.step(fileName: "checkpoint-000030.state.safetensors") == 30)
        for name in ["checkpoint-.safetensors", "checkpoint-+3.safetensors", "classifier.safetensors", "checkpoint-000030.json"] {
            #expect(Checkpoint.step(fileName: name) == nil, "\(name)")
        }
    }
}
