import Testing
@testable import MiniDRAW

/// Eq. 3: the error image x_hat_t = x - sigmoid(c_{t-1}) and its backward into the canvas.
@Suite("Eq. 3: error image")
struct ErrorImageTests {
    @Test("Eq. 3: x_hat = x - sigmoid(c), value by value")
    func values() {
        let image = Matrix<Double>(rows: 2, columns: 3, storage: [0, 1, 0.5, 1, 0, 0.25])
        let canvas = Matrix<Double>(rows: 2, columns: 3, storage: [0, 2, -3, 40, -40, 0.7])
        var errorImage = Matrix<Double>(rows: 2, columns: 3)
        MiniDRAW.errorImage(image: image, canvas: canvas, into: &errorImage)
        // Against the formula written out, including the saturated ends c = ±40.
        let expected = zip(image.storage, canvas.storage).map { $0 - logistic($1) }
        expectClose(errorImage.storage, expected, tolerance: 1e-15, "x_hat")
        // By hand: 0 - 1/2,  1 - 1/(1 + e^-2),  1/2 - 1/(1 + e^3).
        expectClose(Array(errorImage.storage[0..<3]), [-0.5, 0.11920292202211769, 0.4525741268224332], tolerance: 1e-15,
                    "x_hat of the first image")
    }

    @Test("Eq. 3: errorImageBackward adds dL/dc = -dL/dx_hat s (1 - s), checked by central differences")
    func gradient() {
        let image = Matrix(rows: 2, columns: 7, storage: randomMatrix(2, 7, seed: 1).storage.map { $0 > 0 ? 1.0 : 0.0 })
        let canvas = randomMatrix(2, 7, seed: 2, scale: 1.5)
        let weights = randomMatrix(2, 7, seed: 3)                     // L = Σ R ⊙ x_hat
        let earlier = randomMatrix(2, 7, seed: 4)                     // what dCanvas held before
        var dCanvas = earlier
        var sigmoidCanvas = Matrix<Double>(rows: 2, columns: 7)
        errorImageBackward(dErrorImage: weights, canvas: canvas, sigmoidCanvas: &sigmoidCanvas, dCanvas: &dCanvas)
        let added = zip(dCanvas.storage, earlier.storage).map { $0 - $1 }
        var values = canvas.storage
        let report = gradientCheck(name: "Eq. 3 dL/dc", values: &values, analytic: added) { perturbed in
            var errorImage = Matrix<Double>(rows: 2, columns: 7)
            MiniDRAW.errorImage(image: image, canvas: Matrix(rows: 2, columns: 7, storage: perturbed),
                                into: &errorImage)
            return weightedSum(errorImage, weights)
        }
        expectPassed(report)
    }
}
