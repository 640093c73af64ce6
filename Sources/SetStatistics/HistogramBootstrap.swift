import CBLAS
import Foundation

/// Histogram distances between two sets, with percentile-bootstrap intervals over images.
/// Each image contributes its own count vector over the shared bins (e.g. its 256 pixel-level
/// counts), so a resample's histogram is Σ wᵢ·hᵢ, accumulated while the set streams past.
public struct HistogramDistanceEstimates: Sendable, Equatable {
  /// ½ Σ |p − q|, in [0, 1].
  public var totalVariation: Estimate
  /// Jensen–Shannon divergence in bits, in [0, 1] (scipy's `jensenshannon(p, q, base=2)` squared).
  public var jensenShannonBits: Estimate
  /// Wasserstein-1 with each bin's mass at its centre (scipy's `wasserstein_distance` on centres).
  public var wasserstein1: Estimate

  public init(totalVariation: Estimate, jensenShannonBits: Estimate, wasserstein1: Estimate) {
    (self.totalVariation, self.jensenShannonBits, self.wasserstein1) = (totalVariation, jensenShannonBits, wasserstein1)
  }
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
}

extension BootstrapPlan {
  /// P(X ≤ k) for X ~ Poisson(1), k = 0, 1, …, until it rounds to 1.
  static let poissonOneCDF: [Double] = {
    var cdf: [Double] = [], term = exp(-1.0), sum = 0.0, k = 0.0
    while sum < 1 - 1e-17 && cdf.count < 30 {
      sum += term
      cdf.append(sum)
      k += 1
      term /= k
    }
    return cdf
  }()

  /// The weights of image `position` (its place in the set's listing) of set `set` in every
  /// replicate of a Poisson bootstrap: replicate b counts it w_b ~ Poisson(1) times, drawn from
  /// a hash of (seed, set, position, b). A set streamed in chunks gets the same weights whatever
  /// the chunk size, the order of chunks or the thread count. (The multinomial bootstrap of
  /// `intervals` needs the whole set at once; for large n both resample alike.)
  public func poissonWeights(set: Int, position: Int, into weights: UnsafeMutableBufferPointer<Double>) {
    precondition(weights.count == replicates, "one weight per replicate")
    let cdf = Self.poissonOneCDF
    let base = mixBits(streamSeed(replicate: -1, set: set) ^ (UInt64(truncatingIfNeeded: position) &* 0xA24B_AED4_963E_E407))
    for b in 0..<replicates {
      let u = Double(mixBits(base &+ UInt64(truncatingIfNeeded: b) &* 0x9E37_79B9_7F4A_7C15) >> 11) / Double(1 << 53)
      var k = 0
      while k < cdf.count - 1 && u >= cdf[k] { k += 1 }
      weights[b] = Double(k)
    }
  }
}

