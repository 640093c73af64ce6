import Foundation

/// A small seeded generator (SplitMix64) so runs do not depend on the platform's RNG.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  @usableFromInline var state: UInt64
  public init(seed: UInt64) { state = seed }
  @inlinable
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// Moves the generator `draws` outputs ahead in O(1), as `draws` calls to `next()` would
  /// (the state advances by a fixed increment per draw), so parallel parts can each start at
  /// their own place in one stream.
  @inlinable
  public mutating func skip(_ draws: UInt64) { state &+= draws &* 0x9E37_79B9_7F4A_7C15 }
  /// A standard normal draw (Box–Muller).
  public mutating func nextGaussian() -> Double {
    let u1 = Double(next() >> 11) / Double(1 << 53) + 1e-300
    let u2 = Double(next() >> 11) / Double(1 << 53)
    return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
  }
}
