import Foundation
import Testing
@testable import MiniDRAW

/// `ResultsFile`: the commands that measure a figure write it into `Data/pretrained/results.json`
/// themselves (`minidraw eval --results FILE --key KEY`), changing only that figure's line, and refuse
/// a missing file, bad JSON or an unknown key in one line, leaving the file as it was.
@Suite("results.json written by the commands that measure them", .serialized)
struct ResultsFileTests {
    static let shipped = "\(PackagePaths.root)/Data/pretrained/results.json"

    /// The shipped file's text.
    func shippedText() throws -> String { try String(contentsOfFile: Self.shipped, encoding: .utf8) }

    /// The lines of `after` that differ from `before` (same line count assumed).
    func changedLines(_ before: String, _ after: String) -> [String] {
        zip(before.components(separatedBy: "\n"), after.components(separatedBy: "\n")).filter { $0 != $1 }.map(\.1)
    }

    @Test("a measured figure replaces its own line and nothing else; the same figure again leaves the text unchanged")
    func replacesOneLine() throws {
        let text = try shippedText()
        let figure = ResultFigure(name: "test_bound", value: 83.8149, images: 10000, how: "minidraw eval --checkpoint x")
        let edited = try ResultsFile.updated(text, with: [figure], under: "draw-attention", path: "results.json")
        #expect(edited.components(separatedBy: "\n").count == text.components(separatedBy: "\n").count)
        #expect(changedLines(text, edited)
                == ["    \"test_bound\": { \"value\": 83.81, \"images\": 10000, \"how\": \"minidraw eval --checkpoint x\" },"])
        #expect(try ResultsFile.updated(edited, with: [figure], under: "draw-attention.safetensors", path: "results.json") == edited)
    }

    @Test("a new figure goes last in its model, with the commas JSON needs, and the file still reads")
    func appendsNewFigure() throws {
        let text = try shippedText()
        let figure = ResultFigure(name: "heldout_loss", value: 0.33456, decimals: 4, how: "say \"when\"")
        let edited = try ResultsFile.updated(text, with: [figure], under: "runs/small", path: "results.json")
        let lines = edited.components(separatedBy: "\n")
        let index = try #require(lines.firstIndex(of: "    \"heldout_loss\": { \"value\": 0.3346, \"how\": \"say \\\"when\\\"\" }"))
        #expect(lines[index - 1].hasSuffix("},") && lines[index + 1] == "  }")
        func small(_ text: String) throws -> [String: Any] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return try #require(object["runs/small"] as? [String: Any])
        }
        let before = try small(text), after = try small(edited)
        #expect((after["heldout_loss"] as? [String: Any])?["value"] as? Double == 0.3346)
        #expect(Set(after.keys) == Set(before.keys).union(["heldout_loss"]), "runs/small kept its members and gained one: \(after.keys.sorted())")
    }

    @Test("a missing file, bad JSON or an unknown key: one line naming the file and what was expected; the file is unchanged")
    func refusesBadInput() throws {
        let folder = makeTemporaryFolder("results-file")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let figure = ResultFigure(name: "test_bound", value: 1, how: "test")
        let cases: [(name: String, content: String?, key: String, message: String)] = [
            ("missing.json", nil, "draw-attention", "cannot read results file \(folder)/missing.json: No such file or directory"),
            ("bad.json", "{\"draw-attention.safetensors\": {", "draw-attention", "results file \(folder)/bad.json is not a JSON object: "),
            ("list.json", "[1, 2]", "draw-attention", "results file \(folder)/list.json is not a JSON object: the top level is not an object"),
            ("unknown.json", "{\n  \"about\": \"x\",\n  \"draw-attention.safetensors\": {\n  },\n  \"runs/small\": {\n  }\n}\n", "draw-atention",
             "results file \(folder)/unknown.json has no model \"draw-atention\" (expected one of: draw-attention, runs/small)"),
            ("flat.json", "{\"m\": {\"test_bound\": {\"value\": 1}}}", "m", "results file \(folder)/flat.json: no line   \"m\": { "),
        ]
        for (name, content, key, message) in cases {
            let path = "\(folder)/\(name)"
            if let content { try AtomicFile.write(Data(content.utf8), to: path) }
            do {
                try ResultsFile.record([figure], under: key, in: path)
                Issue.record("\(name): recorded, expected the error \(message)")
            } catch let error as ResultsFileError {
                #expect(error.description.hasPrefix(message), "\(name): \(error)")
                #expect(!error.description.contains("\n"), "\(name): \(error)")
            }
            #expect(FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } == content, "\(name) changed")
        }
    }

    @Test("minidraw eval --results FILE --key KEY records its bound, L^x, L^z and K = 10 lines with the command as their how")
    func evalRecords() throws {
        let tool = CommandLineRunTests()
        let folder = try tool.workingFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = "{\n  \"about\": \"test\",\n  \"runs/small\": {\n    \"preset\": \"tiny\"\n  }\n}\n"
        try AtomicFile.write(Data(file.utf8), to: "\(folder)/results.json")
        let command = ["eval", "--checkpoint", "runs/small", "--images", "5", "--batch-size", "5", "--samples", "10", "--threads", "1",
                       "--data", "data"]
        let wrongKey = try tool.minidraw(command + ["--results", "results.json", "--key", "runs/big"], in: folder)
        #expect(wrongKey.status == 1 && wrongKey.output.isEmpty, "\(wrongKey.output)")
        #expect(wrongKey.errors == "minidraw: results file results.json has no model \"runs/big\" (expected one of: runs/small)\n")
        let outcome = try tool.minidraw(command + ["--results", "results.json", "--key", "runs/small"], in: folder)
        #expect(outcome.status == 0, "\(outcome.errors)")
        let text = try String(contentsOfFile: "\(folder)/results.json", encoding: .utf8)
        let how = "minidraw " + command.joined(separator: " ")
        let printedBound = try #require(outcome.output.split(separator: "\n").first { $0.hasPrefix("test bound") })
        let bound = try #require(printedBound.split(separator: " ").first { Double($0) != nil })
        #expect(text.contains("    \"first5_test_bound\": { \"value\": \(bound), \"images\": 5, \"how\": \"\(how) (its bound line, Eq. 12)\" },\n"),
                "\(text)")
        for name in ["first5_test_reconstruction", "first5_test_latent", "first5_test_k10"] { #expect(text.contains("\"\(name)\": {")) }
        #expect(outcome.output.hasSuffix("results results.json: first5_test_bound, first5_test_reconstruction, first5_test_latent, "
                                         + "first5_test_k10 of runs/small\n"), "\(outcome.output)")
    }
}