/// SplitMix64's output function: a bijective mix of 64 bits.
@inline(__always) func mixBits(_ x: UInt64) -> UInt64 {
  var z = x &+ 0x9E37_79B9_7F4A_7C15
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

/// One set's histogram counts in every replicate of a Poisson bootstrap, accumulated as the set
/// streams past: replicate b's counts are Σᵢ w_b(i)·hᵢ over the images i read so far (hᵢ the
/// image's own counts). The sums are whole numbers below 2⁵³, so the Float64 matrix product
/// that adds a chunk is exact and the result does not depend on how the set was chunked.
public struct ReplicateHistograms: Sendable {
  public let bins: Int
  public let plan: BootstrapPlan
  /// Which set this is (0 = real, 1 = generated, …): sets draw independent weights.
  public let set: Int
  /// replicates × bins counts, replicate after replicate.
  public private(set) var counts: [Double]

  public init(bins: Int, plan: BootstrapPlan, set: Int) {
    (self.bins, self.plan, self.set) = (bins, plan, set)
    counts = [Double](repeating: 0, count: plan.replicates * bins)
  }

  /// Adds images given by their own counts (`perImage`, images × bins) at listing `positions`.
  public mutating func add(_ perImage: PerImageHistograms, positions: [Int]) {
    precondition(perImage.bins == bins && positions.count == perImage.images, "one position per image, over the same bins")
    let rows = perImage.images, b = plan.replicates
    guard rows > 0 && b > 0 else { return }
    var weights = [Double](repeating: 0, count: b * rows)  // replicates × images
    var column = [Double](repeating: 0, count: b)
    for (i, position) in positions.enumerated() {
      column.withUnsafeMutableBufferPointer { plan.poissonWeights(set: set, position: position, into: $0) }
      for r in 0..<b { weights[r * rows + i] = column[r] }
    }
    let images = perImage.counts.map(Double.init)
    counts.withUnsafeMutableBufferPointer { out in
      cblas_dgemm(
        CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(b), Int32(bins), Int32(rows), 1, weights, Int32(rows), images, Int32(bins), 1,
        out.baseAddress, Int32(bins))
    }
  }

  /// Replicate `replicate`'s normalised histogram.
  public func distribution(_ replicate: Int) -> [Double] {
    let row = counts[(replicate * bins)..<((replicate + 1) * bins)]
    let total = row.reduce(0, +)
    return total > 0 ? row.map { $0 / total } : Array(row)
  }
}

/// TV, JS and W1 between two sets' pooled histograms `p` and `q` (normalised), each with its
/// percentile interval from the sets' replicate histograms (independent Poisson bootstraps of
/// the same number of replicates). `edges` are the bins' edges (bins + 1, numpy's convention).
public func histogramDistanceEstimates(
  _ p: [Double], _ q: [Double], replicates a: ReplicateHistograms, _ b: ReplicateHistograms, edges: [Double]
) -> HistogramDistanceEstimates {
  precondition(a.bins == b.bins && p.count == a.bins && q.count == a.bins && edges.count == a.bins + 1, "both sets need the same bins, with bins + 1 edges")
  precondition(a.plan.replicates == b.plan.replicates, "both sets need the same number of replicates")
  let full = [HistogramDistances.totalVariation(p, q), HistogramDistances.jensenShannonBits(p, q), HistogramDistances.wasserstein1(p, q, edges: edges)]
  guard a.plan.isEnabled else {
    return HistogramDistanceEstimates(totalVariation: .bare(full[0]), jensenShannonBits: .bare(full[1]), wasserstein1: .bare(full[2]))
  }
  var values: [[Double]] = [[], [], []]
  for r in 0..<a.plan.replicates {
    let pr = a.distribution(r), qr = b.distribution(r)
    values[0].append(HistogramDistances.totalVariation(pr, qr))
    values[1].append(HistogramDistances.jensenShannonBits(pr, qr))
    values[2].append(HistogramDistances.wasserstein1(pr, qr, edges: edges))
  }
  let bounds: [ClosedRange<Double>] = [0...1, 0...1, 0...Double.infinity]
  let estimates = (0..<3).map { m in
    var e = percentileInterval(value: full[m], replicates: values[m], confidence: a.plan.confidence, bounds: bounds[m])
    e.method = .poissonBootstrapPercentile
    return e
  }
  return HistogramDistanceEstimates(totalVariation: estimates[0], jensenShannonBits: estimates[1], wasserstein1: estimates[2])
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

/// TV, JS and W1 between the pooled counts of the two halves of a floor split of one set:
/// what a perfect generator would score at that n.
public func histogramDistanceFloor(_ first: [Double], _ second: [Double], edges: [Double]) -> (totalVariation: Double, jensenShannonBits: Double, wasserstein1: Double) {
  let normalised = { (c: [Double]) -> [Double] in
    let total = c.reduce(0, +)
    return total > 0 ? c.map { $0 / total } : c
  }
  let p = normalised(first), q = normalised(second)
  return (HistogramDistances.totalVariation(p, q), HistogramDistances.jensenShannonBits(p, q), HistogramDistances.wasserstein1(p, q, edges: edges))
}
