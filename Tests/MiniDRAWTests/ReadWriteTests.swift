import Foundation
import Testing
@testable import MiniDRAW

/// Read and write: without attention (Eq. 17, 18) and with it (Eq. 27, 28, 29), per channel (paper §3.3).
@Suite("Eq. 17, 18, 27, 28, 29: read and write")
struct ReadWriteTests {
    // MARK: - Fixtures

    /// A 3x3 image, N = 2, with hand-set filterbanks (rows summing to 1, neither symmetric so a
    /// transposed or swapped F shows) and gamma = 2.
    static func handWindow() -> (geometry: AttentionGeometry, cache: AttentionStepCache<Double>) {
        let geometry = AttentionGeometry(gridSize: 2, width: 3, height: 3)
        var cache = AttentionStepCache<Double>(batchSize: 1, geometry: geometry)
        cache.filterX.storage = [1, 0, 0,
                                 0, 0.5, 0.5]
        cache.filterY.storage = [0.75, 0.25, 0,
                                 0, 0, 1]
        cache.window[0, AttentionParameter.intensity] = 2
        return (geometry, cache)
    }

    /// A grid of N = A = B filters at stride 1 centred on the image, so F_X = F_Y = identity when sigma is tiny.
    static func identityWindow(size: Int, batchSize: Int, logIntensity: Double)
        -> (geometry: AttentionGeometry, cache: AttentionStepCache<Double>) {
        let geometry = AttentionGeometry(gridSize: size, width: size, height: size)
        // g~ = 0 puts g on the middle pixel (size + 1)/2; delta = (size - 1)/(size - 1) delta~ = 1; sigma^2 = e^-6.
        let parameters = Matrix<Double>(rows: batchSize, columns: 5,
                                        storage: (0..<batchSize).flatMap { _ in [0, 0, -6, 0, logIntensity] })
        return (geometry, attentionWindow(geometry, parameters: parameters))
    }

    // MARK: - Values

    @Test("Eq. 4, 17: read without attention is r = [x, x_hat]; its backward passes the x_hat half")
    func readWithoutAttentionValues() {
        let image = randomMatrix(2, 6, seed: 1), errorImage = randomMatrix(2, 6, seed: 2)
        var glimpse = Matrix<Double>(rows: 2, columns: 12, repeating: .nan)
        readWithoutAttention(image: image, errorImage: errorImage, glimpse: &glimpse)
        func row(_ matrix: Matrix<Double>, _ row: Int, _ columns: Range<Int>) -> [Double] {
            columns.map { matrix[row, $0] }
        }
        for index in 0..<2 {
            #expect(row(glimpse, index, 0..<6) == row(image, index, 0..<6), "row \(index): the first half of r must be x")
            #expect(row(glimpse, index, 6..<12) == row(errorImage, index, 0..<6), "row \(index): the second half must be x_hat")
        }
        let dGlimpse = randomMatrix(2, 12, seed: 3)
        var dErrorImage = Matrix<Double>(rows: 2, columns: 6, repeating: .nan)
        readWithoutAttentionBackward(dGlimpse: dGlimpse, dErrorImage: &dErrorImage)
        for index in 0..<2 {
            #expect(row(dErrorImage, index, 0..<6) == row(dGlimpse, index, 6..<12), "row \(index): dx_hat = second half of dr")
        }
    }

