import Foundation
import Testing
@testable import MiniDRAW

/// Polyak averaging of the weights (`WeightAverage`), the checks' extra bounds in `log.csv`
/// (training subset, weight average) and how both travel through checkpoints and resumes.
@Suite("Weight average and the checks' bounds")
struct WeightAverageTests {
    static func averagingSettings(steps: Int, decay: Double = 0.9) -> TrainingSettings {
        var settings = TrainingTests.settings(steps: steps)
        settings.averageDecay = decay
        return settings
    }

    @Test("theta_bar = d theta_bar + (1 - d) theta after every step, from theta_bar = theta at the start")
    func averageFollowsTheWeights() throws {
        let decay = 0.9
        let trainer = try Trainer(config: TrainingTests.config, settings: Self.averagingSettings(steps: 6, decay: decay),
                                  images: TrainingTests.images(count: 10))
        let path = DRAWModel<Float>.parameterPaths(config: TrainingTests.config).first { $0.name == "encoder.weight_ih" }!.path
        var expected = trainer.model[keyPath: path].storage.map(Double.init)
        for _ in 0..<6 {
            try trainer.step()
            let weights = trainer.model[keyPath: path].storage
            for index in expected.indices { expected[index] = decay * expected[index] + (1 - decay) * Double(weights[index]) }
        }
        let observed = try #require(trainer.state.average)[keyPath: path].storage.map(Double.init)
        expectClose(observed, expected, tolerance: 1e-5, "average of encoder.weight_ih after 6 steps")
        #expect(observed != trainer.model[keyPath: path].storage.map(Double.init), "the average must lag the weights")
    }

