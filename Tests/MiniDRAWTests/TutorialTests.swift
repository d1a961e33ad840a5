import Foundation
import Testing
@testable import MiniDRAW

/// Keeps the tutorial (Tutorial/01-...md to 11-...md) true to the code. A chapter marks what can be checked
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

    @Test("chapters 01 to 11 are present, numbered in order")
    func chaptersPresent() {
        #expect(Self.chapters.map { String($0.name.prefix(3)) } == (1...11).map { String(format: "%02d-", $0) },
                "Tutorial/ holds \(Self.chapters.map(\.name))")
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
        for file in ["Sources/MiniDRAW/Model/LSTM.swift", "Tests/MiniDRAWTests/LSTMTests.swift"] {
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

// MARK: - The trace, recomputed

/// What `minidraw trace` prints (Sources/minidraw/TraceCommand.swift), rebuilt from library calls only.
enum TraceOracle {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static let testSet: ImageSet? = {
        guard let directory = try? BinarizedMNIST.findDirectory(base: PackagePaths.root) else { return nil }
        return try? BinarizedMNIST.load(split: .test, directory: directory)
    }()
    static let labels: [UInt8] = (try? BinarizedMNIST.findDirectory(base: PackagePaths.root))
        .flatMap { try? BinarizedMNIST.loadTestLabels(directory: $0) } ?? []

    /// The lines of `minidraw trace [--preset P] [--seed N] [--index N] [--step T]`.
    static func lines(command: String) throws -> [String] {
        let words = command.split(separator: " ").map(String.init)
        guard words.starts(with: ["minidraw", "trace"]) else { throw Failure(description: "cannot recompute `\(command)`") }
        var options = ["preset": "small", "seed": "1", "index": "0", "step": "1"]
        var arguments = words.dropFirst(2).filter { $0 != "--no-attention" }
        while arguments.count >= 2, let name = arguments.first.map({ String($0.dropFirst(2)) }), options[name] != nil {
            options[name] = arguments[arguments.startIndex + 1]
            arguments.removeFirst(2)
        }
        guard arguments.isEmpty else { throw Failure(description: "`\(command)`: \(arguments.joined(separator: " ")) cannot be recomputed in a test") }
        guard var config = DRAWConfig.presets.first(where: { $0.name == options["preset"] })?.config,
              let seed = UInt64(options["seed"]!), let index = Int(options["index"]!), let step = Int(options["step"]!),
              let images = testSet else { throw Failure(description: "`\(command)`: bad option value, or no test images") }
        if words.contains("--no-attention") { config.attention = false }
        // The CLI runs in Float. Here the same Float parameters and noise run in Double, which is several
        // times faster in a debug build and agrees with Float to far more digits than the trace prints.
        let floatModel = DRAWModel<Float>.initialized(config: config, seed: seed), model = floatModel.converted(to: Double.self)
        var floatNoise = DRAWForwardCache<Float>(config: config, batchSize: 1)
        var generator = SeededGenerator(seed: seed + 1)
        floatModel.fillNoise(cache: &floatNoise, generator: &generator)
        var cache = DRAWForwardCache<Double>(config: config, batchSize: 1)
        for t in 0..<config.timesteps { cache.steps[t].latent.noise = floatNoise.steps[t].latent.noise.converted(to: Double.self) }
        let image = images.pixels[index * config.imageSize..<(index + 1) * config.imageSize].map(Double.init)
        model.forward(image: Matrix(rows: 1, columns: config.imageSize, storage: image), cache: &cache)
        let now = cache.steps[step - 1], previousCanvas = step == 1 ? cache.initialCanvas : cache.steps[step - 2].canvas
        let row = config.height / 2 + 1, columns = (config.width / 2 - 8)...(config.width / 2 + 1)
        func pixels(_ values: [Double]) -> [Double] { columns.map { values[(row - 1) * config.width + $0 - 1] } }
        func line(_ label: String, _ values: [Double]) -> String { ([label] + values.map { String(format: "%.4f", $0) }).joined(separator: " ") }
        let t = "\(step)", before = "\(step - 1)", shown = min(config.latentSize, 10)
        let units = shown < config.latentSize ? ", units 1...\(shown)" : ""
        let digit = index < labels.count ? "digit \(labels[index])" : "no label"
        var lines = ["trace  test image \(index) (\(digit)), step t = \(step) of T = \(config.timesteps)",
                     "model  fresh \(options["preset"]!) model, parameters from seed \(seed): \(config.summary)",
                     "noise  epsilon_1...epsilon_T from seed \(seed + 1)", "",
                     "Eq. 3  image row b = \(row), columns a = \(columns.lowerBound)...\(columns.upperBound)",
                     line("x", pixels(image)), line("sigmoid(c_\(before))", pixels(previousCanvas.storage.map(sigmoid))),
                     line("x_hat_\(t) = x - sigmoid(c_\(before))", pixels(now.errorImage.storage)), ""]
        func window(_ name: String, _ source: String, _ attention: AttentionStepCache<Double>, _ n: Int) -> [String] {
            let values = attention.window.storage, offsets = (1...n).map { Double($0) - Double(n) / 2 - 0.5 }
            return [line("Eq. 21  \(name) (g~X, g~Y, log sigma^2, log delta~, log gamma) = W \(source) + b", attention.parameters.storage),
                    line("Eq. 22-24  \(name) (g_X, g_Y, sigma^2, delta, gamma)", values),
                    line("Eq. 19  \(name) mu_X^i, i = 1...\(n)", offsets.map { values[0] + $0 * values[3] }),
                    line("Eq. 20  \(name) mu_Y^j, j = 1...\(n)", offsets.map { values[1] + $0 * values[3] }), ""]
        }
        if config.attention {
            let n = config.readSize
            lines += window("read", "h^dec_\(before)", now.readAttention, n)
            for (half, name) in ["x", "x_hat_\(t)"].enumerated() {
                lines.append("Eq. 27  glimpse of \(name), gamma F_Y \(name) F_X^T, \(n) x \(n):")
                lines += (0..<n).map { line("  row i = \($0 + 1)", Array(now.glimpse.storage[(half * n + $0) * n..<(half * n + $0 + 1) * n])) }
            }
        } else {
            lines.append("Eq. 17  r_\(t) = [x, x_hat_\(t)]: \(now.glimpse.count) values, no attention")
        }
        func norm(_ matrix: Matrix<Double>) -> [Double] { [matrix.sumOfSquares.squareRoot()] }
        lines += ["", line("Eq. 5  |h^enc_\(t)|", norm(now.encoder.hidden)),
                  line("Eq. 1  mu_\(t)\(units)", Array(now.latent.mu.storage.prefix(shown))),
                  line("Eq. 2  sigma_\(t) = exp(log sigma_\(t))", Array(now.latent.sigma.storage.prefix(shown))),
                  line("Eq. 6  epsilon_\(t)", Array(now.latent.noise.storage.prefix(shown))),
                  line("Eq. 6  z_\(t) = mu_\(t) + sigma_\(t) epsilon_\(t)", Array(now.latent.z.storage.prefix(shown))),
                  line("Eq. 7  |h^dec_\(t)|", norm(now.decoder.hidden)), ""]
        if config.attention { lines += window("write", "h^dec_\(t)", now.writeAttention, config.writeSize) }
        let change = zip(now.canvas.storage, previousCanvas.storage).map { $0 - $1 }
        return lines + [line("Eq. 8  c_\(t) - c_\(before) on row b = \(row)", pixels(change)),
                        line("Eq. 8  sum of |c_\(t) - c_\(before)|, largest", [change.map(abs).reduce(0, +), change.map(abs).max() ?? 0]), "",
                        line("Eq. 11  KL term of step \(t)", [cache.klPerStep[step - 1]]),
                        line("Eq. 9  L^x = -log D(x | c_\(config.timesteps))", [cache.reconstructionLoss[0]]),
                        line("Eq. 10-11  L^z over \(config.timesteps) steps", [cache.latentLoss[0]]),
                        line("Eq. 12  L = L^x + L^z", [cache.reconstructionLoss[0] + cache.latentLoss[0]])]
    }
}
