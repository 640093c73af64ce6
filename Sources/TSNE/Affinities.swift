import Foundation
import Workers

/// Input similarities P for t-SNE: conditional Gaussians calibrated to a perplexity, symmetrised
/// and normalised to sum to 1.
public enum Affinities {
  /// Calibrates one row: P(j|i) ∝ exp(−β·d²ᵢⱼ), with β found by bisection until the entropy
  /// is within 1e-5 nats of log(perplexity) (at most 200 steps), as scikit-learn does.
  /// Returns the normalised row in `row`.
  static func calibrateRow(_ distances: UnsafeBufferPointer<Double>, perplexity: Double, into row: UnsafeMutableBufferPointer<Double>) {
    let target = log(perplexity)
    var beta = 1.0, betaMin = -Double.infinity, betaMax = Double.infinity
    for _ in 0..<200 {
      var sum = 0.0
      for j in 0..<distances.count {
        row[j] = exp(-distances[j] * beta)
        sum += row[j]
      }
      if sum == 0 { sum = 1e-8 }
      var weighted = 0.0
      for j in 0..<distances.count {
        row[j] /= sum
        weighted += distances[j] * row[j]
      }
      let entropy = log(sum) + beta * weighted
      let difference = entropy - target
      if abs(difference) <= 1e-5 { break }
      if difference > 0 {
        betaMin = beta
        beta = betaMax == .infinity ? beta * 2 : (beta + betaMax) / 2
      } else {
        betaMax = beta
        beta = betaMin == -.infinity ? beta / 2 : (beta + betaMin) / 2
      }
    }
  }

  /// Dense P from all pairwise squared distances (n × n, row-major): P = (P + Pᵀ) / Σ, floored at
  /// machine epsilon off the diagonal, as scikit-learn's exact method.
  public static func dense(squaredDistances: [Double], count n: Int, perplexity: Double, threads: Int) -> [Double] {
    var conditional = [Double](repeating: 0, count: n * n)
    conditional.withUnsafeMutableBufferPointer { out in
      let shared = SharedBuffer(out.baseAddress!)
      squaredDistances.withUnsafeBufferPointer { all in
        let input = UncheckedBox(all)
        try? parallelFor(n, threads: threads) { i in
          // the row without its diagonal: n−1 distances
          var distances = [Double](repeating: 0, count: n - 1)
          for j in 0..<n where j != i { distances[j < i ? j : j - 1] = input.value[i * n + j] }
          var row = [Double](repeating: 0, count: n - 1)
          distances.withUnsafeBufferPointer { d in row.withUnsafeMutableBufferPointer { calibrateRow(d, perplexity: perplexity, into: $0) } }
          for j in 0..<n where j != i { shared[i * n + j] = row[j < i ? j : j - 1] }
        }
      }
    }
    var p = [Double](repeating: 0, count: n * n)
    var total = 0.0
    for i in 0..<n { for j in 0..<n { let v = conditional[i * n + j] + conditional[j * n + i]; p[i * n + j] = v; total += v } }
    total = max(total, Double.ulpOfOne)
    for i in 0..<n { for j in 0..<n { p[i * n + j] = i == j ? 0 : max(p[i * n + j] / total, Double.ulpOfOne) } }
    return p
  }

  /// Sparse P over k nearest neighbours, symmetrised: P = (P + Pᵀ) / Σ, in CSR form.
  public static func sparse(_ neighbors: NearestNeighbors, count n: Int, perplexity: Double, threads: Int) -> SparseMatrix {
    let k = neighbors.k
    var conditional = [Double](repeating: 0, count: n * k)
    conditional.withUnsafeMutableBufferPointer { out in
      let shared = SharedBuffer(out.baseAddress!)
      neighbors.distances.withUnsafeBufferPointer { all in
        let input = UncheckedBox(all)
        try? parallelFor(n, threads: threads) { i in
          let distances = UnsafeBufferPointer(rebasing: input.value[(i * k)..<((i + 1) * k)])
          calibrateRow(distances, perplexity: perplexity, into: UnsafeMutableBufferPointer(start: shared.base + i * k, count: k))
        }
      }
    }
    // symmetrise: entries (i, j) and (j, i) both get p(j|i) + p(i|j)
    var rows = [[(Int32, Double)]](repeating: [], count: n)
    for i in 0..<n {
      for slot in 0..<k {
        let j = Int(neighbors.indices[i * k + slot])
        let v = conditional[i * k + slot]
        rows[i].append((Int32(j), v))
        rows[j].append((Int32(i), v))
      }
    }
    var offsets = [Int](repeating: 0, count: n + 1)
    var columns: [Int32] = []
    var values: [Double] = []
    columns.reserveCapacity(2 * n * k)
    values.reserveCapacity(2 * n * k)
    for i in 0..<n {
      let merged = rows[i].sorted { $0.0 < $1.0 }
      var index = 0
      while index < merged.count {
        var sum = merged[index].1
        var next = index + 1
        while next < merged.count && merged[next].0 == merged[index].0 { sum += merged[next].1; next += 1 }
        columns.append(merged[index].0)
        values.append(sum)
        index = next
      }
      offsets[i + 1] = columns.count
    }
    let total = max(values.reduce(0, +), Double.ulpOfOne)
    return SparseMatrix(count: n, offsets: offsets, columns: columns, values: values.map { $0 / total })
  }
}

/// A square sparse matrix in compressed-row form.
public struct SparseMatrix: Sendable {
  public let count: Int
  public let offsets: [Int]
  public let columns: [Int32]
  public let values: [Double]
}
