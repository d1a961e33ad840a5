/// What the encoder reads and what the decoder writes (§2.1, §3): the error image x_hat_t (Eq. 3),
/// the read of x and x_hat_t, whole (Eq. 17) or through the attention grid (Eq. 27), and the write,
/// whole (Eq. 18) or through the grid (Eq. 28-29). The write layer w_t = W(h^dec_t) itself is a
/// `linear` in PaperDRAWStep.swift.
///
/// An image row holds C channel planes of B x A pixels one after another (§3.3: colour images are
/// read and written per channel, every channel through the same window). A glimpse holds the C
/// N x N planes read from x, then the C read from x_hat; a write patch holds C N x N planes.

extension PaperDRAW {
    // MARK: - The error image (Eq. 3)

    /// Eq. 3: x_hat_t = x - sigmoid(c_{t-1})
    /// - image x, canvas c_{t-1}: [batchSize, C B A]; returns x_hat_t: [batchSize, C B A]
    func errorImage(_ image: Matrix<Scalar>, canvas: Matrix<Scalar>) -> Matrix<Scalar> {
        image.checkSameShape(as: canvas, "errorImage")
        var xHat = image
        for index in 0..<xHat.count { xHat.storage[index] -= sigmoid(canvas.storage[index]) }  // Eq. 3
        return xHat
    }

    /// Backward of Eq. 3: with s = sigmoid(c_{t-1}), dx_hat/dc = -s (1 - s). Returns dL/dc_{t-1} along this path.
    func errorImageBackward(_ dErrorImage: Matrix<Scalar>, canvas: Matrix<Scalar>) -> Matrix<Scalar> {
        var dCanvas = dErrorImage
        for index in 0..<dCanvas.count {
            let s = sigmoid(canvas.storage[index])
            dCanvas.storage[index] = -dErrorImage.storage[index] * s * (1 - s)
        }
        return dCanvas
    }

    // MARK: - Reading without attention (Eq. 17)

    /// Eq. 17: read(x, x_hat_t, h^dec_{t-1}) = [x, x_hat_t]
    /// - image, errorImage: [batchSize, C B A]; returns r_t: [batchSize, 2 C B A]
    func readWithoutAttention(_ image: Matrix<Scalar>, errorImage: Matrix<Scalar>) -> Matrix<Scalar> {
        concatenate(image, errorImage)                                            // Eq. 17: [x, x_hat_t]
    }

    /// Backward of Eq. 17 for x_hat_t, the second half of dr_t (x is data and needs none).
    func readWithoutAttentionBackward(_ dGlimpse: Matrix<Scalar>) -> Matrix<Scalar> {
        columns(dGlimpse, from: config.imageSize, count: config.imageSize)      // Eq. 17: dx_hat_t
    }

    // MARK: - Reading with attention (Eq. 27)

    /// Eq. 27: read(x, x_hat_t, h^dec_{t-1}) = gamma [F_Y x F_Xᵀ, F_Y x_hat_t F_Xᵀ], each channel plane
    /// through the same window.
    /// - image, errorImage: [batchSize, C B A]; windows: one per image; returns r_t: [batchSize, 2 C N^2]
    func read(_ image: Matrix<Scalar>, errorImage: Matrix<Scalar>, windows: [PaperWindow<Scalar>]) -> Matrix<Scalar> {
        let (c, b, a, n) = (config.channels, config.height, config.width, config.readSize)
        var glimpse = Matrix<Scalar>(rows: image.rows, columns: 2 * c * n * n)
        for (row, window) in windows.enumerated() {
            for (half, source) in [image, errorImage].enumerated() {
                for channel in 0..<c {
                    let plane = block(of: source, row: row, start: channel * b * a, rows: b, columns: a)      // [B, A]
                    let filtered = product(product(window.filterY, plane), transpose(window.filterX))    // Eq. 27: F_Y x F_Xᵀ, [N, N]
                    place(scaled(filtered, by: window.intensity), into: &glimpse, row: row,              // Eq. 27: gamma (...)
                          start: (half * c + channel) * n * n)
                }
            }
        }
        return glimpse
    }

