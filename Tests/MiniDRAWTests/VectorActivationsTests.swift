import Foundation
import Testing
@testable import MiniDRAW

/// The Float buffer functions (sixteen lanes at a time, own exp) against the C library in Double.
@Suite("Vector activations")
struct VectorActivationsTests {
    /// 1,001 points across `range` plus a count that is not a multiple of sixteen (the padded tail).
    func inputs(_ range: ClosedRange<Double>) -> [Double] {
        (0...1000).map { range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / 1000 }
    }

    /// Applies `function` to `values` as Float and returns the largest error against `expected`,
    /// relative to max(|expected|, floor).
    func largestError(_ values: [Double], floor: Double, _ function: (UnsafeMutablePointer<Float>, Int) -> Void,
                      expected: (Double) -> Double) -> Double {
        var buffer = values.map { Float($0) }
        buffer.withUnsafeMutableBufferPointer { function($0.baseAddress!, $0.count) }
        return zip(values, buffer).map { input, observed in
            let reference = expected(Double(Float(input)))
            return abs(Double(observed) - reference) / max(abs(reference), floor)
        }.max() ?? 0
    }

    @Test("Float.exp over [-87, 88] is within 3e-7 relative of libm (Eq. 25-26 filterbanks)")
    func exponential() {
        let error = largestError(inputs(-87...88), floor: 0, Float.exp) { Foundation.exp($0) }
        #expect(error < 3e-7, "largest relative error \(error), tolerance 3e-7")
    }

    @Test("Float.exp clamps far outside the Float range: tiny and finite below, finite above")
    func exponentialClamps() {
        var values: [Float] = [-1000, -100, 100, 1000, .infinity, -.infinity]
        values.withUnsafeMutableBufferPointer { Float.exp($0.baseAddress!, count: $0.count) }
        #expect(values.allSatisfy { $0.isFinite && $0 >= 0 }, "\(values)")
        #expect(values[0] < 1e-37 && values[1] < 1e-37, "\(values)")
        #expect(values[2] > 1e38 && values[3] > 1e38, "\(values)")
    }

    @Test("Eq. 5, 7: Float.sigmoid and Float.tanh over [-20, 20] are within 3e-7 of libm")
    func gates() {
        let sigmoidError = largestError(inputs(-20...20), floor: 1, Float.sigmoid) { 1 / (1 + Foundation.exp(-$0)) }
        let tanhError = largestError(inputs(-20...20), floor: 1, Float.tanh) { Foundation.tanh($0) }
        #expect(sigmoidError < 3e-7, "sigmoid: largest error \(sigmoidError), tolerance 3e-7")
        #expect(tanhError < 3e-7, "tanh: largest error \(tanhError), tolerance 3e-7")
    }

    @Test("Eq. 25-26: the Float filterbank (vector exp) matches the Double one within 1e-6, rows summing to 1")
    func floatFilterbank() {
        let geometry = AttentionGeometry(gridSize: 5, width: 28, height: 28)
        func filterbank<Scalar: DRAWScalar>(_ type: Scalar.Type) -> [Double] {
            var filter = [Scalar](repeating: 0, count: 5 * 28), sums = [Scalar](repeating: 0, count: 5)
            filter.withUnsafeMutableBufferPointer { f in
                sums.withUnsafeMutableBufferPointer { s in
                    geometry.buildFilterbank(center: Scalar(12.3), stride: Scalar(2.7), variance: Scalar(1.9), length: 28,
                                             filter: f.baseAddress!, rowSums: s.baseAddress!)
                }
            }
            return filter.map { Double($0) }
        }
        let single = filterbank(Float.self), double = filterbank(Double.self)
        let error = zip(single, double).map { abs($0 - $1) }.max() ?? 0
        #expect(error < 1e-6, "largest difference \(error), tolerance 1e-6")
        for i in 0..<5 {
            let rowSum = single[(i * 28)..<((i + 1) * 28)].reduce(0, +)
            #expect(abs(rowSum - 1) < 1e-6, "row \(i) sums to \(rowSum)")
        }
    }
}
