import EvalCore
import Foundation
import ImageIO
import Workers

/// What a run directory records about the generator that made it (`generator.json`), so that
/// `sample` loads whatever generator kind trained it.
public struct GeneratorRunRecord: Sendable, Equatable {
  public static let file = "generator.json"
  public var generator: String
  /// The executable of an external generator.
  public var path: String?
  /// The classes of the real set it learned from (for conditional sampling).
  public var classes: [String]

  public var json: JSON {
    .object(
      [("protocol", .int(1)), ("generator", .string(generator))] + (path.map { [("path", .string($0))] } ?? [])
        + [("classes", .array(classes.map(JSON.string)))])
  }

  /// Reads the record; a run from before records existed that holds a GAN model counts as `gan`.
  public static func read(_ run: String) throws -> GeneratorRunRecord {
    let path = run + "/" + file
    guard FileManager.default.fileExists(atPath: path) else {
      if FileManager.default.fileExists(atPath: run + "/generator.ganet") { return GeneratorRunRecord(generator: "gan", path: nil, classes: []) }
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: run, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw EvalError.badFile(path: run, reason: "no such run directory (a run holds \(file), or generator.ganet for a GAN); give the --out of `gan-eval train`")
      }
      throw EvalError.badFile(path: run, reason: "holds no \(file) (nor a GAN's generator.ganet); it is not a run directory written by `gan-eval train`")
    }
    let json: JSON
    do { json = try JSON.parse(try readFile(path)) } catch { throw EvalError.badFile(path: path, reason: "\(error)") }
    guard let generator = json["generator"]?.stringValue, !generator.isEmpty else {
      throw EvalError.badFile(path: path, reason: "names no generator")
    }
    var classes: [String] = []
    if case .array(let items)? = json["classes"] { classes = items.compactMap(\.stringValue) }
    return GeneratorRunRecord(generator: generator, path: json["path"]?.stringValue, classes: classes)
  }
}

/// `train` and `sample`: run a generator plugin by name, and draw sample sets from its model.
public enum GeneratorRun {
  public static func train(
    _ name: String, options pairs: [(String, String)], directory: String, context base: RunContext
  ) throws -> (outcome: TrainingOutcome, summary: JSON) {
    let entry = try Catalogue.find(name, kind: .generator)
    let values = try entry.values(pairs)
    let generator = try entry.makeGenerator(values)  // bad options fail before loading
    var context = base
    context.makeFigures = true  // losses and sample grids are the point of a training run
    context.setNames = []
    let real = try loadSets([directory], context: context)[0]
    try makeDirectory(context.outputDirectory)
    let probe = entry.options.contains { QualityProbe.names.contains($0.name) } ? try QualityProbe(values: values, real: real, context: context) : nil
    context.epochEnded = probe?.hook
    var outcome = try generator.train(on: real, context: context)
    if let probe {
      let (files, lines) = try probe.write(to: context.outputDirectory, figures: context.makeFigures)
      outcome.files += files
      outcome.lines += lines
    }
    var path: String? = nil
    if case .external(let executable) = entry.origin { path = absolute(executable) }
    let record = GeneratorRunRecord(generator: entry.name, path: path, classes: real.isLabelled ? real.classes : [])
    try writeTextAtomically(context.outputDirectory + "/" + GeneratorRunRecord.file, record.json.render() + "\n")
    let summary = JSON.object([
      ("tool", .string("gan-eval")), ("version", .string(toolVersion)), ("command", .string("train \(name)")),
      ("seed", .int(Int(truncatingIfNeeded: context.seed))), ("threads", .int(context.threads)),
      ("parameters", entry.parameters(values)), ("sets", .array([OutputWriter.setJSON(real)])),
      ("results", .object(outcome.scalars)),
      ("files", .array((outcome.files + [GeneratorRunRecord.file]).map { .string(($0 as NSString).lastPathComponent) })),
    ])
    try writeTextAtomically(context.outputDirectory + "/summary.json", summary.render() + "\n")
    return (outcome, summary)
  }

  public static func train(_ name: String, options: [String: String], directory: String, context: RunContext) throws -> (outcome: TrainingOutcome, summary: JSON) {
    try train(name, options: options.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, directory: directory, context: context)
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

  /// The generator that trained a run: its catalogue entry (an external one by its recorded path).
  public static func entry(run: String) throws -> PluginEntry {
    let record = try GeneratorRunRecord.read(run)
    if let path = record.path, ExternalPlugin.isExecutableFile(path) { return try Catalogue.find(path, kind: .generator) }
    return try Catalogue.find(record.generator, kind: .generator)
  }

  public static func sample(run: String, count: Int, labels spec: String, output: String, overwrite: Bool, context: RunContext) throws -> ImageSet {
    let model = try entry(run: run).model(run: run, quiet: context.quiet, timeout: context.pluginTimeout)
    let labels = model.isConditional ? try labels(spec, count: count, classes: model.classes, seed: context.seed) : nil
    var set = try model.sample(count: count, labels: labels, seed: context.seed, threads: context.threads)
    set.name = (output as NSString).lastPathComponent
    try ImageSetWriter.write(set, to: output, overwrite: overwrite, threads: context.threads)
    return set
  }
}
