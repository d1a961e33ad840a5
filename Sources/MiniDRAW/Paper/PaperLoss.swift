/// The loss (§2.2): the reconstruction loss L^x = -log D(x | c_T) (Eq. 9), with D Bernoulli of means
/// sigmoid(c_T) for binary images (and for colour values in [0, 1], §3.3), and the total
/// L = L^x + L^z (Eq. 12) averaged over the batch. L^z is in PaperLatent.swift (Eq. 10-11).

extension PaperDRAW {
    // MARK: - Forward (Eq. 9)

    /// Eq. 9: L^x = -Σ_pixels [x log sigmoid(c_T) + (1 - x) log(1 - sigmoid(c_T))] = Σ softplus(c_T) - x c_T,
    /// written with the logits so it stays finite when sigmoid(c_T) rounds to 0 or 1.
    /// - image x, canvas c_T: [batchSize, C B A]; returns L^x per image: [batchSize]
    func reconstructionLoss(_ image: Matrix<Scalar>, canvas: Matrix<Scalar>) -> [Scalar] {
        (0..<image.rows).map { row in
            var sum: Scalar = 0
            for pixel in 0..<image.columns {
                let c = canvas[row, pixel]
                sum += softplus(c) - image[row, pixel] * c                     // Eq. 9
            }
            return sum
        }
    }

    /// softplus(c) = log(1 + e^c) = max(c, 0) + log(1 + e^-|c|)
    func softplus(_ c: Scalar) -> Scalar {
        max(c, 0) + Scalar.log1p(Scalar.exp(-abs(c)))
    }

    // MARK: - Backward (Eq. 9)

    /// Backward of Eq. 9 for the batch mean: dL/dc_T = scale (sigmoid(c_T) - x), scale = 1 / batchSize.
    func reconstructionLossBackward(_ image: Matrix<Scalar>, canvas: Matrix<Scalar>, scale: Scalar) -> Matrix<Scalar> {
        var dCanvas = canvas
        for index in 0..<dCanvas.count {
            dCanvas.storage[index] = scale * (sigmoid(canvas.storage[index]) - image.storage[index])   // Eq. 9
        }
        return dCanvas
    }
}
