import Foundation

/// The run's CSV log, one row per logged step:
///   step, elapsed_seconds, loss, loss_x, loss_z, valid_bound, train_bound, valid_bound_average,
///   images_per_second, gradient_norm, kl_1 ... kl_T
/// The three bounds (Eq. 12) are empty except on validation steps: the validation images', the same
/// figure on a fixed subset of the training images (`TrainingSettings.trainingBoundImages`; the gap
/// between the two shows overfitting), and the validation images' under the weight average
/// (`WeightAverage`); the last two only when the run asks for them. kl_t is step t's KL term
/// (Eq. 11), so a KL plateau (every kl_t ~ 0) or its end shows in the columns.
public final class TrainingLog {
    public let path: String
    let handle: FileHandle

    /// The header line for a model of `timesteps` steps.
    public static func header(timesteps: Int) -> String {
        (["step", "elapsed_seconds", "loss", "loss_x", "loss_z", "valid_bound", "train_bound", "valid_bound_average",
          "images_per_second", "gradient_norm"]
            + (1...max(timesteps, 1)).map { "kl_\($0)" }).joined(separator: ",")
    }

    /// Opens `path` for appending. A new run (`resumedStep` nil) starts a fresh file; a resumed
    /// run keeps the rows up to its step and drops any logged after that checkpoint. Kept rows written
    /// under an older header are rewritten under today's, field by column name (empty where the old
    /// log had no such column), so every row has the header's columns.
    public init(path: String, timesteps: Int, resumedStep: Int?) throws {
        self.path = path
        let header = Self.header(timesteps: timesteps)
        var kept = [header]
        if let resumedStep, let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let lines = text.split(separator: "\n")
            let newColumns = header.split(separator: ",").map(String.init)
            let oldColumns = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) ?? []
            let sources = newColumns.map { oldColumns.firstIndex(of: $0) }
            for line in lines.dropFirst() {
                guard let step = Int(line.prefix { $0 != "," }), step <= resumedStep else { continue }
                if oldColumns == newColumns { kept.append(String(line)); continue }
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                kept.append(sources.map { index in index.flatMap { $0 < fields.count ? String(fields[$0]) : nil } ?? "" }
                    .joined(separator: ","))
            }
        }
        try AtomicFile.write(Data((kept.joined(separator: "\n") + "\n").utf8), to: path)
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw TrainingError(description: "cannot open \(path) for appending")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Appends one row; the bounds are nil on the steps without a check.
    public func append(_ result: StepResult, elapsedSeconds: Double, imagesPerSecond: Double, bounds: CheckBounds = CheckBounds()) {
        var fields = [String(result.step), format(elapsedSeconds, 1), format(result.loss, 4),
                      format(result.reconstructionLoss, 4), format(result.latentLoss, 4)]
        fields += [bounds.validation, bounds.training, bounds.averageValidation].map { $0.map { format($0, 4) } ?? "" }
        fields += [format(imagesPerSecond, 1), format(result.gradientNorm, 3)]
        fields += result.klPerStep.map { format($0, 4) }
        handle.write(Data((fields.joined(separator: ",") + "\n").utf8))
    }

    func format(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}

/// The bounds (Eq. 12) of one check during training, nats per image; nil for those not computed.
public struct CheckBounds: Sendable, Equatable {
    /// The validation images' bound (`valid_bound`).
    public var validation: Double?
    /// The fixed training subset's bound (`train_bound`).
    public var training: Double?
    /// The validation images' bound under the weight average (`valid_bound_average`).
    public var averageValidation: Double?

    public init(validation: Double? = nil, training: Double? = nil, averageValidation: Double? = nil) {
        (self.validation, self.training, self.averageValidation) = (validation, training, averageValidation)
    }
}
