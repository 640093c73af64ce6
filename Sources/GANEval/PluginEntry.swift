import EvalCore
import Foundation
import ImageIO

/// One plugin in the catalogue: what it declares (kind, name, summary, options) and how to build
/// it. Built-ins are made from their type; external plugins from their `describe` output.
public struct PluginEntry: Sendable {
  public enum Origin: Sendable, Equatable {
    case builtin
    case external(path: String)
  }

  public let kind: PluginKind
  public let name: String
  public let summary: String
  public let options: [OptionSpec]
  public let origin: Origin
  let metric: (@Sendable (OptionValues) throws -> any Metric)?
  let transform: (@Sendable (OptionValues) throws -> any Transform)?
  let generator: (@Sendable (OptionValues) throws -> any Generator)?
  let extractor: (@Sendable (OptionValues) throws -> any FeatureExtractor)?
  let notes: @Sendable (OptionValues) -> [(String, JSON)]
  /// Loads the model a run directory of this generator holds.
  let loadModel: (@Sendable (String) throws -> any GeneratorModel)?

  init(
    kind: PluginKind, name: String, summary: String, options: [OptionSpec], origin: Origin,
    metric: (@Sendable (OptionValues) throws -> any Metric)? = nil, transform: (@Sendable (OptionValues) throws -> any Transform)? = nil,
    generator: (@Sendable (OptionValues) throws -> any Generator)? = nil,
    extractor: (@Sendable (OptionValues) throws -> any FeatureExtractor)? = nil,
    notes: @escaping @Sendable (OptionValues) -> [(String, JSON)] = { _ in [] },
    loadModel: (@Sendable (String) throws -> any GeneratorModel)? = nil
  ) {
    (self.kind, self.name, self.summary, self.options, self.origin) = (kind, name, summary, options, origin)
    (self.metric, self.transform, self.generator, self.extractor, self.notes, self.loadModel) = (
      metric, transform, generator, extractor, notes, loadModel
    )
  }

  public static func metric<T: Metric & PluginDeclaration>(_ type: T.Type) -> PluginEntry {
    PluginEntry(
      kind: .metric, name: T.name, summary: T.summary, options: T.options, origin: .builtin, metric: { try T(options: $0) },
      notes: { (try? T(options: $0))?.notes ?? [] })
  }

  public static func transform<T: Transform & PluginDeclaration>(_ type: T.Type) -> PluginEntry {
    PluginEntry(
      kind: .transform, name: T.name, summary: T.summary, options: T.options, origin: .builtin, transform: { try T(options: $0) },
      notes: { (try? T(options: $0))?.notes ?? [] })
  }

  public static func generator<T: Generator & PluginDeclaration & GeneratorLoading>(_ type: T.Type) -> PluginEntry {
    PluginEntry(
      kind: .generator, name: T.name, summary: T.summary, options: T.options + QualityProbe.options, origin: .builtin, generator: { try T(options: $0) },
      notes: { (try? T(options: $0))?.notes ?? [] }, loadModel: { try T.loadModel(run: $0) })
  }

  public static func features<T: FeatureExtractor & PluginDeclaration>(_ type: T.Type) -> PluginEntry {
    PluginEntry(
      kind: .features, name: T.name, summary: T.summary, options: T.options, origin: .builtin, extractor: { try T(options: $0) },
      notes: { (try? T(options: $0))?.notes ?? [] })
  }

  // MARK: - Options

  /// Validates `(name, text)` pairs against the declarations.
  public func values(_ pairs: [(String, String)]) throws -> OptionValues {
    try OptionValues(pairs, specs: options, plugin: displayName)
  }

  public func values(_ dictionary: [String: String]) throws -> OptionValues {
    try OptionValues(dictionary, specs: options, plugin: displayName)
  }

  /// "metric tsne", "external metric my-metric (./tools/gan-eval-my-metric)".
  public var displayName: String {
    switch origin {
    case .builtin: return "\(kind.rawValue) \(name)"
    case .external(let path): return "external \(kind.rawValue) \(name) (\(path))"
    }
  }

  /// summary.json's `parameters`: every option's effective value, then the method's fixed notes.
  public func parameters(_ values: OptionValues) -> JSON {
    guard case .object(let pairs) = values.json else { return values.json }
    return .object(pairs + notes(values))
  }

  // MARK: - Building

  public func makeMetric(_ values: OptionValues) throws -> any Metric {
    if let metric { return try metric(values) }
    if case .external(let path) = origin, kind == .metric { return ExternalPlugin(path: path, entry: self, values: values) }
    throw wrongKind(.metric)
  }

  public func makeTransform(_ values: OptionValues) throws -> any Transform {
    if let transform { return try transform(values) }
    if case .external(let path) = origin, kind == .transform { return ExternalPlugin(path: path, entry: self, values: values) }
    throw wrongKind(.transform)
  }

  public func makeGenerator(_ values: OptionValues) throws -> any Generator {
    if let generator { return try generator(values) }
    if case .external(let path) = origin, kind == .generator { return ExternalPlugin(path: path, entry: self, values: values) }
    throw wrongKind(.generator)
  }

  public func makeFeatures(_ values: OptionValues) throws -> any FeatureExtractor {
    if let extractor { return try extractor(values) }
    if case .external(let path) = origin, kind == .features { return ExternalPlugin(path: path, entry: self, values: values) }
    throw wrongKind(.features)
  }

  public func model(run directory: String, quiet: Bool = false, timeout: Double = 3600) throws -> any GeneratorModel {
    if let loadModel { return try loadModel(directory) }
    if case .external(let path) = origin, kind == .generator {
      return try ExternalGeneratorModel(path: path, entry: self, run: directory, quiet: quiet, timeout: timeout)
    }
    throw wrongKind(.generator)
  }

  func wrongKind(_ wanted: PluginKind) -> EvalError {
    .badParameter(name: name, reason: "is a \(kind.rawValue) plugin, not a \(wanted.rawValue)")
  }

  // MARK: - Describing

  /// The plugin as `plugins --json` and `describe` give it.
  public var json: JSON {
    var pairs: [(String, JSON)] = [
      ("protocol", .int(1)), ("kind", .string(kind.rawValue)), ("name", .string(name)), ("summary", .string(summary)),
      ("options", .array(options.map(\.json))),
    ]
    if case .external(let path) = origin { pairs.append(("path", .string(path))) }
    return .object(pairs)
  }

  /// The options section of `--help` and `gan-eval plugins NAME`.
  public var optionsHelp: String {
    guard !options.isEmpty else { return "\(displayName) takes no options." }
    let width = min(28, (options.map { $0.name.count + $0.type.rawValue.count + 5 }.max() ?? 0))
    return "Options of \(displayName) (declared by the plugin):\n" + options.map { spec in
      let head = "  --\(spec.name) <\(spec.type == .choice ? "choice" : spec.type.rawValue)>"
      return head.padding(toLength: max(width + 2, head.count + 1), withPad: " ", startingAt: 0) + spec.helpLine
    }.joined(separator: "\n")
  }
}
