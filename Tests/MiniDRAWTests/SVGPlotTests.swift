import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import MiniDRAW

@Suite("SVGPlot")
struct SVGPlotTests {
    @Test("nice axes use steps of 1, 2 or 5 x 10^k")
    func niceAxis() {
        let unit = NiceAxis(minimum: 0.13, maximum: 9.7)
        #expect(unit.lower == 0 && unit.upper == 10 && unit.step == 2)
        #expect(unit.ticks.map(unit.label) == ["0", "2", "4", "6", "8", "10"])
        let small = NiceAxis(minimum: 0.0012, maximum: 0.0049)
        #expect(small.ticks.map(small.label) == ["0.001", "0.002", "0.003", "0.004", "0.005"])
        let steps = NiceAxis(minimum: 0, maximum: 2_300)
        #expect(steps.step == 500 && steps.upper == 2_500)
        let flat = NiceAxis(minimum: 5, maximum: 5)
        #expect(flat.lower < 5 && flat.upper > 5)
    }

    @Test("chart is well-formed XML with escaped text, series names, legend and tick labels")
    func wellFormed() throws {
        var chart = LineChart(title: "Loss <train> & \"valid\"", xLabel: "step", yLabel: "nats")
        chart.series = [
            .init(name: "loss", x: [0, 500, 1_000], y: [9.7, 3, 0.13]),
            .init(name: "L^z", points: [(0, 1), (500, .nan), (1_000, 2)]),
        ]
        let document = try ParsedXML(chart.svg(width: 640, height: 400))
        #expect(document.elementCounts["svg"] == 1)
        #expect(document.elementCounts["path"] == 2)
        #expect(document.texts.contains("Loss <train> & \"valid\""))
        for expected in ["loss", "L^z", "step", "nats", "0", "200", "1000", "2", "10"] {
            #expect(document.texts.contains(expected), "missing text \(expected)")
        }
        // The NaN point of L^z splits its line into two pieces.
        #expect(document.pathData[1].filter { $0 == "M" }.count == 2)
    }

    @Test("an empty chart and a marker chart are still valid SVG")
    func edgeCases() throws {
        #expect(try ParsedXML(LineChart(title: "empty", xLabel: "x", yLabel: "y").svg()).elementCounts["svg"] == 1)
        let kl = LineChart(title: "KL per step", xLabel: "t", yLabel: "KL", series: [
            .init(name: "KL_t", x: (1...8).map(Double.init), y: [5, 4, 3, 2, 2, 1, 1, 0.5]),
        ], showsMarkers: true)
        #expect(try ParsedXML(kl.svg()).elementCounts["circle"] == 8)
    }
}

/// Element counts, text contents and path data of an XML document, via Foundation's `XMLParser`.
private final class ParsedXML: NSObject, XMLParserDelegate {
    struct ParseError: Error { let reason: String }

    var elementCounts: [String: Int] = [:]
    var texts: [String] = []
    var pathData: [String] = []
    private var currentText = ""

    init(_ document: String) throws {
        super.init()
        let parser = XMLParser(data: Data(document.utf8))
        parser.delegate = self
        guard parser.parse() else {
            throw ParseError(reason: parser.parserError.map { "\($0)" } ?? "unknown XML error")
        }
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        elementCounts[elementName, default: 0] += 1
        if elementName == "path", let data = attributes["d"] { pathData.append(data) }
        currentText = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { currentText += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if elementName == "text" { texts.append(currentText) }
        currentText = ""
    }
}

/// The progress chart of issue "Reach the paper's Table 2": validation bound against hours and epochs.
@Suite("Progress chart")
struct ProgressChartTests {
    static let csv = """
        step,elapsed_seconds,loss,loss_x,loss_z,valid_bound,images_per_second,gradient_norm,kl_1
        500,1800,120,100,20,,50,1,0.1
        1000,3600,110,90,20,105.5,50,1,0.1
        1500,5400,100,80,20,,50,1,0.1
        2000,7200,95,75,20,99.25,50,1,0.1
        """

    @Test("validation points at hours = elapsed / 3600 and epochs = step * batch / epoch images; the paper's bound as a flat line")
    func points() throws {
        let run = TrainingCurves.ProgressRun(name: "attention", table: try TrainingLogTable(csv: Self.csv, source: "log.csv"),
                                             paperBound: 80.97, batchSize: 100, epochImages: 50_000)
        let hours = TrainingCurves.progressChart([run], axis: .hours)
        #expect(hours.series.count == 2)
        #expect(hours.series[0].points.map(\.x) == [1, 2] && hours.series[0].points.map(\.y) == [105.5, 99.25])
        #expect(hours.series[1].name == "paper, attention: 80.97")
        #expect(hours.series[1].points.map(\.y) == [80.97, 80.97] && hours.series[1].points.map(\.x) == [0, 2])
        let epochs = TrainingCurves.progressChart([run], axis: .epochs)
        #expect(epochs.series[0].points.map(\.x) == [2, 4], "1,000 steps of 100 images are 2 epochs of 50,000")
        #expect(epochs.svg().contains("paper, attention: 80.97"))
        var unmarked = run
        unmarked.paperBound = nil
        #expect(TrainingCurves.progressChart([unmarked], axis: .epochs).series.count == 1)
    }

    @Test("writes validation-hours.svg and validation-epochs.svg, and refuses to replace them without overwrite")
    func files() throws {
        let folder = makeTemporaryFolder("minidraw-progress")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = TrainingCurves.ProgressRun(name: "run", table: try TrainingLogTable(csv: Self.csv, source: "log.csv"),
                                             paperBound: nil, batchSize: 100, epochImages: 50_000)
        let paths = try TrainingCurves.writeProgress([run], directory: folder)
        #expect(paths.map { URL(fileURLWithPath: $0).lastPathComponent } == ["validation-hours.svg", "validation-epochs.svg"])
        #expect(paths.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        #expect(throws: ExistingOutputError.self) { try TrainingCurves.writeProgress([run], directory: folder) }
        #expect(try TrainingCurves.writeProgress([run], directory: folder, overwrite: true) == paths)
    }
}
