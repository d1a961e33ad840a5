/// A seeded, portable random generator: xoshiro256** seeded through SplitMix64.
///
/// Integer arithmetic only for the uniform stream, so a seed gives the same bits on every
/// machine. Gaussians use the Marsaglia polar method (IEEE `sqrt` is exact, `log` is the
/// platform's correctly-rounded-in-practice libm call, the same on x86-64 and arm64 glibc).
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The four 64-bit words of xoshiro256**; saved in checkpoints so a resumed run continues the stream.
    public var state: (UInt64, UInt64, UInt64, UInt64)
    /// The second value of the last polar-method pair, if not yet used.
    public var spareGaussian: Double?

    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
        spareGaussian = nil
    }

    public init(state: (UInt64, UInt64, UInt64, UInt64), spareGaussian: Double?) {
        self.state = state
        self.spareGaussian = spareGaussian
    }

    public static func == (lhs: SeededGenerator, rhs: SeededGenerator) -> Bool {
        lhs.state == rhs.state && lhs.spareGaussian == rhs.spareGaussian
    }

    @inline(__always)
    private static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = Self.rotateLeft(state.3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform integer in 0..<bound without modulo bias (Lemire's method).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound, got \(bound)")
        return Int(truncatingIfNeeded: next(upperBound: UInt64(bound)))
    }

    /// A standard normal sample (mean 0, variance 1).
    public mutating func nextGaussian() -> Double {
        if let spare = spareGaussian {
            spareGaussian = nil
            return spare
        }
        while true {
            let u = 2 * nextUniform() - 1
            let v = 2 * nextUniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * _log(s) / s).squareRoot()
                spareGaussian = v * factor
                return u * factor
            }
        }
    }

    /// Fills `values` with standard normal samples.
    public mutating func fillGaussian<Scalar: DRAWScalar>(_ values: inout [Scalar]) {
        for index in values.indices { values[index] = Scalar(nextGaussian()) }
    }

    /// A Fisher-Yates shuffle of `0..<count` drawn from this stream.
    public mutating func permutation(count: Int) -> [Int] {
        var order = Array(0..<count)
        if count < 2 { return order }
        for index in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(index, nextInt(below: index + 1))
        }
        return order
    }
}

@inline(__always) private func _log(_ x: Double) -> Double { Double.log(x) }
