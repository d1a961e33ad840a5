import Foundation
import Testing
@testable import MiniDRAW

/// The cosine learning-rate decay: its values, how it is saved, and that Adam takes it.
@Suite("Learning-rate schedule")
struct LearningRateScheduleTests {
    @Test("constant by default; cosine: the base rate up to the start, the midpoint halfway, the final rate from the end on")
    func values() {
        #expect(LearningRateSchedule().learningRate(base: 1e-3, step: 123_456) == 1e-3)
        let schedule = LearningRateSchedule.cosine(start: 100, end: 300, final: 1e-4)
        expectClose(schedule.learningRate(base: 1e-3, step: 1), 1e-3, tolerance: 0, "before the decay")
        expectClose(schedule.learningRate(base: 1e-3, step: 100), 1e-3, tolerance: 0, "at its start")
        expectClose(schedule.learningRate(base: 1e-3, step: 200), 5.5e-4, tolerance: 1e-15, "halfway: (1e-3 + 1e-4) / 2")
        expectClose(schedule.learningRate(base: 1e-3, step: 150), 1e-4 + 9e-4 * (1 + cos(Double.pi / 4)) / 2, tolerance: 1e-15,
                    "a quarter of the way")
        expectClose(schedule.learningRate(base: 1e-3, step: 300), 1e-4, tolerance: 0, "at its end")
        expectClose(schedule.learningRate(base: 1e-3, step: 5_000), 1e-4, tolerance: 0, "after its end")
        let rates = (100...300).map { schedule.learningRate(base: 1e-3, step: $0) }
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 >= $1 }, "the decay must never rise")
    }

    @Test("saved with the training settings; settings written before schedules existed decode as constant")
    func saved() throws {
        var settings = TrainingSettings()
        settings.schedule = .cosine(start: 10, end: 20, final: 3e-4)
        #expect(try TrainingSettings.fromJSON(settings.json(), source: "test") == settings)
        let older = settings.json().replacingOccurrences(of: #","schedule":\{[^}]*\}"#, with: "", options: .regularExpression)
        #expect(!older.contains("schedule"), "the test must remove the key: \(older)")
        #expect(try TrainingSettings.fromJSON(older, source: "test").schedule == LearningRateSchedule())
    }

    @Test("Adam takes the scheduled rate: a run decayed to 1e-4 by step 1 equals a constant 1e-4 run")
    func adamFollowsSchedule() throws {
        var generator = SeededGenerator(seed: 4)
        let pixels = (0..<(8 * 48)).map { _ in Float(generator.nextUniform() < 0.4 ? 1 : 0) }
        let images = ImageSet(imageCount: 8, height: 6, width: 8, pixels: pixels)
        let config = DRAWConfig(width: 8, height: 6, timesteps: 2, encoderSize: 5, decoderSize: 5, latentSize: 2,
                                readSize: 2, writeSize: 2, attention: true)
        var decayed = TrainingSettings(), constant = TrainingSettings()
        decayed.batchSize = 4
        decayed.schedule = .cosine(start: 0, end: 1, final: 1e-4)
        constant.batchSize = 4
        constant.adam.learningRate = 1e-4
        let first = try Trainer(config: config, settings: decayed, images: images)
        let second = try Trainer(config: config, settings: constant, images: images)
        try first.step()
        try second.step()
        #expect(first.model == second.model)
        #expect(first.model != DRAWModel<Float>.initialized(config: config, seed: decayed.seed), "the step changed nothing")
    }
}
