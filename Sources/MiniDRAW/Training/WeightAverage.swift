import Foundation

// MARK: - Polyak averaging of the weights

/// An exponential moving average of the weights (Polyak & Juditsky 1992; Polyak averaging), kept
/// beside a run's weights and updated after every Adam step s:
///   theta_bar_s = d theta_bar_{s-1} + (1 - d) theta_s,   theta_bar at the first averaged step = theta.
/// With decay d it averages about the last 1 / (1 - d) steps (1,000 for d = 0.999), so the noise of
/// the last updates cancels while the weights still follow the run. It changes no training step: the
/// gradient is always taken at theta; only the saved `checkpoint-<step>.average.safetensors` (`Checkpoint.averageFileName`) and the
/// logged `valid_bound_average` use theta_bar. No bias correction is needed because the average starts
/// at the weights, not at zero.
package enum WeightAverage {
    /// theta_bar <- d theta_bar + (1 - d) theta, element by element (the same bits on any thread count:
    /// each element is its own sum).
    /// - average, model: the same config.
    package static func update<Model: ParameterSet>(average: inout Model, toward model: Model, decay: Double) {
        let keep = Model.Scalar(decay), take = Model.Scalar(1 - decay)
        for (_, path) in model.parameterPaths {
            let weights = model[keyPath: path].storage
            average[keyPath: path].storage.withUnsafeMutableBufferPointer { averaged in
                precondition(averaged.count == weights.count, "weight average: shapes differ")
                for index in averaged.indices {
                    averaged[index] = keep * averaged[index] + take * weights[index]
                }
            }
        }
    }

    /// Checks a decay given on the command line or in settings: 0 < d < 1.
    package static func isValidDecay(_ decay: Double) -> Bool { decay > 0 && decay < 1 }
}
