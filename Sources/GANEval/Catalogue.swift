import EvalCore
import FeatureExtractors
import Foundation
import Generators
import ImageIO
import Metrics

/// The one list of plugins: the built-ins below, then external `gan-eval-<name>` executables
/// found on `GAN_EVAL_PLUGIN_PATH` and `PATH`. The CLI, pipelines, `plugins` and the report all
/// look plugins up here and nowhere else. A new built-in: one file, one line in `builtins`.
public enum Catalogue {
  public static let builtins: [PluginEntry] = [
    .metric(HistogramMetric.self),
    .metric(EntropyMetric.self),
    .metric(SharpnessMetric.self),
    .metric(TSNEMetric.self),
    .metric(ClassifyMetric.self),
    .metric(FeatureMetric.self),
    .transform(GaussianFilter.self),
    .generator(GAN.self),
    .generator(PCAGaussian.self),
    .generator(Memorizer.self),
    .features(ClassifierFeatures.self),
    .features(PixelFeatures.self),
    .features(PCAFeatures.self),
  ]

  /// Options every command has, which no plugin option may shadow.
  public static let reservedNames: Set<String> = [
    "out", "svg", "seed", "threads", "quiet", "json", "name", "skip-bad", "resize", "help", "plugin-timeout", "overwrite", "color",
  ]

  /// The plugin of this kind and name: a built-in, else an external executable (by name on the
  /// plugin path, or by path when `name` contains a `/`).
  public static func find(_ name: String, kind: PluginKind) throws -> PluginEntry {
    if name.contains("/") {
      let entry = try ExternalPlugin.describe(executable: name)
      guard entry.kind == kind else {
        throw EvalError.badParameter(name: name, reason: "is a \(entry.kind.rawValue) plugin, but a \(kind.rawValue) is needed here")
      }
      return entry
    }
    if let entry = builtins.first(where: { $0.kind == kind && $0.name == name }) { return entry }
    if let path = ExternalPlugin.executable(named: name) {
      let entry = try ExternalPlugin.describe(executable: path)
      guard entry.kind == kind else {
        throw EvalError.badParameter(name: path, reason: "is a \(entry.kind.rawValue) plugin, but a \(kind.rawValue) is needed here")
      }
      return entry
    }
    let known = builtins.filter { $0.kind == kind }.map(\.name) + ExternalPlugin.discover().compactMap { try? $0.get() }.filter { $0.kind == kind }.map(\.name)
    throw EvalError.badParameter(
      name: kind.rawValue,
      reason: "'\(name)' is not a known \(kind.rawValue) plugin; known: \(known.joined(separator: ", ")). External plugins are executables named gan-eval-\(name) on GAN_EVAL_PLUGIN_PATH or PATH (see docs/plugins.md)")
  }

  /// Every plugin: built-ins, then each external one (or why it could not be described).
  public static func all() -> (entries: [PluginEntry], broken: [(path: String, reason: String)]) {
    var entries = builtins
    var broken: [(String, String)] = []
    for (path, result) in zip(ExternalPlugin.executables(), ExternalPlugin.discover()) {
      switch result {
      case .success(let entry):
        if entries.contains(where: { $0.kind == entry.kind && $0.name == entry.name }) {
          broken.append((path, "shadowed by an earlier \(entry.kind.rawValue) named \(entry.name)"))
        } else {
          entries.append(entry)
        }
      case .failure(let error): broken.append((path, String(describing: error)))
      }
    }
    return (entries, broken)
  }

  /// The feature source metrics use: looks the extractor up, validates its options, and caches
  /// reference-set features by content hash of the set and of the extractor.
  public static let featureSource: FeatureSource = { request, set, reference, context in
    let entry = try find(request.name, kind: .features)
    let values = try entry.values(request.options)
    let extractor = try entry.makeFeatures(values)
    let compute = { () throws -> Features in
      let features = try extractor.features(of: set, reference: reference, context: context)
      guard features.rows == set.count else {
        throw EvalError.badParameter(name: request.name, reason: "returned \(features.rows) feature rows for \(set.count) images of \(set.name)")
      }
      return features
    }
    // only the reference set's features are cached: a fitted extractor's others depend on it
    let isReference = reference.map { $0.source == set.source && $0.count == set.count } ?? true
    guard isReference, entry.name != PixelFeatures.name else { return try compute() }
    let identity = "\(entry.name) \(values.json.render()) \(try extractor.identity())"
    return try FeatureCache(directory: context.featureCacheDirectory).features(of: set, extractor: identity, compute: compute)
  }
}
