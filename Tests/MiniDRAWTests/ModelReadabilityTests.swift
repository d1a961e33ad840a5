import Foundation
import Testing

/// The model files show the maths: buffers are opened by the helpers of Kernels/MatrixPointers.swift,
/// never as a staircase of closures (issue 16: at most two nested buffer closures per function).
@Suite("Model files: no staircase of buffer closures")
struct ModelReadabilityTests {
    /// The deepest nesting of buffer-opening closures in `text`: `withUnsafe…BufferPointer`,
    /// `withPointer(s)` and `withMutablePointer(s)`.
    static func deepestNesting(_ text: String) -> Int {
        let opener = #/(withUnsafe\w*BufferPointer|withPointers?|withMutablePointers?)\s*(\([^{}]*\))?\s*\{/#
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
    }

    @Test("no file in Sources/MiniDRAW/Model opens more than two nested buffer closures")
    func atMostTwoNested() throws {
        let folder = "\(PackagePaths.root)/Sources/MiniDRAW/Model"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".swift") }
        #expect(!files.isEmpty)
        for file in files {
            let text = try String(contentsOfFile: "\(folder)/\(file)", encoding: .utf8)
            #expect(Self.deepestNesting(text) <= 2, "Model/\(file) opens \(Self.deepestNesting(text)) nested buffer closures")
        }
    }
}
