import MiniDRAW

import Foundation

/// Options several commands declare the same way.
enum CommonOptions {
    /// `--threads N`, all cores by default; `apply` sets `GEMM.threadCount` from it.
    static let threads = CommandOption.value("threads", placeholder: "N", help: "threads for matrix products",
                                             defaultValue: "\(ProcessInfo.processInfo.activeProcessorCount)")
    /// `--data DIR`, found by `BinarizedMNIST.findDirectory` when not given.
    static let data = CommandOption.value("data", placeholder: "DIR", help: "binarized MNIST folder (default: Data/binarized-mnist)")

    /// `--engine fast|paper`: which code runs the model (`Engine`); both share checkpoints and seeds.
    static let engine = CommandOption.value("engine", placeholder: "NAME", help: "fast, or paper: the readable model of "
                                            + "Sources/MiniDRAW/Paper, same checkpoints and noise, one thread, slow",
                                            defaultValue: Engine.fast.rawValue)

    /// The engine `--engine` names.
    static func engine(_ parsed: ParsedCommand) throws -> Engine {
        try Engine.named(try parsed.string("engine"))
    }

    /// `--seed` as an unsigned 64-bit integer.
    static func seed(_ parsed: ParsedCommand) throws -> UInt64 {
        let text = try parsed.string("seed")
        guard let seed = UInt64(text) else { throw CommandLineError("--seed must be a non-negative integer, got \"\(text)\"") }
        return seed
    }

    static func applyThreads(_ parsed: ParsedCommand) throws {
        GEMM.threadCount = try parsed.positiveInt("threads")
    }
}

/// Flags shared by the commands that build a model: a preset, then per-field overrides.
enum CommandConfig {
    /// The flags that change the model's shape.
    static let shapeFlags = ["timesteps", "encoder-size", "decoder-size", "latent-size", "read-size", "write-size", "no-attention"]

    /// `--dataset NAME`, for the commands that train on or evaluate a data set.
    static func datasetOption(help: String) -> CommandOption {
        .value("dataset", placeholder: "NAME", help: "\(help): \(Dataset.names)")
    }

    /// The data set `--dataset` names, nil when the flag is not given.
    static func dataset(_ parsed: ParsedCommand) throws -> Dataset? {
        try parsed.optionalString("dataset").map { try Dataset.named($0) }
    }

    /// The preset named by `--preset` shaped for the data set made from `images` (`--dataset`, else
    /// the one the preset is made for if `images` can make it, else the images as they are), with any
    /// size flags applied; the preset's name and the data set.
    static func modelConfig(_ parsed: ParsedCommand, images: ImageData) throws -> (config: DRAWConfig, presetName: String, dataset: Dataset) {
        let name = try parsed.string("preset")
        guard let preset = DRAWConfig.allPresets.first(where: { $0.name == name })?.config else {
            let names = DRAWConfig.allPresets.map(\.name).joined(separator: ", ")
            throw CommandLineError("--preset must be one of \(names), got \"\(name)\"")
        }
        let presetDataset = Dataset.matching(preset).flatMap { try? RunData(dataset: $0, images: images) }?.dataset
        let dataset = try dataset(parsed) ?? presetDataset ?? .mnist
        var config = try RunData(dataset: dataset, images: images).shaping(preset)
        if parsed.isGiven("timesteps") { config.timesteps = try parsed.positiveInt("timesteps") }
        if parsed.isGiven("encoder-size") { config.encoderSize = try parsed.positiveInt("encoder-size") }
        if parsed.isGiven("decoder-size") { config.decoderSize = try parsed.positiveInt("decoder-size") }
        if parsed.isGiven("latent-size") { config.latentSize = try parsed.positiveInt("latent-size") }
        if parsed.isGiven("read-size") { config.readSize = try parsed.positiveInt("read-size") }
        if parsed.isGiven("write-size") { config.writeSize = try parsed.positiveInt("write-size") }
        if parsed.flag("no-attention") { config.attention = false }
        try config.validate()
        return (config, name, dataset)
    }

    /// A number in (0, 1), as Adam's betas must be.
    static func unitInterval(_ parsed: ParsedCommand, _ name: String) throws -> Double {
        let value = try parsed.double(name)
        guard value > 0 && value < 1 else { throw CommandLineError("--\(name) must be between 0 and 1 (exclusive), got \(value)") }
        return value
    }
}
