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
    return symmetrised(conditional, neighbors, count: n)
  }

  /// P = (P + Pᵀ) / Σ in CSR form from the conditional p(j|i) of each point's k neighbours.
  /// Built in place in two flat arrays (count the entries of each row, place them, sort each row
  /// by column and add up repeated columns, compacting), so the peak is 12 bytes per placed entry
  /// (2·n·k of them): at a million points an array per row took several times that. Each row's entries are placed in
  /// the order of the loop over (i, slot) and sorted stably, so repeated columns are added in that
  /// order, and the sum and the scaling are taken over the rows in order: the same matrix as
  /// building each row as an array, to the bit.
  static func symmetrised(_ conditional: [Double], _ neighbors: NearestNeighbors, count n: Int) -> SparseMatrix {
    let k = neighbors.k
    var offsets = [Int](repeating: 0, count: n + 1)
    for i in 0..<n {
      for slot in 0..<k {
        offsets[i + 1] += 1
        offsets[Int(neighbors.indices[i * k + slot]) + 1] += 1
      }
    }
    for i in 0..<n { offsets[i + 1] += offsets[i] }
    let total = offsets[n]
    var columns = [Int32](repeating: 0, count: total)
    var values = [Double](repeating: 0, count: total)
    var used = 0
    columns.withUnsafeMutableBufferPointer { columns in
      values.withUnsafeMutableBufferPointer { values in
        var cursor = Array(offsets[0..<n])
        for i in 0..<n {
          for slot in 0..<k {
            let j = Int(neighbors.indices[i * k + slot])
            let v = conditional[i * k + slot]
            (columns[cursor[i]], values[cursor[i]]) = (Int32(j), v)
            cursor[i] += 1
            (columns[cursor[j]], values[cursor[j]]) = (Int32(i), v)
            cursor[j] += 1
          }
        }
        // each row: a stable sort by column, then repeated columns summed in order, compacted
        // towards the front (the write position never passes the read position)
        var row: [(Int32, Double)] = []
        for i in 0..<n {
          let (from, to) = (offsets[i], offsets[i + 1])
          row.removeAll(keepingCapacity: true)
          for e in from..<to { row.append((columns[e], values[e])) }
          row.sort { $0.0 < $1.0 }  // stable (as the standard library's sort is)
          offsets[i] = used
          var index = 0
          while index < row.count {
            var sum = row[index].1
            var next = index + 1
            while next < row.count && row[next].0 == row[index].0 { sum += row[next].1; next += 1 }
            (columns[used], values[used]) = (row[index].0, sum)
            used += 1
            index = next
          }
        }
      }
    }
    offsets[n] = used
    var sum = 0.0
    for e in 0..<used { sum += values[e] }
    let scale = max(sum, Double.ulpOfOne)
    for e in 0..<used { values[e] /= scale }
    // dropped in place (an exact-size copy would add 12 bytes per entry to the peak)
    columns.removeLast(total - used)
    values.removeLast(total - used)
    return SparseMatrix(count: n, offsets: offsets, columns: columns, values: values)
  }
}

/// A square sparse matrix in compressed-row form.
public struct SparseMatrix: Sendable {
  public let count: Int
  public let offsets: [Int]
  public let columns: [Int32]
  public let values: [Double]
}
