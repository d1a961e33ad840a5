import Foundation

// MARK: - Line chart

/// A line chart written as a standalone SVG 1.1 document: title, linear axes with "nice" ticks,
/// axis titles, one coloured line per series and a legend. Used for training curves (loss, L^x,
/// L^z, validation bound against step) and the per-timestep KL of Eq. 10-11.
///
///     var chart = LineChart(title: "Training", xLabel: "step", yLabel: "nats")
///     chart.series.append(.init(name: "loss", points: [(0, 210), (100, 150)]))
///     try AtomicFile.write(Array(chart.svg().utf8), to: "loss.svg")
public struct LineChart {
    /// One named line. Non-finite points are left out and break the line in two.
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }

        /// - x, y: [pointCount]
        public init(name: String, x: [Double], y: [Double]) {
            precondition(x.count == y.count, "series \(name) has \(x.count) x values and \(y.count) y values")
            self.init(name: name, points: zip(x, y).map { (x: $0, y: $1) })
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Draws a dot at every point, useful for short series such as the KL of each timestep.
    public var showsMarkers: Bool

    /// Line colours, used in order and repeated after the eighth series.
    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                 "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    public init(title: String, xLabel: String, yLabel: String, series: [Series] = [], showsMarkers: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.showsMarkers = showsMarkers
    }

    /// The whole SVG document, `width x height` pixels.
    public func svg(width: Int = 720, height: Int = 440) -> String {
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let xAxis = NiceAxis(minimum: finite.map(\.x).min() ?? 0, maximum: finite.map(\.x).max() ?? 1)
        let yAxis = NiceAxis(minimum: finite.map(\.y).min() ?? 0, maximum: finite.map(\.y).max() ?? 1)
        let left = 72.0, right = Double(width) - 20, top = 40.0, bottom = Double(height) - 52
        func screenX(_ x: Double) -> Double { left + (x - xAxis.lower) / (xAxis.upper - xAxis.lower) * (right - left) }
        func screenY(_ y: Double) -> Double { bottom - (y - yAxis.lower) / (yAxis.upper - yAxis.lower) * (bottom - top) }

        var lines = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"12\">",
            "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"white\"/>",
            text(title, x: Double(width) / 2, y: 24, anchor: "middle", extra: " font-size=\"16\""),
        ]
        // MARK: Axes, grid and ticks
        for tick in xAxis.ticks {
            let x = screenX(tick)
            lines.append(line(x, top, x, bottom, stroke: "#e0e0e0"))
            lines.append(line(x, bottom, x, bottom + 5, stroke: "black"))
            lines.append(text(xAxis.label(tick), x: x, y: bottom + 18, anchor: "middle"))
        }
        for tick in yAxis.ticks {
            let y = screenY(tick)
            lines.append(line(left, y, right, y, stroke: "#e0e0e0"))
            lines.append(line(left - 5, y, left, y, stroke: "black"))
            lines.append(text(yAxis.label(tick), x: left - 8, y: y + 4, anchor: "end"))
        }
        lines.append(line(left, bottom, right, bottom, stroke: "black"))
        lines.append(line(left, top, left, bottom, stroke: "black"))
        lines.append(text(xLabel, x: (left + right) / 2, y: Double(height) - 12, anchor: "middle"))
        lines.append(text(yLabel, x: 0, y: 0, anchor: "middle",
                          extra: " transform=\"translate(18 \(format((top + bottom) / 2))) rotate(-90)\""))

        // MARK: Series
        for (index, entry) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            var path = "", penDown = false
            for point in entry.points {
                guard point.x.isFinite && point.y.isFinite else { penDown = false; continue }
                path += (penDown ? " L" : " M") + "\(format(screenX(point.x))) \(format(screenY(point.y)))"
                penDown = true
                if showsMarkers {
                    lines.append("<circle cx=\"\(format(screenX(point.x)))\" cy=\"\(format(screenY(point.y)))\" r=\"2.5\" fill=\"\(color)\"/>")
                }
            }
            if !path.isEmpty {
                lines.append("<path d=\"\(path.dropFirst())\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>")
            }
        }

        // MARK: Legend
        if !series.isEmpty {
            let longestName = series.map(\.name.count).max() ?? 0
            let boxWidth = 40 + 7 * Double(longestName), boxHeight = 8 + 18 * Double(series.count)
            let boxLeft = right - boxWidth - 8, boxTop = top + 8
            lines.append("<rect x=\"\(format(boxLeft))\" y=\"\(format(boxTop))\" width=\"\(format(boxWidth))\" height=\"\(format(boxHeight))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999999\"/>")
            for (index, entry) in series.enumerated() {
                let y = boxTop + 13 + 18 * Double(index)
                lines.append(line(boxLeft + 6, y, boxLeft + 26, y, stroke: Self.palette[index % Self.palette.count], width: 2))
                lines.append(text(entry.name, x: boxLeft + 32, y: y + 4, anchor: "start"))
            }
        }
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - SVG pieces

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1) -> String {
        "<line x1=\"\(format(x1))\" y1=\"\(format(y1))\" x2=\"\(format(x2))\" y2=\"\(format(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(format(width))\"/>"
    }

    private func text(_ content: String, x: Double, y: Double, anchor: String, extra: String = "") -> String {
        "<text x=\"\(format(x))\" y=\"\(format(y))\" text-anchor=\"\(anchor)\"\(extra)>\(xmlEscaped(content))</text>"
    }

    private func format(_ value: Double) -> String { String(format: "%.2f", value) }
}

/// Replaces the five XML special characters (XML 1.0 §2.4) with entity references.
func xmlEscaped(_ text: String) -> String {
    var escaped = ""
    for character in text {
        switch character {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&apos;"
        default: escaped.append(character)
        }
    }
    return escaped
}

// MARK: - Nice axis

/// An axis range widened to multiples of a "nice" step (1, 2 or 5 x 10^k) giving about
/// `targetTickCount` ticks, e.g. data in [0.13, 9.7] -> 0, 2, 4, 6, 8, 10.
package struct NiceAxis: Equatable {
    package let lower: Double
    package let upper: Double
    package let step: Double

    package init(minimum: Double, maximum: Double, targetTickCount: Int = 6) {
        var low = min(minimum, maximum), high = max(minimum, maximum)
        if high == low {                                   // a flat series still needs a visible range
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        let roughStep = (high - low) / Double(max(targetTickCount - 1, 1))
        let magnitude = pow(10, (log10(roughStep)).rounded(.down))
        let fraction = roughStep / magnitude
        // Round to the nearest of 1, 2, 5, 10 (Heckbert, "Nice numbers for graph labels", Graphics Gems 1990).
        let niceFraction: Double = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        step = niceFraction * magnitude
        lower = (low / step).rounded(.down) * step
        upper = (high / step).rounded(.up) * step
    }

    /// lower, lower + step, ..., upper.
    package var ticks: [Double] {
        let count = Int(((upper - lower) / step).rounded()) + 1
        return (0..<count).map { lower + Double($0) * step }
    }

    /// The tick printed with as many decimals as the step needs ("0.25" for step 0.05, "200" for step 50).
    package func label(_ value: Double) -> String {
        let decimals = max(0, -Int(log10(step).rounded(.down)))
        let cleaned = abs(value) < step * 1e-9 ? 0 : value   // no "-0.0"
        return String(format: "%.\(decimals)f", cleaned)
    }
}
