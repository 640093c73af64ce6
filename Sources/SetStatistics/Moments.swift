import CBLAS
import FeatureSpace
import Foundation
import LinearAlgebra

/// Mergeable first and second moments of a feature set: the count n, the Float64 mean μ and the
/// Float64 co-moment matrix M2 = Σ (x − μ)(x − μ)ᵀ (full symmetric d × d, row-major).
///
/// Chunks are folded in and parts are merged with Chan, Golub & LeVeque's pairwise update
///   n = nₐ + n_b,  δ = μ_b − μₐ,  μ = μₐ + δ·n_b/n,  M2 = M2ₐ + M2_b + δδᵀ·nₐn_b/n,
/// and a chunk's own M2 is computed around the chunk's mean, so no step forms Σxxᵀ − nμμᵀ (which
/// cancels catastrophically when the mean is large against the spread). Merging is exact in the
/// count and agrees with one pass over all rows to rounding (about 1e-15 relative).
public struct FeatureMoments: Sendable, Equatable {
  public private(set) var count: Int
  public let dimension: Int
  public private(set) var mean: [Double]
  public private(set) var comoment: [Double]

  /// No rows yet.
  public init(dimension: Int) {
    precondition(dimension > 0, "moments need a feature dimension of at least 1")
    (count, self.dimension) = (0, dimension)
    mean = [Double](repeating: 0, count: dimension)
    comoment = [Double](repeating: 0, count: dimension * dimension)
  }

  /// Stored moments, e.g. read back from a stats file. `comoment` must be full symmetric d × d.
  public init(count: Int, mean: [Double], comoment: [Double]) {
    precondition(count >= 0 && comoment.count == mean.count * mean.count, "moments: comoment must be d × d for a mean of length d")
    (self.count, dimension, self.mean, self.comoment) = (count, mean.count, mean, comoment)
  }

  /// The moments of every row of `features`.
  public init(_ features: FeatureMatrix) {
    self.init(dimension: features.columns)
    add(features)
  }

  /// Folds in a chunk of rows (row-major, `dimension` values per row).
  public mutating func add(_ chunk: FeatureMatrix) {
    precondition(chunk.columns == dimension, "chunk has \(chunk.columns) features per row, the moments \(dimension)")
    guard chunk.rows > 0 else { return }
    let (chunkMean, centred) = centered(chunk.values, rows: chunk.rows, columns: dimension)
    useSingleThreadedBLAS()
    var m2 = [Double](repeating: 0, count: dimension * dimension)
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(dimension), Int32(chunk.rows), 1, centred, Int32(dimension), 0, &m2, Int32(dimension))
    for i in 0..<dimension { for j in 0..<i { m2[i * dimension + j] = m2[j * dimension + i] } }
    self = merged(with: FeatureMoments(count: chunk.rows, mean: chunkMean, comoment: m2))
  }

  /// Folds in Float32 rows, e.g. a chunk straight from a feature extractor.
  public mutating func add(_ rows: [Float]) {
    precondition(rows.count % dimension == 0, "\(rows.count) values is not a whole number of \(dimension)-feature rows")
    add(FeatureMatrix(rows, columns: dimension))
  }

  /// The moments of the union of two disjoint parts (Chan et al.'s pairwise formula).
  public func merged(with other: FeatureMoments) -> FeatureMoments {
    precondition(other.dimension == dimension, "cannot merge moments of \(dimension) and \(other.dimension) features")
    if other.count == 0 { return self }
    if count == 0 { return other }
    let na = Double(count), nb = Double(other.count), n = na + nb
    let delta = (0..<dimension).map { other.mean[$0] - mean[$0] }
    let newMean = (0..<dimension).map { mean[$0] + delta[$0] * (nb / n) }
    let weight = na * nb / n
    var m2 = comoment
    for i in 0..<dimension {
      let scaled = delta[i] * weight
      for j in 0..<dimension { m2[i * dimension + j] += other.comoment[i * dimension + j] + scaled * delta[j] }
    }
    return FeatureMoments(count: count + other.count, mean: newMean, comoment: m2)
  }

  /// Merges parts in a fixed balanced tree (parts[0]+parts[1], parts[2]+parts[3], …), so the
  /// result depends only on the order of `parts`.
  public static func merge(_ parts: [FeatureMoments]) -> FeatureMoments {
    precondition(!parts.isEmpty, "nothing to merge")
    var level = parts
    while level.count > 1 {
      level = stride(from: 0, to: level.count, by: 2).map { i in i + 1 < level.count ? level[i].merged(with: level[i + 1]) : level[i] }
    }
    return level[0]
  }

  /// The sample covariance M2/(n − 1), as numpy's `cov` (NaN when n < 2).
  public var covariance: [Double] { comoment.map { count > 1 ? $0 / Double(count - 1) : .nan } }

  /// The Gaussian the Fréchet distance compares (mean and n − 1 covariance).
  public var gaussian: GaussianStatistics { GaussianStatistics(count: count, mean: mean, covariance: covariance) }
}
