import Foundation
import Generators
import ImageIO
import Metrics
import Workers

/// `train` and `sample`: run a generator plugin by name, and draw sample sets from its model.
public enum GeneratorRun {
  public static func train(
    _ name: String, options: [String: String], directory: String, resume: Bool, settings: RunSettings,
    shouldStop: @escaping @Sendable () -> Bool
  ) throws -> (outcome: TrainingOutcome, summary: JSON) {
    let generator = try GeneratorRegistry.generator(name, options: options)  // bad options fail before loading
    let real = try loadSets([directory], settings: settings)[0]
    var context = TrainingContext(directory: settings.outputDirectory)
    (context.seed, context.threads, context.quiet, context.resume, context.shouldStop) = (settings.seed, settings.threads, settings.quiet, resume, shouldStop)
    let outcome = try generator.train(on: real, context: context)
    let summary = JSON.object([
      ("tool", .string("gan-eval")), ("version", .string(toolVersion)), ("command", .string("train \(name)")),
      ("seed", .int(Int(truncatingIfNeeded: settings.seed))), ("threads", .int(settings.threads)),
      ("parameters", .object(generator.parameters)), ("sets", .array([OutputWriter.setJSON(real)])),
      ("results", .object(outcome.scalars)),
      ("files", .array(outcome.files.map { .string(($0 as NSString).lastPathComponent) })),
    ])
    try writeTextAtomically(settings.outputDirectory + "/summary.json", summary.render() + "\n")
    return (outcome, summary)
  }

  /// Which labels to draw: `balanced` (equal counts, in class order), `uniform` (seeded random),
  /// or a comma-separated list of class names cycled through in order.
  public static func labels(_ spec: String, count: Int, classes: [String], seed: UInt64) throws -> [Int] {
    switch spec {
    case "balanced": return (0..<count).map { $0 * classes.count / count }
    case "uniform":
      var random = SplitMix64(seed: seed ^ 0x1ABE1)
      return (0..<count).map { _ in Int(random.next() % UInt64(classes.count)) }
    default:
      let wanted = spec.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
      let indices = try wanted.map { name -> Int in
        guard let index = classes.firstIndex(of: name) else {
          throw EvalError.badParameter(name: "--labels", reason: "'\(name)' is not a class of this generator (\(classes.joined(separator: ", ")))")
        }
        return index
      }
      guard !indices.isEmpty else { throw EvalError.badParameter(name: "--labels", reason: "give balanced, uniform or class names like 0,1,2") }
      return (0..<count).map { indices[$0 * indices.count / count] }
    }
  }

  public static func sample(run: String, count: Int, labels spec: String, output: String, overwrite: Bool, seed: UInt64, threads: Int) throws -> ImageSet {
    let model = try GeneratorRegistry.model(run)
    let labels = model.isConditional ? try labels(spec, count: count, classes: model.classes, seed: seed) : nil
    var set = try model.sample(count: count, labels: labels, seed: seed, threads: threads)
    set.name = (output as NSString).lastPathComponent
    try ImageSetWriter.write(set, to: output, overwrite: overwrite, threads: threads)
    return set
  }
}
