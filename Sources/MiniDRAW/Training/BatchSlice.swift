/// One slice of a batch: its rows, their images and its forward cache. A training slice
/// (`BatchSlices.TrainingSlice`) adds the backward's workspace and gradient.
///
/// The words for cutting a batch, used everywhere: a *slice* is a fixed run of a batch's rows that
/// one thread computes whole (`BatchSlice`); `BatchSlices` holds a training step's slices (forward
/// and backward), `ForwardSlices` an evaluation's (forward only). Both cut at `BatchSlices.defaultSize`
/// images. (The threads' shares of one product or per-image loop are not slices: see `GEMM`
/// and `forEachRowRange`.)
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