    /// Backward of Eq. 27. For one plane X [B, A] and its glimpse r = gamma F_Y P with P = X F_Xᵀ [B, N]:
    ///   dgamma += Σ dr ⊙ F_Y P,   dF_Y += gamma dr Pᵀ,   dP = gamma F_Yᵀ dr,   dF_X += dPᵀ X,   dX = dP F_X
    /// (dX for x_hat_t only: x is data).
    /// - dGlimpse: [batchSize, 2 C N^2]; returns dx_hat_t [batchSize, C B A] and each window's gradient.
    func readBackward(_ dGlimpse: Matrix<Scalar>, image: Matrix<Scalar>, errorImage: Matrix<Scalar>,
                      windows: [PaperWindow<Scalar>]) -> (dErrorImage: Matrix<Scalar>, dWindows: [PaperWindowGradient<Scalar>]) {
        let (c, b, a, n) = (config.channels, config.height, config.width, config.readSize)
        var dErrorImage = Matrix<Scalar>(rows: image.rows, columns: image.columns)
        var dWindows: [PaperWindowGradient<Scalar>] = []
        for (row, window) in windows.enumerated() {
            var d = PaperWindowGradient(dFilterX: Matrix<Scalar>(rows: n, columns: a), dFilterY: Matrix<Scalar>(rows: n, columns: b),
                                        dIntensity: 0)
            for (half, source) in [image, errorImage].enumerated() {
                for channel in 0..<c {
                    let plane = block(of: source, row: row, start: channel * b * a, rows: b, columns: a)      // X: [B, A]
                    let dRead = block(of: dGlimpse, row: row, start: (half * c + channel) * n * n, rows: n, columns: n)
                    let projected = product(plane, transpose(window.filterX))                           // P = X F_Xᵀ: [B, N]
                    d.dIntensity += sumOfProducts(dRead, product(window.filterY, projected))             // Eq. 27: dgamma
                    d.dFilterY += scaled(product(dRead, transpose(projected)), by: window.intensity)      // Eq. 27: dF_Y
                    let dProjected = scaled(product(transpose(window.filterY), dRead), by: window.intensity)   // dP: [B, N]
                    d.dFilterX += product(transpose(dProjected), plane)                                  // Eq. 27: dF_X
                    if half == 1 {
                        place(product(dProjected, window.filterX), into: &dErrorImage, row: row, start: channel * b * a)   // dX
                    }
                }
            }
            dWindows.append(d)
        }
        return (dErrorImage, dWindows)
    }

    // MARK: - Writing with attention (Eq. 29)

    /// Eq. 29: write(h^dec_t) = (1 / gamma) F_Yᵀ w_t F_X, each channel plane of the patch w_t through the same window.
    /// - patch w_t: [batchSize, C N^2] (Eq. 28); returns what Eq. 8 adds to the canvas: [batchSize, C B A]
    func write(_ patch: Matrix<Scalar>, windows: [PaperWindow<Scalar>]) -> Matrix<Scalar> {
        let (c, b, a, n) = (config.channels, config.height, config.width, config.writeSize)
        var written = Matrix<Scalar>(rows: patch.rows, columns: c * b * a)
        for (row, window) in windows.enumerated() {
            for channel in 0..<c {
                let w = block(of: patch, row: row, start: channel * n * n, rows: n, columns: n)                 // [N, N]
                let plane = product(product(transpose(window.filterY), w), window.filterX)          // Eq. 29: F_Yᵀ w_t F_X, [B, A]
                place(scaled(plane, by: 1 / window.intensity), into: &written, row: row, start: channel * b * a)  // Eq. 29: 1 / gamma
            }
        }
        return written
    }

    /// Backward of Eq. 29. For one plane, with U = w F_X [N, A] and out = (1/gamma) F_Yᵀ U:
    ///   dgamma -= (1/gamma) Σ dout ⊙ out,   dU = (1/gamma) F_Y dout,   dF_Y += (1/gamma) U doutᵀ,
    ///   dw = dU F_Xᵀ,   dF_X += wᵀ dU.
    /// - dWritten: dL/d(write output) [batchSize, C B A]; returns dw_t [batchSize, C N^2] and each window's gradient.
    func writeBackward(_ dWritten: Matrix<Scalar>, patch: Matrix<Scalar>,
                       windows: [PaperWindow<Scalar>]) -> (dPatch: Matrix<Scalar>, dWindows: [PaperWindowGradient<Scalar>]) {
        let (c, b, a, n) = (config.channels, config.height, config.width, config.writeSize)
        var dPatch = Matrix<Scalar>(rows: patch.rows, columns: patch.columns)
        var dWindows: [PaperWindowGradient<Scalar>] = []
        for (row, window) in windows.enumerated() {
            var d = PaperWindowGradient(dFilterX: Matrix<Scalar>(rows: n, columns: a), dFilterY: Matrix<Scalar>(rows: n, columns: b),
                                        dIntensity: 0)
            let inverse = 1 / window.intensity
            for channel in 0..<c {
                let w = block(of: patch, row: row, start: channel * n * n, rows: n, columns: n)                 // [N, N]
                let dOut = block(of: dWritten, row: row, start: channel * b * a, rows: b, columns: a)           // [B, A]
                let u = product(w, window.filterX)                                                   // U = w F_X: [N, A]
                let out = scaled(product(transpose(window.filterY), u), by: inverse)                 // [B, A]
                d.dIntensity -= inverse * sumOfProducts(dOut, out)                                   // Eq. 29: dgamma
                let dU = scaled(product(window.filterY, dOut), by: inverse)                          // [N, A]
                d.dFilterY += scaled(product(u, transpose(dOut)), by: inverse)                       // Eq. 29: dF_Y
                place(product(dU, transpose(window.filterX)), into: &dPatch, row: row, start: channel * n * n)   // Eq. 29: dw_t
                d.dFilterX += product(transpose(w), dU)                                              // Eq. 29: dF_X
            }
            dWindows.append(d)
        }
        return (dPatch, dWindows)
    }
}
