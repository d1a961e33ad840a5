import Foundation

/// Training and forward speed of one model configuration on this machine.
package struct TrainingBenchmarkResult: Sendable {
    package var name: String
    package var config: DRAWConfig
    package var batchSize: Int
    package var threads: Int
    /// Rows of the GEMM register tile the products ran with (`GEMM.registerTile`).
    package var tileRows: Int
    /// Median over the timed steps of images / (forward + backward + Adam) seconds.
    package var trainImagesPerSecond: Double
    /// Median images / forward seconds (the bound of Eq. 12, no backward), in `evaluate`'s slices.
    package var forwardImagesPerSecond: Double
    /// The process's peak resident memory after the run, in bytes.
    package var peakMemoryBytes: Int
    /// Of the time the cores had work during the timed training steps, the share the hypervisor
    /// gave to other guests (`HostCPUTimes.stealShare`), 0...1; nil where the system does not count it.
    package var stealShare: Double?
}

/// Times `steps` training steps on random binary images after one warm-up step, and as many
/// forward passes; reports medians, so one disturbed step does not move the figure.
///
/// - tileRows: register-tile heights to compare (`GEMM.setRegisterTileRows`), one result each;
///   empty for this processor's alone. The timed steps take the heights in turn (6, 12, 6,
///   12, ...), so a shared machine whose speed drifts from minute to minute slows each height
///   alike, which separate runs a minute apart do not promise. The tile never changes a
///   result bit, so the model trains the same whichever height runs a step. The height in
///   use before the call is restored after it.
package func benchmarkTraining(name: String, config: DRAWConfig, batchSize: Int, steps: Int,
                               tileRows: [Int] = []) throws -> [TrainingBenchmarkResult] {
    let savedTileRows = GEMM.registerTile.rows
    defer { GEMM.setRegisterTileRows(savedTileRows) }
    let heights = tileRows.isEmpty ? [savedTileRows] : tileRows
    var generator = SeededGenerator(seed: 7)
    let imageCount = batchSize * 4
    let pixels = (0..<(imageCount * config.imageSize)).map { _ in Float(generator.nextUniform() < 0.2 ? 1 : 0) }
    let images = ImageSet(imageCount: imageCount, height: config.height, width: config.width, pixels: pixels)
    var settings = TrainingSettings()
    settings.batchSize = batchSize
    let trainer = try Trainer(config: config, settings: settings, images: images)
    let clock = ContinuousClock()
    try trainer.step()
    var trainTimes = [[Double]](repeating: [], count: heights.count)
    let cpuTimesBefore = HostCPUTimes.now()
    for index in 0..<(steps * heights.count) {
        GEMM.setRegisterTileRows(heights[index % heights.count])
        let elapsed = try clock.measure { try trainer.step() }
        trainTimes[index % heights.count].append(elapsed.secondsValue)
    }
    let stealShare = cpuTimesBefore.flatMap { before in HostCPUTimes.now().map { $0.stealShare(since: before) } }
    let slices = ForwardSlices(config: config, batchSize: batchSize)              // as `evaluate` runs a batch
    slices.load(batch: Matrix(rows: batchSize, columns: config.imageSize,
                              storage: Array(pixels[0..<(batchSize * config.imageSize)])))
    var forwardTimes = [[Double]](repeating: [], count: heights.count)
    for index in 0..<((steps + 1) * heights.count) {                                // each height's first is a warm-up
        GEMM.setRegisterTileRows(heights[index % heights.count])
        slices.fillNoise(generator: &generator)
        let elapsed = clock.measure { slices.forward(model: trainer.model) }
        if index >= heights.count { forwardTimes[index % heights.count].append(elapsed.secondsValue) }
    }
    let peakMemory = peakResidentMemory()
    return heights.indices.map { index in
        TrainingBenchmarkResult(name: name, config: config, batchSize: batchSize, threads: GEMM.threadCount,
                                tileRows: heights[index],
                                trainImagesPerSecond: Double(batchSize) / median(trainTimes[index]),
                                forwardImagesPerSecond: Double(batchSize) / median(forwardTimes[index]),
                                peakMemoryBytes: peakMemory, stealShare: stealShare)
    }
}

/// The middle value (the mean of the two middle values for an even count).
func median<Values: Collection>(_ values: Values) -> Double where Values.Element == Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// Peak resident set size of this process (getrusage; kilobytes on Linux, bytes on macOS).
package func peakResidentMemory() -> Int {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
    #else
    getrusage(RUSAGE_SELF, &usage)
    return Int(usage.ru_maxrss)
    #endif
}
