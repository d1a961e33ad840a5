import Foundation
import MiniDRAW

/// `minidraw bench`: GEMM GFLOP/s at the model's shapes and training images/s for the presets.
enum BenchCommand: Command {
    static let spec = CommandSpec(name: "bench", summary: "measure GEMM GFLOP/s and training images/s on this machine", options: [
        .value("presets", placeholder: "LIST", help: "comma-separated presets to train (or 'none')",
               defaultValue: "paperMNIST,paperMNISTNoAttention,small"),
        .value("steps", placeholder: "N", help: "timed training steps per preset (after one warm-up)", defaultValue: "5"),
        .value("batch-size", placeholder: "N", help: "images per step", defaultValue: "100"),
        .value("threads", placeholder: "N", help: "threads for the training figures", defaultValue: "\(ProcessInfo.processInfo.activeProcessorCount)"),
        .value("gemm-seconds", placeholder: "S", help: "time per GEMM measurement (0: skip GEMM)", defaultValue: "0.5"),
        .value("tile-rows", placeholder: "R", help: "register-tile rows: 6 (sized for AVX2) or 12 (for AVX-512), or 6,12 to "
               + "train with each in turn, step by step, and print both (default: this processor's)"),
        .flag("json", help: "one JSON object per result instead of a table"),
    ])

    /// The products of a paper-config training step as it runs them, in slices of 50 images
    /// (`BatchSlices`), as C[m, n] with depth k, for LSTM inputs of 264 (encoder: 2 * 2^2 + 256),
    /// 256 (recurrent), 100 (decoder: |z|) and 1040 (no-attention encoder: the error image and
    /// h^dec, 784 + 256; x's own columns run once per batch): forward gates = X Wᵀ and backward
    /// dX = dGates W, both with W packed once per step, and dW = dGatesᵀ X over all T = 64 steps
    /// of a slice stacked (depth 64 x 50 = 3200, `SharedWeightStacks`).
    static let gemmProducts: [(form: GEMMForm, shape: (m: Int, n: Int, k: Int), packedWeight: Bool)] =
        [264, 256, 100, 1040].flatMap { input in
            [(GEMMForm.transposedB, (m: 50, n: 1024, k: input), true),
             (GEMMForm.plain, (m: 50, n: input, k: 1024), true),
             (GEMMForm.transposedA, (m: 1024, n: input, k: 3200), false)]
        }

