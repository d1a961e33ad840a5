import Foundation
import Testing
@testable import MiniDRAW

/// Training on a folder of images end to end, the export round trip, the shipped data unchanged
/// through the new path, and checkpoints that hold NaN.
@Suite("Training on your own images")
struct OwnImagesTrainingTests {
    static let config = DRAWConfig(width: 6, height: 4, channels: 3, timesteps: 2, encoderSize: 6, decoderSize: 6,
                                   latentSize: 2, readSize: 2, writeSize: 3, attention: true)

    /// A folder of `count` 6x4 RGB PNGs with smooth colours.
    static func colourFolder(_ folder: String, count: Int) throws {
        for index in 0..<count {
            let pixels = (0..<72).map { UInt8(($0 * 11 + index * 23) % 256) }
            try TestDataFiles.write(PNGWriter.encode(RGBImage(width: 6, height: 4, pixels: pixels)), folder, "img\(index).png")
        }
    }

    @Test("a few Trainer steps on a tiny PNG folder, stochastic pixels: finite loss, settings saved, bit-identical resume")
    func trainOnFolder() throws {
        try withTemporaryFolder { folder in
            try Self.colourFolder(folder + "/images", count: 12)
            let data = try RunData(dataset: .mnist, images: try ImageData.open(folder + "/images"), pixels: .stochastic)
            #expect(data.shaping(.small).imageSize == 72 && data.fits(Self.config))
            var settings = TrainingSettings()
            settings.batchSize = 4
            settings.totalSteps = 6
            settings.pixels = data.pixels
            settings.data = folder + "/images"
            let straight = try Trainer(config: Self.config, settings: settings, images: data.trainingImages(seed: settings.seed))
            for _ in 0..<6 { #expect(try straight.step().loss.isFinite) }

            let first = try Trainer(config: Self.config, settings: settings, images: data.trainingImages(seed: settings.seed))
            for _ in 0..<3 { try first.step() }
            let path = try first.saveCheckpoint(directory: folder + "/run", elapsedSeconds: 1)
            let metadata = try SafeTensorsFile(contentsOf: path).metadata
            #expect(metadata["pixels"] == "stochastic" && metadata["data"] == folder + "/images" && metadata["channels"] == "3")
            let (model, state) = try Trainer.loadCheckpoint(modelPath: path)
            #expect(state.settings.pixels == .stochastic && state.settings.data == folder + "/images")
            let reopened = try RunData(dataset: .mnist, images: try ImageData.open(folder + "/images"), pixels: state.settings.pixels)
            let resumed = try Trainer(model: model, state: state, images: reopened.trainingImages(seed: state.settings.seed))
            for _ in 0..<3 { try resumed.step() }
            #expect(resumed.model.encoder.weightIH.storage == straight.model.encoder.weightIH.storage)
            #expect(resumed.model.write.weight.storage == straight.model.write.weight.storage)
            let bound = resumed.model.evaluate(images: data.evaluationImages(split: .valid), batchSize: 4, importanceSamples: 0, seed: 1).bound
            #expect(bound.isFinite && bound > 0)
        }
    }

    @Test("export-images writes train/, valid/, test/ PNGs that read back as the same targets; a full folder is refused")
    func exportRoundTrip() throws {
        try withTemporaryFolder { folder in
            try Self.colourFolder(folder + "/images", count: 12)
            let data = try RunData(dataset: .mnist, images: try ImageData.open(folder + "/images"))
            let written = try ImageExport.write(data, splits: ImageData.Split.allCases, count: nil, seed: 1, directory: folder + "/out")
            #expect(written.map(\.count) == [10, 1, 1])
            #expect(FileManager.default.fileExists(atPath: folder + "/out/train/9.png"))
            let back = try ImageData.open(folder + "/out")
            #expect(back.train == data.images.train && back.valid == data.images.valid && back.test == data.images.test)
            let binary = try RunData(dataset: .mnist, images: data.images, pixels: .binary)
            try ImageExport.write(binary, splits: [.test], count: 1, seed: 1, directory: folder + "/binary")
            #expect(try ImageFolder.decode(path: folder + "/binary/test/0.png")
                    == .color(RGBImage(width: 6, height: 4, planes: binary.evaluationImages(split: .test, count: 1).pixels)))
            #expect(TestDataFiles.message { try ImageExport.write(data, splits: [.test], count: 1, seed: 1, directory: folder + "/out") }
                    == "\(folder)/out already exists and is not empty; export into a new folder")
        }
    }

    @Test("the shipped layout through ImageData and RunData gives the images Dataset's folder path gives, for every set")
    func shippedDataUnchanged() throws {
        let folder = try DatasetTests.dataFolder(count: 20)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let images = try ImageData.open(folder)
        for dataset in Dataset.allCases {
            let data = try RunData(dataset: dataset, images: images)
            let old = try dataset.trainingImages(directory: folder, seed: 5), new = data.trainingImages(seed: 5)
            for (index, epoch) in [(0, 0), (7, 1), (19, 3)] {
                #expect(DatasetTests.image(new, index: index, epoch: epoch) == DatasetTests.image(old, index: index, epoch: epoch),
                        "\(dataset.rawValue) image \(index) epoch \(epoch)")
            }
            for split in [ImageData.Split.valid, .test] {
                #expect(data.evaluationImages(split: split, count: 9).pixels
                        == (try dataset.evaluationImages(split: split, directory: folder, count: 9)).pixels)
            }
        }
    }

    @Test("a checkpoint with a NaN or infinite weight is refused, naming the tensor and the element")
    func nonFiniteCheckpoint() throws {
        try withTemporaryFolder { folder in
            let model = DRAWModel<Float>.initialized(config: Self.config, seed: 3)
            for (name, value, word) in [("encoder.weight_ih", Double.nan, "NaN"), ("write_attention.bias", -Double.infinity, "-infinity")] {
                var file = Checkpoint.modelFile(model)
                let element = 17 % file.tensors[name]!.values.count
                file.tensors[name]?.values[element] = value
                let path = folder + "/bad.safetensors"
                try file.write(to: path)
                #expect(TestDataFiles.message { let _: DRAWModel<Float> = try Checkpoint.loadModel(path: path) }
                        == "checkpoint \(path): tensor \(name) holds \(word) at element \(element)")
            }
        }
    }
}
