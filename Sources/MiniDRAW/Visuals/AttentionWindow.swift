/// An attention window as pictures show it: the five numbers after Eq. 22-24, the rectangle its
/// N x N grid covers in pixel coordinates, and a way to build the filterbanks of a window given
/// directly (for `minidraw attention-demo`) rather than emitted by the decoder.

// MARK: - The five numbers

/// (g_X, g_Y, sigma^2, delta, gamma) of one window after Eq. 22-24, in the paper's 1-based pixel
/// coordinates: g_X = 1 is the centre of the leftmost pixel column.
public struct AttentionWindow: Equatable, Sendable {
    /// g_X (Eq. 22)
    public var centerX: Double
    /// g_Y (Eq. 22)
    public var centerY: Double
    /// sigma^2, the variance of every Gaussian filter (Eq. 24)
    public var variance: Double
    /// delta, the distance between neighbouring filter centres (Eq. 23)
    public var stride: Double
    /// gamma, the intensity (Eq. 24)
    public var intensity: Double

    public init(centerX: Double, centerY: Double, variance: Double, stride: Double, intensity: Double) {
        self.centerX = centerX
        self.centerY = centerY
        self.variance = variance
        self.stride = stride
        self.intensity = intensity
    }

    /// Row `row` of a window matrix as the model keeps it (`AttentionStepCache.window`, `GenerationStep.writeWindow`).
    /// - window: [batchSize, 5]
    public init<Scalar: DRAWScalar>(_ window: Matrix<Scalar>, row: Int) {
        self.init(centerX: Double(window[row, AttentionParameter.centerX]),
                  centerY: Double(window[row, AttentionParameter.centerY]),
                  variance: Double(window[row, AttentionParameter.variance]),
                  stride: Double(window[row, AttentionParameter.stride]),
                  intensity: Double(window[row, AttentionParameter.intensity]))
    }
}

// MARK: - Where the grid lies

/// The rectangle an N x N attention grid covers and its filter centres, in 0-based pixel
/// coordinates: pixel (0, 0) is the top-left pixel and pixel centres sit at whole numbers, so a
/// position can be handed to `RGBImage.drawRectangle` as it is.
public struct AttentionBox: Equatable, Sendable {
    public var left: Double
    public var top: Double
    public var right: Double
    public var bottom: Double
    /// mu_X^j - 1 for j = 1...N (Eq. 19): [N]
    public var filterCentersX: [Double]
    /// mu_Y^i - 1 for i = 1...N (Eq. 20): [N]
    public var filterCentersY: [Double]

    /// The grid's extent on the image. Filter i's centre is mu^i = g + (i - N/2 - 1/2) delta
    /// (Eq. 19-20), so the N centres span g ± (N - 1) delta / 2; giving each filter a cell of width
    /// delta around its centre, the grid covers
    ///
    ///     g_X - N delta / 2  ...  g_X + N delta / 2      (and likewise in y)
    ///
    /// in the paper's 1-based pixel coordinates (pixel a = 1...A). Subtracting 1 gives 0-based
    /// positions: g_X = 10, delta = 2, N = 3 covers pixel columns 6...12, filter centres 7, 9, 11.
    public init(window: AttentionWindow, gridSize: Int) {
        let halfWidth = Double(gridSize) * window.stride / 2
        let centerX = window.centerX - 1, centerY = window.centerY - 1
        left = centerX - halfWidth
        right = centerX + halfWidth
        top = centerY - halfWidth
        bottom = centerY + halfWidth
        let offsets = (1...max(gridSize, 1)).map { (Double($0) - Double(gridSize) / 2 - 0.5) * window.stride }
        filterCentersX = offsets.map { centerX + $0 }
        filterCentersY = offsets.map { centerY + $0 }
    }

    /// The same box on the image upscaled by `factor` (each pixel a `factor x factor` block):
    /// position u goes to (u + 1/2) factor - 1/2, so a pixel centre lands on its block's centre
    /// (exactly on a pixel for odd factors, between the two middle pixels for even ones).
    public func scaled(by factor: Int) -> AttentionBox {
        func map(_ value: Double) -> Double { (value + 0.5) * Double(factor) - 0.5 }
        var box = self
        box.left = map(left)
        box.right = map(right)
        box.top = map(top)
        box.bottom = map(bottom)
        box.filterCentersX = filterCentersX.map(map)
        box.filterCentersY = filterCentersY.map(map)
        return box
    }
}

// MARK: - Filterbanks for a given window

extension AttentionStepCache {
    /// The cache of one attention step for windows given as (g_X, g_Y, sigma^2, delta, gamma)
    /// instead of computed from h^dec: inverts Eq. 22-24 into Eq. 21's five outputs,
    ///
    ///     g~ = 2 g / (A + 1) - 1,   log sigma^2,   log(delta (N - 1) / (max(A, B) - 1)),   log gamma,
    ///
    /// and runs the geometry's own forward (Eq. 22-26), so F_X [N, A] and F_Y [N, B] are built
    /// exactly as the model builds them. Variance, stride and intensity must be positive.
    public init(windows: [AttentionWindow], geometry: AttentionGeometry) {
        self.init(batchSize: windows.count, geometry: geometry)
        for (row, window) in windows.enumerated() {
            precondition(window.variance > 0 && window.stride > 0 && window.intensity > 0,
                         "attention window needs positive sigma^2, delta and gamma, got \(window)")
            parameters[row, AttentionParameter.centerX] = Scalar(2 * window.centerX / Double(geometry.width + 1) - 1)
            parameters[row, AttentionParameter.centerY] = Scalar(2 * window.centerY / Double(geometry.height + 1) - 1)
            parameters[row, AttentionParameter.variance] = Scalar(Double.log(window.variance))
            parameters[row, AttentionParameter.stride] = Scalar(Double.log(window.stride / geometry.strideScale))
            parameters[row, AttentionParameter.intensity] = Scalar(Double.log(window.intensity))
        }
        geometry.forward(cache: &self)
    }
}
