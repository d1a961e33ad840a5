import Foundation
import Testing
@testable import MiniDRAW

/// `sample`, `reconstruct`, `attention-demo`, `plot` and `report` never replace a file unless told:
/// each names every file it will write, checks them all, and stops before writing the first.
@Suite("Pictures never replace files by surprise")
struct OutputFilesTests {
    /// Runs `write` (given `overwrite`) a first time, then again into the same place: without
    /// `overwrite` it must throw `ExistingOutputError` naming files of the first write and change
    /// nothing under `directory`; with it, it must write again. Returns the refusal.
    @discardableResult
    func expectRefusedThenReplaced(_ directory: String, _ write: (Bool) throws -> [String]) throws -> ExistingOutputError? {
        let first = try write(false)
        let before = folderSnapshot(directory)
        let error = #expect(throws: ExistingOutputError.self) { try write(false) }
        #expect(!(error?.existing.isEmpty ?? true) && Set(error?.existing ?? []).isSubset(of: first), "\(String(describing: error))")
        #expect(folderSnapshot(directory) == before, "a refused write changed \(directory)")
        let again = try write(true)
        #expect(!again.isEmpty && again.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        return error
    }

    @Test("sample: a second write into the same folder is refused in one line and changes nothing; --overwrite replaces")
    func sampleRefused() throws {
        let directory = makeTemporaryFolder("minidraw-output")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = TinyModels.model(TinyModels.config(attention: true, timesteps: 2))
        let error = try expectRefusedThenReplaced(directory) { overwrite in
            try SampleWriter.write(model: model, count: 3, seed: 1, directory: directory, options: .init(overwrite: overwrite))
        }
        #expect(error?.description == "\(directory)/frame-00.pgm already exists (and 3 more of the 4 files to write)")
        #expect(error?.offersOut == true)
        let before = folderSnapshot(directory)
        #expect(throws: ExistingOutputError.self) {
            try SampleWriter.write(model: model, count: 3, seed: 1, directory: directory, options: .init(png: true, gif: true))
        }
        #expect(folderSnapshot(directory) == before, "not even the PNG and GIF files that were not there yet")
    }

    @Test("reconstruct, attention-demo and plot refuse files already there, and replace them with --overwrite")
    func otherPicturesRefused() throws {
        let directory = makeTemporaryFolder("minidraw-output")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = TinyModels.config(attention: true, timesteps: 2)
        let model = TinyModels.model(config)
        let images = ImageSet(imageCount: 2, height: 6, width: 8, pixels: TinyModels.images(config, batchSize: 2).storage.map(Float.init))
        try expectRefusedThenReplaced(directory) { overwrite in
            try ReconstructionWriter.write(model: model, images: images, seed: 1, directory: "\(directory)/reconstructions",
                                           options: .init(overwrite: overwrite)).paths
        }
        let window = AttentionWindow(centerX: 4, centerY: 3, variance: 1, stride: 1, intensity: 1)
        let demo = try AttentionDemo(image: images.pixels.prefix(48).map { $0 }, width: 8, height: 6, window: window, gridSize: 2)
        try expectRefusedThenReplaced(directory) { overwrite in
            try demo.write(directory: "\(directory)/attention-demo", scale: 1, png: true, overwrite: overwrite)
        }
        try AtomicFile.write(Array(VisualCommandsTests.log.utf8), to: "\(directory)/log.csv")
        try expectRefusedThenReplaced(directory) { overwrite in
            try TrainingCurves.write(runDirectory: directory, overwrite: overwrite)
        }
    }

    @Test("report: its report.html stops a second report before it writes anything (loss.svg and kl.svg, the log drawn, are reused); --overwrite replaces")
    func reportRefused() throws {
        let run = makeTemporaryFolder("minidraw-output")
        defer { try? FileManager.default.removeItem(atPath: run) }
        let trainer = try Trainer(config: TrainingTests.config, settings: TrainingTests.settings(steps: 1), images: TrainingTests.images(count: 4))
        let log = try TrainingLog(path: "\(run)/log.csv", timesteps: TrainingTests.config.timesteps, resumedStep: nil)
        log.append(try trainer.step(), elapsedSeconds: 1, imagesPerSecond: 1, bounds: CheckBounds(validation: 500))
        try trainer.saveCheckpoint(directory: run, elapsedSeconds: 1)
        // The pictures the page embeds, already made (the page only copies their bytes).
        for picture in ["samples/drawing-boxes.gif", "samples/final.png", "samples/boxes-sequence.png", "reconstructions/reconstruction.gif"] {
            try AtomicFile.ensureDirectory(("\(run)/\(picture)" as NSString).deletingLastPathComponent)
            try AtomicFile.write([0x47, 0x49, 0x46], to: "\(run)/\(picture)")
        }
        let error = try expectRefusedThenReplaced(run) { overwrite in
            try RunReport.write(runDirectory: run, options: .init(overwrite: overwrite))
        }
        #expect(error?.existing == ["\(run)/report.html"],
                "samples/ and reconstructions/ are reused, not made again, and so are the plots newer than the log")
        #expect(error?.offersOut == false, "report has no --out")
    }

    @Test("the names a writer checks are exactly the files it writes, in order", arguments: [1, 3])
    func checkedNamesAreWritten(channels: Int) throws {
        var config = TinyModels.config(attention: true, timesteps: 3)
        config.channels = channels
        let model = TinyModels.model(config)
        for options in [SampleWriter.Options(), .init(png: true, gif: true, boxes: true)] {
            let directory = makeTemporaryFolder("minidraw-output")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let paths = try SampleWriter.write(model: model, count: 3, seed: 1, directory: directory, options: options)
            #expect(paths == SampleWriter.fileNames(config: config, options: options).map { "\(directory)/\($0)" })
        }
        let pixels = TinyModels.images(config, batchSize: 2).storage.map(Float.init)
        let images = ImageSet(imageCount: 2, height: 6, width: 8, channels: channels, pixels: pixels)
        for options in [ReconstructionWriter.Options(), .init(png: true, gif: true)] {
            let directory = makeTemporaryFolder("minidraw-output")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let paths = try ReconstructionWriter.write(model: model, images: images, seed: 1, directory: directory, options: options).paths
            #expect(paths == ReconstructionWriter.fileNames(config: config, options: options).map { "\(directory)/\($0)" })
        }
    }
}
