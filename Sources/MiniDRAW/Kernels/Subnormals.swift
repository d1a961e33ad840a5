#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Subnormal numbers flushed to zero

/// Why: the filterbank exp(-(a - mu)^2 / 2 sigma^2) (Eq. 25-26) underflows for pixels far from a
/// window into subnormal numbers (below 1.2e-38 in Float), and every product with them stays
/// subnormal through the read, the write and their backward. Intel cores take a microcode assist
/// of ~100 cycles for each subnormal operand or result (AMD Zen hides most of it): on an Intel
/// Xeon the attention preset trained 2.5x slower with them (README, Performance). A subnormal
/// weight is 1e-38 of the row's largest, so setting it to zero changes no figure a reader sees.
///
/// How: the processor's own switches, as TensorFlow and XLA set them for their CPU kernels:
/// flush-to-zero (results) and denormals-are-zero (operands) in MXCSR on x86-64, FZ in FPCR on
/// arm64. They hold per thread, so `runConcurrently` sets them on every thread it runs work on,
/// and the model's entry points (forward, backward, generation, a training step, evaluation,
/// the classifiers) set them for the thread that calls them. Each restores the caller's
/// environment when it returns, so a program that uses MiniDRAW as a library keeps its own.
/// Both switches act the same on every x86-64 (and FZ on every arm64), so results stay identical
/// across machines; on any other processor MiniDRAW runs with subnormals as they are.

/// Runs `body` with subnormal operands read as zero and subnormal results written as zero, then
/// restores the calling thread's floating-point environment.
@inline(__always)
package func withSubnormalsFlushed<Result>(_ body: () throws -> Result) rethrows -> Result {
    let flushing = SubnormalsFlushed()
    defer { flushing.restore() }
    return try body()
}

/// The flush switched on for the calling thread until `restore()`, for a function whose whole
/// body runs flushed without being indented into a closure:
///
///     let subnormals = SubnormalsFlushed()
///     defer { subnormals.restore() }
package struct SubnormalsFlushed {
    #if (canImport(Glibc) || canImport(Darwin)) && (arch(x86_64) || arch(arm64))
    /// The caller's environment, put back by `restore()`.
    private var saved = fenv_t()

    @inline(__always)
    package init() {
        fegetenv(&saved)
        var flushing = saved
        SubnormalFlushing.setFlushBits(&flushing)
        fesetenv(&flushing)
    }

    @inline(__always)
    package func restore() {
        var saved = saved
        fesetenv(&saved)
    }
    #else
    package init() {}
    package func restore() {}
    #endif
}

/// What `SubnormalsFlushed` does on this processor, for `minidraw bench` and the tests.
public enum SubnormalFlushing {
    #if (canImport(Glibc) || canImport(Darwin)) && arch(x86_64)
    /// MXCSR bit 15 (FTZ: subnormal results become 0) and bit 6 (DAZ: subnormal operands read as 0).
    static let bits: UInt32 = 0x8040
    static func setFlushBits(_ environment: inout fenv_t) { environment.__mxcsr |= bits }
    #elseif canImport(Glibc) && arch(arm64)
    /// FPCR bit 24 (FZ: subnormal operands and results are 0).
    static let bits: UInt32 = 1 << 24
    static func setFlushBits(_ environment: inout fenv_t) { environment.__fpcr |= bits }
    #elseif canImport(Darwin) && arch(arm64)
    static let bits: UInt64 = 1 << 24
    static func setFlushBits(_ environment: inout fenv_t) { environment.__fpcr |= bits }
    #endif

    /// Whether MiniDRAW's work runs with subnormals flushed here: measured, not assumed, by
    /// halving the smallest normal Float inside `withSubnormalsFlushed` (0 when flushed).
    public static var isEffective: Bool {
        withSubnormalsFlushed { halved(Float.leastNormalMagnitude) == 0 }
    }

    /// x / 2 computed at run time (not folded by the compiler, which ignores the switches).
    @inline(never)
    static func halved(_ x: Float) -> Float { x * 0.5 }

    /// One line for `minidraw bench`: "flushed to zero (FTZ + DAZ)" or "kept (...)".
    public static var description: String {
        #if arch(x86_64)
        let switches = "MXCSR FTZ + DAZ"
        #elseif arch(arm64)
        let switches = "FPCR.FZ"
        #else
        let switches = "no switch on this processor"
        #endif
        return isEffective ? "flushed to zero (\(switches))" : "kept (\(switches) not in effect)"
    }
}
