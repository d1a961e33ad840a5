import Foundation
import Testing
@testable import MiniDRAW
@testable import minidraw

/// `minidraw explore`'s page: self-contained, holding the paper model's numbers (the drawings step by
/// step and the sandbox's self-check at full Float precision), its JavaScript tagged with the
/// equations; and the command's file safety and one-line errors. The page's JavaScript itself runs in
/// a real browser in `.ci/explore-check`.
@Suite("minidraw explore: the page, its numbers, the command")
struct ExplorePageTests {
    /// A tiny attention model (8 x 6, T = 3, read 2 x 2, write 3 x 3) and three binary images.
    static let config = TinyModels.config(attention: true, timesteps: 3)
    static let model = TinyModels.model(config).converted(to: Float.self)
    static let images = TinyModels.images(config, batchSize: 3).converted(to: Float.self)

    /// The page's data and HTML for the three images (as test images 7, 8, 9) and two samples, seed 5.
    static let data = ExplorePageData(model: model, modelName: "tiny.safetensors", images: images, firstImageNumber: 7,
                                      sampleCount: 2, seed: 5)
    static let page = ExplorePage.html(data)

    /// The embedded JSON of `page`, parsed.
    static func embedded() throws -> [String: Any] {
        let opening = "<script type=\"application/json\" id=\"draw-data\">\n"
        let start = try #require(page.range(of: opening), "no #draw-data script element").upperBound
        let end = try #require(page.range(of: "\n</script>", range: start..<page.endIndex)).lowerBound
        let object = try JSONSerialization.jsonObject(with: Data(page[start..<end].utf8))
        return try #require(object as? [String: Any])
    }

    static func floats(_ value: Any?) -> [Float] {
        ((value as? [Any]) ?? []).map { Float(($0 as? NSNumber)?.doubleValue ?? .nan) }
    }

    // MARK: - Self-contained

    @Test("the page is self-contained: no http(s) address, no external script, style sheet, font, image or frame")
    func selfContained() {
        let page = Self.page.lowercased()
        for forbidden in ["http://", "https://", "<script src", " src=", "<link", "@import", "url(", "<img", "<iframe", "@font-face"] {
            #expect(!page.contains(forbidden), "the page contains \(forbidden)")
        }
        #expect(page.components(separatedBy: "<script").count - 1 == 2, "one script element of data, one of code")
        #expect(page.hasPrefix("<!doctype html>") && page.hasSuffix("</html>\n"))
        #expect(Self.page.contains("<span id=\"self-check\">not run"), "#self-check says so until the script runs")
    }

    @Test("Eq. 19-29 in the JavaScript: each function named after its equation, each step tagged // Eq. N")
    func equationTags() {
        for tag in ["// Eq. 19-20", "// Eq. 21", "// Eq. 22", "// Eq. 23", "// Eq. 24", "// Eq. 25-26", "// Eq. 27", "// Eq. 29"] {
            #expect(Self.page.contains(tag), "no \(tag) in the page's JavaScript")
        }
        for function in ["attentionWindow", "gridCentres", "filterbank", "read", "write", "runSelfCheck", "showStep", "showSandbox"] {
            #expect(Self.page.contains("function \(function)("), "no function \(function) in the page's JavaScript")
        }
        for id in ["step", "play", "canvas-view", "glimpse-view", "patch-view", "kl-chart", "filter-x-view", "filter-y-view",
                   "raw-center-x", "raw-center-y", "raw-variance", "raw-stride", "raw-intensity", "grid-size", "self-check"] {
            #expect(Self.page.contains("id=\"\(id)\""), "no element #\(id)")
        }
    }

    // MARK: - The embedded numbers

