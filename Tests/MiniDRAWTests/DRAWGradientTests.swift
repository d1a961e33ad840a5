import Testing
@testable import MiniDRAW

/// Whole-model gradient checks: backprop through all T steps (Eq. 1-12 with Eq. 17-18 or 19-29)
/// against central differences of the batch-mean loss, for every parameter tensor.
@Suite("DRAW gradients through time")
struct DRAWGradientTests {
    func checkEveryParameter(attention: Bool, timesteps: Int) {
        let config = TinyModels.config(attention: attention, timesteps: timesteps)
        TinyModels.checkEveryParameter(TinyModels.model(config), image: TinyModels.images(config, batchSize: 2))
    }

    @Test("Eq. 1-12, 19-29: every parameter, T = 3, with attention")
    func fullModelWithAttention() { checkEveryParameter(attention: true, timesteps: 3) }

    @Test("Eq. 1-12, 17-18: every parameter, T = 3, without attention")
    func fullModelWithoutAttention() { checkEveryParameter(attention: false, timesteps: 3) }

    @Test("Eq. 1-8: one full DRAW step (T = 1), with and without attention", arguments: [true, false])
    func oneStep(attention: Bool) { checkEveryParameter(attention: attention, timesteps: 1) }

    @Test("Eq. 3, 8: gradient along the canvas path, dL/dc_0, through every step", arguments: [true, false])
    func canvasPath(attention: Bool) {
        let config = TinyModels.config(attention: attention)
        let report = TinyModels.canvasPathCheck(TinyModels.model(config), image: TinyModels.images(config, batchSize: 2),
                                                maximumChecks: 96).report
        #expect(report.passed, "\(report)")
    }
}
