import Foundation

// MARK: - Reading log.csv

/// A run's `log.csv` as numbers (columns as `TrainingLog` writes them, read by name, so logs from
/// before `train_bound` and `valid_bound_average` existed read too). Empty fields, such as
/// `valid_bound` between validations, are nil.
public struct TrainingLogTable: Sendable {
    /// The header's column names.
    public let columns: [String]
    /// One entry per data row: [columns.count]
    public let rows: [[Double?]]

    /// Columns every log has.
    public static let requiredColumns = ["step", "loss", "loss_x", "loss_z", "valid_bound"]

    /// Parses CSV text; `source` names the file in errors.
    public init(csv text: String, source: String) throws {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
        guard let header = lines.first else { throw VisualsError("\(source) is empty (expected a header line \"step,...\")") }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for name in Self.requiredColumns where !columns.contains(name) {
            throw VisualsError("\(source) has no column \(name) (is it a log.csv written by 'minidraw train'?)")
        }
        var rows: [[Double?]] = []
        for (offset, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == columns.count else {
                throw VisualsError("\(source) line \(offset + 2) has \(fields.count) fields, expected \(columns.count)")
            }
            rows.append(try fields.enumerated().map { index, field in
                if field.isEmpty { return nil }
                guard let value = Double(field) else {
                    throw VisualsError("\(source) line \(offset + 2), column \(columns[index]): \"\(field)\" is not a number")
                }
                return value
            })
        }
        guard !rows.isEmpty else { throw TrainingLogError.noRows(source: source) }
        self.columns = columns
        self.rows = rows
    }

    /// Reads `runDirectory/log.csv`.
    public static func load(runDirectory: String) throws -> TrainingLogTable {
        let path = (runDirectory.hasSuffix("/") ? runDirectory : runDirectory + "/") + "log.csv"
        guard FileManager.default.fileExists(atPath: path) else {
            throw VisualsError("\(path) does not exist (is \(runDirectory) a run folder written by 'minidraw train'?)")
        }
        return try TrainingLogTable(csv: String(decoding: try AtomicFile.read(path), as: UTF8.self), source: path)
    }

    /// The values of column `name` ([rows.count]), all nil if there is no such column.
    public func column(_ name: String) -> [Double?] {
        guard let index = columns.firstIndex(of: name) else { return rows.map { _ in nil } }
        return rows.map { $0[index] }
    }

    /// kl_1 ... kl_T, in order.
    public var klColumns: [String] { columns.filter { $0.hasPrefix("kl_") } }

    /// The (step, value) points of column `name`, skipping empty fields.
    public func points(_ name: String) -> [(x: Double, y: Double)] {
        zip(column("step"), column(name)).compactMap { step, value in
            guard let step, let value else { return nil }
            return (x: step, y: value)
        }
    }
}

// MARK: - Charts

/// The training curves of a run as SVG line charts.
public enum TrainingCurves {
    /// loss, L^x and L^z against step, and each check's bounds as short flat dashes at its step: the
    /// validation bound, and when the run logged them the training subset's (overfitting shows as
    /// the gap between the two) and the weight average's validation bound.
    public static func lossChart(_ table: TrainingLogTable, title: String = "Training loss") -> LineChart {
        var chart = LineChart(title: title, xLabel: "training step", yLabel: "nats per image")
        chart.series.append(.init(name: "loss = L^x + L^z (Eq. 12)", points: table.points("loss")))
        chart.series.append(.init(name: "L^x, reconstruction (Eq. 9)", points: table.points("loss_x")))
        chart.series.append(.init(name: "L^z, latent (Eq. 10)", points: table.points("loss_z")))
        let steps = table.column("step").compactMap { $0 }
        let halfDash = max(((steps.max() ?? 1) - (steps.min() ?? 0)) / 50, 0.5)
        for (column, name) in [("valid_bound", "validation bound (Eq. 12)"), ("train_bound", "training-subset bound"),
                               ("valid_bound_average", "validation bound, weight average")] {
            let checks = table.points(column)
            guard !checks.isEmpty else { continue }
            // A line chart joins its points; a non-finite point between dashes keeps them apart.
            let dashes = checks.flatMap { point in
                [(x: point.x - halfDash, y: point.y), (x: point.x + halfDash, y: point.y), (x: Double.nan, y: Double.nan)]
            }
            chart.series.append(.init(name: name, points: dashes))
        }
        return chart
    }

    /// The KL term of each step t (Eq. 11) in the latest row, and in up to `earlierRows` earlier
    /// rows spread over the run, so a plateau (every kl_t near 0) and its end show.
    public static func klChart(_ table: TrainingLogTable, earlierRows: Int = 3,
                               title: String = "KL of each drawing step (Eq. 11)") -> LineChart {
        var chart = LineChart(title: title, xLabel: "drawing step t", yLabel: "KL(Q(Z_t | h^enc_t) || P(Z_t)), nats",
                              showsMarkers: true)
        let klIndices = table.klColumns.compactMap { table.columns.firstIndex(of: $0) }
        let last = table.rows.count - 1
        var chosenRows = earlierRows > 0 ? (1...earlierRows).map { last * $0 / (earlierRows + 1) } : []
        chosenRows.append(last)
        let steps = table.column("step")
        for row in Set(chosenRows).sorted() {
            let values = klIndices.map { table.rows[row][$0] ?? .nan }
            let name = steps[row].map { "step \(Int($0))" } ?? "row \(row + 1)"
            chart.series.append(.init(name: name, x: values.indices.map { Double($0 + 1) }, y: values))
        }
        return chart
    }

