import Testing
@testable import MiniDRAW

/// Whole-model gradient checks on colour images (paper §3.3): C = 3 channel planes share one
/// attention window per step, read returns C N^2 values per glimpse (Eq. 27) and write produces
/// C N^2 patch values (Eq. 28-29). Targets are values in [0, 1], not only 0 and 1, as colour MNIST's.
@Suite("DRAW gradients on colour images")
struct ColorGradientTests {
    static func config(attention: Bool, timesteps: Int = 2) -> DRAWConfig {
        DRAWConfig(width: 8, height: 6, channels: 3, timesteps: timesteps, encoderSize: 6, decoderSize: 5,
                   latentSize: 4, readSize: 2, writeSize: 3, attention: attention)
    }

    /// Images [batchSize, 3 * 6 * 8] with values spread over [0, 1].
    static func images(_ config: DRAWConfig, batchSize: Int) -> Matrix<Double> {
        var generator = SeededGenerator(seed: 17)
        var image = Matrix<Double>(rows: batchSize, columns: config.imageSize)
        for index in image.storage.indices { image.storage[index] = generator.nextUniform() }
        return image
    }

    /// Checks every parameter tensor and returns the worst report.
    func checkEveryParameter(attention: Bool, timesteps: Int) -> GradientReport {
        let config = Self.config(attention: attention, timesteps: timesteps)
        return TinyModels.checkEveryParameter(TinyModels.model(config), image: Self.images(config, batchSize: 2))
    }

    @Test("§3.3, Eq. 1-12, 19-29 at C = 3: every parameter, T = 2, with attention")
    func colorWithAttention() {
        let worst = checkEveryParameter(attention: true, timesteps: 2)
        #expect(worst.checkedCount > 0 && worst.maxRelativeError < 1e-6, "\(worst)")
    }

    @Test("§3.3, Eq. 1-12, 17-18 at C = 3: every parameter, T = 2, without attention")
    func colorWithoutAttention() {
        let worst = checkEveryParameter(attention: false, timesteps: 2)
        #expect(worst.checkedCount > 0 && worst.maxRelativeError < 1e-6, "\(worst)")
    }

    @Test("§3.3, Eq. 3, 8, 29 at C = 3: dL/dc_0 through every step reaches all three channel planes")
    func colorCanvasPath() {
        let config = Self.config(attention: true, timesteps: 3)
        let (report, dCanvas) = TinyModels.canvasPathCheck(TinyModels.model(config), image: Self.images(config, batchSize: 2),
                                                           maximumChecks: 144)
        #expect(report.passed, "\(report)")
        // Every channel plane of the first image carries gradient.
        let planeSize = config.pixelCount
        for channel in 0..<3 {
            let plane = dCanvas.storage[(channel * planeSize)..<((channel + 1) * planeSize)]
            #expect(plane.contains { abs($0) > 1e-6 }, "channel \(channel) receives no gradient")
        }
    }
}
