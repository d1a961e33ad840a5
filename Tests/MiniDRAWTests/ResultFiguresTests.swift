import Foundation
import Testing

/// Keeps every result figure the documents quote equal to `Data/pretrained/results.json`, the one file
/// that holds the shipped models' and the default run's bounds, estimates, steps, epochs and hours.
///
/// In README.md, Data/pretrained/README.md and Tutorial/*.md a figure is followed by an invisible marker,
///
///     83.81<!-- result: draw-attention.test_bound -->      **84.28**<!-- result: draw-attention.validation_bound -->
///
/// whose key is the model's key in results.json without `.safetensors` (`draw-attention`, `runs/small`,
/// `paper`), a dot and the figure's name; `.images` after it names the figure's image count. A retrain
/// changes results.json, and these tests then name every line that still says the old figure.
@Suite("Result figures: the documents quote Data/pretrained/results.json")
struct ResultFiguresTests {
    /// The documents whose figures are checked, relative to the package root.
    static let documents: [String] = {
        let tutorial = ((try? FileManager.default.contentsOfDirectory(atPath: "\(PackagePaths.root)/Tutorial")) ?? [])
            .filter { $0.hasSuffix(".md") }.sorted().map { "Tutorial/\($0)" }
        return ["README.md", "Data/pretrained/README.md"] + tutorial
    }()

    /// Every lookup key of results.json with its value: `model.figure` and `model.figure.images`.
    static let figures: [String: Double] = ResultFigures.load(ResultFigures.path)

    @Test("results.json reads, and holds the shipped models' and the default run's figures")
    func fileReads() {
        #expect(Self.figures.count > 40, "\(ResultFigures.path) gave \(Self.figures.count) figures")
        for key in ["draw-attention.test_bound", "draw-no-attention.test_bound", "draw-two-digits.test_bound",
                    "runs/small.test_bound", "paper.attention_test_bound", "draw-attention.k100.images"] {
            #expect(Self.figures[key] != nil, "results.json has no \(key)")
        }
    }

    @Test("(a, c) every marked figure equals results.json's value for the key its marker names")
    func markedFiguresMatch() {
        var markers = 0
        for document in Self.documents {
            for line in ResultFigures.proseLines(of: document) {
                for marker in ResultFigures.markers(in: line.text) {
                    markers += 1
                    let place = "\(document):\(line.number)"
                    guard let expected = Self.figures[marker.key] else {
                        Issue.record("\(place): the marker names \(marker.key), which results.json does not have")
                        continue
                    }
                    guard let said = marker.number, let value = Double(said.replacingOccurrences(of: ",", with: "")) else {
                        Issue.record("\(place): the marker for \(marker.key) follows no number")
                        continue
                    }
                    if value != expected {
                        Issue.record("\(place): says \(said), results.json has \(ResultFigures.format(expected)) for \(marker.key)")
                    }
                }
            }
        }
        #expect(markers > 50, "found only \(markers) result markers in \(Self.documents)")
    }

    @Test("(b) no current bound or estimate of results.json appears unmarked in the documents")
    func currentFiguresAreMarked() {
        // The nats figures of MiniDRAW's models (the paper's own never go stale), as printed: 2 decimals.
        var current: [String: [String]] = [:]
        for (key, value) in Self.figures where !key.hasPrefix("paper.") && !key.hasSuffix(".images")
            && !["steps", "epochs", "hours", "seconds"].contains(String(key.split(separator: ".").last!)) {
            current[String(format: "%.2f", value), default: []].append(key)
        }
        for document in Self.documents {
            for line in ResultFigures.proseLines(of: document) {
                for number in ResultFigures.unmarkedDecimals(in: line.text) {
                    if let keys = current[number] {
                        Issue.record("\(document):\(line.number): \(number) is results.json's \(keys.sorted().joined(separator: ", ")) but carries no `<!-- result: KEY -->` marker (a historical figure must differ from every current one)")
                    }
                }
            }
        }
    }

