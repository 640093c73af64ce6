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

  /// What a transform read and wrote: counts and sizes, not the images.
  public struct SetShape: Sendable {
    public var count: Int
    public var width: Int
    public var height: Int
    public var channels: Int
    init(_ set: ImageSet) { (count, width, height, channels) = (set.count, set.width, set.height, set.channels) }
    init(count: Int, width: Int, height: Int, channels: Int) { (self.count, self.width, self.height, self.channels) = (count, width, height, channels) }
  }

  /// Applies a transform by name to one sample directory and writes the new set (same file names
  /// and labels) to `output`. An image-by-image transform (the Gaussian filter) streams the set
  /// through in chunks, holding one chunk at a time; any other gets the whole set.
  public static func transform(
    _ name: String, options pairs: [(String, String)], directory: String, output: String, overwrite: Bool, context: RunContext
  ) throws -> (input: SetShape, output: SetShape, parameters: JSON) {
    let entry = try Catalogue.find(name, kind: .transform)
    let values = try entry.values(pairs)
    let transform = try entry.makeTransform(values)
    var context = context
    context.setNames = []
    if let perImage = transform as? any ImageByImageTransform {
      let (input, result) = try stream(directory, through: perImage, output: output, overwrite: overwrite, context: context)
      return (input, result, entry.parameters(values))
    }
    let set = try loadSets([directory], context: context)[0]
    let result = try transform.apply(set, context: context)
    try ImageSetWriter.write(result, to: output, overwrite: overwrite, threads: context.threads)
    return (SetShape(set), SetShape(result), entry.parameters(values))
  }

  /// Reads `directory` `StatsRun.defaultChunkSize` images at a time, transforms and writes each
  /// chunk into the output directory being built; the output appears (renamed into place) only
  /// when every chunk is written.
  static func stream(
    _ directory: String, through transform: any ImageByImageTransform, output: String, overwrite: Bool, context: RunContext
  ) throws -> (input: SetShape, output: SetShape) {
    let files = try SampleDirectory.listImages(in: directory)
    guard !files.isEmpty else { throw EvalError.badFile(path: directory, reason: "contains no PNG images nor JPEGs (looked in all subdirectories)") }
    let labels = SampleDirectory.labelsOf(files, labelMap: try SampleDirectory.readLabelFile(in: directory))
    var options = LoadOptions(skipBad: context.skipBad, resize: context.resize, threads: context.threads)
    options.color = context.color
    let progress = ProgressReporter("filtering \(directory)", total: files.count, quiet: context.quiet)
    options.progress = progress
    var input: SetShape?, written: SetShape?
    var outFiles: [String] = [], outLabels: [String?] = []
    try buildDirectoryAtomically(output, overwrite: overwrite) { staging in
      for start in stride(from: 0, to: files.count, by: StatsRun.defaultChunkSize) {
        if context.shouldStop() { throw EvalError.badParameter(name: "filter", reason: "stopped before the end; nothing written") }
        let end = min(files.count, start + StatsRun.defaultChunkSize)
        if let input { options.targetSize = (input.width, input.height) }
        let chunk = try SampleDirectory.load(directory, files: Array(files[start..<end]), labels: Array(labels[start..<end]), options: options)
        if let input, input.channels != chunk.channels {
          throw EvalError.badFile(path: directory, reason: "mixes gray and colour images; pass --color luma or --color rgb")
        }
        let result = try transform.apply(chunk, context: context)
        try ImageSetWriter.writeImages(result, into: staging, reportAs: output, threads: context.threads)
        outFiles += result.files
        outLabels += result.labels
        input = SetShape(count: (input?.count ?? 0) + chunk.count, width: chunk.width, height: chunk.height, channels: chunk.channels)
        written = SetShape(count: (written?.count ?? 0) + result.count, width: result.width, height: result.height, channels: result.channels)
      }
      try ImageSetWriter.writeLabels(files: outFiles, labels: outLabels, into: staging)
    }
    progress.finish()
    return (input!, written!)
  }

  public static func transform(
    _ name: String, options: [String: String], directory: String, output: String, overwrite: Bool, context: RunContext
  ) throws -> (input: SetShape, output: SetShape, parameters: JSON) {
    try transform(
      name, options: options.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, directory: directory, output: output,
      overwrite: overwrite, context: context)
  }
}
