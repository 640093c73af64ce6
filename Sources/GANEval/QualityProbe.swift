import Classifier
import EvalCore
import FeatureSpace
import Foundation
import ImageIO
import Metrics
import Plot
import SetStatistics
import Workers

/// `train --evaluate-every K [--judge MODEL]`: loss curves do not say whether samples improve, so
/// every K epochs (and after the last) the model draws a fixed seeded set (balanced labels, the
/// same noise each time) and is measured: FD and KID in the judge's features against the real set,
/// the judge's accuracy on the drawn labels (Wilson 95% interval), and the mean per-image entropy.
/// Rows land in quality.csv and the curves in quality.svg, next to losses.svg.
///
/// FD uses the whole real set's feature statistics (computed once); KID is the unbiased MMD² of
/// the full sets (the quantity KID's subset mean estimates) against a fixed seeded subset of up to
/// 2,000 real images, so each point costs about as much as one epoch of a small GAN.
public final class QualityProbe: @unchecked Sendable {
  /// Declared once for every built-in generator (they are appended to its options).
  public static let options: [OptionSpec] = [
    .int(
      "evaluate-every", default: 0, 0...100_000,
      "Every K epochs, sample a fixed seeded set and measure FD and KID in the judge's features, its accuracy and the mean entropy (quality.csv, quality.svg); 0: off."),
    .path("judge", "Classifier directory (`gan-eval classifier train`) for --evaluate-every's FD, KID and accuracy.", role: .artifact),
    .int("evaluate-n", default: 1000, 10...100_000, "Images drawn at each --evaluate-every point."),
  ]
  public static let names = Set(options.map(\.name))

  public struct Row: Sendable {
    public var epoch: Int
    public var fd: Double
    public var kid: Double
    public var accuracy: Estimate
    public var meanEntropy: Double
    public var seconds: Double
  }

  let every: Int
  let count: Int
  let judge: ImageClassifier?
  let judgePath: String?
  let realStatistics: GaussianStatistics?
  let realKernelSample: FeatureMatrix?
  let realEntropy: Double
  let seed: UInt64
  let threads: Int
  private let lock = NSLock()
  private var rows: [Row] = []

  /// nil when `evaluate-every` is 0.
  public init?(values: OptionValues, real: ImageSet, context: RunContext) throws {
    every = values.int("evaluate-every")
    guard every > 0 else { return nil }
    count = values.int("evaluate-n")
    (seed, threads) = (context.seed ^ 0x9A11_7E57, context.threads)
    judgePath = values.string("judge")
    realEntropy = EntropyMetric.entropies(real, threads: context.threads).reduce(0, +) / Double(max(real.count, 1))
    if let judgePath {
      let classifier = try ImageClassifier.load(judgePath).classifier
      try classifier.checkSize(real)
      let features = FeatureMatrix(try classifier.evaluate(real, threads: context.threads).features, columns: classifier.featureDimension)
      judge = classifier
      realStatistics = GaussianStatistics(features)
      realKernelSample = features.subset(Self.seededSubset(real.count, 2000, seed: seed))
    } else {
      (judge, realStatistics, realKernelSample) = (nil, nil, nil)
    }
    // a resumed run keeps the points measured before it stopped (same n; the later ones are redone)
    if context.resume { rows = Self.earlierRows(context.outputDirectory + "/quality.csv", count: count) }
  }

