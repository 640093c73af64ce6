import CBLAS
import Foundation
import LinearAlgebra
import Workers

/// Squared Euclidean distances from blocks of rows of `a` to every row of `b`:
/// `body(rows, block)` gets `block[(i − rows.lowerBound)·b.rows + j] = ‖aᵢ − bⱼ‖²` (via
/// ‖a‖² + ‖b‖² − 2a·b, clamped at 0). Blocks have a fixed size and run in parallel; `body` must
/// only write results for its own rows.
public func forEachDistanceBlock(
  _ a: FeatureMatrix, _ b: FeatureMatrix, threads: Int, _ body: (Range<Int>, UnsafeBufferPointer<Double>) -> Void
) {
  precondition(a.columns == b.columns, "feature sets of different dimensions")
  useSingleThreadedBLAS()
  let blockRows = 128
  let blocks = (a.rows + blockRows - 1) / blockRows
  let bNorms = (0..<b.rows).map { i in b.row(i).reduce(0) { $0 + $1 * $1 } }
  let d = a.columns
  try? parallelFor(blocks, threads: threads) { block in
    let rows = (block * blockRows)..<min(a.rows, (block + 1) * blockRows)
    var out = [Double](repeating: 0, count: rows.count * b.rows)
    a.values.withUnsafeBufferPointer { av in
      cblas_dgemm(
        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows.count), Int32(b.rows), Int32(d), -2,
        av.baseAddress! + rows.lowerBound * d, Int32(d), b.values, Int32(d), 0, &out, Int32(b.rows))
    }
    for (r, i) in rows.enumerated() {
      let aNorm = a.row(i).reduce(0) { $0 + $1 * $1 }
      for j in 0..<b.rows { out[r * b.rows + j] = max(0, out[r * b.rows + j] + aNorm + bNorms[j]) }
    }
    out.withUnsafeBufferPointer { body(rows, $0) }
  }
}

/// For each row of `queries`, the nearest row of `references` (lowest index on ties) and the
/// Euclidean distance to it.
public func nearestNeighbours(_ queries: FeatureMatrix, in references: FeatureMatrix, threads: Int) -> [(index: Int, distance: Double)] {
  var result = [(index: Int, distance: Double)](repeating: (0, 0), count: queries.rows)
  result.withUnsafeMutableBufferPointer { out in
    let out = SharedBuffer(out.baseAddress!)
    forEachDistanceBlock(queries, references, threads: threads) { rows, block in
      for (r, i) in rows.enumerated() {
        var best = 0
        for j in 1..<max(1, references.rows) where block[r * references.rows + j] < block[r * references.rows + best] { best = j }
        out[i] = (best, block[r * references.rows + best].squareRoot())
      }
    }
  }
  return result
}

/// The Euclidean distance from each row to its k-th nearest other row of the same set (the
/// radius of the k-NN ball in Naeem et al.'s precision/recall/density/coverage).
public func kthNeighbourRadii(_ set: FeatureMatrix, k: Int, threads: Int) -> [Double] {
  precondition(k >= 1 && k < set.rows, "k must be between 1 and the set size − 1")
  // the (k+1)-th smallest including itself (distance exactly 0) = the k-th nearest other row
  return kNearestDistances(set, in: set, k: k + 1, threads: threads, selfMatch: true).map { $0[k] }
}

/// For each query row, its `k` smallest Euclidean distances to rows of `references`, ascending.
/// With `selfMatch`, queries are the references and row i's distance to itself is exactly 0.
public func kNearestDistances(_ queries: FeatureMatrix, in references: FeatureMatrix, k: Int, threads: Int, selfMatch: Bool = false) -> [[Double]] {
  precondition(k >= 1 && k <= references.rows, "k must be between 1 and the reference count")
  var result = [[Double]](repeating: [], count: queries.rows)
  result.withUnsafeMutableBufferPointer { out in
    let out = SharedBuffer(out.baseAddress!)
    forEachDistanceBlock(queries, references, threads: threads) { rows, block in
      for (r, i) in rows.enumerated() {
        var smallest = [Double](repeating: .infinity, count: k)
        for j in 0..<references.rows {
          let value = selfMatch && j == i ? 0 : block[r * references.rows + j]
          if value < smallest[k - 1] {
            var at = k - 1
            while at > 0 && smallest[at - 1] > value {
              smallest[at] = smallest[at - 1]
              at -= 1
            }
            smallest[at] = value
          }
        }
        out[i] = smallest.map { $0.squareRoot() }
      }
    }
  }
  return result
}
