/// Does a two-digit model draw one digit, then the other (paper §4.3)? A number for what
/// `minidraw sample --boxes` shows.
///
/// Step t's write window (Eq. 29: centre g_X, g_Y of Eq. 22, grid N delta pixels wide) is a
/// *stroke* when its grid is no wider than `maximumExtent` pixels: a whole-canvas window paints
/// everything at once and says nothing about order. Each stroke is labelled with the digit it works
/// on, and an image's *order score* is the largest share of its labelled strokes that fits "all of
/// one digit, then all of the other":
///
///     score = max over s = 0...n of max(#first in 1...s + #second in s+1...n,
///                                       #second in 1...s + #first in s+1...n) / n
///
/// 1 means one digit was finished before the other was started. The same strokes in random order
/// score lower; `Summary.shuffledScore` is that chance level, measured on the same strokes.
///
/// Labels come from where the digits are, for reconstructions of the test set (the digits' ink
/// boxes, `TwoDigitMNIST.inkBoxes`), and from splitting the strokes' centres into two groups
/// (2-means) for samples, where nobody placed the digits; a sample whose two groups lie closer
/// than `separation` pixels is drawn in one place and does not count as visiting two digits.
package enum DrawingOrder {
    /// Which of an image's two digits a stroke works on.
    package enum Target: Sendable, Equatable { case first, second }

    /// A digit's 28x28 frame: write grids up to this wide count as strokes.
    package static let defaultMaximumExtent = 28.0
    /// Half a digit's frame: sample groups closer than this are one place.
    package static let defaultSeparation = 14.0
    /// Random orders per image for the chance level.
    static let shuffles = 20

    /// What `reconstructions` and `samples` measure over a set of images.
    package struct Summary: Sendable, Equatable {
        package var imageCount = 0
        /// Labelled strokes per image, over all images.
        package var meanStrokes = 0.0
        /// Images whose strokes visit both digits (lie in two groups, for samples).
        package var twoDigitImages = 0
        /// Mean order score of those images.
        package var meanScore = 0.0
        /// Mean order score of the same strokes in random order: the chance level.
        package var shuffledScore = 0.0
        /// Share of those images with score 1: one digit finished before the other started.
        package var sequentialShare = 0.0
    }

    // MARK: - Order score

    /// The order score of labelled strokes in drawing order; nil without strokes.
    package static func score(_ targets: [Target]) -> Double? {
        guard !targets.isEmpty else { return nil }
        let firstTotal = targets.filter { $0 == .first }.count, secondTotal = targets.count - firstTotal
        var firstBefore = 0, secondBefore = 0
        var best = max(firstTotal, secondTotal)                                  // s = 0
        for target in targets {
            if target == .first { firstBefore += 1 } else { secondBefore += 1 }
            best = max(best, firstBefore + secondTotal - secondBefore, secondBefore + firstTotal - firstBefore)
        }
        return Double(best) / Double(targets.count)
    }

    /// The mean order score of `targets` over `count` random orders of them.
    package static func shuffledScore(_ targets: [Target], count: Int, generator: inout SeededGenerator) -> Double {
        var total = 0.0
        for _ in 0..<count {
            total += score(generator.permutation(count: targets.count).map { targets[$0] }) ?? 0
        }
        return total / Double(count)
    }

    // MARK: - Labels

    /// The digit a write window works on: its grid no wider than `maximumExtent` and its centre on
    /// one digit's ink box but not on the other's; nil otherwise.
    package static func target(of window: AttentionWindow, gridSize: Int, digits: [PixelBox],
                               maximumExtent: Double = defaultMaximumExtent) -> Target? {
        guard isStroke(window, gridSize: gridSize, maximumExtent: maximumExtent) else { return nil }
        let x = window.centerX - 1, y = window.centerY - 1                   // Eq. 22-23: 1-based centre, made 0-based
        let onFirst = digits[0].contains(x: x, y: y), onSecond = digits[1].contains(x: x, y: y)
        guard onFirst != onSecond else { return nil }
        return onFirst ? .first : .second
    }

    /// Whether the N x N write grid, N delta pixels wide (Eq. 19-20), is no wider than `maximumExtent`.
    package static func isStroke(_ window: AttentionWindow, gridSize: Int, maximumExtent: Double) -> Bool {
        Double(gridSize) * window.stride <= maximumExtent
    }

    /// Stroke centres split into two groups by 2-means, started from the first centre and the one
    /// farthest from it; nil for fewer than two centres or groups whose means lie closer than `separation`.
    package static func twoGroups(_ centers: [(x: Double, y: Double)], separation: Double = defaultSeparation) -> [Target]? {
        guard centers.count >= 2 else { return nil }
        func squaredDistance(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double)) -> Double {
            (a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)
        }
        func mean(_ group: Target, _ labels: [Target], or fallback: (x: Double, y: Double)) -> (x: Double, y: Double) {
            let members = zip(centers, labels).filter { $0.1 == group }.map(\.0)
            guard !members.isEmpty else { return fallback }
            return (members.map(\.x).reduce(0, +) / Double(members.count), members.map(\.y).reduce(0, +) / Double(members.count))
        }
        var firstMean = centers[0]
        var secondMean = centers.max { squaredDistance($0, centers[0]) < squaredDistance($1, centers[0]) }!
        var labels: [Target] = []
        while true {
            let next = centers.map { squaredDistance($0, firstMean) <= squaredDistance($0, secondMean) ? Target.first : .second }
            if next == labels { break }                                         // 2-means stops when no centre moves
            labels = next
            firstMean = mean(.first, labels, or: firstMean)
            secondMean = mean(.second, labels, or: secondMean)
        }
        return squaredDistance(firstMean, secondMean) >= separation * separation ? labels : nil
    }

    // MARK: - Measuring a model

    /// The order of the strokes when the full model (Eq. 1-8, noise from `seed`) redraws `images`,
    /// labelled by `digitBoxes[i]`, the ink boxes of image i's two digits.
    package static func reconstructions<Scalar: DRAWScalar>(model: DRAWModel<Scalar>, images: ImageSet, digitBoxes: [[PixelBox]],
                                                          seed: UInt64, batchSize: Int = 100,
                                                          maximumExtent: Double = defaultMaximumExtent) throws -> Summary {
        let config = model.config
        guard config.attention else { throw VisualsError("drawing order needs a model with attention (write windows)") }
        guard digitBoxes.count == images.imageCount, digitBoxes.allSatisfy({ $0.count == 2 }) else {
            throw VisualsError("drawing order needs two digit boxes for each of the \(images.imageCount) images")
        }
        var tally = Tally(seed: seed)
        var noiseGenerator = SeededGenerator(seed: seed)
        for first in stride(from: 0, to: images.imageCount, by: batchSize) {
            let cache = model.reconstruct(try images.slice(first: first, count: batchSize), generator: &noiseGenerator).cache
            for row in 0..<cache.batchSize {
                let targets = cache.steps.compactMap {
                    target(of: AttentionWindow($0.writeAttention.window, row: row), gridSize: config.writeSize,
                           digits: digitBoxes[first + row], maximumExtent: maximumExtent)
                }
                tally.add(strokes: targets.count, twoDigits: Set(targets.map { $0 == .first }).count == 2 ? targets : nil)
            }
        }
        return tally.summary
    }

    /// The order of the strokes of `count` samples from the prior (Eq. 13-16, z from `seed`),
    /// labelled by `twoGroups`.
    package static func samples<Scalar: DRAWScalar>(model: DRAWModel<Scalar>, count: Int, seed: UInt64, batchSize: Int = 100,
                                                  maximumExtent: Double = defaultMaximumExtent,
                                                  separation: Double = defaultSeparation) throws -> Summary {
        let config = model.config
        guard config.attention else { throw VisualsError("drawing order needs a model with attention (write windows)") }
        var tally = Tally(seed: seed)
        var generator = SeededGenerator(seed: seed)
        for first in stride(from: 0, to: count, by: batchSize) {
            let batchCount = min(batchSize, count - first)
            let steps = model.generate(count: batchCount, generator: &generator)
            for row in 0..<batchCount {
                let centers = steps.map { AttentionWindow($0.writeWindow, row: row) }
                    .filter { isStroke($0, gridSize: config.writeSize, maximumExtent: maximumExtent) }
                    .map { (x: $0.centerX - 1, y: $0.centerY - 1) }
                tally.add(strokes: centers.count, twoDigits: twoGroups(centers, separation: separation))
            }
        }
        return tally.summary
    }

    /// Sums over images for a `Summary`.
    struct Tally {
        var generator: SeededGenerator
        var imageCount = 0, strokes = 0, twoDigitImages = 0, sequential = 0
        var scoreSum = 0.0, shuffledSum = 0.0

        init(seed: UInt64) { generator = SeededGenerator(seed: seed ^ 0x5348_5546) }   // "SHUF"

        /// One image: its stroke count and, if they visit both digits, their labels in drawing order.
        mutating func add(strokes count: Int, twoDigits targets: [Target]?) {
            imageCount += 1
            strokes += count
            guard let targets, let imageScore = score(targets) else { return }
            twoDigitImages += 1
            scoreSum += imageScore
            shuffledSum += shuffledScore(targets, count: DrawingOrder.shuffles, generator: &generator)
            if imageScore == 1 { sequential += 1 }
        }

        var summary: Summary {
            let visited = Double(max(twoDigitImages, 1))
            return Summary(imageCount: imageCount, meanStrokes: Double(strokes) / Double(max(imageCount, 1)),
                           twoDigitImages: twoDigitImages, meanScore: scoreSum / visited,
                           shuffledScore: shuffledSum / visited, sequentialShare: Double(sequential) / visited)
        }
    }
}
