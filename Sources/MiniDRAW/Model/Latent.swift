/// The approximate posterior Q(Z_t | h^enc_t): a diagonal Gaussian whose mean and log standard
/// deviation are linear in the encoder output (Eq. 1, 2), sampled with the reparameterisation
/// trick (Eq. 6) so that gradients flow through z.
package struct Latent<Scalar: DRAWScalar>: Equatable, Sendable {
    /// Eq. 1: mu_t = W(h^enc_t), weight [z, encoderSize]
    package var mu: Linear<Scalar>
    /// Eq. 2: sigma_t = exp(W(h^enc_t)), weight [z, encoderSize]
    package var logSigma: Linear<Scalar>

    package init(encoderSize: Int, latentSize: Int) {
        mu = Linear(inputSize: encoderSize, outputSize: latentSize)
        logSigma = Linear(inputSize: encoderSize, outputSize: latentSize)
    }
}

/// What one latent step keeps for its backward pass and for the loss.
package struct LatentStepCache<Scalar: DRAWScalar>: Sendable {
    /// mu_t, log sigma_t, sigma_t, epsilon, z_t: each [batchSize, latentSize]
    package var mu: Matrix<Scalar>
    package var logSigma: Matrix<Scalar>
    package var sigma: Matrix<Scalar>
    package var noise: Matrix<Scalar>
    package var z: Matrix<Scalar>

    package init(batchSize: Int, latentSize: Int) {
        mu = Matrix(rows: batchSize, columns: latentSize)
        logSigma = mu
        sigma = mu
        noise = mu
        z = mu
    }
}

extension Latent {
    // MARK: - Forward

    /// Eq. 1, 2, 6: z_t = mu_t + sigma_t epsilon_t, with `cache.noise` already holding epsilon ~ N(0, I).
    /// - encoderHidden: [batchSize, encoderSize]
    /// - packedWeights: the DRAW weights packed with `transposed: true`, or nil.
    package func forward(encoderHidden: Matrix<Scalar>, packedWeights: DRAWPackedWeights? = nil,
                         cache: inout LatentStepCache<Scalar>) {
        mu.forward(encoderHidden, packedWeight: packedWeights?.latentMu, into: &cache.mu)                   // Eq. 1
        logSigma.forward(encoderHidden, packedWeight: packedWeights?.latentLogSigma, into: &cache.logSigma)  // Eq. 2 (the linear part)
        for index in 0..<cache.z.count {
            let sigma = Scalar.exp(cache.logSigma.storage[index])         // Eq. 2: sigma = exp(W h)
            cache.sigma.storage[index] = sigma
            cache.z.storage[index] = cache.mu.storage[index] + sigma * cache.noise.storage[index]   // Eq. 6
        }
    }

    // MARK: - Backward

    /// Backward of Eq. 1, 2, 6, with the KL's own gradient already in dMu / dLogSigma:
    /// `sampleBackward`, then the two linear layers' backward.
    /// - dZ: [batchSize, latentSize]; dMu, dLogSigma: [batchSize, latentSize], added to in place.
    /// - dEncoderHidden: [batchSize, encoderSize], overwritten.
    /// - packedWeights: the DRAW weights packed with `transposed: false`, or nil.
    package func backward(dZ: Matrix<Scalar>, dMu: inout Matrix<Scalar>, dLogSigma: inout Matrix<Scalar>,
                          cache: LatentStepCache<Scalar>, encoderHidden: Matrix<Scalar>, packedWeights: DRAWPackedWeights? = nil,
                          gradient: inout Latent<Scalar>, dEncoderHidden: inout Matrix<Scalar>) {
        sampleBackward(dZ: dZ, cache: cache, dMu: &dMu, dLogSigma: &dLogSigma)
        mu.backwardParameters(dOutput: dMu, input: encoderHidden, gradient: &gradient.mu)
        logSigma.backwardParameters(dOutput: dLogSigma, input: encoderHidden, gradient: &gradient.logSigma)
        inputBackward(dMu: dMu, dLogSigma: dLogSigma, packedWeights: packedWeights, dEncoderHidden: &dEncoderHidden)
    }

    /// Eq. 6 backward: z = mu + sigma epsilon, so dmu += dz and dlog sigma += dz sigma epsilon
    /// (sigma = exp(log sigma), Eq. 2).
    package func sampleBackward(dZ: Matrix<Scalar>, cache: LatentStepCache<Scalar>,
                                dMu: inout Matrix<Scalar>, dLogSigma: inout Matrix<Scalar>) {
        for index in 0..<dZ.count {
            dMu.storage[index] += dZ.storage[index]
            dLogSigma.storage[index] += dZ.storage[index] * cache.sigma.storage[index] * cache.noise.storage[index]
        }
    }

    /// Eq. 1, 2 backward to h^enc_t: dh^enc = dmu W_mu + dlog sigma W_sigma (overwritten).
    package func inputBackward(dMu: Matrix<Scalar>, dLogSigma: Matrix<Scalar>, packedWeights: DRAWPackedWeights? = nil,
                               dEncoderHidden: inout Matrix<Scalar>) {
        mu.backwardInput(dOutput: dMu, packedWeight: packedWeights?.latentMu, dInput: &dEncoderHidden, accumulate: false)
        logSigma.backwardInput(dOutput: dLogSigma, packedWeight: packedWeights?.latentLogSigma,
                               dInput: &dEncoderHidden, accumulate: true)
    }
}
