import Foundation
import GANEval
import TestSupport
import XCTest

/// The tsne metric's defaults as a user gets them from the CLI or a pipeline.
final class TSNEDefaultsTests: XCTestCase {
  /// With no `iterations` each method runs the count of the tool it follows: exact scikit-learn's
  /// 1,000, Barnes-Hut and FFT openTSNE's 750 (auto picks exact for 150 images); a given count
  /// wins. summary.json records the count asked for and the count run.
  func testIterationsDefaultByMethod() throws {
    let dir = temporaryDirectory("tsne-defaults")
    try writeSampleDirectory(try RealData.digits().subset(Array(0..<150)), dir + "/real")
    let cases: [(method: String, given: String?, expected: Int)] = [
      ("exact", nil, 1000), ("barnes-hut", nil, 750), ("fft", nil, 750), ("auto", nil, 1000), ("barnes-hut", "300", 300), ("exact", "400", 400),
    ]
    for (index, run) in cases.enumerated() {
      var options = ["method": run.method, "perplexity": "10"]
      if let given = run.given { options["iterations"] = given }
      let out = dir + "/run\(index)"
      _ = try Evaluation.run(metric: "tsne", options: options, directories: [dir + "/real"], context: RunContext(outputDirectory: out, seed: 1, quiet: true))
      let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
      let results = try XCTUnwrap(summary["results"] as? [String: Any], "\(run)")
      XCTAssertEqual(results["iterations"] as? Int, run.expected, "\(run)")
      let ran = try XCTUnwrap(results["iterations_run"] as? Int, "\(run)")
      XCTAssertTrue(ran <= run.expected && ran > min(250, run.expected - 1), "\(run): ran \(ran)")
    }
  }
}
