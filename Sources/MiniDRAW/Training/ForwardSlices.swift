// MARK: - An evaluation batch in fixed slices, one core each

/// An evaluation batch cut into the training's slices (`BatchSlice`, which gives the words;
/// `BatchSlices.defaultSize` images). Each
/// slice's forward (Eq. 1-12) runs on one thread, with the weights packed once for all of them;
/// the threads meet once per forward, not at every product and per-image loop of T steps.
///
/// The noise epsilon_t (Eq. 6) is drawn in the whole batch's order (step, then image, then
/// unit), as one cache of `batchSize` rows draws it, so the figures depend neither on the
/// slicing nor on the thread count.
final class ForwardSlices {
    let slices: [BatchSlice]
    let size: Int
    /// The model's weights packed once per forward for every slice (x Wᵀ products).
    var packedWeights = DRAWPackedWeights(transposed: true)

    /// - size: images per slice (`BatchSlices.defaultSize`; tests use small ones to get several).
    init(config: DRAWConfig, batchSize: Int, size: Int = BatchSlices.defaultSize) {
        self.size = size
        slices = BatchSlice.ranges(batchSize: batchSize, size: size).map { BatchSlice(rows: $0, config: config) }
    }

    /// Row `row` of the batch: its slice's cache and its row there.
    func locate(_ row: Int) -> (cache: DRAWForwardCache<Float>, row: Int) {
        let slice = slices[row / size]
        return (slice.cache, row - slice.rows.lowerBound)
    }

    /// Copies each slice's rows of `batch` [batchSize, imageSize].
    func load(batch: Matrix<Float>) {
        for slice in slices { slice.load(from: batch) }
    }

    /// epsilon_t ~ N(0, I) for every step and image (Eq. 6), in the whole batch's order.
    func fillNoise(generator: inout SeededGenerator) {
        for t in 0..<(slices.first?.cache.steps.count ?? 0) {
            for slice in slices { generator.fillGaussian(&slice.cache.steps[t].latent.noise.storage) }
        }
    }

    /// Eq. 1-12 for every slice, `GEMM.threadCount` slices at a time.
    func forward(model: DRAWModel<Float>) {
        model.pack(into: &packedWeights, batchSize: slices[0].rows.count)
        let packedWeights = self.packedWeights
        BatchSlice.runEach(slices) { slice in
            model.forward(image: slice.images, cache: &slice.cache, packedWeights: packedWeights)
        }
    }
}
