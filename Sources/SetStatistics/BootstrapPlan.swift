import Foundation
import Workers

/// A seeded bootstrap over images: replicate b resamples each set independently, drawing as many
/// images as the set holds, uniformly with replacement. A replicate is represented by each
/// image's multiplicity (how many times it was drawn), so metrics reuse features, distances and
/// neighbour lists instead of copying rows.
///
/// The multiplicities of (replicate b, set s) come from their own SplitMix64 stream seeded by
/// (seed, b, s), so they do not depend on the thread count, the order replicates run in, or
/// which metrics are bootstrapped: every metric of one run sees the same resamples.
public struct BootstrapPlan: Sendable, Equatable {
  /// B, the number of replicates (the documented default is 200; 0 turns the bootstrap off).
  public var replicates: Int
  public var seed: UInt64
  /// Two-sided coverage of the interval, 0.95 by default.
  public var confidence: Double

  public static let defaultReplicates = 200

  public init(replicates: Int = BootstrapPlan.defaultReplicates, seed: UInt64, confidence: Double = 0.95) {
    precondition(replicates >= 0, "--bootstrap must be 0 (off) or a positive number of replicates")
    precondition(confidence > 0 && confidence < 1, "the confidence level must lie strictly between 0 and 1")
    (self.replicates, self.seed, self.confidence) = (replicates, seed, confidence)
  }

  public var isEnabled: Bool { replicates > 0 }

  /// How many times each of the `size` images of set `set` (0 = real, 1 = generated, …) is
  /// drawn in replicate `replicate`; the counts sum to `size`.
  public func multiplicities(replicate: Int, set: Int, size: Int) -> [Int] {
    var counts = [Int](repeating: 0, count: size)
    guard size > 0 else { return counts }
    var random = SplitMix64(seed: streamSeed(replicate: replicate, set: set))
    for _ in 0..<size {
      let draw = Int(random.next().multipliedFullWidth(by: UInt64(size)).high)  // uniform in 0..<size
      counts[draw] += 1
    }
    return counts
  }

  func streamSeed(replicate: Int, set: Int) -> UInt64 {
    var mix = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: replicate) &* 0x9E37_79B9_7F4A_7C15))
    var value = mix.next()
    value ^= UInt64(truncatingIfNeeded: set) &* 0xD6E8_FEB8_6659_FD93
    mix = SplitMix64(seed: value)
    return mix.next()
  }

  /// The percentile interval of any statistic of the sets: `statistic` gets one multiplicity
  /// vector per set (all ones gives the full-set value) and must depend on nothing else.
  /// Replicates run on `threads` workers; the interval is the same for any thread count.
  public func interval(
    setSizes: [Int], threads: Int, bounds: ClosedRange<Double>? = nil, _ statistic: @Sendable ([[Int]]) -> Double
  ) -> Estimate {
    intervals(setSizes: setSizes, threads: threads, bounds: [bounds]) { [statistic($0)] }[0]
  }

  /// Like `interval` for a statistic with several values (e.g. TV, JS and W1 of one resample),
  /// each with its own percentile interval; every call must return the same number of values.
  /// `bounds[m]` (if given) clamps value m's interval, e.g. 0...1 for a share.
  public func intervals(
    setSizes: [Int], threads: Int, bounds: [ClosedRange<Double>?] = [], _ statistic: @Sendable ([[Int]]) -> [Double]
  ) -> [Estimate] {
    let full = statistic(setSizes.map { [Int](repeating: 1, count: $0) })
    guard isEnabled else { return full.map { .bare($0) } }
    var values = [[Double]](repeating: [], count: replicates)
    values.withUnsafeMutableBufferPointer { buffer in
      let out = SharedBuffer(buffer.baseAddress!)
      try? parallelFor(replicates, threads: threads) { b in
        out[b] = statistic(setSizes.enumerated().map { multiplicities(replicate: b, set: $0.offset, size: $0.element) })
      }
    }
    return full.indices.map { m in
      percentileInterval(value: full[m], replicates: values.map { $0[m] }, confidence: confidence, bounds: m < bounds.count ? bounds[m] : nil)
    }
  }
}
