import Foundation
import Testing
@testable import MiniDRAW

/// A thread that has finished its slices helps with the products of the others (`ProductHelp`):
/// every part runs once, and a helped product has the bits of the same product run alone.
@Suite("Help between the slices' threads")
struct ProductHelpTests {
    /// Runs `work` inside `GEMM.serially` on this thread while a second thread, with nothing of
    /// its own, waits to help; returns how many parts the helper ran. (A thread of its own for the
    /// helper: `concurrentPerform` may run both on one thread while other tests hold the pool.)
    static func runHelped(_ work: () -> Void) -> Int {
        let help = ProductHelp()
        help.beginOwnWork()
        let helper = Thread {
            help.beginOwnWork()
            help.helpUntilAllFinish()
        }
        helper.start()
        GEMM.serially(helpedBy: help) { work() }
        help.helpUntilAllFinish()
        while !helper.isFinished { usleep(100) }
        return help.helpedParts
    }

    @Test("share: each of 200 parts runs exactly once, here or on the helper")
    func everyPartRunsOnce() {
        var runs = [Int](repeating: 0, count: 200)
        runs.withUnsafeMutableBufferPointer { runs in
            _ = Self.runHelped {
                SerialRegion.help!.share(parts: runs.count) { part in
                    runs[part] += 1
                    usleep(100)                                                // long enough for the helper to take some
                }
            }
        }
        #expect(runs == [Int](repeating: 1, count: 200), "parts run \(Set(runs)) times")
    }

    @Test("helped products have the bits of unhelped ones: blocks of rows shared (600 x 64 x 300) and halves (50 x 300 x 200)")
    func helpedProductsKeepTheirBits() {
        var generator = SeededGenerator(seed: 12)
        func gaussian(_ rows: Int, _ columns: Int) -> Matrix<Float> {
            var matrix = Matrix<Float>(rows: rows, columns: columns)
            generator.fillGaussian(&matrix.storage)
            return matrix
        }
        // Five blocks of rows per step of depth, offered to the helper one by one (as a weight
        // gradient's are), and a slice's forward product, cut in halves when a helper waits.
        let (a, b, cStart) = (gaussian(600, 300), gaussian(300, 64), gaussian(600, 64))
        let (input, weight, outputStart) = (gaussian(50, 200), gaussian(300, 200), gaussian(50, 300))
        func blocksOfRows(into c: inout Matrix<Float>, help: ProductHelp?) {
            a.storage.withUnsafeBufferPointer { a in
                b.storage.withUnsafeBufferPointer { b in
                    c.storage.withUnsafeMutableBufferPointer { c in
                        packedFloatProduct(rows: 0..<600, columns: 0..<64, k: 300,
                                           a: FloatOperand(base: a.baseAddress!, rowStride: 300, columnStride: 1),
                                           b: FloatOperand(base: b.baseAddress!, rowStride: 64, columnStride: 1),
                                           c: c.baseAddress!, n: 64, cRowStride: 64, accumulate: true, help: help)
                    }
                }
            }
        }
        var (cAlone, outputAlone) = (cStart, outputStart)
        blocksOfRows(into: &cAlone, help: nil)
        GEMM.serially { matmulTransposedB(input, weight, into: &outputAlone, accumulate: true) }
        var helpedParts = 0
        for attempt in 1...5 {
            var (c, output) = (cStart, outputStart)
            helpedParts += Self.runHelped {
                matmulTransposedB(input, weight, into: &output, accumulate: true)
                blocksOfRows(into: &c, help: SerialRegion.help)
            }
            let differing = zip(c.storage, cAlone.storage).filter { $0.bitPattern != $1.bitPattern }.count
                + zip(output.storage, outputAlone.storage).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "attempt \(attempt): \(differing) elements differ from the unhelped products")
        }
        #expect(helpedParts > 0, "the waiting thread never took a part in five attempts")
    }
}
