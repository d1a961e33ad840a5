/// Every hyper-parameter of a DRAW model (paper Table 3 gives the MNIST values).
public struct DRAWConfig: Equatable, Sendable, Codable {
    /// Image width A in pixels (Eq. 19, 25: a = 1...A).
    public var width: Int
    /// Image height B in pixels (Eq. 20, Eq. 26: b = 1...B).
    public var height: Int
    /// Channels: 1 for MNIST. Read and write work per channel (paper §3.3).
    public var channels: Int = 1
    /// Number of drawing steps T (Table 3: 64 for MNIST).
    public var timesteps: Int
    /// Encoder LSTM size (Table 3: 256).
    public var encoderSize: Int
    /// Decoder LSTM size (Table 3: 256).
    public var decoderSize: Int
    /// Latent size |z| per step (Table 3: 100).
    public var latentSize: Int
    /// Read glimpse N x N (Table 3: 2). Ignored without attention.
    public var readSize: Int
    /// Write patch N x N (Table 3: 5). Ignored without attention.
    public var writeSize: Int
    /// Selective attention (Eq. 19-29) or whole-image read/write (Eq. 17-18).
    public var attention: Bool

    public init(width: Int, height: Int, channels: Int = 1, timesteps: Int, encoderSize: Int, decoderSize: Int,
                latentSize: Int, readSize: Int, writeSize: Int, attention: Bool) {
        self.width = width
        self.height = height
        self.channels = channels
        self.timesteps = timesteps
        self.encoderSize = encoderSize
        self.decoderSize = decoderSize
        self.latentSize = latentSize
        self.readSize = readSize
        self.writeSize = writeSize
        self.attention = attention
    }

    // MARK: - Derived sizes

    /// Pixels per channel, B * A.
    public var pixelCount: Int { width * height }
    /// Values per image, C * B * A.
    public var imageSize: Int { channels * pixelCount }
    /// |r_t|: 2 C N^2 with attention (Eq. 27), 2 C B A without (Eq. 17).
    public var glimpseSize: Int { attention ? 2 * channels * readSize * readSize : 2 * imageSize }
    /// Output of the write layer: C N^2 with attention (Eq. 28), C B A without (Eq. 18).
    public var writePatchSize: Int { attention ? channels * writeSize * writeSize : imageSize }
    /// Encoder input [r_t, h^dec_{t-1}] (Eq. 5).
    public var encoderInputSize: Int { glimpseSize + decoderSize }
    /// Leading columns of the encoder input that are the same at every step: x itself in the
    /// read without attention (Eq. 17: r_t = [x, x_hat_t]), C B A; none with attention.
    public var encoderConstantInputSize: Int { attention ? 0 : imageSize }

    // MARK: - Presets

    /// Paper Table 3, MNIST generation with attention: 28x28, T=64, LSTM 256, z=100, read 2, write 5.
    public static let paperMNIST = DRAWConfig(width: 28, height: 28, timesteps: 64, encoderSize: 256, decoderSize: 256,
                                              latentSize: 100, readSize: 2, writeSize: 5, attention: true)
    /// Paper Table 2's no-attention model: the same sizes with Eq. 17-18.
    public static let paperMNISTNoAttention = DRAWConfig(width: 28, height: 28, timesteps: 64, encoderSize: 256,
                                                         decoderSize: 256, latentSize: 100, readSize: 2, writeSize: 5,
                                                         attention: false)
    /// A model that trains in minutes on a laptop: T=10, LSTM 256, z=10, read and write 5x5, as in small DRAW demos.
    public static let small = DRAWConfig(width: 28, height: 28, timesteps: 10, encoderSize: 256, decoderSize: 256,
                                         latentSize: 10, readSize: 5, writeSize: 5, attention: true)

    /// Two-digit MNIST (paper §4.3, which uses the MNIST model of Table 3: T=64, LSTM 256, z=100,
    /// read 2, write 5) cut to train in about half an hour on one core: T=32, a 4x4 glimpse and an
    /// 8x8 write patch, so each digit gets about 16 steps of larger strokes.
    public static let twoDigits = DRAWConfig(width: 60, height: 60, timesteps: 32, encoderSize: 256, decoderSize: 256,
                                             latentSize: 100, readSize: 4, writeSize: 8, attention: true)
    /// Colour MNIST (paper §3.3: read and write per channel): 28x28x3, T=16, LSTM 256, z=20, read 3, write 5.
    public static let colorMNIST = DRAWConfig(width: 28, height: 28, channels: 3, timesteps: 16, encoderSize: 256,
                                              decoderSize: 256, latentSize: 20, readSize: 3, writeSize: 5, attention: true)

    /// The binarized-MNIST presets by the names the command line uses.
    public static let presets: [(name: String, config: DRAWConfig)] = [
        ("small", .small), ("paperMNIST", .paperMNIST), ("paperMNISTNoAttention", .paperMNISTNoAttention),
    ]

    /// Every preset `--preset` accepts: the MNIST ones of `presets` and those of the generated sets.
    public static let allPresets: [(name: String, config: DRAWConfig)] = presets + [
        ("twoDigits", .twoDigits), ("colorMNIST", .colorMNIST),
    ]

    /// Refuses sizes the model cannot run with, naming the field.
    /// - Throws: `ConfigError.notPositive` for the first size that is zero or negative.
    public func validate() throws(ConfigError) {
        var sizes: [(field: String, value: Int)] = [("width", width), ("height", height), ("channels", channels),
                                                    ("timesteps", timesteps), ("encoderSize", encoderSize),
                                                    ("decoderSize", decoderSize), ("latentSize", latentSize)]
        if attention { sizes += [("readSize", readSize), ("writeSize", writeSize)] }
        if let size = sizes.first(where: { $0.value <= 0 }) {
            throw ConfigError.notPositive(field: size.field, value: size.value)
        }
    }

    /// One line per attention grid too large to attend with on this image, with a suggestion: an
    /// N x N grid whose side N exceeds half the image's longer side (Eq. 24's stride then spreads the
    /// N filters over the whole image from the first step, so each read or write covers all of it,
    /// as without attention). Empty when the sizes are sensible, or without attention.
    public var attentionSizeWarnings: [String] {
        guard attention else { return [] }
        let side = max(width, height), suggested = max(2, side / 4)
        return [("read", readSize), ("write", writeSize)].compactMap { name, size in
            2 * size > side ? "\(name) grid \(size)x\(size) on \(width)x\(height) images: more than half the image's side, "
                + "so every \(name) window covers nearly all of it; try --\(name)-size \(suggested)" : nil
        }
    }

    /// One line for logs: `28x28 T=64 enc=256 dec=256 z=100 read=2 write=5 attention`.
    public var summary: String {
        let mode = attention ? "read=\(readSize) write=\(writeSize) attention" : "no attention"
        let colour = channels == 1 ? "" : "x\(channels)"
        return "\(width)x\(height)\(colour) T=\(timesteps) enc=\(encoderSize) dec=\(decoderSize) z=\(latentSize) \(mode)"
    }
}

/// A configuration that cannot run. The command-line tool words it with the flag that sets the field.
public enum ConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A size that must be positive is not; `field` is the `DRAWConfig` property, e.g. `encoderSize`.
    case notPositive(field: String, value: Int)

    /// One line: `encoderSize must be a positive integer, got 0`.
    public var description: String {
        switch self {
        case .notPositive(let field, let value): return "\(field) must be a positive integer, got \(value)"
        }
    }
}
