import Foundation
import TestSupport
import XCTest

/// External plugins over the JSON protocol (docs/plugins.md), the generic commands, the example
/// plugins in examples/plugins and the built-in baseline generators, run as a user would.
final class PluginTests: XCTestCase {
  static var examples: String { Repo.root + "/examples/plugins" }

  /// 300 real digits, the first 30 of each class.
  static let digits: String = {
    let directory = temporaryDirectory("e2e-plugins") + "/digits"
    let source = CommandLineTests.digits
    for label in 0..<10 {
      try! FileManager.default.createDirectory(atPath: directory + "/\(label)", withIntermediateDirectories: true)
      let files = try! FileManager.default.contentsOfDirectory(atPath: source + "/\(label)").sorted().prefix(30)
      for file in files { try! FileManager.default.copyItem(atPath: source + "/\(label)/" + file, toPath: directory + "/\(label)/" + file) }
    }
    return directory
  }()

  var pluginPath: [String: String] { ["GAN_EVAL_PLUGIN_PATH": Self.examples] }

  func testExampleMetricAndFeatureExtractorRunFromTheCLI() throws {
    try Repo.requireData()
    let work = temporaryDirectory("e2e-ext")
    let listed = try ganEval(["plugins"], environment: pluginPath)
    for name in ["intensity-moments", "hog", "pixel-gaussian"] { XCTAssertTrue(listed.stdout.contains("  \(name) "), listed.stdout) }
    let described = try ganEval(["plugins", "hog", "--json"], environment: pluginPath)
    XCTAssertTrue(described.stdout.contains("\"kind\": \"features\""), described.stdout)

    let moments = try ganEval(
      ["evaluate", "intensity-moments", Self.digits, Self.digits, "--exclude-background", "--out", work + "/m", "--svg"], environment: pluginPath)
    XCTAssertTrue(moments.stderr.contains("[intensity-moments] moments of digits"), "plugin stderr is shown as progress: \(moments.stderr)")
    let summary = try json(work + "/m/summary.json")
    XCTAssertEqual((summary["parameters"] as? [String: Any])?["exclude-background"] as? Bool, true)
    let results = summary["results"] as! [String: Any]
    XCTAssertEqual(results["digits#2_mean_gap"] as? Double, 0, "a set against itself")
    XCTAssertGreaterThan(results["digits_mean"] as! Double, 0.3)
    XCTAssertTrue(FileManager.default.fileExists(atPath: work + "/m/moments.csv"), "the plugin's CSV is carried into the output")
    let quiet = try ganEval(["evaluate", "intensity-moments", Self.digits, "--out", work + "/q", "--quiet"], environment: pluginPath)
    XCTAssertEqual(quiet.stderr, "", "--quiet suppresses plugin stderr")
    let badOption = try ganEval(["evaluate", "intensity-moments", Self.digits, "--exclude-background=maybe", "--out", work + "/x"], expect: 1, environment: pluginPath)
    XCTAssertTrue(badOption.stderr.contains("--exclude-background") && badOption.stderr.contains("intensity-moments") && badOption.stderr.contains("true or false"), badOption.stderr)

    let fid = try ganEval(
      ["fid", Self.digits, Self.digits, "--features", "hog", "--features", "pixels", "--features", "pca:components=16", "--out", work + "/f",
       "--max-samples", "100", "--kid-subsets", "5", "--kid-size", "50", "--quiet", "--cache", work + "/cache"], environment: pluginPath)
    XCTAssertTrue(fid.stdout.contains("hog (d=144): FD ") && fid.stdout.contains("pca (d=16): FD "), fid.stdout)
    let spaces = try json(work + "/f/summary.json")["results"] as! [String: Any]
    for space in ["hog", "pixels", "pca"] {
      let fd = (spaces[space] as! [String: Any])["frechet_distance"] as! Double
      // zero up to Float64 rounding of the eigendecompositions: −3e-6 measured in pixels (rank 299 of 784, tr Σ ≈ 50)
      XCTAssertEqual(fd, 0, accuracy: 1e-5, "\(space): a set against itself")
    }
    let tsne = try ganEval(["tsne", Self.digits, "--features", "hog", "--perplexity", "10", "--iterations", "300", "--out", work + "/t", "--quiet"], environment: pluginPath)
    XCTAssertTrue(tsne.stdout.contains("t-SNE exact 2D of 300 images"), tsne.stdout)
  }