    /// One run on a progress chart: its log, its name, and the paper's bound for the same model.
    public struct ProgressRun {
        public var name: String
        public var table: TrainingLogTable
        /// The paper's test bound for this model (Table 2), drawn as a flat line; nil for none.
        public var paperBound: Double?
        /// Images per training step and per epoch, to turn steps into epochs.
        public var batchSize: Int
        public var epochImages: Int

        public init(name: String, table: TrainingLogTable, paperBound: Double?, batchSize: Int, epochImages: Int) {
            (self.name, self.table, self.paperBound, self.batchSize, self.epochImages) = (name, table, paperBound, batchSize, epochImages)
        }
    }

    /// What the progress chart's x axis counts.
    public enum ProgressAxis: String, CaseIterable, Sendable {
        case hours, epochs
    }

    /// The validation bound of each run against training hours (the log's `elapsed_seconds`) or
    /// epochs, with each run's paper bound as a flat line across the chart: how far a run is from
    /// the paper's Table 2, and how fast it closes the gap.
    public static func progressChart(_ runs: [ProgressRun], axis: ProgressAxis) -> LineChart {
        var chart = LineChart(title: "Validation bound (Eq. 12) against training \(axis.rawValue)",
                              xLabel: axis == .hours ? "training hours" : "epochs", yLabel: "nats per image", showsMarkers: true)
        var extent = 0.0
        for run in runs {
            let points = zip(run.table.column(axis == .hours ? "elapsed_seconds" : "step"), run.table.column("valid_bound"))
                .compactMap { x, bound -> (x: Double, y: Double)? in
                    guard let x, let bound else { return nil }
                    return (x: axis == .hours ? x / 3600 : x * Double(run.batchSize) / Double(run.epochImages), y: bound)
                }
            extent = max(extent, points.map(\.x).max() ?? 0)
            chart.series.append(.init(name: run.name, points: points))
        }
        for run in runs {
            guard let bound = run.paperBound else { continue }
            chart.series.append(.init(name: String(format: "paper, %@: %.2f", run.name, bound),
                                      points: [(x: 0, y: bound), (x: max(extent, 1e-3), y: bound)]))
        }
        return chart
    }

    /// The files `writeProgress` makes.
    public static let progressFileNames = ProgressAxis.allCases.map { "validation-\($0.rawValue).svg" }

    /// Writes `validation-hours.svg` and `validation-epochs.svg` for `runs` into `directory`; returns
    /// their paths. Either file already there stops it, unless `overwrite`.
    public static func writeProgress(_ runs: [ProgressRun], directory: String, overwrite: Bool = false) throws -> [String] {
        var folder = try OutputFolder(directory, names: progressFileNames, overwrite: overwrite)
        for (axis, name) in zip(ProgressAxis.allCases, progressFileNames) {
            try folder.write(Array(progressChart(runs, axis: axis).svg().utf8), name: name)
        }
        return folder.paths
    }

    /// The files `write` makes.
    public static let fileNames = ["loss.svg", "kl.svg"]

    /// Whether loss.svg and kl.svg are in `runDirectory` and at least as new as its log.csv (what
    /// `minidraw report` reuses instead of drawing them again).
    package static func areCurrent(runDirectory: String) -> Bool {
        func modified(_ name: String) -> Date? {
            (try? FileManager.default.attributesOfItem(atPath: FilePaths.join(runDirectory, name)))?[.modificationDate] as? Date
        }
        guard let log = modified("log.csv") else { return false }
        return fileNames.allSatisfy { name in modified(name).map { $0 >= log } ?? false }
    }

    /// Writes `loss.svg` and `kl.svg` for the run's log into `directory` (the run folder by
    /// default); returns their paths. Either file already there stops it, unless `overwrite`.
    public static func write(runDirectory: String, directory: String? = nil, overwrite: Bool = false) throws -> [String] {
        let table = try TrainingLogTable.load(runDirectory: runDirectory)
        var folder = try OutputFolder(directory ?? runDirectory, names: fileNames, overwrite: overwrite)
        let name = URL(fileURLWithPath: runDirectory).lastPathComponent
        try folder.write(Array(lossChart(table, title: "Training loss, \(name)").svg().utf8), name: "loss.svg")
        try folder.write(Array(klChart(table, title: "KL of each drawing step (Eq. 11), \(name)").svg().utf8), name: "kl.svg")
        return folder.paths
    }
}

/// A training log that cannot be plotted yet.
public enum TrainingLogError: Error, CustomStringConvertible, Equatable {
    /// The log has its header and no row: the run has not logged a step.
    case noRows(source: String)

    public var description: String {
        switch self {
        case .noRows(let source): return "\(source) has a header but no rows yet"
        }
    }
}
