import CBLAS
import Foundation
import GANEval
import ImageIO
import Metrics
import TestSupport
import XCTest

final class GANEvalTests: XCTestCase {
  /// libgsl links libgslcblas too; BLAS calls must still reach OpenBLAS.
  func testOpenBLASServesCBLAS() throws {
    let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "cblas_dgemm")  // RTLD_DEFAULT
    let address = UInt(bitPattern: try XCTUnwrap(symbol))
    // the mapped file that holds the resolved address
    let maps = String(decoding: try XCTUnwrap(FileHandle(forReadingAtPath: "/proc/self/maps")).readDataToEndOfFile(), as: UTF8.self)
    let library = maps.split(separator: "\n").compactMap { line -> String? in
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      let bounds = fields[0].split(separator: "-").compactMap { UInt($0, radix: 16) }
      guard fields.count >= 6, bounds.count == 2, (bounds[0]..<bounds[1]).contains(address) else { return nil }
      return String(fields[5])
    }.first ?? "nowhere"
    XCTAssertTrue(library.contains("openblas"), "cblas_dgemm comes from \(library)")
    XCTAssertTrue(blasDescription.contains("OpenBLAS"), blasDescription)
  }

  func testSummaryJSONCarriesVersionSeedParametersAndN() throws {
    let digits = try RealData.digits().subset(Array(0..<50))
    let dir = temporaryDirectory("summary")
    try writeSampleDirectory(digits, dir + "/real")
    var settings = RunContext(outputDirectory: dir + "/out")
    settings.quiet = true
    settings.seed = 42
    settings.makeFigures = true
    let outcome = try Evaluation.run(metric: "histogram", options: ["bins": "32"], directories: [dir + "/real", dir + "/real"], context: settings)
    let text = String(decoding: try readFile(dir + "/out/summary.json"), as: UTF8.self)
    let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    XCTAssertEqual(json["version"] as? String, toolVersion)
    XCTAssertEqual(json["seed"] as? Int, 42)
    XCTAssertEqual((json["parameters"] as? [String: Any])?["bins"] as? Int, 32)
    let sets = json["sets"] as! [[String: Any]]
    XCTAssertEqual(sets.map { $0["n"] as? Int }, [50, 50])
    XCTAssertEqual(sets.map { $0["name"] as? String }, ["real", "real#2"], "duplicate names are made distinct")
    XCTAssertEqual(outcome.written.map { ($0 as NSString).lastPathComponent }, ["histogram.csv", "histogram_distances.csv", "histogram.svg", "scalars.csv", "summary.json"],
      "histogram writes its distances' intervals and floors to scalars.csv (issue 15)")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir + "/out").filter { $0.contains("partial") }
    XCTAssertEqual(leftovers, [], "no temporary files remain")
  }

  func testIncomparableSetsNameTwoFiles() throws {
    let digits = try RealData.digits().subset(Array(0..<3))
    let dir = temporaryDirectory("compare")
    try writeSampleDirectory(digits, dir + "/a")
    try FileManager.default.createDirectory(atPath: dir + "/b", withIntermediateDirectories: true)
    try writeFile(dir + "/b/wide.png", PNG.encode([UInt8](repeating: 9, count: 40 * 28), width: 40, height: 28))
    var settings = RunContext(outputDirectory: dir + "/out")
    settings.quiet = true
    XCTAssertThrowsError(try loadSets([dir + "/a", dir + "/b"], context: settings)) { error in
      let text = String(describing: error)
      XCTAssertTrue(text.contains("b/wide.png") && text.contains("40x28") && text.contains("--resize"), text)
    }
    settings.resize = true
    XCTAssertEqual(try loadSets([dir + "/a", dir + "/b"], context: settings)[1].width, 28)
  }
}
