// MARK: - An evaluation batch in fixed slices, one core each

/// An evaluation batch cut into the training's slices (`BatchChunks.defaultSize` images). Each
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

    /// - size: images per slice (`BatchChunks.defaultSize`; tests use small ones to get several).
    init(config: DRAWConfig, batchSize: Int, size: Int = BatchChunks.defaultSize) {
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

// MARK: - One slice

/// One slice of a batch: its rows, their images and its forward cache. A training slice
/// (`BatchChunks.Chunk`) adds the backward's workspace and gradient.
class BatchSlice: @unchecked Sendable {
    let rows: Range<Int>
    var images: Matrix<Float>
    var cache: DRAWForwardCache<Float>

    init(rows: Range<Int>, config: DRAWConfig) {
        self.rows = rows
        images = Matrix(rows: rows.count, columns: config.imageSize)
        cache = DRAWForwardCache(config: config, batchSize: rows.count)
    }

    /// A batch of `batchSize` images in slices of `size` (the last one may be shorter).
    static func ranges(batchSize: Int, size: Int) -> [Range<Int>] {
        stride(from: 0, to: batchSize, by: size).map { $0..<min(batchSize, $0 + size) }
    }

    /// Runs `body` on every slice, `GEMM.threadCount` slices at a time (worker w takes slices w,
    /// w + workers, ...), each slice wholly on one thread inside `GEMM.serially`: the one place
    /// training and evaluation start their threads. A worker whose slices are done helps with the
    /// products of those still running (`ProductHelp`), which changes no bit.
    static func runEach<Slice: BatchSlice>(_ slices: [Slice], _ body: (Slice) -> Void) {
        let workers = min(GEMM.threadCount, slices.count)
        let help = workers > 1 ? ProductHelp() : nil
        runConcurrently(parts: workers) { worker in
            help?.beginOwnWork()
            GEMM.serially(helpedBy: help) {
                for index in stride(from: worker, to: slices.count, by: workers) { body(slices[index]) }
            }
            help?.helpUntilAllFinish()
        }
    }

    /// Copies this slice's rows of `batch` [batchSize, imageSize] into `images`.
    func load(from batch: Matrix<Float>) {
        let imageSize = batch.columns, start = rows.lowerBound * imageSize
        for index in 0..<(rows.count * imageSize) { images.storage[index] = batch.storage[start + index] }
    }
}
