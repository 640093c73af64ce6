import ImageIO
import Metrics
import Workers

/// How a generator's training run is driven: seed, threads, where its files go, progress.
public struct TrainingContext: Sendable {
  public var seed: UInt64 = 0
  public var threads = defaultThreadCount
  public var quiet = false
  public var makeFigures = true
  /// The run directory: checkpoints, losses, sample grids and the final model.
  public var directory: String
  /// Continue from the last checkpoint in `directory` instead of starting afresh.
  public var resume = false
  /// Polled between steps; when it returns true the run saves a checkpoint and stops.
  public var shouldStop: @Sendable () -> Bool = { false }

  public init(directory: String) { self.directory = directory }
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
}

/// A generator plugin: trains on a real set and leaves a model that samples new sets.
public protocol Generator: Sendable {
  static var name: String { get }
  static var summary: String { get }
  init(options: PluginOptions) throws
  var parameters: [(String, JSON)] { get }
  func train(on real: ImageSet, context: TrainingContext) throws -> TrainingOutcome
}

/// A trained generator, loaded from a run directory.
public protocol GeneratorModel {
  var classes: [String] { get }
  var isConditional: Bool { get }
  /// `count` images; `labels` (class indices, one per image) for a conditional model.
  func sample(count: Int, labels: [Int]?, seed: UInt64, threads: Int) throws -> ImageSet
}

/// The generator plugins known by name.
public enum GeneratorRegistry {
  public static let entries: [(name: String, summary: String, make: @Sendable (PluginOptions) throws -> any Generator)] = [
    (GAN.name, GAN.summary, { try GAN(options: $0) })
  ]

  public static func generator(_ name: String, options: [String: String]) throws -> any Generator {
    guard let entry = entries.first(where: { $0.name == name }) else {
      throw EvalError.badParameter(name: "generator", reason: "'\(name)' is not a known generator; known: " + entries.map(\.name).joined(separator: ", "))
    }
    return try entry.make(PluginOptions(options, plugin: name))
  }

  /// Loads the model a run directory holds (today: GAN runs).
  public static func model(_ directory: String) throws -> any GeneratorModel { try GANModel.load(directory) }
}
