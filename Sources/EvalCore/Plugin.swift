import ImageIO

/// The four kinds of plugin. Each kind has one protocol below; a built-in plugin also conforms to
/// `PluginDeclaration`, an external one is described by its `describe` output (docs/plugins.md).
public enum PluginKind: String, Sendable, CaseIterable {
  case metric, transform, generator, features

  /// The protocol's verb for this kind (`run REQUEST.json` requests carry it).
  public var verb: String {
    switch self {
    case .metric: return "evaluate"
    case .transform: return "apply"
    case .generator: return "train"
    case .features: return "features"
    }
  }
}

/// What a plugin declares about itself, once: its name, one-line summary and options.
public protocol PluginDeclaration: Sendable {
  static var name: String { get }
  static var summary: String { get }
  static var options: [OptionSpec] { get }
  /// Builds the plugin from validated options (cross-option checks may still throw).
  init(options: OptionValues) throws
  /// Fixed facts of the method for summary.json beside the options (a kernel, a loss).
  var notes: [(String, JSON)] { get }
}

extension PluginDeclaration {
  public var notes: [(String, JSON)] { [] }
}

/// A metric: takes one or more image sets and returns a report (tables, figures, scalars, lines).
public protocol Metric: Sendable {
  func evaluate(_ sets: [ImageSet], context: RunContext) throws -> Report
}

/// A metric that needs only per-image values or sums of each set (entropy, histograms): it reads
/// every set a chunk at a time, so hosts stream sample directories through it in bounded memory.
/// Evaluating loaded sets is the same computation, each set one chunk.
public protocol StreamingMetric: Metric {
  /// The report, and what was read of each set (counts, labels, files skipped).
  func evaluate(streaming sets: [StreamedSet], context: RunContext) throws -> (report: Report, sets: [SetInfo])
}

extension StreamingMetric {
  public func evaluate(_ sets: [ImageSet], context: RunContext) throws -> Report {
    try evaluate(streaming: sets.map(StreamedSet.init), context: context).report
  }
}

/// A transform: makes a new image set from one (the Gaussian post-filter is the first).
public protocol Transform: Sendable {
  func apply(_ set: ImageSet, context: RunContext) throws -> ImageSet
}

/// A transform that maps each image on its own (same files, labels and order): applied to any
/// chunk of a set it gives those images of the whole result, so hosts stream a set through it
/// a chunk at a time instead of holding the set.
public protocol ImageByImageTransform: Transform {}

/// A feature extractor: maps a sample set to an N×D Float32 matrix, rows in the set's file order.
public protocol FeatureExtractor: Sendable {
  /// The features of `set`. A fitted extractor (PCA) fits on `reference` (the real set), or on
  /// `set` itself when there is none.
  func features(of set: ImageSet, reference: ImageSet?, context: RunContext) throws -> Features
  /// Everything the output depends on besides the sets and the options (a model file's hash):
  /// part of the feature-cache key.
  func identity() throws -> String
}

extension FeatureExtractor {
  public func identity() throws -> String { "" }
}

/// A generator: trains on a real set and leaves a run directory whose model samples new sets.
public protocol Generator: Sendable {
  func train(on real: ImageSet, context: RunContext) throws -> TrainingOutcome
}

/// A built-in generator also knows how to load the model its runs leave behind.
public protocol GeneratorLoading {
  static func loadModel(run directory: String) throws -> any GeneratorModel
}

/// A trained generator, loaded from a run directory.
public protocol GeneratorModel {
  var classes: [String] { get }
  var isConditional: Bool { get }
  /// `count` images; `labels` (class indices, one per image) for a conditional model.
  func sample(count: Int, labels: [Int]?, seed: UInt64, threads: Int) throws -> ImageSet
}

/// What a training run ended with.
public struct TrainingOutcome: Sendable {
  public var epochsDone: Int
  public var stepsDone: Int
  public var interrupted: Bool
  public var seconds: Double
  public var imagesPerSecond: Double
  public var files: [String]
  public var lines: [String]
  public var scalars: [(String, JSON)]

  public init(
    epochsDone: Int, stepsDone: Int, interrupted: Bool, seconds: Double, imagesPerSecond: Double, files: [String], lines: [String],
    scalars: [(String, JSON)]
  ) {
    (self.epochsDone, self.stepsDone, self.interrupted, self.seconds) = (epochsDone, stepsDone, interrupted, seconds)
    (self.imagesPerSecond, self.files, self.lines, self.scalars) = (imagesPerSecond, files, lines, scalars)
  }
}

extension PluginDeclaration {
  /// Builds the plugin from options given as text, validated against its declarations.
  public static func make(_ options: [String: String] = [:]) throws -> Self {
    try Self(options: OptionValues(options, specs: Self.options, plugin: Self.name))
  }
}
