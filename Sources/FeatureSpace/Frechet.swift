import Foundation
import LinearAlgebra

/// `rows × columns` feature vectors, row-major, Float64.
public struct FeatureMatrix: Sendable {
  public var rows: Int
  public var columns: Int
  public var values: [Double]

  public init(rows: Int, columns: Int, values: [Double]) {
    precondition(values.count == rows * columns, "feature matrix values do not match its shape")
    (self.rows, self.columns, self.values) = (rows, columns, values)
  }

  public init(_ values: [Float], columns: Int) {
    self.init(rows: columns == 0 ? 0 : values.count / columns, columns: columns, values: values.map(Double.init))
  }

  public func row(_ i: Int) -> ArraySlice<Double> { values[(i * columns)..<((i + 1) * columns)] }

  public func subset(_ indices: [Int]) -> FeatureMatrix {
    FeatureMatrix(rows: indices.count, columns: columns, values: indices.flatMap { row($0) })
  }
}

/// The mean and sample covariance (n − 1) of a feature set, with the covariance's rank.
public struct GaussianStatistics: Sendable {
  public var count: Int
  public var mean: [Double]
  /// Full symmetric `d × d`, row-major.
  public var covariance: [Double]
  /// Numerical rank: eigenvalues above λmax·d·ε, as numpy's matrix_rank.
  public var rank: Int
  public var dimension: Int { mean.count }

  public init(count: Int, mean: [Double], covariance: [Double]) {
    (self.count, self.mean, self.covariance) = (count, mean, covariance)
    var copy = covariance
    let values = symmetricEigen(&copy, order: mean.count).values
    let top = values.map(abs).max() ?? 0
    rank = values.filter { abs($0) > top * Double(mean.count) * Double.ulpOfOne }.count
  }

  /// Statistics whose rank is not computed (taken as full): saves an eigendecomposition when
  /// only the Fréchet distance is wanted, e.g. in each bootstrap replicate.
  public init(count: Int, mean: [Double], covariance: [Double], assumingFullRank: Void) {
    (self.count, self.mean, self.covariance, self.rank) = (count, mean, covariance, mean.count)
  }

  public init(_ features: FeatureMatrix) {
    let (mean, centred) = centered(features.values, rows: features.rows, columns: features.columns)
    self.init(count: features.rows, mean: mean, covariance: LinearAlgebra.covariance(centered: centred, rows: features.rows, columns: features.columns))
  }

  public var isRankDeficient: Bool { rank < dimension }
}

/// Fréchet distance between two Gaussians:
/// ‖μ₁−μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(Σ₁^½ Σ₂ Σ₁^½), by symmetric eigendecompositions with
/// negative eigenvalues clamped to 0 (so a rank-deficient covariance is handled), in Float64.
/// tr √(Σ₁^½ Σ₂ Σ₁^½) = tr √(Σ₁Σ₂), the term scipy's sqrtm computes in the usual FID code.
public func frechetDistance(_ a: GaussianStatistics, _ b: GaussianStatistics) -> Double {
  precondition(a.dimension == b.dimension, "statistics of different dimensions")
  let d = a.dimension
  var meanTerm = 0.0
  for j in 0..<d { meanTerm += (a.mean[j] - b.mean[j]) * (a.mean[j] - b.mean[j]) }
  var traces = 0.0
  for j in 0..<d { traces += a.covariance[j * d + j] + b.covariance[j * d + j] }
  // Σ₁^½ = V diag(√λ⁺) Vᵀ
  var copy = a.covariance
  let (values, vectors) = symmetricEigen(&copy, order: d)  // vectors column-major: vᵢ = column i
  var scaled = [Double](repeating: 0, count: d * d)  // V·diag(√λ), row-major
  for i in 0..<d { for r in 0..<d { scaled[r * d + i] = vectors[i * d + r] * max(values[i], 0).squareRoot() } }
  var vt = [Double](repeating: 0, count: d * d)
  for i in 0..<d { for r in 0..<d { vt[i * d + r] = vectors[i * d + r] } }
  let root = multiply(scaled, vt, d, d, d)
  var middle = multiply(multiply(root, b.covariance, d, d, d), root, d, d, d)
  for i in 0..<d { for j in 0..<i { let m = (middle[i * d + j] + middle[j * d + i]) / 2; (middle[i * d + j], middle[j * d + i]) = (m, m) } }
  let traceRoot = symmetricEigen(&middle, order: d).values.reduce(0) { $0 + max($1, 0).squareRoot() }
  return meanTerm + traces - 2 * traceRoot
}
