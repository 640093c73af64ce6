import CGSL
import EvalCore

/// Five-number-style summary of a sample, computed with GSL.
public struct SampleSummary: Sendable {
  public var n: Int
  public var mean: Double
  /// Standard deviation with the n−1 denominator (0 when n < 2).
  public var std: Double
  public var min: Double
  public var median: Double
  public var max: Double

  public init(_ values: [Double]) {
    var sorted = values
    self.init(sorting: &sorted)
  }

  /// The summary of `values`, which it leaves sorted (no copy: for sets of millions of values).
  public init(sorting sorted: inout [Double]) {
    n = sorted.count
    guard !sorted.isEmpty else {
      (mean, std, min, median, max) = (.nan, .nan, .nan, .nan, .nan)
      return
    }
    sorted.withUnsafeMutableBufferPointer { gsl_sort($0.baseAddress, 1, $0.count) }
    (mean, std, median) = sorted.withUnsafeBufferPointer { p in
      (
        gsl_stats_mean(p.baseAddress, 1, p.count),
        p.count > 1 ? gsl_stats_sd(p.baseAddress, 1, p.count) : 0,
        gsl_stats_median_from_sorted_data(p.baseAddress, 1, p.count)
      )
    }
    min = sorted.first!
    max = sorted.last!
  }

  public var json: JSON {
    .object([
      ("n", .int(n)), ("mean", .number(mean)), ("std", .number(std)), ("min", .number(min)),
      ("median", .number(median)), ("max", .number(max)),
    ])
  }
}
