import Foundation
import MiniDRAW

/// The training loop as the user sees it: progress on stderr, the CSV log, periodic
/// validation and checkpoints, and a summary at the end.
struct TrainingRun {
    let trainer: Trainer
    let directory: String
    let validation: ImageSet
    /// The fixed training images whose bound each check logs beside the validation bound (nil: none).
    let trainingSubset: ImageSet?
    /// Newest checkpoints left in `directory` (0: all).
    let keepCheckpoints: Int
    /// Minutes after which a checkpoint is saved whatever the step (0: by `checkpointEvery` steps only),
    /// so that a run killed outright (kill -9, a lost machine) loses minutes of work, not up to
    /// `checkpointEvery` steps of it.
    let checkpointMinutes: Double
    let logEvery: Int
    let resumedStep: Int?

    func run() throws {
        let settings = trainer.state.settings
        let config = trainer.model.config
        try AtomicFile.ensureDirectory(directory)
        let log = try TrainingLog(path: "\(directory)/log.csv", timesteps: config.timesteps, resumedStep: resumedStep)
        let validationSet = validation.prefix(settings.validationImages)
        print("model    \(config.summary), \(trainer.model.parameterCount) parameters")
        let threads = trainer.engine == .paper ? 1 : GEMM.threadCount           // the paper model runs on this thread
        print("training \(trainer.engine) engine, batch \(settings.batchSize), Adam lr \(settings.adam.learningRate) (\(settings.schedule.description(base: settings.adam.learningRate))) betas \(settings.adam.beta1)/\(settings.adam.beta2), "
              + "clip \(settings.adam.clipNorm), seed \(settings.seed), \(threads) threads, steps \(trainer.state.step + 1)-\(settings.totalSteps)")
        print("run      \(directory) (log.csv, checkpoints)")
        let progress = ProgressLine()
        let clock = ContinuousClock()
        let started = clock.now
        let elapsedBefore = trainer.state.elapsedSeconds
        func elapsed() -> Double { elapsedBefore + (clock.now - started).secondsValue }
        var windowStart = clock.now, windowSteps = 0
        var lastCheckpoint: String?
        var lastSaved = clock.now
        var lastBounds = CheckBounds()
        while trainer.state.step < settings.totalSteps {
            let result = try trainer.step()
            windowSteps += 1
            let step = result.step, isLast = step == settings.totalSteps
            if step % logEvery == 0 || isLast {
                let imagesPerSecond = Double(windowSteps * settings.batchSize) / max((clock.now - windowStart).secondsValue, 1e-9)
                var bounds = CheckBounds()
                if (settings.validateEvery > 0 && step % settings.validateEvery == 0) || isLast {
                    bounds = checkBounds(validationSet: validationSet)
                    lastBounds = bounds
                }
                log.append(result, elapsedSeconds: elapsed(), imagesPerSecond: imagesPerSecond, bounds: bounds)
                let remaining = Double(settings.totalSteps - step) * Double(settings.batchSize) / max(imagesPerSecond, 1e-9)
                progress.show(String(format: "step %d/%d  epoch %d  %.0f img/s  loss %.2f (Lx %.2f, Lz %.2f)%@  ETA %@",
                                     step, settings.totalSteps, (step * settings.batchSize - 1) / trainer.trainingImageCount + 1, imagesPerSecond, result.loss,
                                     result.reconstructionLoss, result.latentLoss,
                                     bounds.progressText, formatDuration(remaining)))
                windowStart = clock.now
                windowSteps = 0
            }
            let interruption = Interruption.requested
            let minutesSinceSaved = (clock.now - lastSaved).secondsValue / 60
            if step % settings.checkpointEvery == 0 || isLast || interruption != nil
                || (checkpointMinutes > 0 && minutesSinceSaved >= checkpointMinutes) {
                lastCheckpoint = try trainer.saveCheckpoint(directory: directory, elapsedSeconds: elapsed(), keep: keepCheckpoints)
                lastSaved = clock.now
            }
            if let interruption, !isLast {                     // Ctrl-C or SIGTERM: the step is saved, stop here
                progress.finish()
                if let lastCheckpoint { print("checkpoint \(lastCheckpoint)") }
                print("log        \(log.path)")
                print("interrupted at step \(step); continue with: minidraw train --resume \(directory)"
                      + (trainer.engine == .paper ? " --engine paper" : ""))
                exit(Interruption.exitStatus(for: interruption))
            }
        }
        progress.finish()
        if let bound = lastBounds.validation {
            let name = settings.pixels == .grey ? "cross-entropy bound" : "bound"                  // see EvalCommand
            print(String(format: "validation %@ %.2f nats (%d images)", name, bound, validationSet.imageCount))
            if let average = lastBounds.averageValidation {
                print(String(format: "           %.2f nats with the weight average (decay %g)", average, settings.averageDecay ?? 0))
            }
            if let training = lastBounds.training, let subset = trainingSubset {
                print(String(format: "training   %@ %.2f nats (the first %d training images)", name, training, subset.imageCount))
            }
        }
        if let lastCheckpoint { print("checkpoint \(lastCheckpoint)") }
        print("log        \(log.path)")
        // The run's own samples: its folder holds this run only (RunFolder), so they replace this run's older ones.
        let samplePaths = try SampleWriter.write(model: trainer.model, count: 100, seed: settings.seed,
                                                 directory: "\(directory)/samples",
                                                 options: .init(png: true, gif: true, boxes: config.attention, overwrite: true),
                                                 engine: trainer.engine)
        if let animation = samplePaths.first(where: { $0.hasSuffix(".gif") }) { print("sample     \(animation)") }
        print(String(format: "trained %d steps in %@", settings.totalSteps, formatDuration(elapsed())))
    }
}

extension TrainingRun {
    /// The bounds (Eq. 12) of one check: the validation images under the weights and, when the run
    /// asks, under the weight average, and the fixed training subset; each with the run's seed.
    func checkBounds(validationSet: ImageSet) -> CheckBounds {
        let settings = trainer.state.settings
        func bound(_ model: DRAWModel<Float>, _ images: ImageSet) -> Double {
            model.evaluate(images: images, batchSize: settings.batchSize, importanceSamples: 0, seed: settings.seed,
                           engine: trainer.engine).bound
        }
        return CheckBounds(validation: bound(trainer.model, validationSet),
                           training: trainingSubset.map { bound(trainer.model, $0) },
                           averageValidation: trainer.state.average.map { bound($0, validationSet) })
    }
}

extension CheckBounds {
    /// "  valid 86.41 (average 85.90, train 84.12)" for the progress line; "" without a check.
    var progressText: String {
        guard let validation else { return "" }
        let others = [averageValidation.map { String(format: "average %.2f", $0) }, training.map { String(format: "train %.2f", $0) }]
            .compactMap { $0 }
        return String(format: "  valid %.2f", validation) + (others.isEmpty ? "" : " (\(others.joined(separator: ", ")))")
    }
}

/// One progress line on stderr: rewritten in place on a terminal, plain lines otherwise.
final class ProgressLine {
    let isTerminal = isatty(STDERR_FILENO) != 0
    var shown = false

    func show(_ text: String) {
        let line = isTerminal ? "\r\u{1B}[K\(text)" : "\(text)\n"
        writeToStandardError(line)
        shown = true
    }

    func finish() {
        if isTerminal && shown { writeToStandardError("\n") }
    }
}

/// "1h02m", "3m12s", "45s".
func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    let total = Int(seconds.rounded())
    if total >= 3600 { return String(format: "%dh%02dm", total / 3600, total % 3600 / 60) }
    if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
    return "\(total)s"
}
