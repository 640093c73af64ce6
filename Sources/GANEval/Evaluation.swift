import EvalCore
import Foundation
import ImageIO
import Metrics

/// `evaluate` and `transform`: the one path by which the CLI (generic and named commands) and
/// pipelines run a metric or a transform plugin over sample directories.
public enum Evaluation {
  public struct Outcome {
    public var report: Report
    /// What was read of each set given as a directory.
    public var sets: [SetInfo]
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
    var sets: [SetInfo]
    let report: Report
    if let path = paths.first(where: StatsRun.isStatsFile) {
      guard let statsMetric = metric as? StatsReadingMetric else {
        throw EvalError.badParameter(
          name: path, reason: "\(entry.displayName) needs every image: give a sample directory (stats files work with fid, histogram and entropy)")
      }
      let inputs = try loadInputs(paths, requests: statsMetric.featureRequests, context: context)
      sets = inputs.compactMap { if case .images(let set) = $0 { set.info } else { nil } }
      report = try statsMetric.evaluate(inputs, context: context)
    } else if let streaming = metric as? StreamingMetric {
      // per-image values and sums only: each directory is read a chunk at a time
      (report, sets) = try streaming.evaluate(streaming: try streamSets(paths, context: context), context: context)
    } else {
      let loaded = try loadSets(paths, context: context)
      report = try metric.evaluate(loaded, context: context)
      sets = loaded.map(\.info)
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
    let count = try SampleDirectory.countImages(in: directory)
    guard count > 0 else { throw EvalError.badFile(path: directory, reason: "contains no PNG images nor JPEGs (looked in all subdirectories)") }
    let labelMap = try SampleDirectory.readLabelFile(in: directory)
    let name = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
    var written: SetShape?
    var outFiles: [String] = [], outLabels: [String?] = []
    var read: SetInfo?
    try buildDirectoryAtomically(output, overwrite: overwrite) { staging in
      read = try readInChunks(directory, count: count, labelMap: labelMap, name: name, verb: "filtering", context: context) { chunk, _ in
        let result = try transform.apply(chunk, context: context)
        try ImageSetWriter.writeImages(result, into: staging, reportAs: output, threads: context.threads)
        outFiles += result.files
        outLabels += result.labels
        written = SetShape(count: (written?.count ?? 0) + result.count, width: result.width, height: result.height, channels: result.channels)
      }
      try ImageSetWriter.writeLabels(files: outFiles, labels: outLabels, into: staging)
    }
    return (SetShape(count: read!.count, width: read!.width, height: read!.height, channels: read!.channels), written!)
  }

  public static func transform(
    _ name: String, options: [String: String], directory: String, output: String, overwrite: Bool, context: RunContext
  ) throws -> (input: SetShape, output: SetShape, parameters: JSON) {
    try transform(
      name, options: options.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, directory: directory, output: output,
      overwrite: overwrite, context: context)
  }
}
