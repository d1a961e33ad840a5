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

    // MARK: - The mean of finished models

    /// The element-wise mean of models of one shape: checkpoint averaging (the last checkpoints of a
    /// run) or a "model soup" (runs that started from one checkpoint; Wortsman et al. 2022). Where the
    /// moving average above follows one run step by step, this averages files after the fact; it only
    /// helps models in one basin of the loss, so choose it on validation like any other model.
    /// Each element is summed in Double in the order given, divided once, rounded once to `Scalar`.
    /// - models: one or more, the same shape.
    package static func mean<Model: ParameterSet>(of models: [Model]) -> Model {
        precondition(!models.isEmpty, "the mean of no models")
        var mean = models[0]
        for (_, path) in mean.parameterPaths {
            var sums = [Double](repeating: 0, count: mean[keyPath: path].storage.count)
            for model in models {
                let values = model[keyPath: path].storage
                precondition(values.count == sums.count, "mean of models: shapes differ")
                for index in sums.indices { sums[index] += Double(values[index]) }
            }
            mean[keyPath: path].storage = sums.map { Model.Scalar($0 / Double(models.count)) }
        }
        return mean
    }

    /// The mean of DRAW model files (`mean(of:)`) as a model file. The files must share the config
    /// and the kind of data they were trained on (`dataset`, `pixels` in their metadata); the result
    /// keeps those and the first file's `data` folder, names its sources in `averaged_from`, and drops
    /// what described one run's file (its `step`, its `average_decay`).
    /// - Throws: `SafeTensorsError` naming the first file that differs from the first, or that does
    ///   not load (a missing tensor, a wrong shape, a NaN).
    package static func meanModelFile(of files: [SafeTensorsFile]) throws -> SafeTensorsFile {
        precondition(!files.isEmpty, "the mean of no files")
        let first = files[0], config = try Checkpoint.config(from: first)
        for file in files.dropFirst() {
            let other = try Checkpoint.config(from: file)
            guard other == config else {
                throw SafeTensorsError(source: file.source, problem: "holds a \(other.summary) model, but \(first.source) "
                                       + "holds a \(config.summary) one; only models of one config average")
            }
            for key in sharedDataKeys where file.metadata[key] != first.metadata[key] {
                throw SafeTensorsError(source: file.source, problem: "metadata \(key) = \(file.metadata[key] ?? "(none)"), but "
                                       + "\(first.source) has \(first.metadata[key] ?? "(none)"); only models of the same data average")
            }
        }
        let models: [DRAWModel<Double>] = try files.map { try Checkpoint.loadModel($0) }
        var metadata = first.metadata.filter { sharedDataKeys.contains($0.key) || $0.key == "data" }
        metadata["averaged_from"] = files.map(\.source).joined(separator: ",")
        return Checkpoint.modelFile(mean(of: models), extraMetadata: metadata)
    }

    /// The metadata of a model file that says what kind of data it was trained on.
    static let sharedDataKeys = ["dataset", "pixels"]
}
