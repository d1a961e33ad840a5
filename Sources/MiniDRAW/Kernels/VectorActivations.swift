/// Exp, sigmoid and tanh over whole buffers: the LSTM gates' hot path (Eq. 5, 7) and the
/// attention filterbanks (Eq. 25-26).
///
/// `Double` (the gradient checks and the reference tests) calls the C library per element.
/// `Float` (training) evaluates sixteen lanes at a time with its own exp, accurate to about
/// 2 ulp: libm's scalar `expf`/`tanhf` calls were a quarter of a paper-config training step.
/// Sixteen lanes are one AVX-512 register (two AVX2 ones): on Zen 5 a sigmoid over 51,200
/// gate values took 10.8 us against 20.9 in eight lanes, each lane's bits unchanged.

// MARK: - Float: sixteen lanes at a time

extension Float {
    /// e^x for sixteen lanes (Cephes' expf): x = n ln 2 + r with |r| <= ln 2 / 2, e^r from a
    /// degree-6 polynomial, 2^n put straight into the exponent bits. Inputs are clamped to
    /// [-87.3, 88.3], where n = round(x / ln 2) stays within -126...127 and e^x is a normal finite
    /// Float (at 88.7, n would be 128 and 2^n infinite).
    ///
    /// Only concrete SIMD16 operations are used: the generic `clamped`, `rounded(_:)` and
    /// `SIMD16<Int32>(_:rounding:)` were not inlined and cost more than the polynomial. Adding
    /// 1.5 * 2^23 rounds x / ln 2 to the nearest integer (ties to even) in the low mantissa
    /// bits, which the exponent shift then reads directly.
    @inline(__always)
    static func exp16(_ input: SIMD16<Float>) -> SIMD16<Float> {
        let lowest = SIMD16<Float>(repeating: -87.3), highest = SIMD16<Float>(repeating: 88.3)
        var x = input.replacing(with: lowest, where: input .< lowest)
        x = x.replacing(with: highest, where: x .> highest)
        let roundingShift = SIMD16<Float>(repeating: 12_582_912)              // 1.5 * 2^23
        let shifted = x * 1.442_695_04 + roundingShift                        // n + 1.5 * 2^23
        let n = shifted - roundingShift                                       // n = round(x / ln 2)
        var r = x - n * 0.693_359_375                                         // ln 2 split in two parts so
        r = r - n * -2.121_944_4e-4                                           // that r keeps its low bits
        var p = SIMD16<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1                                               // e^r
        let exponentBits = (unsafeBitCast(shifted, to: SIMD16<Int32>.self) &+ 127) &<< 23   // low bits hold n
        return p * unsafeBitCast(exponentBits, to: SIMD16<Float>.self)        // e^r 2^n
    }

    /// The functions `apply16` evaluates.
    enum LaneFunction {
        case exp, sigmoid, tanh
    }

    /// `function` of sixteen lanes: e^x; sigmoid(x) = 1 / (1 + e^-x); tanh(x) = 2 sigmoid(2x) - 1.
    @inline(__always)
    static func evaluate16(_ function: LaneFunction, _ x: SIMD16<Float>) -> SIMD16<Float> {
        switch function {
        case .exp: return exp16(x)
        case .sigmoid: return 1 / (1 + exp16(-x))
        case .tanh: return 2 / (1 + exp16(-2 * x)) - 1
        }
    }

    /// Applies `function` to `values[0..<count]` sixteen at a time, the tail through a padded vector.
    /// Never inlined, so that `exp16` always is: a `SIMD16` crossing a call travels in four 128-bit
    /// registers, and an `exp16` left out of line inside a large caller (the LSTM's forward) or a
    /// closure taking a `SIMD16` was worked on in 128-bit pieces, with shuffles in and out (perf on
    /// an AVX-512 Xeon: the sigmoid and exp were 7% of a no-attention training step, against 1% here).
    @inline(never)
    static func apply16(_ values: UnsafeMutablePointer<Float>, count: Int, _ function: LaneFunction) {
        var index = 0
        while index + 16 <= count {
            storeVector(evaluate16(function, loadVector(values + index)), to: values + index)
            index += 16
        }
        let rest = count - index
        if rest > 0 {
            var tail = SIMD16<Float>(repeating: 0)
            for lane in 0..<rest { tail[lane] = values[index + lane] }
            // One copy of the used lanes back: lane by lane, the compiler spilled the vector for each
            // (a 28-value filterbank row took 37 ns instead of 26 on Zen 5).
            let byteCount = rest * MemoryLayout<Float>.stride
            withUnsafeBytes(of: evaluate16(function, tail)) {
                UnsafeMutableRawPointer(values + index).copyMemory(from: $0.baseAddress!, byteCount: byteCount)
            }
        }
    }

    /// e^x, in place.
    public static func exp(_ values: UnsafeMutablePointer<Float>, count: Int) {
        apply16(values, count: count, .exp)
    }

    /// sigmoid(x) = 1 / (1 + e^-x), in place.
    public static func sigmoid(_ values: UnsafeMutablePointer<Float>, count: Int) {
        apply16(values, count: count, .sigmoid)
    }

    /// tanh(x) = 2 sigmoid(2x) - 1, in place (absolute error about 1e-7 near 0).
    public static func tanh(_ values: UnsafeMutablePointer<Float>, count: Int) {
        apply16(values, count: count, .tanh)
    }
}

// MARK: - Double: the C library

extension Double {
    /// e^x, in place, element by element.
    public static func exp(_ values: UnsafeMutablePointer<Double>, count: Int) {
        for index in 0..<count { values[index] = Double.exp(values[index]) }
    }

    /// sigmoid(x), in place, element by element.
    public static func sigmoid(_ values: UnsafeMutablePointer<Double>, count: Int) {
        for index in 0..<count { values[index] = MiniDRAW.sigmoid(values[index]) }
    }

    /// tanh(x), in place, element by element.
    public static func tanh(_ values: UnsafeMutablePointer<Double>, count: Int) {
        for index in 0..<count { values[index] = Double.tanh(values[index]) }
    }
}
