import Foundation
import Testing
@testable import MiniDRAW

/// `TrainedClassifier`: a classifier's checkpoint read back as the model its metadata names, which
/// `minidraw classify --checkpoint` scores without training; and the flags that command refuses.
@Suite("Classifier checkpoints: read back as written, scored by classify --checkpoint")
struct ClassifierCheckpointTests {
    /// The checkpoint `model` writes, as read from disk.
    func reread<Model: ImageClassifier>(_ model: Model) throws -> SafeTensorsFile {
        try SafeTensorsFile(bytes: try model.checkpoint().serialized(), source: "classifier.safetensors")
    }

    @Test("each kind (attention, mlp, linear) comes back as the same model, sizes from its metadata")
    func roundTrip() throws {
        let config = GlimpseClassifierConfig(width: 20, height: 16, readSize: 3, hiddenSize: 6, glimpses: 3, classCount: 10)
        let attention = GlimpseClassifier<Float>.initialized(config: config, seed: 3)
        guard case .attention(let readAttention) = try TrainedClassifier(file: try reread(attention)) else {
            Issue.record("an attention checkpoint read as another kind")
            return
        }
        #expect(readAttention == attention)
        for hiddenSize in [0, 7] {
            let pixels = PixelClassifier<Float>.initialized(inputSize: 320, hiddenSize: hiddenSize, seed: 4)
            let read = try TrainedClassifier(file: try reread(pixels))
            guard case .pixels(let readPixels) = read else {
                Issue.record("a pixel checkpoint read as another kind")
                return
            }
            #expect(readPixels == pixels && read.inputSize == 320 && read.parameterCount == pixels.parameterCount)
        }
    }

    @Test("a file that is not a classifier's is refused in one line naming the file and the key")
    func refusesOtherFiles() throws {
        let model = GlimpseClassifier<Float>.initialized(config: GlimpseClassifierConfig(width: 8, height: 8, readSize: 2, hiddenSize: 4,
                                                                                         glimpses: 2), seed: 1)
        var file = try reread(model)
        let cases: [(change: (inout SafeTensorsFile) -> Void, message: String)] = [
            ({ $0.metadata["model"] = "draw" },
             "checkpoint classifier.safetensors: metadata model = \"draw\", expected attention, linear or mlp (is it a classifier's checkpoint?)"),
            ({ $0.metadata["glimpses"] = nil }, "checkpoint classifier.safetensors: __metadata__ has no entry \"glimpses\""),
            ({ $0.metadata["hidden_size"] = "0" }, "checkpoint classifier.safetensors: metadata hidden_size = \"0\" is not a positive integer"),
        ]
        for (change, message) in cases {
            var changed = file
            change(&changed)
            #expect(throws: SafeTensorsError.self) { try TrainedClassifier(file: changed) }
            do { _ = try TrainedClassifier(file: changed) } catch { #expect("\(error)" == message) }
        }
        file.metadata["read_size"] = "3"                     // a tensor that no longer fits: named with both shapes
        do { _ = try TrainedClassifier(file: file); Issue.record("read with the wrong read size") } catch {
            #expect("\(error)".hasPrefix("checkpoint classifier.safetensors: tensor lstm.weight_ih"), "\(error)")
        }
    }

    @Test("classify --checkpoint refuses the training flags, a folder without a classifier, and --results without it")
    func commandRefusals() throws {
        let tool = CommandLineRunTests()
        let folder = makeTemporaryFolder("classify-checkpoint")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let refusals: [([String], String)] = [
            (["--checkpoint", ".", "--glimpses", "4"], "--glimpses shapes or trains a new classifier; with --checkpoint nothing is trained "
             + "(the checkpoint's metadata gives the model)"),
            (["--checkpoint", "."], "--checkpoint: . holds no classifier.safetensors (is it a minidraw classify run?)"),
            (["--checkpoint", "nothing.safetensors"], "--checkpoint: nothing.safetensors does not exist"),
            (["--results", "results.json", "--key", "x"], "--results and --key record a trained classifier's figures: give --checkpoint too"),
        ]
        for (arguments, message) in refusals {
            let outcome = try tool.minidraw(["classify"] + arguments, in: folder)
            #expect(outcome.status == 1 && outcome.output.isEmpty)
            #expect(outcome.errors == "minidraw: \(message)\n")
        }
    }
}
