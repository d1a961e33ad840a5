/// The DRAW loss (paper §2): L = L^x + L^z (Eq. 12), averaged over the batch in training.

// MARK: - Reconstruction loss (Eq. 9)

/// Eq. 9: L^x = -log D(x | c_T) with D Bernoulli with means sigmoid(c_T), per image:
///   -x log sigmoid(c) - (1 - x) log(1 - sigmoid(c)) = softplus(c) - x c,
/// computed from the logits c so it stays finite for |c| = 100.
/// - image, canvas: [batchSize, imageSize]; returns [batchSize].
package func reconstructionLoss<Scalar: DRAWScalar>(image: Matrix<Scalar>, canvas: Matrix<Scalar>) -> [Scalar] {
    image.checkSameShape(as: canvas, "reconstructionLoss")
    var losses = [Scalar](repeating: 0, count: image.rows)
    for row in 0..<image.rows {
        var sum: Scalar = 0
        for column in 0..<image.columns {
            let logit = canvas[row, column]
            sum += softplus(logit) - image[row, column] * logit               // Eq. 9
        }
        losses[row] = sum
    }
    return losses
}

/// Backward of Eq. 9: dL^x/dc = sigmoid(c) - x, times `scale` (1 / batchSize for a batch mean).
/// - dCanvas: [batchSize, imageSize], overwritten.
package func reconstructionLossBackward<Scalar: DRAWScalar>(image: Matrix<Scalar>, canvas: Matrix<Scalar>, scale: Scalar,
                                                            dCanvas: inout Matrix<Scalar>) {
    for index in 0..<image.count {
        dCanvas.storage[index] = scale * (sigmoid(canvas.storage[index]) - image.storage[index])
    }
}

// MARK: - Latent loss (Eq. 10-11)

/// Eq. 10-11, one step's term per image: KL(N(mu, sigma^2) || N(0, 1)) summed over the latent units,
///   Σ_j (mu_j^2 + sigma_j^2 - log sigma_j^2) / 2 - 1/2,
/// so the sum over T steps carries the constant -T |z| / 2 of Eq. 11.
/// - mu, logSigma, sigma: [batchSize, latentSize]; adds into `perImage` [batchSize], returns the batch mean.
@discardableResult
package func accumulateKL<Scalar: DRAWScalar>(mu: Matrix<Scalar>, logSigma: Matrix<Scalar>, sigma: Matrix<Scalar>,
                                              into perImage: inout [Scalar]) -> Double {
    var total = 0.0
    for row in 0..<mu.rows {
        var sum: Scalar = 0
        for column in 0..<mu.columns {
            let m = mu[row, column], s = sigma[row, column]
            sum += (m * m + s * s - 2 * logSigma[row, column] - 1) / 2           // Eq. 11
        }
        perImage[row] += sum
        total += Double(sum)
    }
    return total / Double(max(mu.rows, 1))
}

/// Backward of Eq. 11: d/dmu = mu, d/dlog sigma = sigma^2 - 1, times `scale`.
/// - dMu, dLogSigma: [batchSize, latentSize], overwritten.
package func klBackward<Scalar: DRAWScalar>(mu: Matrix<Scalar>, sigma: Matrix<Scalar>, scale: Scalar,
                                            dMu: inout Matrix<Scalar>, dLogSigma: inout Matrix<Scalar>) {
    for index in 0..<mu.count {
        let s = sigma.storage[index]
        dMu.storage[index] = scale * mu.storage[index]
        dLogSigma.storage[index] = scale * (s * s - 1)
    }
}
