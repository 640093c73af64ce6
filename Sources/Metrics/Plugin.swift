import ImageIO
import Workers

/// What every plugin run gets: the seed, the thread count, whether to draw figures, and progress.
public struct EvaluationContext: Sendable {
  public var seed: UInt64
  public var threads: Int
  public var makeFigures: Bool
  public var quiet: Bool

  public init(seed: UInt64 = 0, threads: Int = defaultThreadCount, makeFigures: Bool = false, quiet: Bool = false) {
    self.seed = seed
    self.threads = threads
    self.makeFigures = makeFigures
    self.quiet = quiet
  }

  public func progress(_ label: String, total: Int) -> ProgressReporter {
    ProgressReporter(label, total: total, quiet: quiet)
  }
}

/// A metric plugin: takes one or more image sets and returns a report.
public protocol Metric: Sendable {
  static var name: String { get }
  static var summary: String { get }
  /// Builds the metric from named options (as the CLI and pipeline give them), rejecting bad ones.
  init(options: PluginOptions) throws
  /// The options in effect, for summary.json.
  var parameters: [(String, JSON)] { get }
  func evaluate(_ sets: [ImageSet], context: EvaluationContext) throws -> Report
}

/// A transform plugin: makes a new image set from one (the Gaussian post-filter is the first).
public protocol Transform: Sendable {
  static var name: String { get }
  static var summary: String { get }
  init(options: PluginOptions) throws
  var parameters: [(String, JSON)] { get }
  func apply(_ set: ImageSet, context: EvaluationContext) throws -> ImageSet
}

/// Named option values as text, with typed readers whose errors name the option.
public struct PluginOptions: Sendable {
  public private(set) var values: [String: String]
  private let plugin: String

  public init(_ values: [String: String] = [:], plugin: String) {
    self.values = values
    self.plugin = plugin
  }

  public func string(_ key: String, default fallback: String) -> String { values[key] ?? fallback }

  public func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
    guard let text = values[key] else { return fallback }
    guard let value = Int(text), range.contains(value) else {
      throw EvalError.badParameter(name: "--\(key)", reason: "'\(text)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
    }
    return value
  }

  public func double(_ key: String, default fallback: Double, where valid: (Double) -> Bool, expected: String) throws -> Double {
    guard let text = values[key] else { return fallback }
    guard let value = Double(text), value.isFinite, valid(value) else {
      throw EvalError.badParameter(name: "--\(key)", reason: "'\(text)' must be \(expected)")
    }
    return value
  }

  public func bool(_ key: String, default fallback: Bool) throws -> Bool {
    guard let text = values[key] else { return fallback }
    switch text.lowercased() {
    case "true", "yes", "1", "on": return true
    case "false", "no", "0", "off": return false
    default: throw EvalError.badParameter(name: "--\(key)", reason: "'\(text)' must be true or false")
    }
  }

  public func choice<T: RawRepresentable & CaseIterable>(_ key: String, default fallback: T) throws -> T where T.RawValue == String {
    guard let text = values[key] else { return fallback }
    guard let value = T(rawValue: text) else {
      throw EvalError.badParameter(
        name: "--\(key)", reason: "'\(text)' is not one of " + T.allCases.map(\.rawValue).joined(separator: ", "))
    }
    return value
  }

  /// Fails on options the plugin does not know, naming them (a typo should not pass silently).
  public func rejectUnknown(_ known: Set<String>) throws {
    if let extra = values.keys.sorted().first(where: { !known.contains($0) }) {
      throw EvalError.badParameter(
        name: extra, reason: "is not an option of \(plugin); known: " + known.sorted().joined(separator: ", "))
    }
  }
}

/// One registered plugin: its name, its one-line summary, and how to build it from options.
public struct PluginEntry<Plugin>: Sendable {
  public let kind: String
  public let name: String
  public let summary: String
  let make: @Sendable (PluginOptions) throws -> Plugin

  public func callAsFunction(options: [String: String]) throws -> Plugin {
    try make(PluginOptions(options, plugin: name))
  }
}

extension PluginEntry where Plugin == any Metric {
  public init<T: Metric>(_ type: T.Type) {
    (kind, name, summary) = ("metric", T.name, T.summary)
    make = { try T(options: $0) }
  }
}

extension PluginEntry where Plugin == any Transform {
  public init<T: Transform>(_ type: T.Type) {
    (kind, name, summary) = ("transform", T.name, T.summary)
    make = { try T(options: $0) }
  }
}

/// The plugins known by name. The CLI and the pipeline look plugins up here and nowhere else.
public enum Registry {
  public static let metrics: [PluginEntry<any Metric>] = [
    .init(HistogramMetric.self), .init(EntropyMetric.self), .init(TSNEMetric.self), .init(ClassifyMetric.self),
    .init(FeatureMetric.self),
  ]
  public static let transforms: [PluginEntry<any Transform>] = [.init(GaussianFilter.self)]

  public static func metric(_ name: String, options: [String: String] = [:]) throws -> any Metric {
    try lookUp(name, in: metrics)(options: options)
  }

  public static func transform(_ name: String, options: [String: String] = [:]) throws -> any Transform {
    try lookUp(name, in: transforms)(options: options)
  }

  static func lookUp<P>(_ name: String, in entries: [PluginEntry<P>]) throws -> PluginEntry<P> {
    guard let entry = entries.first(where: { $0.name == name }) else {
      let kind = entries.first?.kind ?? "plugin"
      throw EvalError.badParameter(
        name: kind, reason: "'\(name)' is not a known \(kind); known: " + entries.map(\.name).joined(separator: ", "))
    }
    return entry
  }
}
