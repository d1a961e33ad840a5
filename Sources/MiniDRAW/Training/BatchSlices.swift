// MARK: - The batch in fixed slices, one core each

/// A training batch cut into slices (`BatchSlice`, which gives the words) of at most `defaultSize`
/// images, each a `TrainingSlice`. Each slice runs its whole
/// forward and backward (Eq. 1-12 and their derivatives) on one thread, into its own gradient;
/// the slices' gradients are then added in slice order.
///
/// The slices do not depend on the thread count, and neither does the order of any sum, so a
/// step gives the same bits on 1 thread or 2. The threads meet twice per step (start and end),
/// not at each of the thousands of products and per-image loops of T = 64 steps.
///
/// With B images and slices of n_c images, the batch mean's gradient is
///   d/dθ (1/B) Σ_images L = Σ_c (n_c / B) · d/dθ (1/n_c) Σ_{images of c} L,
/// the n_c / B-weighted sum of what `DRAWModel.backward` gives for each slice.
final class BatchSlices {
    /// Images per slice. 50 splits the paper's batch of 100 in two, one slice per core here,
    /// and keeps each slice's products big enough for the GEMM tiles (the sizes measured are in
    /// Benchmarks/HISTORY.md). Part of what a run computes: a resumed run keeps it.
    static let defaultSize = 50

    /// One slice's images and forward cache (`BatchSlice`), backward workspace and gradient.
    final class TrainingSlice: BatchSlice, @unchecked Sendable {
        var workspace: DRAWBackwardWorkspace<Float>
        var gradient: DRAWModel<Float>

        override init(rows: Range<Int>, config: DRAWConfig) {
            workspace = DRAWBackwardWorkspace(config: config, batchSize: rows.count)
            gradient = DRAWModel(config: config)
            super.init(rows: rows, config: config)
        }
    }

    let batchSize: Int
    let slices: [TrainingSlice]
    /// The model's weights packed once per step for all slices: forward (x Wᵀ) and backward
    /// (dY · W) products. One copy read by both cores, not one per slice.
    var packedForward = DRAWPackedWeights(transposed: true)
    var packedBackward = DRAWPackedWeights(transposed: false)

    /// - size: images per slice (`defaultSize`; tests use small ones to get several slices).
    init(config: DRAWConfig, batchSize: Int, size: Int = defaultSize) {
        self.batchSize = batchSize
        slices = BatchSlice.ranges(batchSize: batchSize, size: size).map { TrainingSlice(rows: $0, config: config) }
    }

    /// Copies each slice's rows of `batch` [batchSize, imageSize] and draws its noise epsilon_t
    /// (Eq. 6), slice after slice from `generator`.
    func load(batch: Matrix<Float>, model: DRAWModel<Float>, generator: inout SeededGenerator) {
        for slice in slices {
            slice.load(from: batch)
            model.fillNoise(cache: &slice.cache, generator: &generator)
        }
    }

    /// Forward and backward of every slice, `GEMM.threadCount` slices at a time, then their
    /// gradients summed in slice order into `gradient` (overwritten).
    func forwardBackward(model: DRAWModel<Float>, gradient: inout DRAWModel<Float>) {
        let rows = slices[0].rows.count
        let packers = min(GEMM.threadCount, 2)
        runConcurrently(parts: packers) { part in                                   // the two packings side by side
            if part == 0 { model.pack(into: &self.packedForward, batchSize: rows) }
            if part == 1 || packers == 1 { model.pack(into: &self.packedBackward, batchSize: rows) }
        }
        let (packedForward, packedBackward) = (self.packedForward, self.packedBackward)
        BatchSlice.runEach(slices) { slice in
            model.forward(image: slice.images, cache: &slice.cache, packedWeights: packedForward)
            slice.gradient.setZero()
            model.backward(image: slice.images, cache: slice.cache, workspace: &slice.workspace,
                           gradient: &slice.gradient, packedWeights: packedBackward)
        }
        let weights = slices.map { Float($0.rows.count) / Float(batchSize) }
        for (_, path) in DRAWModel<Float>.parameterPaths(config: model.config) {
            let terms = slices.map { $0.gradient[keyPath: path] }
            gradient[keyPath: path].setWeightedSum(of: terms, weights: weights)
        }
    }

    // MARK: Batch means of the figures

    /// Σ over the batch of each image's `value`, divided by the batch size.
    private func batchMean(_ value: (TrainingSlice) -> [Float]) -> Double {
        slices.reduce(0) { sum, slice in value(slice).reduce(sum) { $0 + Double($1) } } / Double(batchSize)
    }

    /// L^x (Eq. 9), L^z (Eq. 10-11) and their sum L (Eq. 12), batch means.
    var meanReconstructionLoss: Double { batchMean { $0.cache.reconstructionLoss } }
    var meanLatentLoss: Double { batchMean { $0.cache.latentLoss } }
    var meanLoss: Double { meanReconstructionLoss + meanLatentLoss }

    /// The batch mean of each step's KL term (Eq. 11), t = 1...T.
    var klPerStep: [Double] {
        slices.reduce(into: [Double](repeating: 0, count: slices[0].cache.klPerStep.count)) { sums, slice in
            let weight = Double(slice.rows.count) / Double(batchSize)
            for t in sums.indices { sums[t] += weight * slice.cache.klPerStep[t] }
        }
    }
}

extension Matrix {
    /// `self = Σ_c weights[c] * terms[c]`, element-wise, adding the terms in order c = 0, 1, ...
    /// from 0. Each element is one such chain whoever computes it, so the elements are split
    /// over `GEMM.threadCount` threads (in ranges of at least 16,384) without changing a bit.
    mutating func setWeightedSum(of terms: [Matrix], weights: [Scalar]) {
        for term in terms { checkSameShape(as: term, "setWeightedSum") }
        storage.withUnsafeMutableBufferPointer { target in
            forEachRowRange(target.count, minimumPerThread: 16_384) { range in
                for index in range { target[index] = 0 }
                for (term, weight) in zip(terms, weights) {
                    term.storage.withUnsafeBufferPointer { source in
                        for index in range { target[index] += weight * source[index] }
                    }
                }
            }
        }
    }
}
