import Foundation
import Workers

/// Measures of how well an embedding keeps neighbourhoods.
public enum EmbeddingQuality {
  /// Trustworthiness (Venna & Kaski 2001), as scikit-learn's `trustworthiness`: 1 − 2/(nk(2n−3k−1))
  /// Σᵢ Σ_{j ∈ embedded kNN(i)} max(0, rank_input(i, j) − k). 1 is perfect.
  public static func trustworthiness(
    input x: [Double], columns d: Int, embedding y: [Double], dims: Int, rows n: Int, k: Int, threads: Int
  ) -> Double {
    precondition(k < n / 2, "trustworthiness needs k < n/2")
    var penalties = [Double](repeating: 0, count: n)
    penalties.withUnsafeMutableBufferPointer { buffer in
      let out = SharedBuffer(buffer.baseAddress!)
      try? parallelFor(n, threads: threads) { i in
        var inputDistance = [Double](repeating: 0, count: n)
        for j in 0..<n {
          var s = 0.0
          for c in 0..<d { let t = x[i * d + c] - x[j * d + c]; s += t * t }
          inputDistance[j] = s
        }
        let order = (0..<n).filter { $0 != i }.sorted { (inputDistance[$0], $0) < (inputDistance[$1], $1) }
        var rank = [Int](repeating: 0, count: n)
        for (position, j) in order.enumerated() { rank[j] = position + 1 }
        var heap = BoundedMaxHeap(capacity: k)
        for j in 0..<n where j != i {
          var s = 0.0
          for c in 0..<dims { let t = y[i * dims + c] - y[j * dims + c]; s += t * t }
          heap.offer(s, Int32(j))
        }
        out[i] = heap.items.reduce(0.0) { $0 + Double(max(0, rank[Int($1.index)] - k)) }
      }
    }
    let total = penalties.reduce(0, +)
    let (nn, kk) = (Double(n), Double(k))
    return 1 - total * 2 / (nn * kk * (2 * nn - 3 * kk - 1))
  }

  /// For each query point, the fraction of its k nearest embedded neighbours (among all points)
  /// that carry `group` == `reference`. Returns the mean over the queries.
  public static func neighbourFraction(
    embedding y: [Double], dims: Int, groups: [Int], queries: [Int], reference: Int, k: Int, threads: Int
  ) -> Double {
    let fractions = neighbourFractions(embedding: y, dims: dims, groups: groups, queries: queries, reference: reference, k: k, threads: threads)
    return fractions.reduce(0, +) / Double(max(queries.count, 1))
  }

  /// Per query point, the share of its k nearest embedded neighbours that belong to `reference`
  /// (the values `neighbourFraction` averages).
  public static func neighbourFractions(
    embedding y: [Double], dims: Int, groups: [Int], queries: [Int], reference: Int, k: Int, threads: Int
  ) -> [Double] {
    let n = groups.count
    var fractions = [Double](repeating: 0, count: queries.count)
    fractions.withUnsafeMutableBufferPointer { buffer in
      let out = SharedBuffer(buffer.baseAddress!)
      try? parallelFor(queries.count, threads: threads) { q in
        let i = queries[q]
        var heap = BoundedMaxHeap(capacity: k)
        for j in 0..<n where j != i {
          var s = 0.0
          for c in 0..<dims { let t = y[i * dims + c] - y[j * dims + c]; s += t * t }
          heap.offer(s, Int32(j))
        }
        out[q] = Double(heap.items.filter { groups[Int($0.index)] == reference }.count) / Double(heap.items.count)
      }
    }
    return fractions
  }
}
