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
