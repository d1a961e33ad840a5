import Testing
@testable import MiniDRAW

/// The paper's numbers are the index (STYLE §1): every `// Eq. N` tag on a line of Sources sits on
/// a line that implements equation N, by the table in `PaperEquations`, and every one of the 29
/// equations is implemented somewhere. Moving a tag to a neighbouring line, or shifting the numbers
/// of §2.1 as they once were, fails here.
@Suite("Eq. 1-29: equation tags in Sources follow the paper's numbering")
struct EquationTagTests {
    static let sources = "\(PackagePaths.root)/Sources"

    @Test("the table holds the paper's 29 equations, numbered 1-29 in order, each with its formula and code")
    func tableIsComplete() {
        #expect(PaperEquations.all.map(\.number) == Array(1...29))
        for equation in PaperEquations.all {
            #expect(!equation.formula.isEmpty && !equation.implementedBy.isEmpty, "Eq. \(equation.number) has an empty entry")
        }
        #expect(PaperEquations.all[0].formula == "mu_t = W(h^enc_t)", "Eq. 1 is the paper's mu_t (§2.1)")
        #expect(PaperEquations.all[2].formula == "x_hat_t = x - sigmoid(c_{t-1})", "Eq. 3 is the paper's error image (§2.1)")
    }

    @Test("every tagged code line implements each equation its tag names")
    func tagsSitOnTheirEquations() throws {
        let lines = try EquationTags.taggedLines(under: Self.sources)
        #expect(lines.count > 50, "found only \(lines.count) tagged lines under \(Self.sources)")
        for line in lines {
            if let problem = EquationTags.problem(line) {
                Issue.record("Sources/\(line.file):\(line.lineNumber): \(problem)\n  line: \(line.code.trimmingCharacters(in: .whitespaces))")
            }
        }
    }

    @Test("each of the 29 equations is tagged on at least one line of code")
    func everyEquationImplemented() throws {
        let tagged = Set(try EquationTags.taggedLines(under: Self.sources).flatMap(\.equations))
        let missing = (1...29).filter { !tagged.contains($0) }
        #expect(missing.isEmpty, "no code line carries a tag for Eq. \(missing)")
    }

    @Test("the paper model (Sources/MiniDRAW/Paper) tags each of the 29 equations on a line of its own code")
    func everyEquationInPaperModel() throws {
        let lines = try EquationTags.taggedLines(under: "\(Self.sources)/MiniDRAW/Paper")
        let tagged = Set(lines.flatMap(\.equations))
        let missing = (1...29).filter { !tagged.contains($0) }
        #expect(missing.isEmpty, "no code line of Paper/ carries a tag for Eq. \(missing)")
        // Each equation on a line of its own, not only inside the whole step (Eq. 1-8) or the whole model.
        let alone = Set(lines.filter { $0.code.range(of: PaperEquations.wholeStep, options: .regularExpression) == nil }
            .flatMap(\.equations))
        let onlyInWholeCalls = (1...29).filter { !alone.contains($0) }
        #expect(onlyInWholeCalls.isEmpty, "Eq. \(onlyInWholeCalls) tagged in Paper/ only on the line that runs a whole step")
    }

    @Test("the checker itself: a tag moved to a neighbouring line, or renumbered the old way, is caught")
    func checkerCatchesMisplacedTags() {
        func line(_ code: String, _ equations: [Int]) -> TaggedLine {
            TaggedLine(file: "Example.swift", lineNumber: 1, code: code, equations: equations)
        }
        let errorImageCall = "errorImage(image: image, canvas: previousCanvas, into: &step.errorImage)"
        #expect(EquationTags.problem(line(errorImageCall, [3])) == nil)
        #expect(EquationTags.problem(line(errorImageCall, [1])) != nil, "the old numbering tagged the error image Eq. 1")
        #expect(EquationTags.problem(line("if config.attention {", [3])) != nil, "a tag on the next line must fail")
        #expect(EquationTags.problem(line("latent.forward(encoderHidden: h, cache: &c)", [4, 7, 8])) != nil,
                "the old numbering tagged the latent layer Eq. 4, 7, 8")
        #expect(EquationTags.problem(line("latent.forward(encoderHidden: h, cache: &c)", [1, 2, 6])) == nil)
        #expect(EquationTags.problem(line("x = 1", [30])) != nil, "there is no Eq. 30")
        #expect(EquationTags.problem(line("let canvas = previous.canvas + written", [8])) == nil, "the paper model's Eq. 8")
        #expect(EquationTags.problem(line("let canvas = previous.canvas + written", [3])) != nil, "a paper-model line tagged wrongly")
        #expect(EquationTags.numbers(in: "// Eq. 1, 2, 6 and Eq. 22-24; 1/gamma of Eq. 29") == [1, 2, 6, 22, 23, 24, 29])
        #expect(EquationTags.split(#"let s = "a // b" // Eq. 3"#)?.comment == "// Eq. 3")
    }
}