    @Test("the average is saved with each checkpoint (state and its own model file), pruned with it, and resumes bit for bit")
    func averageCheckpointsAndResume() throws {
        let directory = makeTemporaryFolder("minidraw-tests")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (straight, first, resumed) = try TrainingTests.straightAndResumed(settings: Self.averagingSettings(steps: 8),
                                                                               before: 5, after: 3, directory: directory)
        #expect(entryNames(directory).filter { $0.contains(".average.") }
                == [Checkpoint.averageFileName(step: 4), Checkpoint.averageFileName(step: 5)])
        #expect(Checkpoint.completeSteps(in: directory) == [4, 5])
        let averageFile: DRAWModel<Float> = try Checkpoint.loadModel(path: "\(directory)/\(Checkpoint.averageFileName(step: 5))")
        #expect(averageFile == first.state.average)
        let (_, state) = try Trainer.loadCheckpoint(modelPath: "\(directory)/\(Checkpoint.modelFileName(step: 5))")
        #expect(state.average == first.state.average)
        #expect(resumed.model == straight.model)
        #expect(resumed.state.average == straight.state.average)
    }

    @Test("a run without an average writes no average and no new settings keys; turning it on later starts it at the weights")
    func averageOffAndLateStart() throws {
        let directory = makeTemporaryFolder("minidraw-tests")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let images = TrainingTests.images(count: 10)
        let plain = try Trainer(config: TrainingTests.config, settings: TrainingTests.settings(steps: 4), images: images)
        for _ in 0..<2 { try plain.step() }
        let path = try plain.saveCheckpoint(directory: directory, elapsedSeconds: 0)
        #expect(plain.state.average == nil)
        #expect(!entryNames(directory).contains { $0.contains(".average.") })
        let stateFile = try SafeTensorsFile(contentsOf: "\(directory)/\(Checkpoint.stateFileName(step: 2))")
        #expect(!stateFile.tensors.keys.contains { $0.hasPrefix("average.") })
        let settingsJSON = try stateFile.metadataValue("training")
        #expect(!settingsJSON.contains("averageDecay") && !settingsJSON.contains("trainingBoundImages"), "\(settingsJSON)")

        var (model, state) = try Trainer.loadCheckpoint(modelPath: path)
        state.settings.averageDecay = 0.99
        let resumed = try Trainer(model: model, state: state, images: images)
        #expect(resumed.state.average == model)
    }

    @Test("the file names: an average has its checkpoint's step, is never a complete checkpoint, and --overwrite removes it")
    func averageFileNames() throws {
        #expect(Checkpoint.averageFileName(step: 500) == "checkpoint-000500.average.safetensors")
        #expect(Checkpoint.step(fileName: "checkpoint-000500.average.safetensors") == 500)
        #expect(Checkpoint.step(fileName: "checkpoint-000500.averages.safetensors") == nil)
        let directory = makeTemporaryFolder("minidraw-tests")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try AtomicFile.write([1], to: "\(directory)/\(Checkpoint.averageFileName(step: 7))")
        try AtomicFile.write([1], to: "\(directory)/\(Checkpoint.stateFileName(step: 7))")
        #expect(Checkpoint.completeSteps(in: directory).isEmpty)
        let folder = RunFolder(directory)
        #expect(folder.checkpointSteps == [7])
        #expect(try folder.perform(.wholeRun) == "checkpoint 7")
        #expect(entryNames(directory).isEmpty)
    }

    @Test("log.csv: the checks' three bounds in their columns; a resumed older log is rewritten under today's header by column name")
    func logColumns() throws {
        let directory = makeTemporaryFolder("minidraw-tests")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/log.csv"
        let old = """
        step,elapsed_seconds,loss,loss_x,loss_z,valid_bound,images_per_second,gradient_norm,kl_1,kl_2,kl_3
        10,1.0,9.0,8.0,1.0,,50.0,2.000,0.1,0.2,0.3
        20,2.0,8.0,7.0,1.0,7.5000,50.0,2.000,0.1,0.2,0.3
        30,3.0,7.0,6.0,1.0,,50.0,2.000,0.1,0.2,0.3

        """
        try AtomicFile.write(Data(old.utf8), to: path)
        do {
            let log = try TrainingLog(path: path, timesteps: 3, resumedStep: 20)
            let trainer = try Trainer(config: TrainingTests.config, settings: TrainingTests.settings(steps: 1),
                                      images: TrainingTests.images(count: 10))
            log.append(try trainer.step(), elapsedSeconds: 3, imagesPerSecond: 40,
                       bounds: CheckBounds(validation: 7.25, training: 6.5, averageValidation: 7.125))
        }
        let table = try TrainingLogTable.load(runDirectory: directory)
        #expect(table.columns == TrainingLog.header(timesteps: 3).split(separator: ",").map(String.init))
        #expect(table.column("step") == [10, 20, 1])
        #expect(table.column("valid_bound") == [nil, 7.5, 7.25])
        #expect(table.column("train_bound") == [nil, nil, 6.5])
        #expect(table.column("valid_bound_average") == [nil, nil, 7.125])
        #expect(table.column("kl_3").prefix(2) == [0.3, 0.3])
        let chart = TrainingCurves.lossChart(table)
        #expect(chart.series.map(\.name).suffix(3) == ["validation bound (Eq. 12)", "training-subset bound", "validation bound, weight average"])
    }

    // MARK: - The mean of finished models

    @Test("the mean of models: each element the Double mean of the models' elements, rounded once")
    func meanOfModels() {
        let models = (1...3).map { DRAWModel<Float>.initialized(config: TrainingTests.config, seed: UInt64($0)) }
        let mean = WeightAverage.mean(of: models)
        for (name, path) in mean.parameterPaths {
            let expected = models[0][keyPath: path].storage.indices.map { index in
                Float(models.reduce(0.0) { $0 + Double($1[keyPath: path].storage[index]) } / 3)
            }
            #expect(mean[keyPath: path].storage == expected, "\(name)")
        }
        #expect(WeightAverage.mean(of: [models[1]]) == models[1])
    }

    @Test("mean model files: one config and one kind of data, or an error naming the file; sources named, step dropped")
    func meanModelFiles() throws {
        func file(_ config: DRAWConfig, seed: UInt64, _ metadata: [String: String], source: String) -> SafeTensorsFile {
            var file = Checkpoint.modelFile(DRAWModel<Float>.initialized(config: config, seed: seed), extraMetadata: metadata)
            file.source = source
            return file
        }
        let data = ["dataset": "mnist", "pixels": "binary", "data": "Data/binarized-mnist"]
        let a = file(TrainingTests.config, seed: 1, data.merging(["step": "10", "average_decay": "0.999"]) { $1 }, source: "a")
        let b = file(TrainingTests.config, seed: 2, data.merging(["step": "20"]) { $1 }, source: "b")
        let mean = try WeightAverage.meanModelFile(of: [a, b])
        #expect(mean.metadata["averaged_from"] == "a,b" && mean.metadata["step"] == nil && mean.metadata["average_decay"] == nil)
        #expect(mean.metadata["dataset"] == "mnist" && mean.metadata["data"] == "Data/binarized-mnist")
        let expected = WeightAverage.mean(of: [try Checkpoint.loadModel(a, as: Double.self), try Checkpoint.loadModel(b, as: Double.self)])
        #expect(try Checkpoint.loadModel(mean, as: Float.self) == expected.converted(to: Float.self))

        var wider = TrainingTests.config
        wider.encoderSize += 1
        for (other, words) in [(file(wider, seed: 3, data, source: "c"), "only models of one config average"),
                               (file(TrainingTests.config, seed: 3, data.merging(["pixels": "grey"]) { $1 }, source: "c"),
                                "only models of the same data average")] {
            #expect { try WeightAverage.meanModelFile(of: [a, other]) } throws: { error in
                "\(error)".hasPrefix("checkpoint c: ") && "\(error)".hasSuffix(words)
            }
        }
    }
}

