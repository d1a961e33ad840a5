import Foundation
import Testing
@testable import MiniDRAW

/// Pictures of colour models (paper §3.3): `sample` and `reconstruct` write PPM, truecolour PNG and
/// GIF frames whose pixels are the three channel planes of sigmoid(c_t).
@Suite("Colour pictures")
struct ColorPictureTests {
    static let config = DRAWConfig(width: 8, height: 6, channels: 3, timesteps: 3, encoderSize: 6, decoderSize: 5,
                                   latentSize: 4, readSize: 2, writeSize: 3, attention: true)


    /// A binary P6 file as written by `Netpbm.ppm`: "P6\nW H\n255\n" then the bytes.
    func readPPM(_ path: String) throws -> RGBImage {
        let bytes = try AtomicFile.read(path)
        var newlines: [Int] = []
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            newlines.append(index)
            if newlines.count == 3 { break }
        }
        let header = String(decoding: bytes[0..<newlines[2]], as: UTF8.self).split(whereSeparator: \.isWhitespace)
        try #require(header.count == 4 && header[0] == "P6" && header[3] == "255", "\(path): header \(header)")
        let width = Int(header[1])!, height = Int(header[2])!
        return RGBImage(width: width, height: height, pixels: Array(bytes[(newlines[2] + 1)...]))
    }

    @Test("RGB planes to pixels: plane c of pixel p becomes byte 3p + c; one plane is grey")
    func planesToPixels() {
        let planes: [Float] = [0, 1, 0.5,   1, 0, 0.2,   0.25, 0.75, 2]     // 3x1 image: R plane, G plane, B plane
        let image = RGBImage(width: 3, height: 1, planes: planes)
        #expect(image.pixels == [0, 255, 64,   255, 0, 191,   128, 51, 255])
        #expect(RGBImage(width: 3, height: 1, planes: [0, 0.5, 1]) == RGBImage(grey: GreyImage(width: 3, height: 1, values: [0, 0.5, 1])))
    }

    @Test("§3.3, Eq. 13-16: a colour model's sample frames are PPM/PNG/GIF showing the three planes of sigmoid(c_t)")
    func colorSamples() throws {
        let model = TinyModels.model(Self.config)
        let directory = makeTemporaryFolder("minidraw-colour")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let paths = try SampleWriter.write(model: model, count: 4, seed: 6, directory: directory,
                                           options: .init(png: true, gif: true, boxes: true, scale: 2))
        let names = paths.map { ($0 as NSString).lastPathComponent }
        for name in ["frame-00.ppm", "frame-02.ppm", "final.ppm", "final.png", "drawing.gif", "sequence.ppm",
                     "boxes-final.ppm", "drawing-boxes.gif"] {
            #expect(names.contains(name), "\(name) missing from \(names)")
        }
        #expect(!names.contains { $0.hasSuffix(".pgm") }, "a colour model writes no grey maps")

        var generator = SeededGenerator(seed: 6)
        let steps = model.generate(count: 4, generator: &generator)
        let final = try readPPM("\(directory)/final.ppm")
        #expect(final.width == 2 * (2 * (8 + 1) + 1) && final.height == 2 * (2 * (6 + 1) + 1), "4 images, 2 x 2, scale 2")
        for (x, y) in [(0, 0), (7, 5), (3, 2)] {                  // pixel (x, y) of image 1 (top right tile)
            let expected = (0..<3).map { quantise(Float(steps[2].canvas[1, $0 * 48 + y * 8 + x])) }
            let shown = final[2 * (1 + 9 + x), 2 * (1 + y)]
            #expect([shown.red, shown.green, shown.blue] == expected, "pixel (\(x), \(y))")
        }
        let png = try AtomicFile.read("\(directory)/final.png")
        #expect(png[25] == 2, "PNG colour type 2 (truecolour)")
        let gif = try AtomicFile.read("\(directory)/drawing.gif")
        #expect(Array(gif[0..<6]) == Array("GIF89a".utf8))
    }

    @Test("§3.3: reconstruct shows colour inputs and canvases; a set of another channel count is refused")
    func colorReconstruction() throws {
        let model = TinyModels.model(Self.config)
        let images = ColorMNIST(digits: DatasetTests.digits(count: 2, height: 6, width: 8), seed: 1).materialised(count: 2)
        let directory = makeTemporaryFolder("minidraw-colour")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try ReconstructionWriter.write(model: model, images: images, seed: 1, directory: directory,
                                                    options: .init(scale: 1))
        #expect(result.paths.contains { $0.hasSuffix("final.ppm") } && result.reconstructionLoss.isFinite)
        let final = try readPPM("\(directory)/final.ppm")
        // Input 0 is the first tile: each pixel shows its input colour unless the green read box covers it.
        let input = Array(images.image(0))
        var matching = 0
        for y in 0..<6 {
            for x in 0..<8 {
                let shown = final[1 + x, 1 + y]
                let expected = (0..<3).map { quantise(input[$0 * 48 + y * 8 + x]) }
                if [shown.red, shown.green, shown.blue] == expected { matching += 1 } else { #expect(shown == DrawingFrames.readBoxColor) }
            }
        }
        #expect(matching >= 24, "only \(matching) of 48 input pixels shown in their colour")

        let grey = DatasetTests.digits(count: 2, height: 6, width: 8)
        let error = #expect(throws: VisualsError.self) {
            try ReconstructionWriter.write(model: model, images: grey, seed: 1, directory: directory)
        }
        #expect(error?.description == "images are 8x6x1, the model expects 8x6x3")
    }

    @Test("models of other channel counts get a one-line error")
    func otherChannelCounts() {
        var config = Self.config
        config.channels = 2
        let error = #expect(throws: VisualsError.self) {
            try SampleWriter.write(model: TinyModels.model(config), count: 1, seed: 1, directory: makeTemporaryFolder("minidraw-colour"))
        }
        #expect(error?.description == "the model draws 2-channel images; frames are made for 1-channel (grey) and 3-channel (RGB) models only")
    }
}