    static func run(_ parsed: ParsedCommand) throws {
        let threads = try parsed.positiveInt("threads")
        let batchSize = try parsed.positiveInt("batch-size")
        let steps = try parsed.positiveInt("steps")
        let gemmSeconds = try parsed.double("gemm-seconds")
        let json = parsed.flag("json")
        var comparedTileRows: [Int] = []
        if let tileRows = parsed.optionalString("tile-rows") {
            let heights = tileRows.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard (1...2).contains(heights.count), heights.allSatisfy({ $0 == "6" || $0 == "12" }),
                  Set(heights).count == heights.count else {
                throw CommandLineError("--tile-rows must be 6, 12, 6,12 or 12,6, got \"\(tileRows)\"")
            }
            GEMM.setRegisterTileRows(Int(heights[0])!)
            if heights.count == 2 { comparedTileRows = heights.map { Int($0)! } }
        }
        let presetList = try parsed.string("presets")
        let names = presetList == "none" ? [] : presetList.split(separator: ",").map(String.init)
        let presets: [(name: String, config: DRAWConfig)] = try names.map { name in
            guard let preset = DRAWConfig.presets.first(where: { $0.name == name }) else {
                throw CommandLineError("--presets: unknown preset \"\(name)\" (known: \(DRAWConfig.presets.map(\.name).joined(separator: ", ")))")
            }
            return preset
        }
        if !json {
            print("MiniDRAW bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(threads) threads for training")
            let tile = GEMM.registerTile
            print("CPU: \(CPUFeatures.current.description); GEMM register tile \(tile.rows)x\(tile.columns) floats "
                  + "(\(tile.shortRows)x\(tile.columns) when the rows divide by \(tile.shortRows), not \(tile.rows))")
            print("Subnormal floats in MiniDRAW's work: \(SubnormalFlushing.description)")
        } else {
            printJSON(["name": "machine", "cpu": CPUFeatures.current.description, "vendor": CPUFeatures.current.vendor ?? "unknown",
                       "subnormals_flushed": SubnormalFlushing.isEffective])
        }
        if gemmSeconds > 0 {
            let threadCounts = threads == 1 ? [1] : [1, threads]
            if !json { print("\nGEMM (Float, GFLOP/s, best of repeated runs)") }
            let heights = benchmarkTileHeights(minimumSeconds: gemmSeconds / 2)
            if json {
                for height in heights {
                    printJSON(["name": "register tile", "tile_rows": height.tileRows, "tile_columns": GEMM.registerTile.columns,
                               "threads": 1, "gflops": rounded(height.gflops)])
                }
            } else {
                print("  register tile, C 120x256 k 256 in cache, 1 thread: "
                      + heights.map { String(format: "%dx%d %.1f", $0.tileRows, GEMM.registerTile.columns, $0.gflops) }
                          .joined(separator: ", "))
            }
            var oneThread: [String: Double] = [:]
            let results = gemmProducts.flatMap { product in
                benchmarkGEMM(shapes: [product.shape], forms: [product.form], threads: threadCounts,
                              packedWeight: product.packedWeight, minimumSeconds: gemmSeconds)
            }
            for result in results {
                let label = result.name + (result.packedWeight ? " W packed" : "")
                if json {
                    printJSON(["name": result.name, "form": result.form.rawValue, "m": result.m, "n": result.n, "k": result.k,
                               "packed_weight": result.packedWeight, "threads": result.threads, "gflops": rounded(result.gflops)])
                } else if result.threads == 1 {
                    oneThread[label] = result.gflops
                    if threadCounts.count == 1 { print("  \(padded(label)) \(String(format: "%7.1f (1 thread)", result.gflops))") }
                } else {
                    let single = oneThread[label] ?? .nan
                    print("  \(padded(label)) " + String(format: "%7.1f (1 thread) %7.1f (%d threads, %.2fx)",
                                                                  single, result.gflops, result.threads, result.gflops / single))
                }
            }
        }
        GEMM.threadCount = threads
        if !json && !presets.isEmpty {
            print("\nTraining, batch \(batchSize): median of \(steps) steps after a warm-up")
            if HostCPUTimes.now() != nil {
                print("  (steal: of the time the cores had work during the timed steps, the share the hypervisor gave to "
                      + "other guests; above a few percent the figures, and 2 threads against 1 most of all, measure the host)")
            }
        }
        if !json && !comparedTileRows.isEmpty {
            print("  (the timed steps take \(comparedTileRows.map { "\($0)-row" }.joined(separator: " and ")) register tiles in turn)")
        }
        for (name, config) in presets {
            for result in try benchmarkTraining(name: name, config: config, batchSize: batchSize, steps: steps,
                                                tileRows: comparedTileRows) {
                if json {
                    printJSON(["name": "train", "preset": name, "images_per_second": rounded(result.trainImagesPerSecond),
                               "forward_images_per_second": rounded(result.forwardImagesPerSecond), "threads": threads,
                               "batch_size": batchSize, "tile_rows": result.tileRows,
                               "steal_percent": result.stealShare.map { rounded($0 * 100) } ?? NSNull(),
                               "peak_memory_mb": rounded(Double(result.peakMemoryBytes) / 1_048_576)])
                } else {
                    let label = comparedTileRows.isEmpty ? padded(name) : padded("\(name), \(result.tileRows)-row tiles", width: 38)
                    let steal = result.stealShare.map { String(format: "   steal %4.1f%%", $0 * 100) } ?? ""
                    print("  \(label) " + String(format: "train %7.1f img/s   forward %7.1f img/s   peak memory so far %5.0f MB",
                                                result.trainImagesPerSecond, result.forwardImagesPerSecond,
                                                Double(result.peakMemoryBytes) / 1_048_576) + steal)
                }
            }
        }
    }

    static func padded(_ text: String, width: Int = 31) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }

    static func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }

    /// One JSON object on one line, keys sorted.
    static func printJSON(_ object: [String: Any]) {
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
