import ImageIO
import Metrics

/// Runs one metric plugin, by name, over sample directories and writes its outputs.
public enum Evaluation {
  public struct Outcome {
    public var report: Report
    public var sets: [ImageSet]
    public var written: [String]
    public var summary: JSON
  }

  public static func run(
    metric name: String, options: [String: String], directories: [String], settings: RunSettings
  ) throws -> Outcome {
    let metric = try Registry.metric(name, options: options)  // bad options fail before any loading
    let sets = try loadSets(directories, settings: settings)
    let report = try metric.evaluate(sets, context: settings.context)
    let written = try OutputWriter.write(report, command: name, parameters: metric.parameters, sets: sets, settings: settings)
    let summary = OutputWriter.summaryJSON(report, command: name, parameters: metric.parameters, sets: sets, settings: settings, files: written)
    return Outcome(report: report, sets: sets, written: written, summary: summary)
  }

  /// Applies a transform plugin, by name, to one sample directory and writes the new set.
  public static func transform(
    _ name: String, options: [String: String], directory: String, output: String, overwrite: Bool, settings: RunSettings
  ) throws -> (input: ImageSet, output: ImageSet) {
    let transform = try Registry.transform(name, options: options)
    guard let set = try loadSets([directory], settings: settings).first else { fatalError("one directory gives one set") }
    let result = try transform.apply(set, context: settings.context)
    try ImageSetWriter.write(result, to: output, overwrite: overwrite, threads: settings.threads)
    return (set, result)
  }
}
