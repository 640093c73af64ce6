import CBLAS
import Workers

/// Exact k nearest neighbours by squared Euclidean distance, computed in blocks with BLAS.
/// Ties are broken by the lower index, so the result is the same for any thread count.
public struct NearestNeighbors: Sendable, Equatable {
  public let k: Int
  /// n × k neighbour indices, nearest first (the point itself excluded).
  public let indices: [Int32]
  /// n × k squared distances, matching `indices`.
  public let distances: [Double]

  public init(_ data: [Double], rows n: Int, columns d: Int, k: Int, threads: Int) {
    precondition(k >= 1 && k < n)
    self.init(queries: data, rows: n, reference: data, referenceRows: n, columns: d, k: k, threads: threads, excludingSelf: true)
  }

  /// Each of `m` query rows' `k` nearest rows of `reference` (n × d); with `excludingSelf` the
  /// queries are the reference itself and row i skips itself.
  public init(
    queries: [Double], rows m: Int, reference: [Double], referenceRows n: Int, columns d: Int, k: Int, threads: Int,
    excludingSelf: Bool = false
  ) {
    precondition(k >= 1 && k <= n - (excludingSelf ? 1 : 0) && queries.count == m * d && reference.count == n * d)
    let norms = Self.squaredNorms(reference, rows: n, columns: d)
    let queryNorms = excludingSelf ? norms : Self.squaredNorms(queries, rows: m, columns: d)
    var indices = [Int32](repeating: 0, count: m * k)
    var distances = [Double](repeating: 0, count: m * k)
    let block = 256
    let blocks = (m + block - 1) / block
    indices.withUnsafeMutableBufferPointer { ib in
      distances.withUnsafeMutableBufferPointer { db in
        let outIndex = SharedBuffer(ib.baseAddress!), outDistance = SharedBuffer(db.baseAddress!)
        try? parallelFor(blocks, threads: threads) { b in
          let start = b * block, rows = min(block, m - start)
          var gram = [Double](repeating: 0, count: rows * n)
          queries.withUnsafeBufferPointer { q in
            reference.withUnsafeBufferPointer { x in
              cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(d), 1,
                          q.baseAddress! + start * d, Int32(d), x.baseAddress!, Int32(d), 0, &gram, Int32(n))
            }
          }
          var heap = BoundedMaxHeap(capacity: k)
          for r in 0..<rows {
            let i = start + r
            heap.removeAll()
            for j in 0..<n where !(excludingSelf && j == i) {
              let distance = max(queryNorms[i] + norms[j] - 2 * gram[r * n + j], 0)
              heap.offer(distance, Int32(j))
            }
            let sorted = heap.sorted()
            for (slot, entry) in sorted.enumerated() {
              outIndex[i * k + slot] = entry.index
              outDistance[i * k + slot] = entry.distance
            }
          }
        }
      }
    }
    self.init(k: k, indices: indices, distances: distances)
  }

  /// Neighbour lists found elsewhere (n × k each, nearest first).
  public init(k: Int, indices: [Int32], distances: [Double]) {
    precondition(indices.count == distances.count && k >= 1 && indices.count % k == 0)
    self.k = k
    self.indices = indices
    self.distances = distances
  }

  /// The number of points that have neighbour lists.
  public var count: Int { indices.count / k }

  /// The mean over points of |approximate kNN ∩ exact kNN| / k (recall@k), comparing index sets.
  public func recall(against exact: NearestNeighbors) -> Double {
    precondition(exact.count == count && exact.k >= k)
    var hits = 0
    for i in 0..<count {
      let truth = Set(exact.indices[(i * exact.k)..<(i * exact.k + k)])
      for slot in 0..<k where truth.contains(indices[i * k + slot]) { hits += 1 }
    }
    return Double(hits) / Double(count * k)
  }

  private static func squaredNorms(_ data: [Double], rows n: Int, columns d: Int) -> [Double] {
    var norms = [Double](repeating: 0, count: n)
    for i in 0..<n { var s = 0.0; for j in 0..<d { s += data[i * d + j] * data[i * d + j] }; norms[i] = s }
    return norms
  }
}

/// Keeps the `capacity` smallest (distance, index) pairs; larger index loses ties.
struct BoundedMaxHeap {
  struct Entry { var distance: Double; var index: Int32 }
  let capacity: Int
  private(set) var items: [Entry] = []

  init(capacity: Int) {
    self.capacity = capacity
    items.reserveCapacity(capacity)
  }

  mutating func removeAll() { items.removeAll(keepingCapacity: true) }

  @inline(__always)
  private func greater(_ a: Entry, _ b: Entry) -> Bool { a.distance > b.distance || (a.distance == b.distance && a.index > b.index) }

  @inline(__always)
  mutating func offer(_ distance: Double, _ index: Int32) {
    let entry = Entry(distance: distance, index: index)
    if items.count < capacity {
      items.append(entry)
      var c = items.count - 1
      while c > 0 {
        let p = (c - 1) / 2
        if greater(items[c], items[p]) { items.swapAt(c, p); c = p } else { break }
      }
    } else if greater(items[0], entry) {
      items[0] = entry
      var p = 0
      while true {
        let l = 2 * p + 1, r = l + 1
        var m = p
        if l < items.count && greater(items[l], items[m]) { m = l }
        if r < items.count && greater(items[r], items[m]) { m = r }
        if m == p { break }
        items.swapAt(p, m)
        p = m
      }
    }
  }

  func sorted() -> [Entry] { items.sorted { greater($1, $0) } }
}
