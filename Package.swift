// swift-tools-version:6.2
import PackageDescription

/// `-march=native` lets the compiler use the instruction set of the machine that builds
/// MiniDRAW (AVX2 + FMA on x86-64, NEON on arm64). Without it Swift targets baseline
/// x86-64 and `SIMD.addingProduct` becomes one `fmaf` call per lane (~100x slower GEMM).
/// Never replace it with a named newer CPU: AVX-512 code crashes on AVX2-only machines.
/// Tools version 6.2 or later: earlier manifests refuse `unsafeFlags` in a package used as a
/// dependency (`.ci/dependent-package-check` builds one).
let nativeCPU: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=native"])]

let package = Package(
    name: "MiniDRAW",
    products: [
        .library(name: "MiniDRAW", targets: ["MiniDRAW"]),
        .executable(name: "minidraw", targets: ["minidraw"]),
    ],
    targets: [
        .target(name: "MiniDRAW", swiftSettings: nativeCPU),
        .executableTarget(name: "minidraw", dependencies: ["MiniDRAW"], swiftSettings: nativeCPU),
        .testTarget(
            name: "MiniDRAWTests",
            dependencies: ["MiniDRAW", "minidraw"],
            resources: [.copy("Resources")],
            swiftSettings: nativeCPU
        ),
    ]
)
