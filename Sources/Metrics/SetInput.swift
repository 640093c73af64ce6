import EvalCore
import ImageIO
import SetStatistics

/// A set as a metric receives it: its images (a sample directory), or its mergeable statistics
/// (a `.gestats` file from `gan-eval stats` or `gan-eval merge`), e.g. a reference set of
/// millions of images computed once on a cluster.
public enum SetInput: Sendable {
  case images(ImageSet)
  case stats(StatsInput)

  public var name: String {
    switch self {
    case .images(let set): return set.name
    case .stats(let input): return input.name
    }
  }

  /// Images in the set (all of them for a stats file, not only the stored subsample).
  public var count: Int {
    switch self {
    case .images(let set): return set.count
    case .stats(let input): return input.stats.identity.fileCount
    }
  }
}

/// A stats file standing for a set.
public struct StatsInput: Sendable {
  public var name: String
  public var path: String
  public var stats: SetStats

  public init(name: String, path: String, stats: SetStats) { (self.name, self.path, self.stats) = (name, path, stats) }

  /// The stored space named `name`, or an error saying how to write a file that has it.
  public func space(_ name: String) throws -> SpaceStats {
    guard let space = stats.spaces.first(where: { $0.name == name }) else {
      let have = stats.spaces.map(\.name)
      throw EvalError.badParameter(
        name: path,
        reason: "holds no '\(name)' feature space (it holds: \(have.isEmpty ? "none" : have.joined(separator: ", "))); rerun `gan-eval stats` with --features \(name)... or compare in the spaces it holds (--features)")
    }
    return space
  }
}

/// A metric that can read some of its sets from stats files. What it computes exactly from the
/// stored statistics, what from the stored subsample, and what it skips, it says in the report.
public protocol StatsReadingMetric: Metric {
  /// The feature spaces the metric compares in: the host checks that a stats file holds each
  /// of them from the same extractor (e.g. the same classifier file) before `evaluate`.
  var featureRequests: [FeatureRequest] { get }
  func evaluate(_ inputs: [SetInput], context: RunContext) throws -> Report
}
