import Foundation
import Testing
@testable import MiniDRAW

/// Keeps the tutorial (Tutorial/01-...md to 14-...md) true to the code. A chapter marks what can be checked
/// with an HTML comment on the line before a fenced block:
///
///     <!-- quote: Sources/MiniDRAW/Model/Attention.swift -->   the block's lines appear in that file verbatim,
///                                                              in order and contiguous (trailing blanks ignored)
///     <!-- output: minidraw trace --index 0 --seed 1 -->       the block is that command's output; recomputed
///                                                              here through the library (not the CLI binary);
///                                                              `minidraw eval` blocks too (EvalOracle), their
///                                                              number lines
///     <!-- recorded: minidraw train --steps 300 ... -->        output of a long run: Tutorial/make-figures.sh
///                                                              must run that command and regenerates the block
///
/// Equation mentions are `Eq. 9`, lists `Eq. 1, 2, 6` or `Eq. 18 / 28`, and ranges `Eq. 19-26`, which stand for
/// every N from 19 to 26. A tag is such a mention inside a Swift comment (`//` or `///`) under Sources/.
@Suite("Tutorial: chapters agree with the code")
struct TutorialTests {
    static let chapters: [TutorialChapter] = {
        let folder = "\(PackagePaths.root)/Tutorial"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
        return names.map { TutorialChapter(name: $0, text: (try? String(contentsOfFile: "\(folder)/\($0)", encoding: .utf8)) ?? "") }
    }()
    static let sources = SourceIndex(root: PackagePaths.root)

