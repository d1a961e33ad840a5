import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import MiniDRAW
@testable import minidraw

/// The library behind `minidraw sample`, `reconstruct`, `attention-demo`, `plot` and `report`.
@Suite("Pictures: sample, reconstruct, attention demo, plots, report")
struct VisualCommandsTests {
    func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "minidraw-visuals-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func fileNames(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    // MARK: - sample

    @Test("Eq. 13-16: sample writes T frames plus final, and the same seed writes identical bytes")
    func sampleFramesAndDeterminism() throws {
        let model = TinyModels.model(TinyModels.config(attention: true, timesteps: 4))
        let first = temporaryDirectory(), second = temporaryDirectory(), other = temporaryDirectory()
        defer { for path in [first, second, other] { try? FileManager.default.removeItem(atPath: path) } }
        let options = SampleWriter.Options(png: true, gif: true, boxes: true, scale: 2)     // 8x6 images would get 4
        let paths = try SampleWriter.write(model: model, count: 5, seed: 3, directory: first, options: options)
        _ = try SampleWriter.write(model: model, count: 5, seed: 3, directory: second, options: options)
        _ = try SampleWriter.write(model: model, count: 5, seed: 4, directory: other, options: options)

        let names = try fileNames(first)
        #expect(names.filter { $0.hasPrefix("frame-") && $0.hasSuffix(".pgm") } == ["frame-00.pgm", "frame-01.pgm", "frame-02.pgm", "frame-03.pgm"])
        #expect(names.filter { $0.hasPrefix("boxes-frame-") && $0.hasSuffix(".ppm") }.count == 4, "one box frame per step")
        for name in ["final.pgm", "final.png", "drawing.gif", "boxes-final.ppm", "drawing-boxes.gif", "sequence.png", "boxes-sequence.ppm"] {
            #expect(names.contains(name), "\(name) missing from \(names)")
        }
        #expect(paths.count == names.count, "returns every written path")
        for name in names {
            let bytes = try AtomicFile.read("\(first)/\(name)")
            #expect(bytes == (try AtomicFile.read("\(second)/\(name)")), "\(name) differs between two runs with seed 3")
        }
        #expect(try AtomicFile.read("\(first)/final.pgm") != (try AtomicFile.read("\(other)/final.pgm")), "seeds 3 and 4 drew the same")
        let final = try Netpbm.readPGM(path: "\(first)/final.pgm")
        #expect(final.width == 2 * (3 * (8 + 1) + 1) && final.height == 2 * (2 * (6 + 1) + 1), "5 images on a 2 x 3 grid at scale 2 (--boxes)")
        #expect(final == (try Netpbm.readPGM(path: "\(first)/frame-03.pgm")), "final is the last frame")
        let sequence = try Netpbm.readPGM(path: "\(first)/sequence.pgm")
        #expect(sequence.width == 2 * (4 * (8 + 1) + 1) && sequence.height == 2 * (5 * (6 + 1) + 1), "5 images x 4 steps")
    }

    @Test("Eq. 16: frame t shows sigmoid(c_t) of generate()")
    func sampleShowsCanvas() throws {
        let model = TinyModels.model(TinyModels.config(attention: false, timesteps: 2))
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try SampleWriter.write(model: model, count: 1, seed: 9, directory: directory, options: .init(scale: 1))
        var generator = SeededGenerator(seed: 9)
        let steps = model.generate(count: 1, generator: &generator)
        let expected = ImageGrid(rows: 1, columns: 1, tileWidth: 8, tileHeight: 6)
            .render([steps[1].canvas.storage.map(Float.init)])
        #expect(try Netpbm.readPGM(path: "\(directory)/frame-01.pgm") == expected)
    }

