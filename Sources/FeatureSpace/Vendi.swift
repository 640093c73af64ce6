import CBLAS
import Foundation
import LinearAlgebra

/// The Vendi score (Friedman & Dieng 2023) with the cosine kernel, as vendi-score's `score_X`:
/// rows are L2-normalised (a zero row stays zero), K = XXᵀ/n, and the score is
/// exp(−Σ λ log λ) over K's positive eigenvalues — the effective number of distinct samples,
/// between 1 (all alike) and n (all orthogonal). It needs no reference set.
///
/// When d < n the d × d matrix XᵀX/n is decomposed instead: it has the same non-zero
/// eigenvalues as XXᵀ/n and costs O(n·d² + d³) instead of O(n²·d + n³).
public func vendiScore(_ features: FeatureMatrix) -> Double {
  let n = features.rows, d = features.columns
  guard n > 0 else { return .nan }
  var unit = features.values
  for i in 0..<n {
    var norm = 0.0
    for j in 0..<d { norm += unit[i * d + j] * unit[i * d + j] }
    norm = norm.squareRoot()
    if norm > 0 { for j in 0..<d { unit[i * d + j] /= norm } }
  }
  useSingleThreadedBLAS()
  let order = min(n, d)
  var gram = [Double](repeating: 0, count: order * order)
  if d < n {  // XᵀX/n, d × d
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(n), 1 / Double(n), unit, Int32(d), 0, &gram, Int32(d))
  } else {  // XXᵀ/n, n × n
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(n), Int32(d), 1 / Double(n), unit, Int32(d), 0, &gram, Int32(n))
  }
  let values = symmetricEigen(&gram, order: order).values  // LAPACK reads the triangle it needs
  var entropy = 0.0
  for lambda in values where lambda > 0 { entropy -= lambda * log(lambda) }
  return exp(entropy)
}

/// The Vendi score of each class's rows, keyed by label (any hashable label: Int, String, …).
public func vendiScoresByClass<Label: Hashable>(_ features: FeatureMatrix, labels: [Label]) -> [Label: Double] {
  precondition(labels.count == features.rows, "one label per feature row")
  var rowsOf: [Label: [Int]] = [:]
  for (i, label) in labels.enumerated() { rowsOf[label, default: []].append(i) }
  return rowsOf.mapValues { vendiScore(features.subset($0)) }
}
