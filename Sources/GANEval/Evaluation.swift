import EvalCore
import Foundation
import ImageIO
import Metrics

/// `evaluate` and `transform`: the one path by which the CLI (generic and named commands) and
/// pipelines run a metric or a transform plugin over sample directories.
public enum Evaluation {
  public struct Outcome {
    public var report: Report
    public var sets: [ImageSet]
    public var written: [String]
    public var summary: JSON
  }

  /// Runs a metric by name: options are validated before any set is loaded; sets named by
  /// `set`-role options (classify's `real`) are loaded after the positional ones.
  public static func run(metric name: String, options pairs: [(String, String)], directories: [String], context: RunContext) throws -> Outcome {
    let entry = try Catalogue.find(name, kind: .metric)
    let values = try entry.values(pairs)
    let metric = try entry.makeMetric(values)
    guard !directories.isEmpty else {
      throw EvalError.badParameter(name: entry.displayName, reason: "give at least one sample directory (e.g. real/ fake/)")
    }
    let extra = entry.options.filter { $0.role == .set }.compactMap { values.string($0.name) }
    var context = context
    if context.featureSource == nil { context.featureSource = Catalogue.featureSource }
    let paths = directories + extra
    let sets: [ImageSet]
    let report: Report
    if let path = paths.first(where: StatsRun.isStatsFile) {
      guard let statsMetric = metric as? StatsReadingMetric else {
        throw EvalError.badParameter(
          name: path, reason: "\(entry.displayName) needs every image: give a sample directory (stats files work with fid, histogram and entropy)")
      }
      let inputs = try loadInputs(paths, requests: statsMetric.featureRequests, context: context)
      sets = inputs.compactMap { if case .images(let set) = $0 { set } else { nil } }
      report = try statsMetric.evaluate(inputs, context: context)
    } else {
      sets = try loadSets(paths, context: context)
      report = try metric.evaluate(sets, context: context)
    }
    let parameters = entry.parameters(values)
    let written = try OutputWriter.write(report, command: name, parameters: parameters, sets: sets, context: context)
    let summary = OutputWriter.summaryJSON(report, command: name, parameters: parameters, sets: sets, context: context, files: written)
    return Outcome(report: report, sets: sets, written: written, summary: summary)
  }

  public static func run(metric name: String, options: [String: String], directories: [String], context: RunContext) throws -> Outcome {
    try run(metric: name, options: options.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, directories: directories, context: context)
  }

  /// Applies a transform by name to one sample directory and writes the new set (same file names
  /// and labels) to `output`.
  public static func transform(
    _ name: String, options pairs: [(String, String)], directory: String, output: String, overwrite: Bool, context: RunContext
  ) throws -> (input: ImageSet, output: ImageSet, parameters: JSON) {
    let entry = try Catalogue.find(name, kind: .transform)
    let values = try entry.values(pairs)
    let transform = try entry.makeTransform(values)
    var context = context
    context.setNames = []
    let set = try loadSets([directory], context: context)[0]
    let result = try transform.apply(set, context: context)
    try ImageSetWriter.write(result, to: output, overwrite: overwrite, threads: context.threads)
    return (set, result, entry.parameters(values))
  }

  public static func transform(
    _ name: String, options: [String: String], directory: String, output: String, overwrite: Bool, context: RunContext
  ) throws -> (input: ImageSet, output: ImageSet, parameters: JSON) {
    try transform(
      name, options: options.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, directory: directory, output: output,
      overwrite: overwrite, context: context)
  }
}
