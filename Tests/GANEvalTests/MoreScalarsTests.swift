import Classifier
import Foundation
import GANEval
import TestSupport
import XCTest

/// The intervals and floors of histogram, classify, entropy and tsne, the judge's hold-out, and
/// fid's FD∞/KID∞ and rarity outputs.
final class MoreScalarsTests: XCTestCase {
  func rows(_ path: String) throws -> [[String: String]] {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
  }

  /// real: 2,500 digits; blurred: 417 other digits through a Gaussian (σ = 1).
  func sets() throws -> String {
    let digits = try RealData.digits()
    let dir = temporaryDirectory("more-scalars")
    try writeSampleDirectory(digits.subset(Array(stride(from: 0, to: 5000, by: 2))), dir + "/real")
    try writeSampleDirectory(digits.subset(Array(stride(from: 1, to: 5000, by: 12))), dir + "/other")
    let context = RunContext(outputDirectory: dir + "/blurred", quiet: true)
    _ = try Evaluation.transform("gaussian", options: ["sigma": "1"], directory: dir + "/other", output: dir + "/blurred", overwrite: true, context: context)
    return dir
  }

  func testHistogramEntropyAndMixingHaveIntervalsAndFloors() throws {
    let dir = try sets()
    var outputs: [String] = []
    for threads in [1, 2] {
      let context = RunContext(outputDirectory: dir + "/histogram\(threads)", seed: 4, threads: threads, quiet: true)
      _ = try Evaluation.run(metric: "histogram", options: ["bootstrap": "50"], directories: [dir + "/real", dir + "/blurred"], context: context)
      outputs.append(try String(contentsOfFile: dir + "/histogram\(threads)/scalars.csv", encoding: .utf8))
    }
    XCTAssertEqual(outputs[0], outputs[1], "the same seed gives the same intervals whatever the thread count")
    let histogram = try rows(dir + "/histogram1/scalars.csv")
    XCTAssertEqual(histogram.map { $0["metric"]! }, ["total_variation", "jensen_shannon_bits", "wasserstein1"])
    for row in histogram {
      let (value, low, high, floor) = (Double(row["value"]!)!, Double(row["ci_low"]!)!, Double(row["ci_high"]!)!, Double(row["floor"]!)!)
      XCTAssertEqual(row["method"], "poisson-bootstrap-percentile-bias-shifted")
      XCTAssertEqual(row["set"], "blurred vs real")
      XCTAssertTrue(low <= value && value <= high, "\(row)")
      // blurring spreads the ink over many gray levels: far from the real set's own halves
      XCTAssertGreaterThan(low, floor, "\(row["metric"]!) above its floor")
    }

    let entropyContext = RunContext(outputDirectory: dir + "/entropy", seed: 4, quiet: true)
    _ = try Evaluation.run(metric: "entropy", options: [String: String](), directories: [dir + "/real", dir + "/blurred"], context: entropyContext)
    let entropy = try rows(dir + "/entropy/scalars.csv")
    let difference = try XCTUnwrap(entropy.first { $0["metric"] == "mean_entropy_difference_bits" })
    let floor = try XCTUnwrap(Double(difference["floor"] ?? ""), "the entropy difference has a floor")
    XCTAssertLessThan(abs(floor), Double(difference["value"]!)! / 5, "two real halves differ far less than blurred and real")

    let tsneContext = RunContext(outputDirectory: dir + "/tsne", seed: 4, quiet: true)
    _ = try Evaluation.run(metric: "tsne", options: ["iterations": "300", "max-per-set": "300"], directories: [dir + "/real", dir + "/blurred"], context: tsneContext)
    let mixing = try XCTUnwrap(try rows(dir + "/tsne/scalars.csv").first { $0["metric"] == "neighbour_mixing" })
    XCTAssertTrue(mixing["method"]!.hasPrefix("t over points"))
    XCTAssertEqual(Double(mixing["floor"]!)!, 300.0 / 599.0, accuracy: 1e-12, "the share of real points a fully mixed set would see")
    XCTAssertLessThan(Double(mixing["ci_low"]!)!, Double(mixing["value"]!)!)
  }

