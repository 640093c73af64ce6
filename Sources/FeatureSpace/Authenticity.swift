import Foundation

/// Authenticity (Alaa et al. 2022, "How faithful is your synthetic data?", AuthPct): a generated
/// sample g is authentic when it is farther from its nearest real image x* than x* is from its
/// own nearest other real image: d(g, x*) > d(x*, NN_real(x*)) (strict, so an exact copy of a
/// real image that has an exact real twin still counts as a copy). The score is the share of
/// authentic generated samples; 1 means no sample sits suspiciously close to a real one.
///
/// This follows the paper, per generated sample. The authors' code (and synthcity) compare per
/// *real* point and index real-to-real distances by synthetic indices, mixing index spaces; we
/// do not reproduce that.
public struct Authenticity: Sendable {
  /// Share of authentic generated samples, in [0, 1].
  public var value: Double
  /// Per generated sample: authentic or not.
  public var authentic: [Bool]
  /// Per generated sample: its nearest real row (lowest index on ties) and the distance to it.
  public var nearestReal: [Int]
  public var distanceToNearestReal: [Double]

  public init(real: FeatureMatrix, fake: FeatureMatrix, threads: Int) {
    precondition(real.rows >= 2, "authenticity needs at least 2 real samples")
    let realGap = kNearestDistances(real, in: real, k: 2, threads: threads, selfMatch: true).map { $0[1] }
    let nearest = nearestNeighbours(fake, in: real, threads: threads)
    nearestReal = nearest.map(\.index)
    distanceToNearestReal = nearest.map(\.distance)
    authentic = nearest.map { $0.distance > realGap[$0.index] }
    value = fake.rows == 0 ? .nan : Double(authentic.filter { $0 }.count) / Double(fake.rows)
  }
}