    @Test("the Table 2 block is the same in the README and in chapters 1, 2 and 10")
    func tableTwoBlocksAgree() throws {
        let places = ["README.md", "Tutorial/01-the-idea.md", "Tutorial/02-the-loss.md", "Tutorial/10-training-for-real.md"]
        var blocks: [(String, [String])] = []
        for place in places {
            let lines = try String(contentsOfFile: "\(PackagePaths.root)/\(place)", encoding: .utf8).components(separatedBy: "\n")
            guard let start = lines.firstIndex(of: ResultFigures.tableTwoStart),
                  let end = lines[start...].firstIndex(of: ResultFigures.tableTwoEnd) else {
                Issue.record("\(place): no Table 2 block between \(ResultFigures.tableTwoStart) and \(ResultFigures.tableTwoEnd)")
                continue
            }
            blocks.append((place, Array(lines[start...end])))
        }
        guard let (first, reference) = blocks.first else { return }
        #expect(reference.count > 4, "\(first): the Table 2 block has \(reference.count) lines")
        for (place, block) in blocks.dropFirst() where block != reference {
            let differing = (0..<min(block.count, reference.count)).first { block[$0] != reference[$0] } ?? min(block.count, reference.count)
            Issue.record("\(place): the Table 2 block differs from \(first)'s at its line \(differing + 1)")
        }
    }
}

// MARK: - Reading results.json and the documents

enum ResultFigures {
    static let path = "\(PackagePaths.root)/Data/pretrained/results.json"
    static let tableTwoStart = "<!-- Table 2 block: the same in README.md and Tutorial chapters 1, 2, 10; figures from Data/pretrained/results.json -->"
    static let tableTwoEnd = "<!-- end of the Table 2 block -->"

    /// `model.figure` -> value and `model.figure.images` -> image count, for every model of the file.
    static func load(_ path: String) -> [String: Double] {
        guard let data = FileManager.default.contents(atPath: path),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        var figures: [String: Double] = [:]
        for (model, entry) in root {
            guard let entry = entry as? [String: Any] else { continue }
            let name = model.hasSuffix(".safetensors") ? String(model.dropLast(".safetensors".count)) : model
            for (figure, fields) in entry {
                guard let fields = fields as? [String: Any], let value = (fields["value"] as? NSNumber)?.doubleValue else { continue }
                figures["\(name).\(figure)"] = value
                if let images = (fields["images"] as? NSNumber)?.doubleValue { figures["\(name).\(figure).images"] = images }
            }
        }
        return figures
    }

    /// The document's lines outside fenced code blocks, numbered from 1.
    static func proseLines(of document: String) -> [(number: Int, text: String)] {
        guard let text = try? String(contentsOfFile: "\(PackagePaths.root)/\(document)", encoding: .utf8) else {
            Issue.record("\(document) cannot be read")
            return []
        }
        var inBlock = false
        var lines: [(Int, String)] = []
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { inBlock.toggle(); continue }
            if !inBlock { lines.append((index + 1, line)) }
        }
        return lines
    }

    static let markerPattern = "([0-9][0-9,]*(?:\\.[0-9]+)?)?(?:\\*\\*)?<!-- result: ([^ ]+) -->"

    /// Each marker of the line: the number right before it (through a closing `**`), and its key.
    static func markers(in line: String) -> [(number: String?, key: String)] {
        matches(of: markerPattern, in: line).map { ($0[0].isEmpty ? nil : $0[0], $0[1]) }
    }

    /// The 2-decimal numbers of the line that carry no marker, leaving out speed ratios (`2.84×`),
    /// percentages and ranges (`1.90-2.65`).
    static func unmarkedDecimals(in line: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: markerPattern)
        let stripped = regex.stringByReplacingMatches(in: line, range: NSRange(line.startIndex..., in: line), withTemplate: " ")
        return matches(of: "(?<![0-9.,-])([0-9]+\\.[0-9]{2})(?![0-9×%x]|-[0-9])", in: stripped).map { $0[0] }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// Every match's capture groups ("" for a group that did not take part).
    static func matches(of pattern: String, in text: String) -> [[String]] {
        let regex = try! NSRegularExpression(pattern: pattern)
        let string = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: string.length)).map { match in
            (1..<match.numberOfRanges).map { match.range(at: $0).location == NSNotFound ? "" : string.substring(with: match.range(at: $0)) }
        }
    }
}