    @Test("--boxes on a model without attention is a one-line error")
    func boxesNeedAttention() {
        let model = TinyModels.model(TinyModels.config(attention: false))
        #expect(throws: PictureOptionError.boxesWithoutAttention) {
            try SampleWriter.write(model: model, count: 2, seed: 1, directory: temporaryDirectory(), options: .init(boxes: true))
        }
        #expect(commandLineMessage(for: PictureOptionError.boxesWithoutAttention)
                == "--boxes needs a model with attention (this one writes whole images, Eq. 18)")
    }

    // MARK: - reconstruct

    @Test("Eq. 1-9: reconstruct writes T colour frames of input/canvas pairs and reports finite losses")
    func reconstruction() throws {
        let config = TinyModels.config(attention: true, timesteps: 3)
        let model = TinyModels.model(config)
        let images = TinyModels.images(config, batchSize: 3)
        let set = ImageSet(imageCount: 3, height: 6, width: 8, pixels: images.storage.map(Float.init))
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try ReconstructionWriter.write(model: model, images: set, seed: 2, directory: directory,
                                                    options: .init(gif: true, scale: 1))
        #expect(try fileNames(directory) == ["final.ppm", "frame-00.ppm", "frame-01.ppm", "frame-02.ppm", "reconstruction.gif"])
        #expect(result.reconstructionLoss.isFinite && result.latentLoss >= 0)
        let bytes = try AtomicFile.read("\(directory)/final.ppm")
        #expect(bytes.starts(with: Array("P6\n\(6 * (8 + 1) + 1) \(6 + 2)\n255\n".utf8)), "3 pairs = 6 tiles in one row")
        #expect(throws: VisualsError.self) { try set.slice(first: 3, count: 1) }
    }

    // MARK: - attention demo

    @Test("Eq. 27: on a uniform image every glimpse value is gamma (each filter row sums to 1)")
    func demoGlimpse() throws {
        let window = AttentionWindow(centerX: 10, centerY: 8, variance: 2, stride: 1.5, intensity: 2)
        let demo = try AttentionDemo(image: [Float](repeating: 1, count: 20 * 16), width: 20, height: 16, window: window, gridSize: 4)
        #expect(demo.glimpse.count == 16)
        for value in demo.glimpse { #expect(abs(value - 2) < 1e-9, "glimpse \(value), expected gamma = 2") }
        #expect(demo.writtenBack.count == 20 * 16)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let paths = try demo.write(directory: directory, scale: 2, png: false)
        #expect(paths.map { String($0.split(separator: "/").last!) } == ["original.ppm", "glimpse.pgm", "written.pgm", "filter-x.pgm", "filter-y.pgm"])
        let filterX = try Netpbm.readPGM(path: "\(directory)/filter-x.pgm")
        #expect(filterX.width == 40 && filterX.height == 8, "F_X is N x A = 4 x 20, upscaled by 2")
    }

    @Test("A bad --grid or a non-positive window parameter is a one-line error", arguments: [0, -3, 21])
    func demoRejectsGrid(gridSize: Int) {
        let window = AttentionWindow(centerX: 10, centerY: 8, variance: 1, stride: 1, intensity: 1)
        #expect(throws: PictureOptionError.gridSize(gridSize, largestSide: 20)) {
            try AttentionDemo(image: [Float](repeating: 0, count: 20 * 16), width: 20, height: 16, window: window, gridSize: gridSize)
        }
        #expect(commandLineMessage(for: PictureOptionError.gridSize(gridSize, largestSide: 20))
                == "--grid must be between 1 and 20 (the image's larger side), got \(gridSize)")
        var flat = window
        flat.stride = 0
        #expect(throws: VisualsError.self) { try AttentionDemo(image: [Float](repeating: 0, count: 320), width: 20, height: 16, window: flat, gridSize: 3) }
    }

    // MARK: - plot

    static let log = """
        step,elapsed_seconds,loss,loss_x,loss_z,valid_bound,images_per_second,gradient_norm,kl_1,kl_2,kl_3
        10,1.0,300.5,299.0,1.5,,100.0,5.0,0.5,0.6,0.4
        20,2.0,250.0,240.0,10.0,260.0,100.0,4.0,4.0,3.0,3.0
        30,3.0,200.0,180.0,20.0,,100.0,3.0,8.0,7.0,5.0
        40,4.0,190.0,168.0,22.0,195.5,100.0,3.0,9.0,8.0,5.0

        """

    /// The `<text>` contents of an SVG document, failing the test if it is not well-formed XML.
    func svgTexts(_ svg: String) throws -> [String] {
        final class Collector: NSObject, XMLParserDelegate {
            var texts: [String] = []
            var inText = false
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) { if name == "text" { inText = true; texts.append("") } }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                if name == "text" { inText = false }
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { texts[texts.count - 1] += string } }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        try #require(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
        return collector.texts
    }

    @Test("plot: loss.svg and kl.svg parse as XML and name their series")
    func plots() throws {
        let run = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: run) }
        try AtomicFile.write(Array(Self.log.utf8), to: "\(run)/log.csv")
        let paths = try TrainingCurves.write(runDirectory: run)
        #expect(paths == ["\(run)/loss.svg", "\(run)/kl.svg"])
        let lossTexts = try svgTexts(String(decoding: try AtomicFile.read("\(run)/loss.svg"), as: UTF8.self))
        for name in ["loss = L^x + L^z (Eq. 12)", "L^x, reconstruction (Eq. 9)", "L^z, latent (Eq. 10)", "validation bound (Eq. 12)"] {
            #expect(lossTexts.contains(name), "loss.svg lacks series \(name): \(lossTexts)")
        }
        let klTexts = try svgTexts(String(decoding: try AtomicFile.read("\(run)/kl.svg"), as: UTF8.self))
        for name in ["step 10", "step 20", "step 30", "step 40"] { #expect(klTexts.contains(name), "kl.svg lacks \(name): \(klTexts)") }
        let table = try TrainingLogTable.load(runDirectory: run)
        #expect(table.points("valid_bound").map(\.y) == [260, 195.5])
        #expect(table.klColumns == ["kl_1", "kl_2", "kl_3"])
    }

    @Test("plot: a missing or malformed log.csv is a one-line error naming the file")
    func plotErrors() throws {
        let run = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: run) }
        #expect(throws: VisualsError("\(run)/log.csv does not exist (is \(run) a run folder written by 'minidraw train'?)")) {
            try TrainingCurves.write(runDirectory: run)
        }
        let broken = Self.log.replacingOccurrences(of: "30,3.0,200.0", with: "30,3.0")
        try AtomicFile.write(Array(broken.utf8), to: "\(run)/log.csv")
        #expect(throws: VisualsError("\(run)/log.csv line 4 has 10 fields, expected 11")) {
            try TrainingCurves.write(runDirectory: run)
        }
    }

    // MARK: - checkpoint and report

    @Test("A missing checkpoint is a typed error, which the tool words in one line naming the flag or the places looked in")
    func missingCheckpoint() {
        #expect(throws: ModelSourceError.missing(path: "/nonexistent/run")) {
            try ModelSource.resolve(checkpoint: "/nonexistent/run")
        }
        #expect(message(for: .missing(path: "/nonexistent/run")) == "--checkpoint: /nonexistent/run does not exist")
        let error = #expect(throws: ModelSourceError.self) {
            try ModelSource.resolve(checkpoint: nil, defaultRun: "/nonexistent/run", pretrained: "/nonexistent/model.safetensors")
        }
        #expect(error == .nothingToLoad(pretrained: "/nonexistent/model.safetensors", defaultRun: "/nonexistent/run"))
        let text = error.map(message(for:)) ?? ""
        #expect(text.hasPrefix("no --checkpoint given, /nonexistent/model.safetensors does not exist and /nonexistent/run holds no checkpoint")
                && !text.contains("\n"), "\(text)")
        let source = ModelSource(modelPath: "runs/a/checkpoint-000010.safetensors", runDirectory: "runs/a")
        #expect(source.outputDirectory("samples") == "runs/a/samples")
        #expect(ModelSource(modelPath: "m.safetensors", runDirectory: nil).outputDirectory("samples") == "runs/samples",
                "without a run, under runs/, which the repository ignores")
    }

    @Test("report: the page is self-contained (no scripts, no outside references) and embeds its pictures")
    func reportIsSelfContained() throws {
        let model = TinyModels.model(TinyModels.config(attention: true))
        let table = try TrainingLogTable(csv: Self.log, source: "log.csv")
        let svg = TrainingCurves.lossChart(table).svg()
        let page = RunReport.html(title: "MiniDRAW run <test>", modelPath: "runs/test/checkpoint-000040.safetensors", model: model,
                                  metadata: ["step": "40"], settings: TrainingSettings(), table: table, plots: [svg],
                                  figures: [.init(caption: "samples", mimeType: "image/gif", bytes: [0x47, 0x49, 0x46])])
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(!page.contains("<script") && !page.contains("src=\"http") && !page.contains("<link") && !page.contains("@import"))
        #expect(page.contains("src=\"data:image/gif;base64,R0lG\""), "GIF bytes embedded as base64")
        #expect(page.contains("<svg") && !page.contains("<?xml"), "plots inline without their XML declaration")
        #expect(page.contains("MiniDRAW run &lt;test&gt;"), "text is escaped")
        #expect(page.contains("195.50 nats at step 40"), "latest validation bound")
        #expect(!page.contains("training subset") && !page.contains("weight average"), "a log without those columns shows no such rows")

        let newer = try TrainingLogTable(csv: """
            step,elapsed_seconds,loss,loss_x,loss_z,valid_bound,train_bound,valid_bound_average,images_per_second,gradient_norm,kl_1
            40,4.0,190.0,168.0,22.0,195.5,190.25,193.75,100.0,3.0,9.0

            """, source: "log.csv")
        let both = RunReport.html(title: "run", modelPath: "m.safetensors", model: model, metadata: [:], settings: nil,
                                  table: newer, plots: [], figures: [])
        #expect(both.contains("bound on the fixed training subset") && both.contains("190.25 nats at step 40"))
        #expect(both.contains("validation bound, weight average") && both.contains("193.75 nats at step 40"))
    }
}