    @Test("chapters 01 to 14 are present, numbered in order")
    func chaptersPresent() {
        #expect(Self.chapters.map { String($0.name.prefix(3)) } == (1...14).map { String(format: "%02d-", $0) },
                "Tutorial/ holds \(Self.chapters.map(\.name))")
    }

    @Test("every chapter ends with exercises, each bold-numbered question followed by its folded answer")
    func exercisesHaveAnswers() {
        for chapter in Self.chapters {
            let prose = chapter.proseLines.map(\.1)
            guard let start = prose.lastIndex(of: "## Exercises") else {
                Issue.record("\(chapter.name): no \"## Exercises\" section")
                continue
            }
            let section = prose[start...]
            #expect(!section.dropFirst().contains { $0.hasPrefix("## ") }, "\(chapter.name): the exercises are not the last section")
            let questions = section.filter { !captures(of: "^\\*\\*[0-9]+\\. ", in: $0).isEmpty }.count
            let answers = section.filter { $0 == "<details><summary>Answer</summary>" }.count
            let closed = section.filter { $0 == "</details>" }.count
            #expect(questions > 0 && questions == answers && answers == closed,
                    "\(chapter.name): \(questions) questions, \(answers) answers, \(closed) closed")
        }
    }

    @Test("(a) every Eq. N a chapter mentions is tagged in a comment under Sources/")
    func equationsAreTagged() {
        for chapter in Self.chapters {
            for (lineNumber, text) in chapter.numberedLines {
                for number in equationNumbers(in: text) where !Self.sources.taggedEquations.contains(number) {
                    Issue.record("\(chapter.name):\(lineNumber): Eq. \(number) is not tagged anywhere under Sources/")
                }
            }
        }
    }

    @Test("(b) every path, symbol and command a chapter names in backticks exists; every linked file exists")
    func namesExist() {
        for chapter in Self.chapters {
            for (lineNumber, text) in chapter.proseLines {
                for span in captures(of: "`([^`]+)`", in: text).map({ $0[0] }) {
                    if let problem = Self.sources.problem(withName: span) {
                        Issue.record("\(chapter.name):\(lineNumber): `\(span)` \(problem)")
                    }
                }
                for target in captures(of: "\\]\\(([^)#:]+)\\)", in: text).map({ $0[0] }) {
                    let path = "\(PackagePaths.root)/Tutorial/\(target)"
                    #expect(FileManager.default.fileExists(atPath: path), "\(chapter.name):\(lineNumber): link target \(target) does not exist")
                }
            }
            for block in chapter.blocks where block.marker == nil || block.marker?.kind != "quote" {
                for (offset, text) in block.lines.enumerated() {
                    for command in captures(of: "minidraw ([a-z][a-z-]*)", in: text).map({ $0[0] })
                    where !Self.sources.commands.contains(command) {
                        Issue.record("\(chapter.name):\(block.firstLine + offset): minidraw has no command '\(command)'")
                    }
                }
            }
        }
    }

    @Test("(c) every quoted block matches its source file verbatim, in order, contiguous")
    func quotesMatch() {
        for chapter in Self.chapters {
            for block in chapter.blocks {
                guard let marker = block.marker else { continue }
                #expect(["quote", "output", "recorded"].contains(marker.kind), "\(chapter.name):\(block.firstLine): unknown marker \(marker.kind)")
                guard marker.kind == "quote" else { continue }
                guard let text = try? String(contentsOfFile: "\(PackagePaths.root)/\(marker.argument)", encoding: .utf8) else {
                    Issue.record("\(chapter.name):\(block.firstLine): quoted file \(marker.argument) cannot be read")
                    continue
                }
                let fileLines = text.components(separatedBy: "\n").map(trimmingTrailing)
                let quoted = block.lines.map(trimmingTrailing)
                let found = !quoted.isEmpty && fileLines.count >= quoted.count
                    && (0...(fileLines.count - quoted.count)).contains { Array(fileLines[$0..<$0 + quoted.count]) == quoted }
                if !found {
                    let firstMissing = quoted.first { !fileLines.contains($0) } ?? "(every line exists, but not in this order)"
                    Issue.record("\(chapter.name):\(block.firstLine): block no longer matches \(marker.argument); first line not found: \(firstMissing)")
                }
            }
        }
    }

    @Test("(d) every `minidraw trace` output block equals the trace recomputed through the library")
    func traceOutputsMatch() throws {
        var checked = 0
        for chapter in Self.chapters {
            for block in chapter.blocks where block.marker?.kind == "output" && !block.marker!.argument.hasPrefix("minidraw eval") {
                let command = block.marker!.argument
                let expected = try TraceOracle.lines(command: command)
                let place = "\(chapter.name):\(block.firstLine) (\(command))"
                #expect(block.lines.count == expected.count, "\(place): \(block.lines.count) lines, the trace prints \(expected.count)")
                for (offset, (shown, computed)) in zip(block.lines, expected).enumerated() {
                    if let problem = tokenMismatch(shown: shown, computed: computed) {
                        Issue.record("\(place), block line \(offset + 1): \(problem)\n  shown:    \(shown)\n  computed: \(computed)")
                    }
                }
                checked += 1
            }
        }
        #expect(checked > 0, "no chapter shows a `minidraw trace` output block")
    }

    @Test("(d) every `minidraw eval` output block shows the bound and estimate recomputed through the library")
    func evalOutputsMatch() throws {
        for chapter in Self.chapters {
            for block in chapter.blocks where block.marker?.kind == "output" && block.marker!.argument.hasPrefix("minidraw eval") {
                let command = block.marker!.argument
                let expected = try EvalOracle.lines(command: command)
                let shown = block.lines.filter { $0.hasPrefix("test ") }       // the model and data lines are not recomputed
                let place = "\(chapter.name):\(block.firstLine) (\(command))"
                #expect(shown.count == expected.count, "\(place): \(shown.count) result lines, eval prints \(expected.count)")
                for (offset, (line, computed)) in zip(shown, expected).enumerated() {
                    if let problem = tokenMismatch(shown: line, computed: computed) {
                        Issue.record("\(place), result line \(offset + 1): \(problem)\n  shown:    \(line)\n  computed: \(computed)")
                    }
                }
            }
        }
    }

    @Test("(d) recorded blocks come from make-figures.sh; numbers with 3+ decimals in prose come from a block of the chapter")
    func numbersHaveASource() throws {
        let script = try String(contentsOfFile: "\(PackagePaths.root)/Tutorial/make-figures.sh", encoding: .utf8)
        #expect(FileManager.default.isExecutableFile(atPath: "\(PackagePaths.root)/Tutorial/make-figures.sh"), "make-figures.sh is not executable")
        for chapter in Self.chapters {
            var printed = Set<String>()
            for block in chapter.blocks where block.marker?.kind == "output" || block.marker?.kind == "recorded" {
                if block.marker?.kind == "recorded" {
                    #expect(script.contains(block.marker!.argument), "\(chapter.name):\(block.firstLine): make-figures.sh does not run `\(block.marker!.argument)`")
                }
                for line in block.lines { printed.formUnion(line.split(whereSeparator: { " ,|()=".contains($0) }).map(String.init)) }
            }
            for (lineNumber, text) in chapter.proseLines {
                for number in captures(of: "(?<![A-Za-z0-9:.])(-?[0-9]+\\.[0-9]{3,})(?![0-9])", in: text).map({ $0[0] }) where !printed.contains(number) {
                    Issue.record("\(chapter.name):\(lineNumber): \(number) is not printed by any output block of this chapter")
                }
            }
        }
    }

    @Test("(e) all 29 equations and the LSTM: each quoted from a tagged source line and from a test that names it")
    func everyEquationCovered() {
        var inSources = Set<Int>(), inTests = Set<Int>(), quotedFiles = Set<String>()
        for chapter in Self.chapters {
            for block in chapter.blocks where block.marker?.kind == "quote" {
                let numbers = block.lines.flatMap(equationNumbers)
                let path = block.marker!.argument
                quotedFiles.insert(path)
                if path.hasPrefix("Sources/") { inSources.formUnion(numbers) } else if path.hasPrefix("Tests/") { inTests.formUnion(numbers) }
            }
        }
        let all = Set(1...29)
        #expect(all.subtracting(inSources).isEmpty, "equations without a quoted, tagged source line: \(all.subtracting(inSources).sorted())")
        #expect(all.subtracting(inTests).isEmpty, "equations without a quoted test naming them: \(all.subtracting(inTests).sorted())")
        for file in ["Sources/MiniDRAW/Paper/PaperLSTM.swift", "Tests/MiniDRAWTests/LSTMTests.swift"] {
            #expect(quotedFiles.contains(file), "the LSTM: no chapter quotes \(file)")
        }
    }
}

