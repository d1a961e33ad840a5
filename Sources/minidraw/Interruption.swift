import Foundation

/// Ctrl-C (SIGINT) and SIGTERM during a long command (`train`, `classify`): the first asks the
/// loop to stop after the step it is in, so that it can save a complete checkpoint and say how to
/// go on; a second ends the process at once, with the same exit status (128 + the signal number:
/// 130 for Ctrl-C, 143 for SIGTERM), as a shell expects of a program stopped by a signal.
enum Interruption {
    /// The signal received first, or 0. Written by the handler only (one aligned 32-bit store, as
    /// C's sig_atomic_t), read by the loop between steps.
    nonisolated(unsafe) static var signalNumber: Int32 = 0

    /// What the handler writes on the first signal. Made before any signal can come: the handler
    /// itself only calls write(2), which is safe inside a signal handler (allocating is not).
    nonisolated(unsafe) static var notice: [UInt8] = []

    /// From now on SIGINT and SIGTERM stop the loop after its current step; `what` names the work
    /// in the notice ("training": "minidraw: stopping training after this step ...").
    static func install(what: String) {
        notice = Array("\nminidraw: stopping \(what) after this step and saving a checkpoint (press Ctrl-C again to stop at once)\n".utf8)
        signal(SIGINT, handleSignal)
        signal(SIGTERM, handleSignal)
        // A program started by another may inherit the two blocked (a test runner, a job system):
        // blocked, they would wait until the run ends instead of stopping it.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    /// The signal that asked the loop to stop, nil while none has.
    static var requested: Int32? { signalNumber == 0 ? nil : signalNumber }

    /// 128 + the signal number: the exit status after an interruption.
    static func exitStatus(for signal: Int32) -> Int32 { 128 + signal }
}

/// The signal handler: a C function pointer, so it captures nothing.
private func handleSignal(_ number: Int32) {
    if Interruption.signalNumber != 0 { _exit(Interruption.exitStatus(for: number)) }   // the second: at once
    Interruption.signalNumber = number
    _ = Interruption.notice.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