  /// Histogram and entropy read directories a chunk at a time: any chunk size gives the report of
  /// the loaded sets, intervals and floors included (the bootstrap's weights follow each image's
  /// place in the listing, and its sums are exact), with 1 or 2 threads.
  func testStreamedSetsGiveTheLoadedSetsReportWhateverTheChunkSize() throws {
    let dir = try sets()
    let directories = [dir + "/real", dir + "/blurred"]
    for threads in [1, 2] {
      let context = RunContext(seed: 9, threads: threads, quiet: true)
      let loaded = try loadSets(directories, context: context)
      for name in ["histogram", "entropy"] {
        let entry = try Catalogue.find(name, kind: .metric)
        let options: [(String, String)] = name == "histogram" ? [("bootstrap", "40")] : []
        let metric = try XCTUnwrap(try entry.makeMetric(try entry.values(options)) as? StreamingMetric, "\(name) streams")
        let whole = try metric.evaluate(loaded, context: context)
        for chunk in [97, 1000, 5000] {
          let (streamed, read) = try metric.evaluate(streaming: try streamSets(directories, chunkSize: chunk, context: context), context: context)
          XCTAssertEqual(read.map(\.count), [2500, 417])
          XCTAssertEqual(streamed.records.map(\.row), whole.records.map(\.row), "\(name), chunks of \(chunk), \(threads) thread(s)")
          XCTAssertEqual(streamed.tables.map { $0.csv() }, whole.tables.map { $0.csv() }, "\(name), chunks of \(chunk)")
          XCTAssertEqual(streamed.lines, whole.lines)
        }
        XCTAssertFalse(whole.records.isEmpty)
      }
    }
  }

  func testJudgeHoldOutClassifyIntervalsAndFidExtras() throws {
    let dir = try sets()
    var context = RunContext(outputDirectory: dir + "/judge", seed: 2, quiet: true)
    _ = try ClassifierRun.train(directory: dir + "/real", options: try ClassifierRun.values([("epochs", "2"), ("holdout", "0.4")]), context: context)
    let record = try XCTUnwrap(TrainingImages.read(model: dir + "/judge"), "the judge lists the images it saw")
    XCTAssertEqual(record.files.count, 1500, "60% of 2,500 shown (training and validation)")

    context = RunContext(outputDirectory: dir + "/classify", seed: 2, quiet: true)
    _ = try Evaluation.run(
      metric: "classify", options: ["model": dir + "/judge", "real": dir + "/real", "bootstrap": "50"], directories: [dir + "/blurred"], context: context)
    let classify = try rows(dir + "/classify/scalars.csv")
    XCTAssertEqual(Set(classify.map { $0["metric"]! }), ["accuracy", "class_kl_bits", "inception_score"])
    for row in classify {
      XCTAssertFalse(row["ci_low"]!.isEmpty, "\(row)")
      XCTAssertNotNil(Double(row["floor"] ?? ""), "\(row["metric"]!) has a floor")
    }
    XCTAssertEqual(classify.first { $0["metric"] == "accuracy" }?["method"], "wilson")
    XCTAssertEqual(classify.first { $0["metric"] == "inception_score" }?["method"], "bootstrap-percentile-bias-shifted")

    context = RunContext(outputDirectory: dir + "/fid", seed: 2, quiet: true)
    context.makeFigures = true
    context.featureCacheDirectory = nil
    let outcome = try Evaluation.run(
      metric: "fid", options: [("model", dir + "/judge"), ("features", "classifier"), ("bootstrap", "20"), ("kid-subsets", "5")],
      directories: [dir + "/real", dir + "/blurred"], context: context)
    XCTAssertTrue(outcome.report.lines.contains { $0.contains("1000 of 2500 real images compared") }, outcome.report.lines.joined(separator: "\n"))
    let fid = try rows(dir + "/fid/scalars.csv")
    let fd = try XCTUnwrap(fid.first { $0["metric"] == "frechet_distance" })
    XCTAssertEqual(fd["n_real"], "1000", "only the images the judge never saw")
    for metric in ["frechet_distance_infinity", "kid_infinity"] {
      let row = try XCTUnwrap(fid.first { $0["metric"] == metric })
      XCTAssertEqual(row["method"], "ols-intercept-t")
      XCTAssertLessThan(Double(row["ci_low"]!)!, Double(row["ci_high"]!)!)
    }
    let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/fid")
    for name in ["size_extrapolation.svg", "rarity.csv", "rarity.svg"] { XCTAssertTrue(files.contains(name), "\(name) in \(files)") }
    let rarity = try rows(dir + "/fid/rarity.csv")
    XCTAssertEqual(rarity.count, 417)

    // --judge-overlap keep: the whole real set, and a loud warning
    context.outputDirectory = dir + "/fid-keep"
    let kept = try Evaluation.run(
      metric: "fid", options: [("model", dir + "/judge"), ("features", "classifier"), ("bootstrap", "0"), ("kid-subsets", "5"), ("judge-overlap", "keep"), ("extrapolate", "false")],
      directories: [dir + "/real", dir + "/blurred"], context: context)
    XCTAssertTrue(kept.report.lines.contains { $0.hasPrefix("WARNING: 1500 of the 2500 real images trained the judge") }, kept.report.lines.joined(separator: "\n"))
  }
}