// MARK: - Chapters

/// One Markdown chapter split into prose lines and fenced blocks (with the marker comment before each).
struct TutorialChapter {
    struct Block {
        var marker: (kind: String, argument: String)?
        /// 1-based line number of the block's first content line.
        var firstLine: Int
        var lines: [String] = []
    }

    let name: String
    /// Every line with its 1-based number.
    let numberedLines: [(Int, String)]
    /// Lines outside fenced blocks and marker comments.
    var proseLines: [(Int, String)] = []
    var blocks: [Block] = []

    init(name: String, text: String) {
        self.name = name
        numberedLines = text.components(separatedBy: "\n").enumerated().map { ($0.offset + 1, $0.element) }
        var open: Block?
        var marker: (kind: String, argument: String)?
        for (number, line) in numberedLines {
            if line.hasPrefix("```") {
                if let block = open { blocks.append(block); open = nil } else { open = Block(marker: marker, firstLine: number + 1) }
                marker = nil
            } else if open != nil {
                open!.lines.append(line)
            } else if let found = captures(of: "^<!-- ([a-z]+): (.+) -->$", in: line).first {
                marker = (found[0], found[1])
            } else {
                proseLines.append((number, line))
                if !line.trimmingCharacters(in: .whitespaces).isEmpty { marker = nil }
            }
        }
    }
}

// MARK: - What the sources declare

/// Equation tags, declared names and commands, read once from Sources/ and Tests/.
struct SourceIndex {
    let root: String
    var taggedEquations = Set<Int>()
    var functions = Set<String>()
    var types = Set<String>()
    /// Per file: the types it declares or extends, and the members it declares.
    var files: [(types: Set<String>, members: Set<String>)] = []
    var commands = Set<String>()

    init(root: String) {
        self.root = root
        for folder in ["Sources", "Tests"] {
            let enumerator = FileManager.default.enumerator(atPath: "\(root)/\(folder)")
            while let relative = enumerator?.nextObject() as? String {
                guard relative.hasSuffix(".swift"), let text = try? String(contentsOfFile: "\(root)/\(folder)/\(relative)", encoding: .utf8) else { continue }
                if folder == "Sources" {
                    for line in text.components(separatedBy: "\n") { taggedEquations.formUnion(equationNumbers(in: commentPart(of: line))) }
                }
                let declared = Set(captures(of: "(?:struct|enum|class|protocol|typealias) ([A-Z][A-Za-z0-9]*)", in: text).map { $0[0] })
                types.formUnion(declared)
                functions.formUnion(captures(of: "func ([a-z_][A-Za-z0-9_]*)", in: text).map { $0[0] })
                let extended = captures(of: "extension ([A-Z][A-Za-z0-9]*)", in: text).map { $0[0] }
                var members = Set(captures(of: "(?:func|var|let|case) ([a-z_][A-Za-z0-9_]*)", in: text).map { $0[0] })
                if text.contains("init(") || text.contains("init<") { members.insert("init") }
                files.append((declared.union(extended), members))
                commands.formUnion(captures(of: "CommandSpec\\(\\s*name: \"([a-z-]+)\"", in: text).map { $0[0] })
            }
        }
    }