  /// The rows of an earlier quality.csv measured on `count` images (none when there is no file).
  static func earlierRows(_ path: String, count: Int) -> [Row] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line -> Row? in
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard fields.count == 9, let epoch = Int(fields[0]), Int(fields[1]) == count else { return nil }
      let number = { (text: String) in Double(text) ?? .nan }
      let accuracy =
        fields[5].isEmpty
        ? Estimate.bare(number(fields[4]))
        : Estimate(value: number(fields[4]), low: number(fields[5]), high: number(fields[6]), confidence: 0.95, method: .wilson)
      return Row(epoch: epoch, fd: number(fields[2]), kid: number(fields[3]), accuracy: accuracy, meanEntropy: number(fields[7]), seconds: number(fields[8]))
    }
  }

  /// Up to `limit` of `count` indices, seeded, ascending.
  static func seededSubset(_ count: Int, _ limit: Int, seed: UInt64) -> [Int] {
    guard count > limit else { return Array(0..<count) }
    var random = SplitMix64(seed: seed)
    var pool = Array(0..<count)
    for i in 0..<limit { pool.swapAt(i, i + Int(random.next().multipliedFullWidth(by: UInt64(count - i)).high)) }
    return pool[..<limit].sorted()
  }

  /// The hook a generator calls after each epoch.
  public var hook: @Sendable (Int, Bool, any GeneratorModel) throws -> Void {
    { [self] epoch, last, model in
      guard epoch % every == 0 || last else { return }
      let row = try measure(model, epoch: epoch)
      lock.withLock {
        rows.removeAll { $0.epoch >= epoch }  // an earlier run's points from here on are superseded
        rows.append(row)
      }
    }
  }

  func measure(_ model: any GeneratorModel, epoch: Int) throws -> Row {
    let started = Date()
    let labels = model.isConditional ? try GeneratorRun.labels("balanced", count: count, classes: model.classes, seed: seed) : nil
    let set = try model.sample(count: count, labels: labels, seed: seed, threads: threads)
    var row = Row(epoch: epoch, fd: .nan, kid: .nan, accuracy: .bare(.nan), meanEntropy: .nan, seconds: 0)
    row.meanEntropy = EntropyMetric.entropies(set, threads: threads).reduce(0, +) / Double(max(set.count, 1))
    if let judge, let realStatistics, let realKernelSample {
      let reading = try judge.evaluate(set, threads: threads)
      let features = FeatureMatrix(reading.features, columns: judge.featureDimension)
      row.fd = frechetDistance(realStatistics, GaussianStatistics(features))
      row.kid = kernelDistanceEstimate(real: realKernelSample, fake: features, plan: BootstrapPlan(replicates: 0, seed: 0), threads: threads).value
      if set.isLabelled, let truth = try? judge.labelIndices(set) {
        let predicted = predictedClasses(reading.probabilities, classes: judge.classes.count)
        row.accuracy = AnalyticInterval.proportion(successes: zip(truth, predicted).filter { $0 == $1 }.count, trials: set.count)
      }
    }
    row.seconds = Date().timeIntervalSince(started)
    return row
  }

  public var measured: [Row] { lock.withLock { rows } }

  /// Writes quality.csv (and quality.svg when figures are on); returns the files and a summary line.
  public func write(to directory: String, figures: Bool) throws -> (files: [String], lines: [String]) {
    let rows = measured.sorted { $0.epoch < $1.epoch }
    guard !rows.isEmpty else { return ([], ["--evaluate-every: this generator reports no epochs; nothing was measured"]) }
    var table = Table(
      name: "quality", columns: ["epoch", "n", "fd", "kid_full_mmd2", "accuracy", "accuracy_low", "accuracy_high", "mean_entropy_bits", "seconds"])
    for r in rows {
      table.rows.append(
        ["\(r.epoch)", "\(count)", csvNumber(r.fd), csvNumber(r.kid), csvNumber(r.accuracy.value), r.accuracy.low.isNaN ? "" : csvNumber(r.accuracy.low),
         r.accuracy.high.isNaN ? "" : csvNumber(r.accuracy.high), csvNumber(r.meanEntropy), csvNumber(r.seconds)])
    }
    var files = [directory + "/quality.csv"]
    try writeTextAtomically(files[0], table.csv())
    let seconds = rows.reduce(0) { $0 + $1.seconds }
    let last = rows.last!
    var lines = [
      "quality every \(every) epochs (\(rows.count) points, \(count) images each, \(String(format: "%.1f", seconds)) s in all): last FD \(format4(last.fd)), KID \(String(format: "%.5f", last.kid)), accuracy \(format4(last.accuracy.value)), mean entropy \(format4(last.meanEntropy)) bits (real \(format4(realEntropy)))"
    ]
    if judge == nil { lines.append("--evaluate-every without --judge: only the mean entropy is measured (give --judge MODEL for FD, KID and accuracy)") }
    if figures {
      let x = rows.map { Double($0.epoch) }
      let judgeName = judgePath.map { ($0 as NSString).lastPathComponent } ?? "no judge"
      var fd = Chart(title: "FD in the judge's features (\(judgeName))", xLabel: "epoch", yLabel: "FD")
      fd.layers = [.line(name: "FD (n=\(count))", x: x, y: rows.map(\.fd))]
      var kid = Chart(title: "KID (full-set MMD²)", xLabel: "epoch", yLabel: "KID")
      kid.layers = [.line(name: "KID (n=\(count))", x: x, y: rows.map(\.kid))]
      var accuracy = Chart(title: "Judge's accuracy on the drawn labels", xLabel: "epoch", yLabel: "accuracy")
      accuracy.layers = [
        .line(name: "accuracy", x: x, y: rows.map(\.accuracy.value)), .line(name: "95% low", x: x, y: rows.map(\.accuracy.low)),
        .line(name: "95% high", x: x, y: rows.map(\.accuracy.high)),
      ]
      accuracy.colors = [Palette.color(0), "#bbbbbb", "#bbbbbb"]
      var entropy = Chart(title: "Mean entropy per image", xLabel: "epoch", yLabel: "bits")
      entropy.layers = [
        .line(name: "generated", x: x, y: rows.map(\.meanEntropy)), .line(name: "real (\(format4(realEntropy)))", x: [x.first!, x.last!], y: [realEntropy, realEntropy]),
      ]
      var charts = [fd, kid, accuracy, entropy]
      for i in charts.indices { (charts[i].width, charts[i].height) = (480, 320) }
      files.append(directory + "/quality.svg")
      try writeTextAtomically(files[1], Panels(charts, columns: 2).svg())
    }
    return (files, lines)
  }
}
