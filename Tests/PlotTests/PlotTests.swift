import Foundation
import Plot
import TestSupport
import XCTest

#if canImport(FoundationXML)
  import FoundationXML
#endif

final class PlotTests: XCTestCase {
  func testNiceTicksAreRoundAndCoverTheData() {
    let scale = NiceScale(0.013, 0.87)
    XCTAssertEqual(scale.step, 0.2, accuracy: 1e-12)
    XCTAssertEqual(scale.ticks.count, 6)
    XCTAssertLessThanOrEqual(scale.lower, 0.013)
    XCTAssertGreaterThanOrEqual(scale.upper, 0.87)
    XCTAssertEqual(NiceScale(-37, 512).step, 200)
    XCTAssertEqual(NiceScale(5, 5).ticks.isEmpty, false, "a constant range still gets ticks")
  }

  /// Every figure kind is well-formed XML and renders with librsvg (installed by set-up).
  func testEveryFigureKindIsValidSVGAndRenders() throws {
    var line = Chart(title: "Loss & <curves>", xLabel: "epoch", yLabel: "loss")
    line.layers = [.line(name: "D", x: [0, 1, 2, 3], y: [0.7, 0.6, 0.65, 0.5]), .line(name: "G", x: [0, 1, 2, 3], y: [1.2, 1.0, 0.9, 0.95])]
    var histogram = Chart(title: "Histogram", xLabel: "x", yLabel: "density")
    histogram.layers = [.steps(name: "a", edges: [0, 0.5, 1], heights: [1.5, 0.5])]
    let bars = BarChart(title: "Bars", xLabel: "class", yLabel: "accuracy", categories: ["0", "1", "2"], series: [("real", [0.9, 0.8, 0.95]), ("fake", [0.7, 0.6, 0.8])])
    let grid = ImageGrid(title: "Grid", images: [try tinyPNG(), try tinyPNG()], captions: ["a", "b"], imageWidth: 2, imageHeight: 2, columns: 2)
    let directory = temporaryDirectory("plots")
    for (name, svg) in [("line", line.svg()), ("histogram", histogram.svg()), ("bars", bars.svg()), ("grid", grid.svg())] {
      let parser = XMLParser(data: Data(svg.utf8))
      XCTAssertTrue(parser.parse(), "\(name).svg is well-formed XML: \(String(describing: parser.parserError))")
      let path = directory + "/\(name).svg"
      try svg.write(toFile: path, atomically: true, encoding: .utf8)
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/rsvg-convert")
      process.arguments = ["-o", directory + "/\(name).png", path]
      try process.run()
      process.waitUntilExit()
      XCTAssertEqual(process.terminationStatus, 0, "rsvg-convert renders \(name).svg")
      XCTAssertGreaterThan((try? FileManager.default.attributesOfItem(atPath: directory + "/\(name).png")[.size] as? Int) ?? 0, 500)
    }
  }

  func testScatterOf70000PointsStaysCompact() {
    // Points spread evenly over the square by two irrational rotations (no generator: the same
    // points, and the same SVG size, on every run).
    func spread(_ i: Int, _ step: Double) -> Double { (Double(i) * step).truncatingRemainder(dividingBy: 1) * 100 - 50 }
    let x = (0..<70_000).map { spread($0, 0.618_033_988_749_894_8) }
    let y = (0..<70_000).map { spread($0, 0.414_213_562_373_095_1) }
    var chart = Chart(title: "t-SNE", xLabel: "", yLabel: "")
    chart.layers = [.points(name: "real", x: Array(x[..<35_000]), y: Array(y[..<35_000]), radius: 1.2),
                    .points(name: "fake", x: Array(x[35_000...]), y: Array(y[35_000...]), radius: 1.2)]
    let svg = chart.svg()
    XCTAssertLessThan(svg.utf8.count, 5_000_000, "70,000 points in \(svg.utf8.count) bytes")
    XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse())
  }

  private func tinyPNG() throws -> [UInt8] {
    // 2×2 gray PNG (black, white / white, black), bytes from libpng via the ImageIO module
    try ImageIOBridge.encode([0, 255, 255, 0], width: 2, height: 2)
  }
}