  /// `tsne --save-map` keeps the map; `tsne --map` places new sets into it, the same for any thread count.
  func testTSNEMapSaveAndPlace() throws {
    try Repo.requireData()
    let work = temporaryDirectory("e2e-map")
    let saved = try ganEval(["tsne", Self.digits, "--perplexity", "10", "--save-map", work + "/digits.tsnemap", "--out", work + "/map", "--quiet"])
    XCTAssertTrue(saved.stdout.contains("saved the map of 300 points"), saved.stdout)
    for threads in ["1", "2"] {
      try ganEval(["tsne", "--map", work + "/digits.tsnemap", Self.digits, "--out", work + "/placed" + threads, "--threads", threads, "--svg", "--quiet"])
    }
    let one = try String(contentsOfFile: work + "/placed1/tsne.csv", encoding: .utf8)
    XCTAssertEqual(one, try String(contentsOfFile: work + "/placed2/tsne.csv", encoding: .utf8), "placement is bit-identical across thread counts")
    XCTAssertEqual(one.split(separator: "\r\n").count, 1 + 300 + 300, "the map's points, then the placed ones")
    XCTAssertTrue(FileManager.default.fileExists(atPath: work + "/placed1/tsne_placed.svg"))
    // the map kept the digits' labels: the placement reports its 10-NN class agreement, with an
    // interval and the map's own agreement as the floor
    let scalars = try String(contentsOfFile: work + "/placed1/scalars.csv", encoding: .utf8).split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    let agreement = try XCTUnwrap(scalars.first { $0.first == "class_agreement_10nn" }, "\(scalars)")
    let (value, low, high, floor) = (Double(agreement[3])!, Double(agreement[4])!, Double(agreement[5])!, Double(agreement[9])!)
    XCTAssertTrue(low <= value && value <= high && high <= 1, "\(agreement)")
    // chance is about 0.1 (ten classes); the same digits placed into their own map score about
    // what the map's points do (measured: 0.714 against 0.689)
    XCTAssertGreaterThan(floor, 0.5)
    XCTAssertEqual(value, floor, accuracy: 0.1, "digits placed into a map of themselves land where their map points are")
    XCTAssertEqual(agreement[8], "t")
    // --max-per-set and --class choose the placed images as they choose the embedded ones
    try ganEval(["tsne", "--map", work + "/digits.tsnemap", Self.digits, "--max-per-set", "100", "--out", work + "/placed100", "--quiet"])
    XCTAssertEqual(try String(contentsOfFile: work + "/placed100/tsne.csv", encoding: .utf8).split(separator: "\r\n").count, 1 + 300 + 100)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: work + "/digits.tsnemap"))
    bytes[bytes.count / 2] ^= 0x55
    try bytes.write(to: URL(fileURLWithPath: work + "/broken.tsnemap"))
    let broken = try ganEval(["tsne", "--map", work + "/broken.tsnemap", Self.digits, "--out", work + "/x", "--quiet"], expect: 1)
    XCTAssertTrue(broken.stderr.contains("broken.tsnemap"), broken.stderr)
  }

  func testExternalGeneratorTrainsAndSamplesAndTheBaselinesToo() throws {
    try Repo.requireData()
    let work = temporaryDirectory("e2e-gen")
    try ganEval(["train", "pixel-gaussian", Self.digits, "--out", work + "/pg", "--scale", "0.5", "--quiet"], environment: pluginPath)
    let sampled = try ganEval(["sample", work + "/pg", "-n", "40", "--out", work + "/pgs", "--quiet", "--seed", "3"], environment: pluginPath)
    XCTAssertTrue(sampled.stdout.contains("wrote 40 samples of 28x28 in 10 classes"), sampled.stdout)
    // an external transform: inverts the images (a test script beside the examples' helper)
    let bin = work + "/bin"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    try """
      #!/usr/bin/env python3
      import json, os, sys
      sys.path.insert(0, \(String(reflecting: Self.examples)))
      from gan_eval_plugin import images, main, write_set
      DESCRIBE = {"protocol": 1, "kind": "transform", "name": "invert", "summary": "1 - x",
                  "options": [{"name": "gain", "type": "number", "default": 1.0, "min": 0, "max": 1, "help": "Scale."}]}
      def run(request):
          s = request["sets"][0]
          write_set(os.path.join(request["out"], "set"), 1 - request["options"]["gain"] * images(s), s["labels"])
      sys.exit(main(DESCRIBE, run))
      """.write(toFile: bin + "/gan-eval-invert", atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/gan-eval-invert")
    let inverted = try ganEval(["transform", "invert", Self.digits, "--out", work + "/inv", "--quiet"], environment: ["GAN_EVAL_PLUGIN_PATH": bin])
    XCTAssertTrue(inverted.stdout.contains("wrote sample set \(work)/inv (300 images)"), inverted.stdout)
    try ganEval(["histogram", Self.digits, work + "/inv", "--bins", "2", "--out", work + "/h", "--quiet"])
    // set,bin,lo,hi,count,density: inverting swaps the dark and the light half exactly (no level is 0.5)
    let counts = try String(contentsOfFile: work + "/h/histogram.csv", encoding: .utf8).split(separator: "\r\n").dropFirst().map { $0.split(separator: ",")[4] }
    XCTAssertEqual(counts.count, 4)
    XCTAssertEqual([counts[0], counts[1]], [counts[3], counts[2]], "\(counts)")
    for name in ["pca-gaussian", "memorizer"] {
      try ganEval(["train", name, Self.digits, "--out", work + "/" + name, "--quiet"])
      try ganEval(["sample", work + "/" + name, "-n", "50", "--out", work + "/\(name)-a", "--threads", "1", "--quiet"])
      try ganEval(["sample", work + "/" + name, "-n", "50", "--out", work + "/\(name)-b", "--threads", "2", "--quiet"])
      for file in ["0/00000.png", "9/00049.png"] {
        XCTAssertEqual(
          try Data(contentsOf: URL(fileURLWithPath: work + "/\(name)-a/" + file)), try Data(contentsOf: URL(fileURLWithPath: work + "/\(name)-b/" + file)),
          "\(name): same seed, any thread count")
      }
    }
  }

  /// The memorizer is the positive control: trained on 1,000 real digits, its 1,000 copies must be
  /// flagged by the 1-NN test (measured 0.18; a fair generator scores near 0.5) and by the
  /// nearest-real distances; the PCA-Gaussian's blurry samples are told apart but copy nothing.
  func testTheMemorizerIsFlaggedAndTheBaselineIsNot() throws {
    try Repo.requireData()
    let work = temporaryDirectory("e2e-memo")
    let real = work + "/real"
    for label in 0..<10 {
      try FileManager.default.createDirectory(atPath: real + "/\(label)", withIntermediateDirectories: true)
      for file in try FileManager.default.contentsOfDirectory(atPath: CommandLineTests.digits + "/\(label)").sorted().prefix(100) {
        try FileManager.default.copyItem(atPath: CommandLineTests.digits + "/\(label)/" + file, toPath: real + "/\(label)/" + file)
      }
    }
    try ganEval(["train", "memorizer", real, "--out", work + "/memo", "--quiet"])
    try ganEval(["sample", work + "/memo", "-n", "1000", "--out", work + "/copies", "--quiet"])
    try ganEval(["train", "pca-gaussian", real, "--out", work + "/pca", "--quiet"])
    try ganEval(["sample", work + "/pca", "-n", "1000", "--out", work + "/naive", "--quiet"])
    func pixelResults(_ fake: String) throws -> (oneNN: Double, closer: Double) {
      try ganEval(["fid", real, work + "/" + fake, "--features", "pixels", "--out", work + "/fid-" + fake, "--max-samples", "1000", "--kid-subsets", "5", "--quiet"])
      let results = try json(work + "/fid-\(fake)/summary.json")["results"] as! [String: Any]
      let pixels = results["pixels"] as! [String: Any], memo = results["memorisation"] as! [String: Any]
      return (pixels["one_nn_accuracy"] as! Double, memo["share_closer_than_any_real_pair"] as! Double)
    }
    let copies = try pixelResults("copies"), naive = try pixelResults("naive")
    XCTAssertLessThan(copies.oneNN, 0.3, "1-NN accuracy far below 0.5 flags copying")
    XCTAssertGreaterThan(copies.closer, 0.9, "copies sit closer to a real image than any two real images do")
    XCTAssertGreaterThan(naive.oneNN, 0.6, "the PCA-Gaussian's blurry samples are told apart from real ones")
    XCTAssertLessThan(naive.closer, 0.05)
  }

  func testFailingPluginsAreNamedAndLeaveNoOutput() throws {
    try Repo.requireData()
    let work = temporaryDirectory("e2e-failing")
    let bin = work + "/bin"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    func plugin(_ name: String, describe: String, run: String) throws {
      let script = """
        #!/bin/sh
        if [ "$1" = describe ]; then
        \(describe)
        exit 0
        fi
        out=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["out"])' "$2")
        \(run)
        """
      try script.write(toFile: bin + "/gan-eval-" + name, atomically: true, encoding: .utf8)
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/gan-eval-" + name)
    }
    func metric(_ name: String) -> String { #"echo '{"protocol": 1, "kind": "metric", "name": "\#(name)", "summary": "test", "options": []}'"# }
    func features(_ name: String) -> String { #"echo '{"protocol": 1, "kind": "features", "name": "\#(name)", "summary": "test"}'"# }
    try plugin("exits", describe: metric("exits"), run: "echo 'cannot open the model' >&2; exit 3")
    try plugin("signalled", describe: metric("signalled"), run: "kill -9 $$")
    try plugin("garbled", describe: metric("garbled"), run: #"echo '{"scalars": {"a": 1,' > $out/result.json"#)
    try plugin("text-scalar", describe: metric("text-scalar"), run: #"echo '{"scalars": {"a": "high"}}' > $out/result.json"#)
    try plugin("silent", describe: metric("silent"), run: "true")
    try plugin("slow", describe: metric("slow"), run: "sleep 30")
    try plugin("future", describe: #"echo '{"protocol": 2, "kind": "metric", "name": "future"}'"#, run: "true")
    try plugin("bad-describe", describe: "echo 'not json'", run: "true")
    try plugin(
      "short-features", describe: features("short-features"),
      run: #"python3 -c 'import numpy, sys; numpy.save(sys.argv[1] + "/features.npy", numpy.zeros((3, 4), numpy.float32))' $out"#)
    try plugin(
      "double-features", describe: features("double-features"),
      run: #"python3 -c 'import json, numpy, sys; r = json.load(open(sys.argv[1])); numpy.save(r["out"] + "/features.npy", numpy.zeros((r["sets"][0]["count"], 4)))' $2"#)
    let environment = ["GAN_EVAL_PLUGIN_PATH": bin]
    let cases: [([String], [String])] = [
      (["evaluate", "exits"], ["external metric exits", "exit status 3", "cannot open the model"]),
      (["evaluate", "signalled"], ["external metric signalled", "killed by signal 9"]),
      (["evaluate", "garbled"], ["external metric garbled", "malformed result.json"]),
      (["evaluate", "text-scalar"], ["scalar 'a' is \"high\", not a number"]),
      (["evaluate", "silent"], ["external metric silent", "wrote no result.json"]),
      (["evaluate", "slow", "--plugin-timeout", "1"], ["external metric slow", "timed out after 1 s"]),
      (["evaluate", "future"], ["gan-eval-future", "protocol 2", "gan-eval speaks protocol 1"]),
      (["evaluate", "bad-describe"], ["gan-eval-bad-describe", "malformed JSON"]),
      (["fid", "--features", "short-features", "--features", "pixels"], ["short-features", "shape [3, 4]", "N = 300"]),
      (["fid", "--features", "double-features"], ["double-features", "dtype <f8", "float32"]),
      (["evaluate", "nothing-like-it"], ["'nothing-like-it' is not a known metric plugin", "GAN_EVAL_PLUGIN_PATH"]),
    ]
    for (index, (command, expected)) in cases.enumerated() {
      let out = work + "/out\(index)"
      // evaluate NAME SET [options]; fid REAL FAKE [options]
      var arguments = command[0] == "fid" ? ["fid", Self.digits, Self.digits] + command.dropFirst() : [command[0], command[1], Self.digits] + command.dropFirst(2)
      arguments += ["--out", out, "--quiet"]
      let result = try ganEval(arguments, expect: 1, environment: environment)
      for text in expected { XCTAssertTrue(result.stderr.contains(text), "\(command): \(result.stderr)") }
      XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/summary.json"), "\(command) left output behind")
    }
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("gan-eval-plugin-") }
    XCTAssertEqual(leftovers, [], "temporary plugin directories are removed")
    let listing = try ganEval(["plugins"], environment: environment)
    XCTAssertTrue(listing.stdout.contains("not usable: \(bin)/gan-eval-future"), listing.stdout)
  }

  func testExamplePipelineRunsBuiltInAndExternalPluginsTogether() throws {
    try Repo.requireData()
    let out = temporaryDirectory("e2e-plugin-pipeline")
    let run = try ganEval(["pipeline", "pipelines/plugins.yaml", "--out", out, "--quiet"], environment: pluginPath, directory: Repo.root)
    for step in ["real", "baseline", "copies", "naive", "evaluate"] { XCTAssertTrue(run.stdout.contains("\(step) "), run.stdout) }
    let report = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
    XCTAssertTrue(report.contains("[intensity-moments]"), report)
    XCTAssertTrue(report.contains("hog (d=144)"), report)
    XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/evaluate/intensity-moments/moments.csv"))
  }

  func json(_ path: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
  }
}
