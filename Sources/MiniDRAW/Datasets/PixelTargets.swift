/// How image values v in [0, 1] become the targets x of the Bernoulli reconstruction loss (Eq. 9),
/// `--pixels` on the command line:
///
///     binary       x = 1 if v > 1/2, else 0: a fixed binarization (the shipped MNIST, paper Table 2)
///     stochastic   x ~ Bernoulli(v), drawn anew for every image of every epoch ("dynamic
///                  binarization" of the VAE literature); the draw of image i in epoch e depends only
///                  on (seed, e, i), so a resumed run draws what the uninterrupted one would have
///     grey         x = v, kept in [0, 1] (colour MNIST, photographs): Eq. 9 is then a cross-entropy
///                  whose floor is the targets' own entropy, not a log-likelihood
///
/// Fixed validation and test sets (`TrainingImages.materialised`) hold one stochastic draw, epoch 0.
/// The data's other words are listed at `RunData`.
public enum PixelTargets: String, CaseIterable, Codable, Sendable {
    case binary
    case stochastic
    case grey

    /// "binary, stochastic, grey", for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// `images` with this rule applied; stochastic draws come from generators seeded by `seed`
    /// (`imageGenerator(seed:epoch:index:)`). `grey` returns `images` itself.
    public func applied(to images: any TrainingImages, seed: UInt64) -> any TrainingImages {
        self == .grey ? images : TargetImages(source: images, rule: self, seed: seed)
    }
}

/// A source's images turned into targets by a `PixelTargets` rule, image by image.
package struct TargetImages: TrainingImages {
    /// The images, values in [0, 1].
    package let source: any TrainingImages
    package let rule: PixelTargets
    /// Seeds the stochastic draws; apart from every seed the source itself uses.
    package let seed: UInt64

    package var imageCount: Int { source.imageCount }
    package var height: Int { source.height }
    package var width: Int { source.width }
    package var channels: Int { source.channels }

    package init(source: any TrainingImages, rule: PixelTargets, seed: UInt64) {
        self.source = source
        self.rule = rule
        self.seed = seed
    }

    package func fill(index: Int, epoch: Int, into target: UnsafeMutableBufferPointer<Float>) {
        source.fill(index: index, epoch: epoch, into: target)
        switch rule {
        case .binary:
            for offset in 0..<valuesPerImage { target[offset] = target[offset] > 0.5 ? 1 : 0 }
        case .stochastic:
            var generator = imageGenerator(seed: seed, epoch: epoch, index: index)
            // u in [0, 1) in Double, so v = 1 always gives 1 and v = 0 always 0.
            for offset in 0..<valuesPerImage { target[offset] = generator.nextUniform() < Double(target[offset]) ? 1 : 0 }
        case .grey:
            break
        }
    }
}
