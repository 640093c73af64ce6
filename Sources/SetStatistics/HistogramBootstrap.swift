import Foundation

/// Histogram distances between two sets, with percentile-bootstrap intervals over images.
/// Each image contributes its own count vector over the shared bins (e.g. its 256 pixel-level
/// counts), so a resample's histogram is Σ wᵢ·hᵢ and no image is re-read.
public struct HistogramDistanceEstimates: Sendable, Equatable {
  /// ½ Σ |p − q|, in [0, 1].
  public var totalVariation: Estimate
  /// Jensen–Shannon divergence in bits, in [0, 1] (scipy's `jensenshannon(p, q, base=2)` squared).
  public var jensenShannonBits: Estimate
  /// Wasserstein-1 with each bin's mass at its centre (scipy's `wasserstein_distance` on centres).
  public var wasserstein1: Estimate
}

/// Per-image count vectors of one set over `bins` bins, image after image (count × bins).
public struct PerImageHistograms: Sendable {
  public var bins: Int
  public var counts: [Int]
  public var images: Int { bins == 0 ? 0 : counts.count / bins }

  public init(bins: Int, counts: [Int]) {
    precondition(bins > 0 && counts.count % bins == 0, "per-image counts must be images × \(bins) bins")
    (self.bins, self.counts) = (bins, counts)
  }

  /// The normalised histogram of the set with image i counted w[i] times.
  func distribution(weights: [Int]) -> [Double] {
    var sum = [Double](repeating: 0, count: bins)
    for i in 0..<images where weights[i] > 0 {
      let w = Double(weights[i])
      for b in 0..<bins { sum[b] += w * Double(counts[i * bins + b]) }
    }
    let total = sum.reduce(0, +)
    return total > 0 ? sum.map { $0 / total } : sum
  }
}

/// TV, JS and W1 between the pooled histograms of two sets, each with its interval. `edges`
/// are the bins' edges (bins + 1 values, numpy's convention) for W1's bin centres.
public func histogramDistanceEstimates(
  _ a: PerImageHistograms, _ b: PerImageHistograms, edges: [Double], plan: BootstrapPlan, threads: Int
) -> HistogramDistanceEstimates {
  precondition(a.bins == b.bins && edges.count == a.bins + 1, "both sets need the same bins, with bins + 1 edges")
  let metrics = plan.intervals(setSizes: [a.images, b.images], threads: threads, bounds: [0...1, 0...1, 0...Double.infinity]) { counts in
    let p = a.distribution(weights: counts[0]), q = b.distribution(weights: counts[1])
    return [HistogramDistances.totalVariation(p, q), HistogramDistances.jensenShannonBits(p, q), HistogramDistances.wasserstein1(p, q, edges: edges)]
  }
  return HistogramDistanceEstimates(totalVariation: metrics[0], jensenShannonBits: metrics[1], wasserstein1: metrics[2])
}

/// The three distances between normalised histograms over the same bins.
public enum HistogramDistances {
  public static func totalVariation(_ p: [Double], _ q: [Double]) -> Double { 0.5 * zip(p, q).reduce(0) { $0 + abs($1.0 - $1.1) } }

  public static func jensenShannonBits(_ p: [Double], _ q: [Double]) -> Double {
    var sum = 0.0
    for (a, b) in zip(p, q) {
      let m = 0.5 * (a + b)
      if a > 0 { sum += 0.5 * a * log2(a / m) }
      if b > 0 { sum += 0.5 * b * log2(b / m) }
    }
    return max(0, sum)
  }

  /// Σ |CDFp − CDFq| · (distance between consecutive bin centres).
  public static func wasserstein1(_ p: [Double], _ q: [Double], edges: [Double]) -> Double {
    var cp = 0.0, cq = 0.0, sum = 0.0
    for i in 0..<(p.count - 1) {
      cp += p[i]
      cq += q[i]
      sum += abs(cp - cq) * 0.5 * (edges[i + 2] - edges[i])
    }
    return sum
  }
}

extension PerImageHistograms {
  /// The normalised histogram of the images in `indices` (a floor half, a subset).
  public func distribution(of indices: [Int]) -> [Double] {
    var weights = [Int](repeating: 0, count: images)
    for i in indices { weights[i] += 1 }
    return distribution(weights: weights)
  }
}

/// TV, JS and W1 between the two halves of a floor split of one set's per-image histograms:
/// what a perfect generator would score at that n.
public func histogramDistanceFloor(_ set: PerImageHistograms, split: FloorSplit, edges: [Double]) -> (totalVariation: Double, jensenShannonBits: Double, wasserstein1: Double) {
  let p = set.distribution(of: split.first), q = set.distribution(of: split.second)
  return (HistogramDistances.totalVariation(p, q), HistogramDistances.jensenShannonBits(p, q), HistogramDistances.wasserstein1(p, q, edges: edges))
}
