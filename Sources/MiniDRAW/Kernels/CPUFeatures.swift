import Foundation

// MARK: - What the processor offers the kernels
//
// The package compiles with `-march=native` (Package.swift): on a processor with AVX-512 a
// `SIMD16<Float>` is one of 32 zmm registers, on one with AVX2 two of 16 ymm registers. Swift
// has no `#if` for target features, so the kernel reads the processor's flags once at run
// time and sizes its register tile for them (`FloatGEMMBlocking`). A binary built on an AVX2
// machine and run on an AVX-512 one would get the tall tile with spilled registers: correct,
// only slower (`minidraw bench` measures every tile height, so such a mismatch shows).

/// The processor's vendor, name and vector extensions, read once.
package struct CPUFeatures: Sendable {
    /// The vendor as the processor names itself ("GenuineIntel", "AuthenticAMD"), with its family
    /// and model numbers where the system gives them ("GenuineIntel family 6 model 207"): which
    /// kind of core runs the kernels (an Intel core pays for subnormals, Subnormals.swift).
    package let vendor: String?
    /// The model name ("AMD EPYC 9R45"), or nil where the system does not say.
    package let modelName: String?
    /// The vector extensions among avx512f, avx2, fma, asimd (NEON) that the processor reports.
    package let vectorExtensions: [String]

    /// AVX-512 Foundation: 32 vector registers of 16 floats.
    package var hasAVX512: Bool { vectorExtensions.contains("avx512f") }

    /// "AMD EPYC (AuthenticAMD family 25 model 1; avx2 fma)": the line `minidraw bench` prints.
    package var description: String {
        "\(modelName ?? "unknown model") (" + (vendor.map { $0 + "; " } ?? "")
            + (vectorExtensions.isEmpty ? "no AVX2/AVX-512/NEON flags found" : vectorExtensions.joined(separator: " ")) + ")"
    }

    package init(vendor: String? = nil, modelName: String?, vectorExtensions: [String]) {
        (self.vendor, self.modelName, self.vectorExtensions) = (vendor, modelName, vectorExtensions)
    }

    /// From the text of Linux's /proc/cpuinfo: the first processor's "vendor_id" with its "cpu family"
    /// and "model" (x86-64) or "CPU implementer" (arm64), its "model name", and its "flags" (x86-64)
    /// or "Features" (arm64) among the extensions the kernels care about.
    package init(cpuinfo: String) {
        let lines = cpuinfo.split(separator: "\n")
        func field(_ name: String) -> String? {
            lines.first { $0.hasPrefix(name) && $0.dropFirst(name.count).trimmingCharacters(in: .whitespaces).hasPrefix(":") }?
                .split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let flags = Set((field("flags") ?? field("Features") ?? "").split(separator: " ").map(String.init))
        var vendor = field("vendor_id") ?? field("CPU implementer").map { "implementer \($0)" }
        if let family = field("cpu family"), let model = field("model") { vendor = vendor.map { "\($0) family \(family) model \(model)" } }
        self.init(vendor: vendor, modelName: field("model name"), vectorExtensions: Self.knownExtensions.filter(flags.contains))
    }

    /// This machine's, read on first use.
    package static let current = CPUFeatures.read()

    private static let knownExtensions = ["avx512f", "avx2", "fma", "asimd"]

    /// Linux: /proc/cpuinfo's "model name" and "flags" (x86-64) or "Features" (arm64).
    /// macOS: `sysctl` machdep.cpu.brand_string and hw.optional.avx512f / avx2_0 / fma / neon.
    private static func read() -> CPUFeatures {
        #if canImport(Darwin)
        func sysctlString(_ name: String) -> String? {
            var size = 0
            guard sysctlbyname(name, nil, &size, nil, 0) == 0, size > 0 else { return nil }
            var bytes = [CChar](repeating: 0, count: size)
            guard sysctlbyname(name, &bytes, &size, nil, 0) == 0 else { return nil }
            return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        func sysctlFlag(_ name: String) -> Bool {
            var value: Int32 = 0
            var size = MemoryLayout<Int32>.size
            return sysctlbyname(name, &value, &size, nil, 0) == 0 && value != 0
        }
        let flags: [(String, String)] = [("avx512f", "hw.optional.avx512f"), ("avx2", "hw.optional.avx2_0"),
                                         ("fma", "hw.optional.fma"), ("asimd", "hw.optional.neon")]
        return CPUFeatures(vendor: sysctlString("machdep.cpu.vendor"), modelName: sysctlString("machdep.cpu.brand_string"),
                           vectorExtensions: flags.filter { sysctlFlag($0.1) }.map(\.0))
        #else
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
            return CPUFeatures(modelName: nil, vectorExtensions: [])
        }
        return CPUFeatures(cpuinfo: info)
        #endif
    }
}
