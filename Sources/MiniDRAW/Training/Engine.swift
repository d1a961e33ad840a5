// MARK: - Which code computes the model

/// The two implementations of DRAW that train, evaluate and draw: `minidraw train|eval|sample|reconstruct
/// --engine fast|paper`. Both run on the same parameters (`DRAWModel`, the same checkpoint tensors),
/// draw the same noise from the same seed in the same order, and leave Adam, clipping, the schedule,
/// the log and the checkpoints to the same code; only the forward and backward passes differ, so a
/// checkpoint trained by one evaluates in the other. Their figures agree to rounding (about 1e-6
/// relative in Float: the sums run in another order), not bit for bit.
///
///     fast    Model/ and Kernels/: packed weights, register tiles, vector activations, a batch cut
///             into slices that run side by side on the threads (`BatchSlices`, `ForwardSlices`)
///     paper   Paper/: DRAW as the paper writes it (`PaperDRAW`), plain loops over `Matrix`, the whole
///             batch at once on one thread; for reading and checking the fast engine, many times slower
public enum Engine: String, CaseIterable, Sendable {
    case fast
    case paper

    /// "fast, paper", for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