    static let standardTypes: Set<String> = ["Float", "Double", "Int", "UInt64", "String", "Bool", "Array", "Foundation", "Dispatch", "Testing"]

    /// Why the backticked `name` does not exist, or nil (also for names of no recognisable form).
    func problem(withName name: String) -> String? {
        if let path = captures(of: "^((?:Sources|Tests|Tutorial|Data)/[^ ]+)$", in: name).first?[0] {
            return FileManager.default.fileExists(atPath: "\(root)/\(path)") ? nil : "is not a file of the package"
        }
        if let command = captures(of: "^minidraw ([a-z][a-z-]*)", in: name).first?[0] {
            return commands.contains(command) ? nil : "is not a minidraw command"
        }
        if let parts = captures(of: "^([A-Z][A-Za-z0-9]*)\\.([a-z_][A-Za-z0-9_]*)(\\(.*\\))?$", in: name).first {
            return files.contains { $0.types.contains(parts[0]) && $0.members.contains(parts[1]) }
                ? nil : "is not declared: no file declares or extends \(parts[0]) with a member \(parts[1])"
        }
        if let function = captures(of: "^([a-z_][A-Za-z0-9_]*)\\(.*$", in: name).first?[0] {
            return functions.contains(function) ? nil : "is not a function declared in Sources/ or Tests/"
        }
        if captures(of: "^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$", in: name).first != nil {
            return types.contains(name) || Self.standardTypes.contains(name) ? nil : "is not a type declared in Sources/ or Tests/"
        }
        return nil
    }
}

// MARK: - Text helpers

/// Every match of `pattern` in `text`, as its capture groups ("" for a group that did not take part).
func captures(of pattern: String, in text: String) -> [[String]] {
    guard let regex = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) else {
        preconditionFailure("bad pattern \(pattern)")
    }
    let string = text as NSString
    return regex.matches(in: text, range: NSRange(location: 0, length: string.length)).map { match in
        (1..<match.numberOfRanges).map { match.range(at: $0).location == NSNotFound ? "" : string.substring(with: match.range(at: $0)) }
    }
}

/// The equation numbers mentioned in `text`: `Eq. 9`, `Eq. 1, 2, 6`, `Eq. 18 / 28`, `Eq. 19-26`.
func equationNumbers(in text: String) -> [Int] {
    captures(of: "Eq\\. ([0-9]+(?:(?: ?[-–/] ?|, )[0-9]+)*)", in: text).flatMap { found -> [Int] in
        var numbers: [Int] = [], isRange = false
        let spaced = found[0].replacingOccurrences(of: "–", with: "-").replacingOccurrences(of: "-", with: " - ")
        for token in spaced.split(whereSeparator: { $0 == " " || $0 == "," }) {
            if token == "-" { isRange = true; continue }
            guard let number = Int(token) else { continue }          // "/" separates a list
            if isRange, let last = numbers.last, last < number { numbers += (last + 1)...number } else { numbers.append(number) }
            isRange = false
        }
        return numbers
    }
}

/// The comment of a Swift line: what follows the first `//` that is not inside a string literal.
func commentPart(of line: String) -> String {
    var quotes = 0, previous: Character = " "
    for index in line.indices {
        let character = line[index]
        if character == "\"" { quotes += 1 }
        if character == "/" && previous == "/" && quotes % 2 == 0 { return String(line[line.index(after: index)...]) }
        previous = character
    }
    return ""
}

func trimmingTrailing(_ line: String) -> String {
    String(line.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
}

/// Nil when the two lines have the same tokens, numbers agreeing to the shown line's last printed digit.
func tokenMismatch(shown: String, computed: String) -> String? {
    let left = shown.split(separator: " "), right = computed.split(separator: " ")
    guard left.count == right.count else { return "\(left.count) tokens, expected \(right.count)" }
    for (a, b) in zip(left, right) where a != b {
        guard let x = Double(a), let y = Double(b), a.contains(".") else { return "`\(a)` where the trace prints `\(b)`" }
        let decimals = a.split(separator: ".").last?.count ?? 0
        if abs(x - y) > pow(10, -Double(decimals)) + 1e-5 * abs(y) { return "\(a) where the trace computes \(b)" }
    }
    return nil
}
