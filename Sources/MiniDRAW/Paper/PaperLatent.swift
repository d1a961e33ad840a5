/// The approximate posterior Q(Z_t | h^enc_t) (§2.1): a diagonal Gaussian whose mean and standard
/// deviation the encoder's output sets (Eq. 1, 2), sampled as z_t = mu_t + sigma_t epsilon_t with
/// epsilon_t ~ N(0, I) so the gradient flows through the sample (Eq. 6, "the reparameterization
/// trick"), and its KL divergence from the prior N(0, I), the latent loss (Eq. 10-11).

/// One step's latent values, kept for the backward and the loss. Each [batchSize, |z|].
public struct PaperLatentStep<Scalar: DRAWScalar>: Sendable {
    /// mu_t (Eq. 1)
    public var mu: Matrix<Scalar>
    /// log sigma_t = W(h^enc_t), the linear part of Eq. 2
    public var logSigma: Matrix<Scalar>
    /// sigma_t (Eq. 2)
    public var sigma: Matrix<Scalar>
    /// epsilon_t ~ N(0, I)
    public var noise: Matrix<Scalar>
    /// z_t (Eq. 6)
    public var z: Matrix<Scalar>
}

extension PaperDRAW {
    // MARK: - Forward (Eq. 1, 2, 6)

    /// Eq. 1, 2, 6: z_t = mu_t + sigma_t epsilon_t ~ Q(Z_t | h^enc_t)
    /// - encoderHidden h^enc_t: [batchSize, H_enc]; noise epsilon_t: [batchSize, |z|]
    func sampleLatent(encoderHidden: Matrix<Scalar>, noise: Matrix<Scalar>) -> PaperLatentStep<Scalar> {
        let mu = linear(encoderHidden, parameters.latent.mu)                          // Eq. 1: mu_t = W(h^enc_t)
        let logSigma = linear(encoderHidden, parameters.latent.logSigma)              // Eq. 2: log sigma_t = W(h^enc_t)
        let sigma = map(logSigma) { Scalar.exp($0) }                                   // Eq. 2: sigma_t = exp(W(h^enc_t))
        var z = mu
        for index in 0..<z.count { z.storage[index] += sigma.storage[index] * noise.storage[index] }  // Eq. 6: z_t = mu_t + sigma_t epsilon_t
        return PaperLatentStep(mu: mu, logSigma: logSigma, sigma: sigma, noise: noise, z: z)
    }

    // MARK: - The latent loss (Eq. 10-11)

    /// Eq. 10-11, step t's term of L^z for every image: KL(Q(Z_t | h^enc_t) || N(0, I)) =
    ///   Σ_j (mu_j^2 + sigma_j^2 - log sigma_j^2) / 2 - |z| / 2,
    /// so that the sum over T steps is Eq. 11 with its constant -T |z| / 2. Returns [batchSize].
    func klDivergence(_ latent: PaperLatentStep<Scalar>) -> [Scalar] {
        (0..<latent.mu.rows).map { image in
            var sum: Scalar = 0
            for j in 0..<latent.mu.columns {
                let (m, s) = (latent.mu[image, j], latent.sigma[image, j])
                sum += (m * m + s * s - 2 * latent.logSigma[image, j] - 1) / 2      // Eq. 11
            }
            return sum
        }
    }

    // MARK: - Backward (Eq. 1, 2, 6 and 11)

    /// Backward of Eq. 6, with the KL term's own gradient (Eq. 11, times `scale`, 1 / batchSize),
    /// then of Eq. 1 and 2, adding this step's weight gradients into `gradient`:
    ///   z = mu + sigma epsilon:   dmu = dz,   dlog sigma = dz sigma epsilon
    ///   KL = (mu^2 + sigma^2 - 2 log sigma - 1) / 2:   dmu = mu,   dlog sigma = sigma^2 - 1
    /// - dZ: [batchSize, |z|]; returns dL/dh^enc_t: [batchSize, H_enc]
    func sampleLatentBackward(dZ: Matrix<Scalar>, latent: PaperLatentStep<Scalar>, encoderHidden: Matrix<Scalar>,
                              scale: Scalar, gradient: inout Latent<Scalar>) -> Matrix<Scalar> {
        var (dMu, dLogSigma) = (dZ, dZ)
        for index in 0..<dZ.count {
            let (m, s, epsilon) = (latent.mu.storage[index], latent.sigma.storage[index], latent.noise.storage[index])
            dMu.storage[index] = scale * m + dZ.storage[index]                                   // Eq. 6 and Eq. 11
            dLogSigma.storage[index] = scale * (s * s - 1) + dZ.storage[index] * s * epsilon     // Eq. 6 and Eq. 11
        }
        return linearBackward(dMu, input: encoderHidden, parameters.latent.mu, gradient: &gradient.mu)   // Eq. 1
            + linearBackward(dLogSigma, input: encoderHidden, parameters.latent.logSigma,                 // Eq. 2
                             gradient: &gradient.logSigma)
    }
}
