import EvalCore
import Foundation
import ImageIO
import SetStatistics

extension EntropyMetric: StatsReadingMetric {
  public var featureRequests: [FeatureRequest] { [] }

  /// Entropy with some sets read from stats files. Exact from a file: n, the mean and the
  /// standard deviation (its count, mean and M2), so the t interval of the mean and Welch's
  /// interval of a difference equal the directory's to rounding. From its 0.001-bit histogram:
  /// the min, median and max (to within a bin). Not in a file: per-image rows and per-class
  /// summaries (entropy.csv lists only the sets given as directories).
  public func evaluate(_ inputs: [SetInput], context: RunContext) throws -> Report {
    let sets: [ImageSet] = inputs.compactMap { if case .images(let set) = $0 { set } else { nil } }
    if sets.count == inputs.count { return try evaluate(sets, context: context) }
    var report = sets.isEmpty ? Report(metric: Self.name) : try evaluate(sets, context: context)
    report.records = []
    report.figures = []
    report.lines = []
    var summaries: [(name: String, mean: Double, variance: Double, count: Int)] = []
    var perSet: [(String, JSON)] = []
    for input in inputs {
      switch input {
      case .images(let set):
        let values = Self.entropies(set, threads: context.threads)
        let summary = SampleSummary(values)
        summaries.append((set.name, summary.mean, summary.std * summary.std, summary.n))
        perSet.append((set.name, .object([("all", summary.json)])))
        report.lines.append(
          "\(set.name): n=\(summary.n), entropy mean \(format4(summary.mean)) bits (std \(format4(summary.std)), min \(format4(summary.min)), median \(format4(summary.median)), max \(format4(summary.max)))")
      case .stats(let file):
        guard let entropy = file.stats.entropy else {
          throw EvalError.badFile(path: file.path, reason: "holds no entropy statistics; rerun `gan-eval stats` to write them")
        }
        let m = entropy.moments, std = m.variance.squareRoot()
        let (low, median, high) = Self.quantiles(entropy.histogram)
        summaries.append((file.name, m.mean, m.variance, m.count))
        perSet.append((
          file.name,
          .object([
            ("all", .object([("n", .int(m.count)), ("mean", .number(m.mean)), ("std", .number(std)), ("min", .number(low)), ("median", .number(median)), ("max", .number(high))])),
            ("from_stats_file", .string(file.path)),
          ])
        ))
        report.lines.append(
          "\(file.name) (\(file.path)): n=\(m.count), entropy mean \(format4(m.mean)) bits (std \(format4(std)); min \(format4(low)), median \(format4(median)), max \(format4(high)) to within \(format4((entropy.histogram.high - entropy.histogram.low) / Double(entropy.histogram.bins))) bits, from the file's histogram)")
      }
    }
    report.scalars = [("sets", .object(perSet))]
    for s in summaries {
      let mean = AnalyticInterval.mean(s.mean, variance: s.variance, count: s.count)
      report.records.append(ScalarRecord(
        metric: "mean_entropy_bits", set: s.name, value: mean.value, low: mean.low, high: mean.high, nReal: 0, nFake: s.count, method: mean.method.rawValue))
    }
    for s in summaries.dropFirst() {
      let base = summaries[0]
      let difference = AnalyticInterval.meanDifference((s.mean, s.variance, s.count), (base.mean, base.variance, base.count))
      report.records.append(ScalarRecord(
        metric: "mean_entropy_difference_bits", set: "\(s.name) − \(base.name)", value: difference.value, low: difference.low, high: difference.high,
        nReal: base.count, nFake: s.count, method: difference.method.rawValue))
      report.lines.append("\(s.name) − \(base.name): mean entropy difference \(format4(s.mean - base.mean)) bits")
    }
    report.lines.append("from stats files: n, mean and std exact; per-image rows and per-class summaries only for sets given as directories")
    return report
  }

  /// Min, median and max of the values a fine histogram counted: the lowest and highest
  /// non-empty bins' centres and the centre of the bin holding the middle value.
  static func quantiles(_ histogram: BinnedCounts) -> (Double, Double, Double) {
    let width = (histogram.high - histogram.low) / Double(histogram.bins)
    let centre = { (bin: Int) in histogram.low + (Double(bin) + 0.5) * width }
    guard let first = histogram.counts.firstIndex(where: { $0 > 0 }), let last = histogram.counts.lastIndex(where: { $0 > 0 }) else {
      return (.nan, .nan, .nan)
    }
    let half = (histogram.counts.reduce(0, +) + 1) / 2
    var seen: UInt64 = 0
    var middle = first
    for (bin, count) in histogram.counts.enumerated() {
      seen += count
      if seen >= half { middle = bin; break }
    }
    return (centre(first), centre(middle), centre(last))
  }
}
