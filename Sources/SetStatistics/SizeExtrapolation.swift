import FeatureSpace
import Foundation
import Workers

/// A metric extrapolated to an infinite generated set (Chong & Forsyth 2020, "Effectively
/// unbiased FID and Inception score and where to find them"): the metric is evaluated with n
/// generated images for several n (the real side stays whole), a line value = a + b/n is fitted
/// by ordinary least squares, and the intercept a is the value at n = ∞. Its interval is the
/// OLS t interval of the intercept (m − 2 degrees of freedom for m sizes).
public struct SizeExtrapolation: Sendable, Equatable {
  public var sizes: [Int]
  public var values: [Double]
  /// The intercept (value at n = ∞) with its interval.
  public var intercept: Estimate
  /// The slope b of value against 1/n.
  public var slope: Double

  /// Fits value = a + b/n by least squares.
  public init(sizes: [Int], values: [Double], confidence: Double = 0.95) {
    precondition(sizes.count == values.count && sizes.count >= 2, "the fit needs at least two sizes, one value each")
    (self.sizes, self.values) = (sizes, values)
    let x = sizes.map { 1 / Double($0) }, m = Double(sizes.count)
    let mx = x.reduce(0, +) / m, my = values.reduce(0, +) / m
    var sxx = 0.0, sxy = 0.0
    for (xi, yi) in zip(x, values) { sxx += (xi - mx) * (xi - mx); sxy += (xi - mx) * (yi - my) }
    let b = sxx > 0 ? sxy / sxx : 0
    slope = b
    let a = my - b * mx
    guard sizes.count > 2, sxx > 0 else { intercept = .bare(a); return }
    let residual = zip(x, values).reduce(0) { $0 + pow($1.1 - a - b * $1.0, 2) }
    let sigma2 = residual / (m - 2)
    let standardError = (sigma2 * (1 / m + mx * mx / sxx)).squareRoot()
    let half = studentTQuantile((1 + confidence) / 2, degreesOfFreedom: m - 2) * standardError
    intercept = Estimate(value: a, low: a - half, high: a + half, confidence: confidence, method: .interceptT)
  }

  /// `count` sizes evenly spaced from `smallest` to `largest` (rounded), the default grid: 15
  /// sizes from a fifth of the generated set (at least d + 2 for FD) to all of it.
  public static func sizes(smallest: Int, largest: Int, count: Int = 15) -> [Int] {
    precondition(smallest >= 2 && largest >= smallest && count >= 2, "sizes need 2 ≤ smallest ≤ largest and at least two of them")
    return (0..<count).map { i in Int((Double(smallest) + Double(largest - smallest) * Double(i) / Double(count - 1)).rounded()) }
  }

  /// Seeded 0/1 weights choosing `size` of `total` generated images (partial Fisher–Yates).
  static func subsetWeights(size: Int, total: Int, seed: UInt64, index: Int) -> [Int] {
    var random = SplitMix64(seed: seed ^ (UInt64(index + 1) &* 0xA24B_AED4_963E_E407))
    var pool = Array(0..<total)
    for i in 0..<size { pool.swapAt(i, i + Int(random.next().multipliedFullWidth(by: UInt64(total - i)).high)) }
    var weights = [Int](repeating: 0, count: total)
    for i in pool[..<size] { weights[i] = 1 }
    return weights
  }
}

/// FD∞: FD against the whole real set with seeded random subsets of n generated images for each
/// n in `sizes` (default: 15 sizes from max(n/5, d + 2) to n), extrapolated to n = ∞.
public func frechetDistanceInfinity(real: FeatureMatrix, fake: FeatureMatrix, sizes: [Int]? = nil, seed: UInt64, threads: Int, confidence: Double = 0.95) -> SizeExtrapolation {
  let sizes = sizes ?? SizeExtrapolation.sizes(smallest: min(fake.rows, max(fake.rows / 5, fake.columns + 2)), largest: fake.rows)
  let a = WeightedMoments(real), b = WeightedMoments(fake)
  let realStats = a.gaussian(weights: [Int](repeating: 1, count: real.rows))
  var values = [Double](repeating: 0, count: sizes.count)
  values.withUnsafeMutableBufferPointer { buffer in
    let out = SharedBuffer(buffer.baseAddress!)
    try? parallelFor(sizes.count, threads: threads) { s in
      out[s] = frechetDistance(realStats, b.gaussian(weights: SizeExtrapolation.subsetWeights(size: sizes[s], total: fake.rows, seed: seed, index: s)))
    }
  }
  return SizeExtrapolation(sizes: sizes, values: values, confidence: confidence)
}

/// KID∞: the unbiased MMD² against the whole real set with seeded random subsets of n generated
/// images for each n in `sizes` (default: 15 sizes from n/5 to n), extrapolated to n = ∞.
/// (KID is unbiased, so the slope should be near 0; the fit shows whether it is.)
public func kernelDistanceInfinity(real: FeatureMatrix, fake: FeatureMatrix, sizes: [Int]? = nil, seed: UInt64, threads: Int, confidence: Double = 0.95) -> SizeExtrapolation {
  let sizes = sizes ?? SizeExtrapolation.sizes(smallest: max(2, fake.rows / 5), largest: fake.rows)
  let fakeWeights = sizes.enumerated().map { SizeExtrapolation.subsetWeights(size: $0.element, total: fake.rows, seed: seed, index: $0.offset) }
  let realWeights = [[Int]](repeating: [Int](repeating: 1, count: real.rows), count: sizes.count)
  let values = WeightedKernel.mmdSquared(real, fake, xWeights: realWeights, yWeights: fakeWeights, threads: threads)
  return SizeExtrapolation(sizes: sizes, values: values, confidence: confidence)
}
