import Foundation
import Testing

/// The model files (and the classifier's, which reuse them) show the maths: buffers are opened by the
/// helpers of Kernels/MatrixPointers.swift, never as a staircase of closures (issue 16: at most two
/// nested buffer closures; scratch rows, `withUnsafeTemporaryAllocation`, count as one, so a function
/// that needs them inside its buffers hands its loops to a helper that opens them).
@Suite("Model files: no staircase of buffer closures")
struct ModelReadabilityTests {
    /// The deepest nesting of buffer-opening closures in `text`: `withUnsafe…BufferPointer`,
    /// `withUnsafeTemporaryAllocation`, `withPointer(s)` and `withMutablePointer(s)`.
    static func deepestNesting(_ text: String) -> Int {
        let opener = #/(withUnsafe\w*BufferPointer|withUnsafeTemporaryAllocation|withPointers?|withMutablePointers?)\s*(\([^{}]*\))?\s*\{/#
        let openingBraces = Set(text.matches(of: opener).map { text.index(before: $0.range.upperBound) })
        var opened: [Bool] = [], depth = 0, deepest = 0
        for index in text.indices where text[index] == "{" || text[index] == "}" {
            if text[index] == "}" {
                if opened.popLast() == true { depth -= 1 }
            } else {
                let opensBuffer = openingBraces.contains(index)
                opened.append(opensBuffer)
                if opensBuffer { depth += 1; deepest = max(deepest, depth) }
            }
        }
        return deepest
    }

    @Test("the counter sees a staircase")
    func counterWorks() {
        let staircase = "a.storage.withUnsafeBufferPointer { x in b.storage.withUnsafeMutableBufferPointer { y in c.withPointer { z in } } }"
        #expect(Self.deepestNesting(staircase) == 3)
        #expect(Self.deepestNesting("withPointers(a, b) { inputs in for i in 0..<2 { } withMutablePointers(&c, &d) { c, d in } }") == 2)
        #expect(Self.deepestNesting("a.withPointer { x in withUnsafeTemporaryAllocation(of: Float.self, capacity: 4) { t in } }") == 2)
    }

    @Test("no file in Sources/MiniDRAW/Model or Sources/MiniDRAW/Classification opens more than two nested buffer closures",
          arguments: ["Model", "Classification"])
    func atMostTwoNested(folderName: String) throws {
        let folder = "\(PackagePaths.root)/Sources/MiniDRAW/\(folderName)"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".swift") }
        #expect(!files.isEmpty)
        for file in files {
            let text = try String(contentsOfFile: "\(folder)/\(file)", encoding: .utf8)
            #expect(Self.deepestNesting(text) <= 2, "\(folderName)/\(file) opens \(Self.deepestNesting(text)) nested buffer closures")
        }
    }

    @Test("the paper model (Sources/MiniDRAW/Paper) opens no buffer, and uses no pointer, SIMD lane, thread or fast kernel")
    func paperModelIsPlain() throws {
        let folder = "\(PackagePaths.root)/Sources/MiniDRAW/Paper"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".swift") }
        #expect(files.count >= 5, "Paper/ holds \(files.count) Swift files")
        let forbidden = #/Unsafe|SIMD|Dispatch|withPointer|withMutablePointer|Thread|concurrentPerform|PackedWeight|matmul|dotRows|addCombination|addBias|accumulateColumnSums/#
        for file in files {
            let text = try String(contentsOfFile: "\(folder)/\(file)", encoding: .utf8)
            #expect(Self.deepestNesting(text) == 0, "Paper/\(file) opens \(Self.deepestNesting(text)) buffer closures")
            for (number, line) in text.components(separatedBy: "\n").enumerated() {
                if let match = line.firstMatch(of: forbidden) {
                    Issue.record("Paper/\(file):\(number + 1) uses \(match.output): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
    }
}
