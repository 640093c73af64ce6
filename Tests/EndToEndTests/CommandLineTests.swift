import Foundation
import TestSupport
import XCTest

/// Runs the built `gan-eval` binary as a user would and checks its files, output and exit codes.
final class CommandLineTests: XCTestCase {
  /// The binary beside the test bundle. Under `make asan` the first use also gives every child
  /// the sanitizer options meant for it (GAN_EVAL_CHILD_ASAN_OPTIONS: leak checking on), since the
  /// XCTest host runs with leak checking off (Makefile, asan).
  static let binary: String = {
    if let options = ProcessInfo.processInfo.environment["GAN_EVAL_CHILD_ASAN_OPTIONS"] { setenv("ASAN_OPTIONS", options, 1) }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gan-eval").path
  }()

  /// Imports 600 real digits once for the tests below.
  static let digits: String = {
    let directory = temporaryDirectory("e2e") + "/digits"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["import", Repo.digitsCSV, "--out", directory, "--limit", "5000"]
    try! process.run()
    process.waitUntilExit()
    return directory
  }()

  func testImportFilterEntropyHistogramOnRealDigits() throws {
    try Repo.requireData()
    let work = temporaryDirectory("e2e-run")
    let blurred = work + "/blurred"
    try ganEval(["filter", Self.digits, "--sigma", "1", "--out", blurred, "--quiet"])
    let entropy = try ganEval(["entropy", Self.digits, blurred, "--svg", "--out", work + "/entropy", "--quiet"])
    XCTAssertTrue(entropy.stdout.contains("digits: n=5000"), entropy.stdout)
    XCTAssertTrue(entropy.stdout.contains("blurred: n=5000"), entropy.stdout)
    let csv = try String(contentsOfFile: work + "/entropy/entropy.csv", encoding: .utf8)
    XCTAssertTrue(csv.hasPrefix("set,file,label,entropy_bits\r\n"))
    XCTAssertEqual(csv.split(separator: "\r\n").count, 1 + 10_000)
    XCTAssertTrue(FileManager.default.fileExists(atPath: work + "/entropy/entropy.svg"))
    let histogram = try ganEval(["histogram", Self.digits, blurred, "--svg", "--out", work + "/histogram", "--json"])
    let json = try JSONSerialization.jsonObject(with: Data(histogram.stdout.utf8)) as! [String: Any]
    let pairs = (json["results"] as! [String: Any])["pairs"] as! [[String: Any]]
    XCTAssertGreaterThan(pairs[0]["jensen_shannon_bits"] as! Double, 0.01)
    XCTAssertEqual(histogram.stderr, "", "--json is quiet")
  }

  func testOutputIsTheSameForAnyThreadCount() throws {
    try Repo.requireData()
    let work = temporaryDirectory("e2e-threads")
    for threads in ["1", "2", "3"] {
      try ganEval(["entropy", Self.digits, "--out", work + "/t" + threads, "--threads", threads, "--quiet"])
      try ganEval(["filter", Self.digits, "--sigma", "0.8", "--out", work + "/f" + threads, "--threads", threads, "--quiet"])
    }
    let one = try Data(contentsOf: URL(fileURLWithPath: work + "/t1/entropy.csv"))
    XCTAssertEqual(one, try Data(contentsOf: URL(fileURLWithPath: work + "/t2/entropy.csv")))
    XCTAssertEqual(one, try Data(contentsOf: URL(fileURLWithPath: work + "/t3/entropy.csv")))
    for file in ["5/02500.png", "9/04999.png"] {
      XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: work + "/f1/" + file)), try Data(contentsOf: URL(fileURLWithPath: work + "/f3/" + file)))
    }
  }

  func testBadInputExitsNonZeroNamingTheFileAndWritesNothing() throws {
    let work = temporaryDirectory("e2e-bad")
    try FileManager.default.createDirectory(atPath: work + "/set", withIntermediateDirectories: true)
    try Data("junk".utf8).write(to: URL(fileURLWithPath: work + "/set/broken.png"))
    let failed = try ganEval(["entropy", work + "/set", "--out", work + "/out", "--quiet"], expect: 1)
    XCTAssertTrue(failed.stderr.contains(work + "/set/broken.png: not a readable PNG"), failed.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/out/entropy.csv"))
    let empty = try ganEval(["histogram", work + "/nothing-here", "--quiet"], expect: 1)
    XCTAssertTrue(empty.stderr.contains("nothing-here: no such directory"), empty.stderr)
    let badBins = try ganEval(["histogram", work + "/set", "--bins", "0"], expect: 1)
    XCTAssertTrue(badBins.stderr.contains("--bins"), badBins.stderr)
    let skipped = try ganEval(["entropy", Self.digits, work + "/set", "--skip-bad", "--out", work + "/skip", "--quiet"], expect: 1)
    XCTAssertTrue(skipped.stderr.contains("none of its 1 PNG files could be read"), skipped.stderr)
  }

  func testEveryCommandHasHelpAndPluginsAreListed() throws {
    let commands = [
      "evaluate", "transform", "train", "sample", "pipeline", "plugins", "histogram", "entropy", "tsne", "filter", "classify", "fid",
      "import", "export",
    ]
    for command in commands + ["classifier train"] {
      let help = try ganEval(command.split(separator: " ").map(String.init) + ["--help"])
      XCTAssertTrue(help.stdout.contains("USAGE: gan-eval \(command)"), command)
      // the shared options are on every command
      for option in ["--quiet", "--threads", "--json"] { XCTAssertTrue(help.stdout.contains(option), "\(command) has \(option)") }
    }
    // a plugin's declared options appear in its command's help, and every metric in evaluate's
    XCTAssertTrue(try ganEval(["histogram", "--help"]).stdout.contains("--bins <int>"))
    XCTAssertTrue(try ganEval(["train", "--help"]).stdout.contains("--g-norm <choice>"))
    let evaluate = try ganEval(["evaluate", "--help"]).stdout
    for name in ["histogram", "entropy", "sharpness", "tsne", "classify", "fid"] { XCTAssertTrue(evaluate.contains("\(name): "), name) }
    let plugins = try ganEval(["plugins"])
    for name in ["histogram", "entropy", "sharpness", "gaussian", "gan", "pca-gaussian", "memorizer", "classifier", "pixels", "pca"] {
      XCTAssertTrue(plugins.stdout.contains("  \(name) "), plugins.stdout)
    }
    let sharpness = try ganEval(["plugins", "sharpness"]).stdout
    XCTAssertTrue(sharpness.contains("--mode <choice>") && sharpness.contains("reflect|nearest|mirror|constant|wrap"), sharpness)
  }

  func testExportThenImportNPYRoundTrip() throws {
    try Repo.requireData()
    let work = temporaryDirectory("e2e-npy")
    try ganEval(["export", Self.digits, "--npy", work + "/x.npy", "--labels", work + "/y.npy"])
    try ganEval(["import", work + "/x.npy", "--labels", work + "/y.npy", "--out", work + "/back"])
    let a = try ganEval(["entropy", Self.digits, "--out", work + "/ea", "--quiet", "--name", "d"])
    let b = try ganEval(["entropy", work + "/back", "--out", work + "/eb", "--quiet", "--name", "d"])
    XCTAssertEqual(a.stdout.split(separator: "\n").first, b.stdout.split(separator: "\n").first)
  }
}
