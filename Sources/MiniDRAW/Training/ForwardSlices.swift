// MARK: - An evaluation batch in fixed slices, one core each

/// An evaluation batch cut into the training's slices (`BatchChunks.defaultSize` images). Each
/// slice's forward (Eq. 1-12) runs on one thread, with the weights packed once for all of them;
/// the threads meet once per forward, not at every product and per-image loop of T steps.
///
/// The noise epsilon_t (Eq. 6) is drawn in the whole batch's order (step, then image, then
/// unit), as one cache of `batchSize` rows draws it, so the figures depend neither on the
/// slicing nor on the thread count.
final class ForwardSlices {
    /// One slice's images and forward cache.
    final class Slice: @unchecked Sendable {
        let rows: Range<Int>
        var images: Matrix<Float>
        var cache: DRAWForwardCache<Float>

        init(rows: Range<Int>, config: DRAWConfig) {
            self.rows = rows
            images = Matrix(rows: rows.count, columns: config.imageSize)
            cache = DRAWForwardCache(config: config, batchSize: rows.count)
        }
    }

    let slices: [Slice]
    let size: Int
    /// The model's weights packed once per forward for every slice (x Wᵀ products).
    var packedWeights = DRAWPackedWeights(transposed: true)

    /// - size: images per slice (`BatchChunks.defaultSize`; tests use small ones to get several).
    init(config: DRAWConfig, batchSize: Int, size: Int = BatchChunks.defaultSize) {
        self.size = size
        slices = stride(from: 0, to: batchSize, by: size).map { start in
            Slice(rows: start..<min(batchSize, start + size), config: config)
        }
    }

    /// Row `row` of the batch: its slice's cache and its row there.
    func locate(_ row: Int) -> (cache: DRAWForwardCache<Float>, row: Int) {
        let slice = slices[row / size]
        return (slice.cache, row - slice.rows.lowerBound)
    }

    /// Copies each slice's rows of `batch` [batchSize, imageSize].
    func load(batch: Matrix<Float>) {
        let imageSize = batch.columns
        for slice in slices {
            for index in 0..<(slice.rows.count * imageSize) {
                slice.images.storage[index] = batch.storage[slice.rows.lowerBound * imageSize + index]
            }
        }
    }

    /// epsilon_t ~ N(0, I) for every step and image (Eq. 6), in the whole batch's order.
    func fillNoise(generator: inout SeededGenerator) {
        for t in 0..<(slices.first?.cache.steps.count ?? 0) {
            for slice in slices { generator.fillGaussian(&slice.cache.steps[t].latent.noise.storage) }
        }
    }

    /// Eq. 1-12 for every slice, `GEMM.threadCount` slices at a time.
    func forward(model: DRAWModel<Float>) {
        let workers = min(GEMM.threadCount, slices.count)
        model.pack(into: &packedWeights, batchSize: slices[0].rows.count)
        let (slices, packedWeights) = (self.slices, self.packedWeights)
        runConcurrently(parts: workers) { worker in
            GEMM.serially {
                for index in stride(from: worker, to: slices.count, by: workers) {
                    model.forward(image: slices[index].images, cache: &slices[index].cache, packedWeights: packedWeights)
                }
            }
        }
    }
}
