import Foundation

/// Which model file a picture-making command loads, and the run folder it came from (whose
/// `samples/` or `reconstructions/` folder is then the default output; `runs/samples` and
/// `runs/reconstructions` without a run).
package struct ModelSource: Equatable, Sendable {
    /// The safetensors model file.
    package let modelPath: String
    /// The run folder holding it, nil for a model file outside a run (such as the shipped one).
    package let runDirectory: String?

    /// The default run folder of `minidraw train`.
    package static let defaultRun = "runs/small"
    /// The pretrained model shipped with MiniDRAW, once present.
    package static let pretrainedPath = "Data/pretrained/draw-attention.safetensors"

    package init(modelPath: String, runDirectory: String?) {
        self.modelPath = modelPath
        self.runDirectory = runDirectory
    }

    /// Resolves `--checkpoint`:
    /// - a folder: its newest complete `checkpoint-<step>.safetensors`, and the folder is the run;
    /// - a file: that file; it belongs to a run when it is named `checkpoint-<step>.safetensors`;
    /// - nothing: `pretrained` if that file exists, else the newest checkpoint in `defaultRun`.
    /// - Parameters:
    ///   - checkpoint: a run folder or a model file, nil to fall back on `pretrained` and `defaultRun`.
    ///   - defaultRun: the run folder searched when nothing is given and `pretrained` is absent.
    ///   - pretrained: the model file used when nothing is given.
    /// - Throws: `ModelSourceError` when there is nothing to load.
    package static func resolve(checkpoint: String?, defaultRun: String = defaultRun,
                                pretrained: String = pretrainedPath) throws(ModelSourceError) -> ModelSource {
        let fileManager = FileManager.default
        guard let checkpoint else {
            if fileManager.fileExists(atPath: pretrained) { return ModelSource(modelPath: pretrained, runDirectory: nil) }
            if let newest = Checkpoint.newestModelPath(in: defaultRun) {
                return ModelSource(modelPath: newest, runDirectory: defaultRun)
            }
            throw ModelSourceError.nothingToLoad(pretrained: pretrained, defaultRun: defaultRun)
        }
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: checkpoint, isDirectory: &isDirectory) else {
            throw ModelSourceError.missing(path: checkpoint)
        }
        if isDirectory.boolValue {
            guard let newest = Checkpoint.newestModelPath(in: checkpoint) else {
                throw ModelSourceError.noCheckpoint(folder: checkpoint)
            }
            return ModelSource(modelPath: newest, runDirectory: checkpoint)
        }
        let url = URL(fileURLWithPath: checkpoint)
        let name = url.lastPathComponent
        let isRunCheckpoint = name.hasPrefix("checkpoint-") && name.hasSuffix(".safetensors") && !name.hasSuffix(".state.safetensors")
        let folder = (checkpoint as NSString).deletingLastPathComponent
        return ModelSource(modelPath: checkpoint, runDirectory: isRunCheckpoint ? (folder.isEmpty ? "." : folder) : nil)
    }

    /// `<run>/name`, or `runs/name` without a run: never a folder the repository tracks (`runs/` is
    /// ignored), so a default never lands on committed files.
    package func outputDirectory(_ name: String) -> String {
        OutputFiles.path(name, in: runDirectory ?? "runs")
    }

    /// Loads the model, its file's metadata (config keys, and `step` for run checkpoints) with it.
    package func load() throws -> (model: DRAWModel<Float>, metadata: [String: String]) {
        let file = try SafeTensorsFile(contentsOf: modelPath)
        return (try Checkpoint.loadModel(file), file.metadata)
    }
}

/// Why `ModelSource.resolve` found no model file to load. The command-line tool words these with
/// `--checkpoint`.
package enum ModelSourceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing was named, the pretrained file is absent and the default run holds no checkpoint.
    case nothingToLoad(pretrained: String, defaultRun: String)
    /// The named file or folder does not exist.
    case missing(path: String)
    /// The named folder holds no complete checkpoint.
    case noCheckpoint(folder: String)

    package var description: String {
        switch self {
        case .nothingToLoad(let pretrained, let defaultRun):
            return "no model given, \(pretrained) does not exist and \(defaultRun) holds no checkpoint"
        case .missing(let path): return "\(path) does not exist"
        case .noCheckpoint(let folder): return "\(folder) holds no checkpoint-<step>.safetensors"
        }
    }
}
