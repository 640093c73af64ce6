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
        var heap = BoundedMaxHeap(capacity: k)
        for j in 0..<n where j != i {
          var s = 0.0
          for c in 0..<dims { let t = y[i * dims + c] - y[j * dims + c]; s += t * t }
          heap.offer(s, Int32(j))
        }
        // the input rank of each embedded neighbour j: its place when the other points are
        // ordered by (input distance, index), found by counting the points before it (k passes
        // over n distances instead of sorting them)
        var penalty = 0
        for item in heap.items {
          let j = Int(item.index), dj = inputDistance[j]
          var before = 0
          inputDistance.withUnsafeBufferPointer { distance in
            for m in 0..<n { before &+= distance[m] < dj || (distance[m] == dj && m < j) ? 1 : 0 }
          }
          if inputDistance[i] < dj || (inputDistance[i] == dj && i < j) { before -= 1 }  // i itself is not ranked
          penalty += max(0, before + 1 - k)
        }
        out[i] = Double(penalty)
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
