import Testing
@testable import MiniDRAW

/// A seed fixes everything: the initial parameters, the noise epsilon_t (Eq. 6) and therefore the
/// loss (Eq. 12) and every gradient, bit for bit, whatever the number of GEMM threads.
/// Serialized because one test changes the global `GEMM.threadCount` (and restores it); suites
/// running meanwhile are unaffected, since GEMM's results never depend on it (which is what is tested).
@Suite("Determinism of forward and backward passes", .serialized)
struct DeterminismTests {
    /// Large enough that products are split over threads: the encoder's gates are
    /// [8, 256] = [8, 2*4 + 64] · [72, 256], 147,456 multiply-adds, above GEMM's 65,536 threshold.
    static let config = DRAWConfig(width: 12, height: 12, timesteps: 3, encoderSize: 64, decoderSize: 64,
                                   latentSize: 8, readSize: 2, writeSize: 3, attention: true)
    static let batchSize = 8

    /// A model, images and noise all drawn from `seed`; returns the batch-mean loss and its gradient.
    static func lossAndGradient<Scalar: DRAWScalar>(_: Scalar.Type, seed: UInt64) -> (loss: Double, gradient: DRAWModel<Scalar>) {
        let model = DRAWModel<Scalar>.initialized(config: config, seed: seed)
        var generator = SeededGenerator(seed: seed &+ 1)
        var image = Matrix<Scalar>(rows: batchSize, columns: config.imageSize)
        for index in image.storage.indices { image.storage[index] = generator.nextUniform() < 0.3 ? 1 : 0 }
        var cache = DRAWForwardCache<Scalar>(config: config, batchSize: batchSize)
        model.fillNoise(cache: &cache, generator: &generator)
        model.forward(image: image, cache: &cache)
        var gradient = model.zeros()
        var workspace = DRAWBackwardWorkspace<Scalar>(config: config, batchSize: batchSize)
        model.backward(image: image, cache: cache, workspace: &workspace, gradient: &gradient)
        return (cache.meanLoss, gradient)
    }

    /// The first parameter element where two gradients differ in any bit, or nil when they are identical.
    static func firstDifference<Scalar: DRAWScalar>(_ first: DRAWModel<Scalar>, _ second: DRAWModel<Scalar>) -> String? {
        for (name, path) in DRAWModel<Scalar>.parameterPaths(config: config) {
            let a = first[keyPath: path].storage, b = second[keyPath: path].storage
            if let index = a.indices.first(where: { a[$0] != b[$0] || a[$0].sign != b[$0].sign }) {
                return "grad.\(name) element \(index): \(a[index]) then \(b[index])"
            }
        }
        return nil
    }

    func checkRepeatable<Scalar: DRAWScalar>(_ type: Scalar.Type) {
        let first = Self.lossAndGradient(type, seed: 21), second = Self.lossAndGradient(type, seed: 21)
        #expect(first.loss.isFinite && first.loss == second.loss, "\(type) loss: \(first.loss) then \(second.loss)")
        let difference = Self.firstDifference(first.gradient, second.gradient)
        #expect(difference == nil, "\(type): \(difference ?? "")")
        let other = Self.lossAndGradient(type, seed: 22)
        #expect(other.loss != first.loss, "\(type): seeds 21 and 22 gave the same loss \(first.loss)")
    }

    @Test("Eq. 1-12: the same seed gives bit-identical loss and gradients, in Double")
    func repeatableDouble() { checkRepeatable(Double.self) }

    @Test("Eq. 1-12: the same seed gives bit-identical loss and gradients, in Float")
    func repeatableFloat() { checkRepeatable(Float.self) }

    @Test("Eq. 1-12: 1 and 2 GEMM threads give bit-identical loss and gradients, in Float and Double")
    func threadCountDoesNotMatter() {
        let saved = GEMM.threadCount
        defer { GEMM.threadCount = saved }
        GEMM.threadCount = 1
        let singleFloat = Self.lossAndGradient(Float.self, seed: 23), singleDouble = Self.lossAndGradient(Double.self, seed: 23)
        GEMM.threadCount = 2
        let pairFloat = Self.lossAndGradient(Float.self, seed: 23), pairDouble = Self.lossAndGradient(Double.self, seed: 23)
        #expect(singleFloat.loss == pairFloat.loss, "Float loss: \(singleFloat.loss) with 1 thread, \(pairFloat.loss) with 2")
        #expect(singleDouble.loss == pairDouble.loss, "Double loss: \(singleDouble.loss) with 1 thread, \(pairDouble.loss) with 2")
        let floatDifference = Self.firstDifference(singleFloat.gradient, pairFloat.gradient)
        let doubleDifference = Self.firstDifference(singleDouble.gradient, pairDouble.gradient)
        #expect(floatDifference == nil, "Float, 1 vs 2 threads: \(floatDifference ?? "")")
        #expect(doubleDifference == nil, "Double, 1 vs 2 threads: \(doubleDifference ?? "")")
    }
}