    @Test("Eq. 4, 27: a 3x3 image read with a hand-set filterbank gives the hand-computed glimpse gamma F_Y x F_Xᵀ")
    func readHandComputed() {
        let (geometry, cache) = Self.handWindow()
        let image = Matrix<Double>(rows: 1, columns: 9, storage: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let errorImage = Matrix<Double>(rows: 1, columns: 9, storage: image.storage.map { $0 - 5 })
        var glimpse = Matrix<Double>(rows: 1, columns: 8)
        geometry.read(image: image, errorImage: errorImage, cache: cache, channels: 1, glimpse: &glimpse)
        // x F_Xᵀ = [[1, 2.5], [4, 5.5], [7, 8.5]];  F_Y (x F_Xᵀ) = [[1.75, 3.25], [7, 8.5]];  times gamma = 2.
        // x_hat = x - 5 and every row of F sums to 1, so its glimpse is 2 ([[1.75, 3.25], [7, 8.5]] - 5).
        expectClose(glimpse.storage, [3.5, 6.5, 14, 17, -6.5, -3.5, 4, 7], tolerance: 1e-15, "r = [glimpse of x, of x_hat]")
    }

    @Test("Eq. 29: a 2x2 patch written with the hand-set filterbank adds (1/gamma) F_Yᵀ w F_X to the canvas")
    func writeHandComputed() {
        let (geometry, cache) = Self.handWindow()
        var canvas = Matrix<Double>(rows: 1, columns: 9, repeating: 1)
        geometry.write(patch: Matrix(rows: 1, columns: 4, storage: [1, 2, 3, 4]), cache: cache, channels: 1, canvas: &canvas)
        // w F_X = [[1, 1, 1], [3, 2, 2]];  F_Yᵀ (w F_X) = [[0.75, 0.75, 0.75], [0.25, 0.25, 0.25], [3, 2, 2]];  / 2;  + 1.
        expectClose(canvas.storage, [1.375, 1.375, 1.375, 1.125, 1.125, 1.125, 2.5, 2, 2], tolerance: 1e-15, "c + write(w)")
    }

    @Test("Eq. 19-27: an N = 1 grid on pixel (2, 4) with tiny sigma^2 reads gamma times that pixel, in every channel")
    func readOnePixel() {
        let channels = 3, geometry = AttentionGeometry(gridSize: 1, width: 7, height: 5)
        let intensity = 0.3
        let parameters = attentionParameters(centeredOn: (a: 2, b: 4), geometry: geometry, logVariance: -6, logStride: 0,
                                             logIntensity: intensity)
        let cache = attentionWindow(geometry, parameters: Matrix(rows: 1, columns: 5, storage: parameters))
        let image = randomMatrix(1, channels * 35, seed: 4), errorImage = randomMatrix(1, channels * 35, seed: 5)
        var glimpse = Matrix<Double>(rows: 1, columns: 2 * channels)
        geometry.read(image: image, errorImage: errorImage, cache: cache, channels: channels, glimpse: &glimpse)
        let pixel = (4 - 1) * 7 + (2 - 1)                     // row b = 4, column a = 2 of a 7-wide plane
        let expected = [image, errorImage].flatMap { source in
            (0..<channels).map { Foundation.exp(intensity) * source[0, $0 * 35 + pixel] }
        }
        expectClose(glimpse.storage, expected, tolerance: 1e-14, "[gamma x(2, 4) per channel, gamma x_hat(2, 4) per channel]")
    }

    @Test("Eq. 27, 29: writing a read back with the same filterbanks (N = A = B, stride 1, tiny sigma) reproduces the image",
          arguments: [1, 3])
    func writeOfRead(channels: Int) {
        let size = 5
        for logIntensity in [0, 0.7] {                                // gamma of Eq. 27 and 1/gamma of Eq. 29 cancel
            let (geometry, window) = Self.identityWindow(size: size, batchSize: 2, logIntensity: logIntensity)
            let patchSize = channels * size * size
            let image = randomMatrix(2, patchSize, seed: 6)
            var glimpse = Matrix<Double>(rows: 2, columns: 2 * patchSize)
            geometry.read(image: image, errorImage: image, cache: window, channels: channels, glimpse: &glimpse)
            // The glimpse of x, the first half of each row, is the patch written back.
            let patch = Matrix(rows: 2, columns: patchSize,
                               storage: (0..<2).flatMap { row in (0..<patchSize).map { glimpse[row, $0] } })
            let gamma = Foundation.exp(logIntensity)
            expectClose(patch.storage, image.storage.map { gamma * $0 }, tolerance: 1e-13, "read = gamma x, gamma = \(gamma)")
            var canvas = Matrix<Double>(rows: 2, columns: patchSize)
            geometry.write(patch: patch, cache: window, channels: channels, canvas: &canvas)
            expectClose(canvas.storage, image.storage, tolerance: 1e-13, "write(read(x)), gamma = \(gamma)")
        }
    }

    @Test("Eq. 8, 18, 28, 29: the write layer gives w_t = W h^dec_t + b, and c_t = c_{t-1} + write(w_t)", arguments: [false, true])
    func writeLayerInModel(attention: Bool) {
        let config = TinyModels.config(attention: attention, timesteps: 1)
        var model = TinyModels.model(config)
        model.initialCanvas = randomMatrix(1, config.imageSize, seed: 7)
        var cache = TinyModels.cache(model, batchSize: 2)
        model.forward(image: TinyModels.images(config, batchSize: 2), cache: &cache)
        let step = cache.steps[0], hidden = step.decoder.hidden
        let patchSize = config.writePatchSize, n = config.writeSize, width = config.width, height = config.height
        let patch = (0..<2).flatMap { row in
            (0..<patchSize).map { out in
                model.write.bias[0, out] + (0..<config.decoderSize).reduce(0) { $0 + model.write.weight[out, $1] * hidden[row, $1] }
            }
        }
        expectClose(step.writePatch.storage, patch, tolerance: 1e-14, attention ? "Eq. 28 w_t" : "Eq. 18 w_t")
        let added = zip(step.canvas.storage, cache.initialCanvas.storage).map { $0 - $1 }
        guard attention else {
            expectClose(added, patch, tolerance: 1e-14, "Eq. 18: c_1 - c_0 = W h^dec + b")
            return
        }
        let attentionCache = step.writeAttention
        let written = (0..<2).flatMap { row in
            (0..<height * width).map { pixel -> Double in
                let (b, a) = pixel.quotientAndRemainder(dividingBy: width)
                var sum = 0.0
                for i in 0..<n {
                    for j in 0..<n {
                        sum += attentionCache.filterY[row, i * height + b] * patch[row * patchSize + i * n + j]
                            * attentionCache.filterX[row, j * width + a]
                    }
                }
                return sum / attentionCache.window[row, AttentionParameter.intensity]
            }
        }
        expectClose(added, written, tolerance: 1e-14, "Eq. 29: c_1 - c_0 = (1/gamma) F_Yᵀ w F_X")
    }

    // MARK: - Gradients

    @Test("Eq. 27 (and 21-26): readBackward wrt x_hat and the five read attention parameters", arguments: [1, 3])
    func readGradient(channels: Int) {
        let batchSize = 2, geometry = AttentionGeometry(gridSize: 3, width: 7, height: 5)
        let imageSize = channels * 35, glimpseSize = 2 * channels * 9
        let parameters = randomAttentionParameters(batchSize: batchSize, seed: 8)
        let image = randomMatrix(batchSize, imageSize, seed: 9), errorImage = randomMatrix(batchSize, imageSize, seed: 10)
        let weights = randomMatrix(batchSize, glimpseSize, seed: 11)
        func loss(_ errorImage: Matrix<Double>, _ parameters: Matrix<Double>) -> Double {
            var glimpse = Matrix<Double>(rows: batchSize, columns: glimpseSize)
            geometry.read(image: image, errorImage: errorImage, cache: attentionWindow(geometry, parameters: parameters),
                          channels: channels, glimpse: &glimpse)
            return weightedSum(glimpse, weights)
        }
        let cache = attentionWindow(geometry, parameters: parameters)
        // Filled with garbage: readBackward must overwrite all four.
        var dErrorImage = Matrix<Double>(rows: batchSize, columns: imageSize, repeating: 7)
        var dFilterX = Matrix<Double>(rows: batchSize, columns: 3 * 7, repeating: 7)
        var dFilterY = Matrix<Double>(rows: batchSize, columns: 3 * 5, repeating: 7)
        var dIntensity = Matrix<Double>(rows: batchSize, columns: 1, repeating: 7)
        geometry.readBackward(dGlimpse: weights, image: image, errorImage: errorImage, cache: cache, channels: channels,
                              dErrorImage: &dErrorImage, dFilterX: &dFilterX, dFilterY: &dFilterY, dIntensity: &dIntensity)
        var dParameters = Matrix<Double>(rows: batchSize, columns: AttentionParameter.count)
        geometry.backward(dFilterX: dFilterX, dFilterY: dFilterY, dIntensity: dIntensity, cache: cache, dParameters: &dParameters)

        expectWindowGradients(label: "C = \(channels): read dL/dx_hat", input: errorImage, dInput: dErrorImage,
                              parameters: parameters, dParameters: dParameters, maximumChecks: 96, loss: loss)
    }

    @Test("Eq. 29 (and 21-26): writeBackward wrt the patch w_t and the five write attention parameters", arguments: [1, 3])
    func writeGradient(channels: Int) {
        let batchSize = 2, n = 4, geometry = AttentionGeometry(gridSize: n, width: 7, height: 5)
        let imageSize = channels * 35, patchSize = channels * n * n
        let parameters = randomAttentionParameters(batchSize: batchSize, seed: 12)
        let patch = randomMatrix(batchSize, patchSize, seed: 13)
        let previousCanvas = randomMatrix(batchSize, imageSize, seed: 14)
        let weights = randomMatrix(batchSize, imageSize, seed: 15)
        func loss(_ patch: Matrix<Double>, _ parameters: Matrix<Double>) -> Double {
            var canvas = previousCanvas
            geometry.write(patch: patch, cache: attentionWindow(geometry, parameters: parameters), channels: channels,
                           canvas: &canvas)
            return weightedSum(canvas, weights)
        }
        let cache = attentionWindow(geometry, parameters: parameters)
        var dPatch = Matrix<Double>(rows: batchSize, columns: patchSize, repeating: 7)
        var dFilterX = Matrix<Double>(rows: batchSize, columns: n * 7, repeating: 7)
        var dFilterY = Matrix<Double>(rows: batchSize, columns: n * 5, repeating: 7)
        var dIntensity = Matrix<Double>(rows: batchSize, columns: 1, repeating: 7)
        geometry.writeBackward(dCanvas: weights, patch: patch, cache: cache, channels: channels, dPatch: &dPatch,
                               dFilterX: &dFilterX, dFilterY: &dFilterY, dIntensity: &dIntensity)
        var dParameters = Matrix<Double>(rows: batchSize, columns: AttentionParameter.count)
        geometry.backward(dFilterX: dFilterX, dFilterY: dFilterY, dIntensity: dIntensity, cache: cache, dParameters: &dParameters)

        expectWindowGradients(label: "C = \(channels): write dL/dw", input: patch, dInput: dPatch,
                              parameters: parameters, dParameters: dParameters, maximumChecks: 96, loss: loss)
    }
}
