import Foundation
import Workers

/// What every run of a plugin or command gets: one value for the CLI, pipelines and tests.
public struct RunContext: Sendable {
  /// Where the command writes: a metric's output directory, a generator's run directory.
  public var outputDirectory: String
  public var seed: UInt64 = 0
  public var threads = defaultThreadCount
  public var quiet = false
  /// Whether to draw SVG figures.
  public var makeFigures = false
  /// Generators: continue from the checkpoint in `outputDirectory`.
  public var resume = false
  /// Polled between steps of long work; when true, stop cleanly (Ctrl-C).
  public var shouldStop: @Sendable () -> Bool = { false }
  /// How the sets are loaded: display names (one per set), skipping bad files, resizing.
  public var setNames: [String] = []
  public var skipBad = false
  public var resize = false
  /// Which channels sets keep: auto (RGB files stay RGB, gray stay gray), rgb, or luma.
  public var color = ColorMode.auto
  /// Features by name, for metrics that work in a feature space; set by the catalogue.
  public var featureSource: FeatureSource?
  /// Where reference-set features are cached (`nil`: no cache).
  public var featureCacheDirectory: String? = FeatureCacheLocation.defaultDirectory
  /// Seconds an external plugin may run before it is stopped.
  public var pluginTimeout: Double = 3600
  /// Generators that train in epochs call this after each one with the epoch (1-based), whether
  /// it is the last, and the model as it stands (`train --evaluate-every` measures it).
  public var epochEnded: (@Sendable (_ epoch: Int, _ last: Bool, _ model: any GeneratorModel) throws -> Void)?

  public init(outputDirectory: String = ".", seed: UInt64 = 0, threads: Int = defaultThreadCount, quiet: Bool = false, makeFigures: Bool = false) {
    (self.outputDirectory, self.seed, self.threads, self.quiet, self.makeFigures) = (outputDirectory, seed, threads, quiet, makeFigures)
  }

  public func progress(_ label: String, total: Int) -> ProgressReporter {
    ProgressReporter(label, total: total, quiet: quiet)
  }

  /// The features of `set` in the named space (the first set of a comparison is the reference).
  public func features(_ request: FeatureRequest, of set: ImageSet, reference: ImageSet?) throws -> Features {
    guard let featureSource else {
      throw EvalError.badParameter(name: "--features", reason: "no feature plugins are available in this context (run through gan-eval's catalogue)")
    }
    return try featureSource(request, set, reference, self)
  }
}

/// The default feature cache: `$XDG_CACHE_HOME/gan-eval`, else `~/.cache/gan-eval`.
public enum FeatureCacheLocation {
  public static var defaultDirectory: String {
    let environment = ProcessInfo.processInfo.environment
    if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/gan-eval" }
    return (environment["HOME"] ?? ".") + "/.cache/gan-eval"
  }
}
