import MiniDRAW

/// `minidraw drawing-order`: whether a two-digit model draws one digit, then the other (paper §4.3).
enum DrawingOrderCommand: Command {
    static let pretrainedPath = "Data/pretrained/draw-two-digits.safetensors"

    static let spec = CommandSpec(name: "drawing-order", summary: "does a two-digit model finish one digit before the other? (§4.3)", options: [
        .value("checkpoint", placeholder: "PATH", help: "two-digit model file or run folder (default: \(pretrainedPath))"),
        .value("images", placeholder: "N", help: "two-digit test images to redraw (0: none)", defaultValue: "1000"),
        .value("samples", placeholder: "N", help: "samples to draw from the prior (0: none)", defaultValue: "1000"),
        .value("max-extent", placeholder: "PIXELS", help: "widest write grid (N delta) that counts as a stroke",
               defaultValue: "\(Int(DrawingOrder.defaultMaximumExtent))"),
        .value("separation", placeholder: "PIXELS", help: "nearest two stroke groups of a sample may be to count as two places",
               defaultValue: "\(Int(DrawingOrder.defaultSeparation))"),
        .value("seed", placeholder: "N", help: "seed for the noise and the shuffles", defaultValue: "1"),
        CommonOptions.threads,
        CommonOptions.data,
    ])

    static func run(_ parsed: ParsedCommand) throws {
        try CommonOptions.applyThreads(parsed)
        let source = try ModelSource.resolve(checkpoint: parsed.optionalString("checkpoint"), pretrained: pretrainedPath)
        let (model, _) = try source.load()
        guard Dataset.twoDigits.fits(model.config) && model.config.attention else {
            throw CommandLineError("\(source.modelPath) draws \(model.config.summary); drawing-order needs a "
                                   + "two-digit model (60x60x1) with attention")
        }
        let imageCount = try parsed.nonNegativeInt("images"), sampleCount = try parsed.nonNegativeInt("samples")
        let maximumExtent = try parsed.positiveDouble("max-extent"), separation = try parsed.positiveDouble("separation")
        let seed = try CommonOptions.seed(parsed)
        print("model   \(source.modelPath): \(model.config.summary)")
        print(String(format: "strokes: write grids at most %.0f px wide (N delta); the order score is the largest share of an "
                     + "image's strokes that fits one digit first, then the other (1: strictly)", maximumExtent))
        if imageCount > 0 {
            let directory = try BinarizedMNIST.findDirectory(explicit: parsed.optionalString("data"))
            guard let testSet = try Dataset.twoDigits.evaluationSource(split: .test, directory: directory) as? TwoDigitMNIST else {
                throw CommandLineError("the two-digit test set could not be made from \(directory)")
            }
            let count = min(imageCount, testSet.imageCount)
            let summary = try DrawingOrder.reconstructions(
                model: model, images: testSet.materialised(count: count),
                digitBoxes: (0..<count).map { testSet.inkBoxes(index: $0, epoch: 0) }, seed: seed, maximumExtent: maximumExtent)
            report("test reconstructions (strokes labelled by the digit whose ink box holds their centre)", summary)
        }
        if sampleCount > 0 {
            let summary = try DrawingOrder.samples(model: model, count: sampleCount, seed: seed, maximumExtent: maximumExtent,
                                                   separation: separation)
            report(String(format: "samples (strokes split into two groups by 2-means, means at least %.0f px apart)", separation),
                   summary)
        }
    }

    static func report(_ title: String, _ summary: DrawingOrder.Summary) {
        print(title)
        print(String(format: "  %d images, %.1f labelled strokes each; both digits visited in %d (%.1f%%)", summary.imageCount,
                     summary.meanStrokes, summary.twoDigitImages,
                     100 * Double(summary.twoDigitImages) / Double(max(summary.imageCount, 1))))
        print(String(format: "  order score %.3f (the same strokes in random order: %.3f); one digit finished before the "
                     + "other started in %.1f%% of them", summary.meanScore, summary.shuffledScore, 100 * summary.sequentialShare))
    }
}
