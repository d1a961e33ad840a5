import Testing
@testable import MiniDRAW

@Suite("GEMM")
struct GEMMTests {
    @Test("three forms agree with a naive triple loop")
    func threeForms() {
        var generator = SeededGenerator(seed: 1)
        func random(_ rows: Int, _ columns: Int) -> Matrix<Double> {
            var m = Matrix<Double>(rows: rows, columns: columns)
            generator.fillGaussian(&m.storage)
            return m
        }
        let a = random(7, 5), b = random(5, 9)
        var c = Matrix<Double>(rows: 7, columns: 9)
        matmul(a, b, into: &c)
        for i in 0..<7 { for j in 0..<9 {
            var s = 0.0
            for p in 0..<5 { s += a[i, p] * b[p, j] }
            #expect(abs(c[i, j] - s) < 1e-12)
        } }
    }
}
