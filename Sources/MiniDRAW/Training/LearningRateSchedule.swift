import Foundation

/// How Adam's step size moves over a run: constant (the paper's Table 3 gives only "Adam"), or a
/// cosine decay from the run's learning rate to `finalLearningRate` between two steps, then flat.
///
///     lr(s) = lr                                                   s <= start
///     lr(s) = final + (lr - final) (1 + cos(pi (s - start) / (end - start))) / 2
///     lr(s) = final                                                s >= end
///
/// Saved with the training settings, so a resumed run keeps decaying where it stopped.
public struct LearningRateSchedule: Equatable, Sendable, Codable {
    /// The step after which the decay begins; nil keeps the learning rate constant.
    public var decayStart: Int?
    /// The step at which the decay reaches `finalLearningRate`.
    public var decayEnd: Int = 0
    /// The step size from `decayEnd` on.
    public var finalLearningRate: Double = 0

    public init() {}

    /// A cosine decay from the base rate after step `start` to `final` at step `end` (> start).
    public static func cosine(start: Int, end: Int, final: Double) -> LearningRateSchedule {
        var schedule = LearningRateSchedule()
        schedule.decayStart = start
        schedule.decayEnd = end
        schedule.finalLearningRate = final
        return schedule
    }

    /// The step size of Adam update number `step` (1-based) for a run whose rate is `base`.
    public func learningRate(base: Double, step: Int) -> Double {
        guard let start = decayStart, step > start else { return base }
        guard step < decayEnd else { return finalLearningRate }
        let progress = Double(step - start) / Double(decayEnd - start)
        return finalLearningRate + (base - finalLearningRate) * (1 + cos(Double.pi * progress)) / 2
    }

    /// "constant" or "cosine 0.001 -> 0.0001 over steps 10000-20000", for the run's summary line.
    public func description(base: Double) -> String {
        guard let start = decayStart else { return "constant" }
        return "cosine \(base) -> \(finalLearningRate) over steps \(start)-\(decayEnd)"
    }
}