/// `train --evaluate-every`: quality points at every K epochs and after the last, without
/// changing what the generator learns.
final class QualityProbeTests: XCTestCase {
  func testEvaluateEveryWritesQualityCurvesAndLeavesTrainingAlone() throws {
    let digits = try RealData.digits()
    let dir = temporaryDirectory("quality-probe")
    try writeSampleDirectory(digits.subset(Array(stride(from: 0, to: 5000, by: 5))), dir + "/real")
    var context = RunContext(outputDirectory: dir + "/judge", seed: 1, quiet: true)
    _ = try ClassifierRun.train(directory: dir + "/real", options: try ClassifierRun.values([("epochs", "1")]), context: context)
    context.outputDirectory = dir + "/plain"
    _ = try GeneratorRun.train("gan", options: ["epochs": "3", "sample-every": "0"], directory: dir + "/real", context: context)
    context.outputDirectory = dir + "/probed"
    let (outcome, _) = try GeneratorRun.train(
      "gan", options: ["epochs": "3", "sample-every": "0", "evaluate-every": "2", "judge": dir + "/judge", "evaluate-n": "200"], directory: dir + "/real",
      context: context)
    XCTAssertEqual(try readFile(dir + "/plain/generator.ganet"), try readFile(dir + "/probed/generator.ganet"), "measuring does not change training")
    let lines = try String(contentsOfFile: dir + "/probed/quality.csv", encoding: .utf8).split(separator: "\r\n")
    XCTAssertEqual(lines.count, 3, "a header, epoch 2 and the last epoch (3)")
    XCTAssertTrue(lines[1].hasPrefix("2,200,") && lines[2].hasPrefix("3,200,"), "\(lines)")
    let fields = lines[2].split(separator: ",").map { Double($0) }
    for value in fields.prefix(8) { XCTAssertTrue(value?.isFinite == true, "\(lines[2])") }
    XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/probed/quality.svg"))
    XCTAssertTrue(outcome.lines.contains { $0.hasPrefix("quality every 2 epochs (2 points") }, outcome.lines.joined(separator: "\n"))

    // resumed to 5 epochs: the points before the resume are kept, later ones measured
    context.resume = true
    _ = try GeneratorRun.train(
      "gan", options: ["epochs": "5", "sample-every": "0", "evaluate-every": "2", "judge": dir + "/judge", "evaluate-n": "200"], directory: dir + "/real",
      context: context)
    let resumed = try String(contentsOfFile: dir + "/probed/quality.csv", encoding: .utf8).split(separator: "\r\n")
    XCTAssertEqual(resumed.map { $0.split(separator: ",")[0] }, ["epoch", "2", "3", "4", "5"], "\(resumed)")
    XCTAssertEqual(resumed[1], lines[1], "epoch 2's point is carried over as written")
  }
}