    @Test("Eq. 1-12: each reconstruction holds T + 1 canvases, T read and write windows, glimpses, patches and KLs of the paper model")
    func reconstructionsEmbedded() throws {
        let json = try Self.embedded(), config = Self.config, t = config.timesteps
        let drawings = try #require(json["drawings"] as? [[String: Any]])
        #expect(drawings.map { $0["kind"] as? String } == ["reconstruction", "reconstruction", "reconstruction", "sample", "sample"])
        #expect(json["imageNumbers"] as? [Int] == [7, 8, 9])
        #expect((json["images"] as? [Any])?.count == 3)
        #expect(Self.floats((json["images"] as? [Any])?[1]) == Array(Self.images.storage[config.imageSize..<2 * config.imageSize]))

        var generator = SeededGenerator(seed: 5)
        let paper = PaperDRAW(Self.model), forward = paper.forward(image: Self.images, generator: &generator)
        for (image, drawing) in drawings.prefix(3).enumerated() {
            let canvases = try #require(drawing["canvases"] as? [String])
            #expect(canvases.count == t + 1, "c_0 ... c_T")
            let last = try #require(Data(base64Encoded: canvases[t]))
            let expected = (0..<config.imageSize).map { UInt8((paper.sigmoid(forward.steps[t - 1].canvas[image, $0]) * 255).rounded()) }
            #expect(Array(last) == expected, "canvas T of image \(image) is round(255 sigmoid(c_T))")
            for (key, size) in [("readWindows", 5), ("writeWindows", 5), ("glimpses", config.glimpseSize), ("writePatches", config.writePatchSize)] {
                let rows = try #require(drawing[key] as? [[Any]])
                #expect(rows.count == t && rows.allSatisfy { $0.count == size }, "\(key): T rows of \(size)")
            }
            let kl = Self.floats(drawing["klPerStep"])
            for step in 0..<t {
                let expectedKL = paper.klDivergence(forward.steps[step].latent)[image]
                #expect(abs(kl[step] - expectedKL) <= 1e-4 * max(1, abs(expectedKL)), "KL of step \(step + 1), image \(image)")
                let window = Self.floats((drawing["readWindows"] as? [Any])?[step])
                for (value, swift) in zip(window, forward.steps[step].readWindows[image].values) {
                    #expect(abs(value - swift) <= 1e-4 * max(1, abs(swift)), "read window of step \(step + 1)")
                }
            }
        }
        for drawing in drawings.suffix(2) {
            #expect((drawing["readWindows"] as? [Any])?.isEmpty == true && (drawing["klPerStep"] as? [Any])?.isEmpty == true,
                    "a sample reads nothing and has no KL")
            #expect((drawing["writeWindows"] as? [Any])?.count == t && (drawing["canvases"] as? [Any])?.count == t + 1)
        }
    }

    @Test("Eq. 13-16: generate() hands each step's write patch W(h^dec_t) to the page, the same in both engines")
    func samplesAreGenerated() {
        let paper = PaperDRAW(Self.model)
        var first = SeededGenerator(seed: 3), second = SeededGenerator(seed: 3)
        let generated = paper.generate(count: 4, generator: &first)
        let fast = Self.model.generate(count: 4, generator: &second)
        #expect(fast.count == generated.count)
        for (step, (expected, observed)) in zip(generated, fast).enumerated() {
            #expect(observed.writePatch.rows == 4 && observed.writePatch.columns == Self.config.writePatchSize)
            let difference = zip(expected.writePatch.storage, observed.writePatch.storage).map { abs($0 - $1) }.max() ?? 0
            #expect(difference < 1e-5, "write patch of step \(step + 1): engines differ by \(difference)")
        }
    }

    @Test("Eq. 19-29: the self-check holds the paper model's filterbanks, glimpses and write-backs at full Float precision")
    func selfCheckEmbedded() throws {
        let json = try Self.embedded(), config = Self.config
        let cases = try #require(json["selfCheck"] as? [[String: Any]])
        #expect(cases.count == ExplorePageData.selfCheckSettings.count)
        #expect((json["normaliserFloor"] as? NSNumber)?.doubleValue == paperNormaliserFloor)
        let x = Matrix(rows: 1, columns: config.imageSize, storage: Array(Self.images.storage.prefix(config.imageSize)))
        for (check, setting) in zip(cases, ExplorePageData.selfCheckSettings) {
            let n = setting.gridSize, geometry = ExplorePageData.geometry(config, gridSize: n)
            #expect(check["gridSize"] as? Int == n && Self.floats(check["raw"]) == setting.raw)
            let window = geometry.windows(Matrix(rows: 1, columns: 5, storage: setting.raw), gridSize: n)[0]
            #expect(Self.floats(check["filterX"]) == window.filterX.storage, "F_X (Eq. 25) read back exactly, N = \(n)")
            #expect(Self.floats(check["filterY"]) == window.filterY.storage, "F_Y (Eq. 26) read back exactly, N = \(n)")
            for i in 0..<n {
                let rowSum = window.filterX.storage[i * config.width..<(i + 1) * config.width].reduce(0, +)
                #expect(abs(rowSum - 1) < 1e-5, "row \(i + 1) of F_X sums to \(rowSum), N = \(n)")
            }
            let glimpse = geometry.read(x, errorImage: x, windows: [window])
            #expect(Self.floats(check["glimpse"]) == Array(glimpse.storage.prefix(n * n)), "the x half of Eq. 27, N = \(n)")
            let patch = Matrix(rows: 1, columns: n * n, storage: Array(glimpse.storage.prefix(n * n)))
            #expect(Self.floats(check["writtenBack"]) == geometry.write(patch, windows: [window]).storage, "Eq. 29, N = \(n)")
        }
    }

    @Test("JSON strings cannot close the script element; numbers that JSON cannot hold become null")
    func jsonEscaping() {
        #expect(ExplorePage.string("runs/a</script>\"b\"\n\u{1}") == #""runs/a\u003c/script>\"b\"\n\u0001""#)
        #expect(ExplorePage.number(.nan, format: "%.5g") == "null" && ExplorePage.number(.infinity, format: "%.5g") == "null")
        #expect(ExplorePage.exact([0.1, 1e-8]) == "[0.100000001, 9.99999994e-09]")
    }

    // MARK: - The command

    @Test("explore: writes one page and prints it; refused over it in one line (folder unchanged); --overwrite replaces it; bad flags are one line")
    func command() throws {
        let runs = CommandLineRunTests()
        let folder = try runs.workingFolder()                       // runs/small: a tiny model without attention
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let command = ["explore", "--checkpoint", "runs/small", "--data", "data", "--count", "2", "--samples", "1"]
        let first = try runs.minidraw(command, in: folder)
        #expect(first.status == 0, "\(first.errors)")
        #expect(first.output.contains("runs/small/explore/explore.html"), "\(first.output)")
        runs.expectPrintedPathsExist(first.output, in: folder)
        let page = try String(contentsOfFile: "\(folder)/runs/small/explore/explore.html", encoding: .utf8)
        #expect(page.contains("\"attention\": false") && page.contains("\"kind\": \"sample\""))

        let before = folderSnapshot(folder)
        let refused = try runs.minidraw(command, in: folder)
        #expect(refused.status == 1 && refused.errors == "minidraw: runs/small/explore/explore.html already exists; "
                + "give --overwrite to replace it, or another --out DIR\n")
        #expect(folderSnapshot(folder) == before, "a refused explore changed the folder")
        let replaced = try runs.minidraw(command + ["--overwrite"], in: folder)
        #expect(replaced.status == 0, "\(replaced.errors)")

        let badFlags: [([String], String)] = [
            (["--checkpoint", "runs/small", "--count", "0"], "minidraw: --count must be a positive integer, got \"0\"\n"),
            (["--checkpoint", "runs/small", "--samples", "-1"], "minidraw: --samples must be a non-negative integer, got \"-1\"\n"),
            (["--checkpoint", "runs/small", "--first", "99999"], "minidraw: --first must be below the test set's"),
            (["--checkpoint", "nowhere.safetensors"], "minidraw: --checkpoint: nowhere.safetensors does not exist\n"),
        ]
        for (flags, message) in badFlags {
            let outcome = try runs.minidraw(["explore", "--data", "data"] + flags, in: folder)
            #expect(outcome.status == 1 && outcome.errors.hasPrefix(message) && outcome.errors.filter { $0 == "\n" }.count == 1,
                    "\(flags): \(outcome.errors)")
        }
    }
}
