import Foundation

/// The run's CSV log, one row per logged step:
///   step, elapsed_seconds, loss, loss_x, loss_z, valid_bound, images_per_second, gradient_norm, kl_1 ... kl_T
/// `valid_bound` is empty except on validation steps; kl_t is step t's KL term (Eq. 11), so a
/// KL plateau (every kl_t ~ 0) or its end shows in the columns.
public final class TrainingLog {
    public let path: String
    let handle: FileHandle

    /// The header line for a model of `timesteps` steps.
    public static func header(timesteps: Int) -> String {
        (["step", "elapsed_seconds", "loss", "loss_x", "loss_z", "valid_bound", "images_per_second", "gradient_norm"]
            + (1...max(timesteps, 1)).map { "kl_\($0)" }).joined(separator: ",")
    }

    /// Opens `path` for appending. A new run (`resumedStep` nil) starts a fresh file; a resumed
    /// run keeps the rows up to its step and drops any logged after that checkpoint.
    public init(path: String, timesteps: Int, resumedStep: Int?) throws {
        self.path = path
        let header = Self.header(timesteps: timesteps)
        var kept = [header]
        if let resumedStep, let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for line in text.split(separator: "\n").dropFirst() {
                if let step = Int(line.prefix { $0 != "," }), step <= resumedStep { kept.append(String(line)) }
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

    /// Appends one row.
    public func append(_ result: StepResult, elapsedSeconds: Double, imagesPerSecond: Double, validationBound: Double?) {
        var fields = [String(result.step), format(elapsedSeconds, 1), format(result.loss, 4),
                      format(result.reconstructionLoss, 4), format(result.latentLoss, 4),
                      validationBound.map { format($0, 4) } ?? "", format(imagesPerSecond, 1), format(result.gradientNorm, 3)]
        fields += result.klPerStep.map { format($0, 4) }
        handle.write(Data((fields.joined(separator: ",") + "\n").utf8))
    }

    func format(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
