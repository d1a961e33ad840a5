import Foundation
import Testing
@testable import MiniDRAW

/// §2.1: "c_0, h^enc_0, h^dec_0 are initialised to learned biases". Their values and gradients are
/// checked against the reference files (`ReferenceTests`) and central differences
/// (`DRAWGradientTests`); here: how they start, how they are saved, and how checkpoints written
/// before they existed load.
@Suite("§2.1: learned initial states c_0, h^enc_0, h^dec_0")
struct InitialStateTests {
    static let config = DRAWConfig(width: 8, height: 6, timesteps: 3, encoderSize: 8, decoderSize: 7, latentSize: 3,
                                   readSize: 2, writeSize: 3, attention: true)
    static let names = ["initial.canvas", "initial.encoder_hidden", "initial.decoder_hidden"]

    /// Ten random binary 8x6 images.
    static let images: ImageSet = {
        var generator = SeededGenerator(seed: 5)
        let pixels = (0..<(10 * 48)).map { _ in Float(generator.nextUniform() < 0.35 ? 1 : 0) }
        return ImageSet(imageCount: 10, height: 6, width: 8, pixels: pixels)
    }()

    static func trainer(steps: Int) throws -> Trainer {
        var settings = TrainingSettings()
        settings.batchSize = 4
        settings.totalSteps = steps
        settings.seed = 3
        return try Trainer(config: config, settings: settings, images: images)
    }

    @Test("a new model starts c_0 at the chosen value in every pixel and h^enc_0 = h^dec_0 = 0, drawing no random numbers")
    func initialValues() {
        let model = DRAWModel<Float>.initialized(config: Self.config, seed: 9)
        #expect(model.initialCanvas.shape == [1, Self.config.imageSize])
        #expect(model.initialCanvas.storage.allSatisfy { $0 == Float(DRAWModel<Float>.defaultInitialCanvasValue) })
        #expect(model.initialEncoderHidden.shape == [1, 8] && model.initialEncoderHidden.storage.allSatisfy { $0 == 0 })
        #expect(model.initialDecoderHidden.shape == [1, 7] && model.initialDecoderHidden.storage.allSatisfy { $0 == 0 })
        let grey = DRAWModel<Float>.initialized(config: Self.config, seed: 9, initialCanvasValue: 0)
        #expect(grey.initialCanvas.storage.allSatisfy { $0 == 0 })
        #expect(grey.encoder == model.encoder && grey.write == model.write, "the start value of c_0 moved the weights' random stream")
    }

    @Test("the forward pass copies c_0, h^enc_0, h^dec_0 to every image; the cell states start at 0")
    func broadcast() {
        var model = TinyModels.model(TinyModels.config(attention: false))
        model.initialCanvas = randomMatrix(1, model.config.imageSize, seed: 1)
        var cache = TinyModels.cache(model, batchSize: 3)
        model.forward(image: TinyModels.images(model.config, batchSize: 3), cache: &cache)
        for row in 0..<3 {
            for column in 0..<model.config.imageSize { #expect(cache.initialCanvas[row, column] == model.initialCanvas[0, column]) }
            for column in 0..<model.config.encoderSize {
                #expect(cache.initialEncoderHidden[row, column] == model.initialEncoderHidden[0, column])
            }
            for column in 0..<model.config.decoderSize {
                #expect(cache.initialDecoderHidden[row, column] == model.initialDecoderHidden[0, column])
            }
        }
        #expect(cache.initialEncoderCell.storage.allSatisfy { $0 == 0 } && cache.initialDecoderCell.storage.allSatisfy { $0 == 0 })
    }

    @Test("checkpoints hold initial.* under the reference's names and shapes, with Adam's moments for them")
    func saved() throws {
        let directory = makeTemporaryFolder("minidraw-initial")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trainer = try Self.trainer(steps: 2)
        try trainer.step()
        let path = try trainer.saveCheckpoint(directory: directory, elapsedSeconds: 0)
        let model = try SafeTensorsFile(contentsOf: path)
        #expect(model.tensors["initial.canvas"]?.shape == [Self.config.imageSize])
        #expect(model.tensors["initial.encoder_hidden"]?.shape == [8])
        #expect(model.tensors["initial.decoder_hidden"]?.shape == [7])
        let state = try SafeTensorsFile(contentsOf: path.replacingOccurrences(of: ".safetensors", with: ".state.safetensors"))
        for name in Self.names { #expect(state.tensors["adam.m.\(name)"] != nil && state.tensors["adam.v.\(name)"] != nil) }
        let (loaded, _) = try Trainer.loadCheckpoint(modelPath: path)
        #expect(loaded == trainer.model)
        #expect(trainer.model.initialCanvas.storage.contains { $0 != Float(DRAWModel<Float>.defaultInitialCanvasValue) },
                "one Adam step should have moved c_0")
    }

    @Test("a checkpoint from before the initial states were learned loads them as 0, resumes, and learns them from there")
    func olderCheckpoints() throws {
        let directory = makeTemporaryFolder("minidraw-initial")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trainer = try Self.trainer(steps: 3)
        try trainer.step()
        let path = try trainer.saveCheckpoint(directory: directory, elapsedSeconds: 0)
        let statePath = path.replacingOccurrences(of: ".safetensors", with: ".state.safetensors")
        var model = try SafeTensorsFile(contentsOf: path), state = try SafeTensorsFile(contentsOf: statePath)
        for name in Self.names {                                            // as written before this change
            model.tensors[name] = nil
            state.tensors["adam.m.\(name)"] = nil
            state.tensors["adam.v.\(name)"] = nil
        }
        try model.write(to: path)
        try state.write(to: statePath)

        let (loaded, loadedState) = try Trainer.loadCheckpoint(modelPath: path)
        #expect(loaded.initialCanvas.storage.allSatisfy { $0 == 0 } && loaded.initialEncoderHidden.storage.allSatisfy { $0 == 0 }
                && loaded.initialDecoderHidden.storage.allSatisfy { $0 == 0 })
        #expect(loaded.encoder == trainer.model.encoder, "the other tensors load as saved")
        #expect(loadedState.adam.firstMoment.initialCanvas.storage.allSatisfy { $0 == 0 })
        let resumed = try Trainer(model: loaded, state: loadedState, images: Self.images)
        try resumed.step()
        #expect(resumed.model.initialCanvas.storage.contains { $0 != 0 }, "c_0 is learned after resuming")

        model.tensors["encoder.bias_ih"] = nil                             // other tensors stay required
        try model.write(to: path)
        #expect(throws: (any Error).self) { _ = try Trainer.loadCheckpoint(modelPath: path) }
    }
}
