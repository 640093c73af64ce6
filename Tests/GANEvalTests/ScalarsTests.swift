import Foundation
import GANEval
import TestSupport
import XCTest

/// scalars.csv: every headline number with its 95% interval, the same for any thread count, and
/// fid's real-vs-real floor.
final class ScalarsTests: XCTestCase {
  func rows(_ path: String) throws -> [[String: String]] {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    XCTAssertEqual(lines.first, ["metric", "space", "set", "value", "ci_low", "ci_high", "n_real", "n_fake", "method", "floor"])
    return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
  }

  func testFidAndEntropyIntervalsAreReproducibleAndHoldTheirValues() throws {
    let digits = try RealData.digits()
    let dir = temporaryDirectory("scalars")
    // real: 2,500 digits; fake: 417 other digits, blurred by a Gaussian (close to real, not equal); the
    // real set is large enough for floor halves at the fake set's n
    try writeSampleDirectory(digits.subset(Array(stride(from: 0, to: 5000, by: 2))), dir + "/real")
    let other = digits.subset(Array(stride(from: 1, to: 5000, by: 12)))
    try writeSampleDirectory(other, dir + "/other")
    var context = RunContext(outputDirectory: dir + "/blurred", quiet: true)
    _ = try Evaluation.transform("gaussian", options: ["sigma": "0.7"], directory: dir + "/other", output: dir + "/blurred", overwrite: true, context: context)
    var outputs: [String] = []
    for threads in [1, 2] {
      context = RunContext(outputDirectory: dir + "/fid\(threads)", seed: 5, threads: threads, quiet: true)
      context.featureCacheDirectory = nil
      _ = try Evaluation.run(
        metric: "fid", options: [("features", "pixels"), ("features", "pca:components=20"), ("bootstrap", "60"), ("kid-subsets", "10")],
        directories: [dir + "/real", dir + "/blurred"], context: context)
      outputs.append(try String(contentsOfFile: dir + "/fid\(threads)/scalars.csv", encoding: .utf8))
    }
    XCTAssertEqual(outputs[0], outputs[1], "the same seed gives the same intervals whatever the thread count")
    let fid = try rows(dir + "/fid1/scalars.csv")
    for metric in ["frechet_distance", "kid_full_mmd2", "precision", "recall", "density", "coverage", "one_nn_accuracy"] {
      for space in ["pixels", "pca"] {
        let row = try XCTUnwrap(fid.first { $0["metric"] == metric && $0["space"] == space }, "\(metric) in \(space)")
        let (value, low, high) = (Double(row["value"]!)!, Double(row["ci_low"]!)!, Double(row["ci_high"]!)!)
        XCTAssertTrue(low <= high, "\(metric) \(space): \(low)…\(high)")
        XCTAssertEqual(row["method"], "bootstrap-percentile-bias-shifted")
        XCTAssertNotNil(Double(row["floor"] ?? ""), "\(metric) \(space) has a floor")
        if metric == "frechet_distance" && space == "pca" {
          // in 20 PCA dimensions, blurred digits are farther from the real set than the real set's own
          // halves (at the same n) are from each other; in 784 pixels at n = 417 FD is mostly finite-sample bias
          XCTAssertGreaterThan(value, Double(row["floor"]!)!, "FD above its real-vs-real floor")
          XCTAssertTrue(low <= value * 1.5 && high >= value * 0.5, "\(value) within a sane interval \(low)…\(high)")
        }
      }
    }
    XCTAssertNotNil(fid.first { $0["metric"] == "vendi_score" && $0["set"] == "fake" })
    let authenticity = try XCTUnwrap(fid.first { $0["metric"] == "authenticity" && $0["space"] == "pixels" })
    XCTAssertEqual(authenticity["method"], "wilson")

    context = RunContext(outputDirectory: dir + "/entropy", quiet: true)
    _ = try Evaluation.run(metric: "entropy", options: [String: String](), directories: [dir + "/real", dir + "/blurred"], context: context)
    let entropy = try rows(dir + "/entropy/scalars.csv")
    let difference = try XCTUnwrap(entropy.first { $0["metric"] == "mean_entropy_difference_bits" })
    XCTAssertEqual(difference["method"], "welch-t")
    XCTAssertGreaterThan(Double(difference["ci_low"]!)!, 0, "blurring raises the entropy, beyond doubt at these n")
    XCTAssertEqual(entropy.filter { $0["metric"] == "mean_entropy_bits" }.map { $0["method"] }, ["t", "t"])
  }
}
