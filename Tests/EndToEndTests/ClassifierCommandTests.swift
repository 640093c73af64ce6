import Foundation
import TestSupport
import XCTest

/// `classifier train`, `classify` and `fid` run as a user would, on the real digits.
final class ClassifierCommandTests: XCTestCase {
  /// One quickly trained model (3 epochs) shared by the tests below.
  static let model: String = {
    let directory = temporaryDirectory("e2e-model") + "/model"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
    process.arguments = ["classifier", "train", CommandLineTests.digits, "--epochs", "3", "--out", directory, "--svg", "--quiet"]
    try! process.run()
    process.waitUntilExit()
    return directory
  }()

  static let blurred: String = {
    let directory = temporaryDirectory("e2e-blur") + "/blurred"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
    process.arguments = ["filter", CommandLineTests.digits, "--sigma", "1", "--out", directory, "--quiet"]
    try! process.run()
    process.waitUntilExit()
    return directory
  }()

  func json(_ path: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
  }

  func testTrainWritesModelCurveAndHeldOutAccuracy() throws {
    try Repo.requireData()
    for name in ["classifier.ganet", "training.csv", "training.svg", "summary.json"] {
      XCTAssertTrue(FileManager.default.fileExists(atPath: Self.model + "/" + name), name)
    }
    let results = try json(Self.model + "/summary.json")["results"] as! [String: Any]
    XCTAssertEqual(results["validation_n"] as? Int, 1000)
    XCTAssertGreaterThan(results["validation_accuracy"] as! Double, 0.9, "3 epochs on 4,000 digits")
    let curve = try String(contentsOfFile: Self.model + "/training.csv", encoding: .utf8)
    XCTAssertEqual(curve.split(separator: "\r\n").count, 1 + 3)
  }

  func testClassifyReportsAccuracyConfusionCoverageAndTSTR() throws {
    try Repo.requireData()
    let out = temporaryDirectory("e2e-classify")
    let result = try ganEval([
      "classify", Self.blurred, "--model", Self.model, "--real", CommandLineTests.digits, "--tstr", CommandLineTests.digits, "--epochs", "1",
      "--svg", "--out", out, "--quiet",
    ])
    XCTAssertTrue(result.stdout.contains("classes covered 10/10"), result.stdout)
    XCTAssertTrue(result.stdout.contains("augmentation gain"), result.stdout)
    let confusion = try String(contentsOfFile: out + "/confusion.csv", encoding: .utf8).split(separator: "\r\n")
    XCTAssertEqual(confusion.count, 1 + 100)
    XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/confusion.svg"))
    let results = try json(out + "/summary.json")["results"] as! [String: Any]
    XCTAssertGreaterThan(results["accuracy"] as! Double, 0.8)
    let score = results["inception_score_mean"] as! Double
    // 10 balanced classes read with some confidence by a 3-epoch model on blurred digits: well above 1 (one class), at most 10
    XCTAssertTrue(score > 3 && score <= 10, "IS analogue: \(score)")
    let tstr = results["train_synthetic_test_real"] as! [String: Any]
    XCTAssertGreaterThan(tstr["tstr_accuracy"] as! Double, 0.5)
  }

  func testFidCachesRealFeaturesAndIsThreadCountInvariant() throws {
    try Repo.requireData()
    let work = temporaryDirectory("e2e-fid")
    // the intervals and the floor are ScalarsTests' subject; here fid.csv, the cache and threads are
    let common = ["--model", Self.model, "--cache", work + "/cache", "--max-samples", "1000", "--kid-subsets", "10", "--bootstrap", "0", "--floor", "false", "--quiet"]
    try ganEval(["fid", CommandLineTests.digits, Self.blurred, "--out", work + "/a", "--threads", "1", "--svg"] + common)
    try ganEval(["fid", CommandLineTests.digits, Self.blurred, "--out", work + "/b", "--threads", "2"] + common)
    XCTAssertEqual((try json(work + "/a/summary.json")["results"] as! [String: Any])["real_features_cached"] as? Bool, false)
    XCTAssertEqual((try json(work + "/b/summary.json")["results"] as! [String: Any])["real_features_cached"] as? Bool, true)
    let a = try String(contentsOfFile: work + "/a/fid.csv", encoding: .utf8)
    XCTAssertEqual(a, try String(contentsOfFile: work + "/b/fid.csv", encoding: .utf8), "same seed, cached or not, 1 or 2 threads")
    XCTAssertEqual(a.split(separator: "\r\n").count, 1 + 2 * 9)
    XCTAssertEqual(try String(contentsOfFile: work + "/a/memorisation.csv", encoding: .utf8).split(separator: "\r\n").count, 1 + 5000)
    XCTAssertTrue(FileManager.default.fileExists(atPath: work + "/a/memorisation.svg"))
    // A set not seen before is a cache miss (both sets' features are cached, keyed by content).
    try ganEval(["filter", CommandLineTests.digits, "--sigma", "2", "--out", work + "/blur2", "--quiet"])
    try ganEval(["fid", work + "/blur2", CommandLineTests.digits, "--out", work + "/c"] + common)
    XCTAssertEqual((try json(work + "/c/summary.json")["results"] as! [String: Any])["real_features_cached"] as? Bool, false)
  }

  func testBadModelsAndArgumentsAreClearErrors() throws {
    try Repo.requireData()
    let work = temporaryDirectory("e2e-bad")
    let missing = try ganEval(["fid", CommandLineTests.digits, Self.blurred, "--model", work + "/nothing", "--out", work + "/o", "--quiet"], expect: 1)
    XCTAssertTrue(missing.stderr.contains("classifier train"), missing.stderr)
    try FileManager.default.createDirectory(atPath: work + "/broken", withIntermediateDirectories: true)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: Self.model + "/classifier.ganet"))
    bytes[bytes.count / 2] ^= 0xFF
    try bytes.write(to: URL(fileURLWithPath: work + "/broken/classifier.ganet"))
    let corrupt = try ganEval(["classify", Self.blurred, "--model", work + "/broken", "--out", work + "/o2", "--quiet"], expect: 1)
    XCTAssertTrue(corrupt.stderr.contains("broken/classifier.ganet") && corrupt.stderr.contains("checksum"), corrupt.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/o2/summary.json"))
    try ganEval(["fid", CommandLineTests.digits, "--model", Self.model], expect: 64)
  }
}
