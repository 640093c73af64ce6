import CBLAS
import Workers

/// Exact k nearest neighbours by squared Euclidean distance, computed in blocks with BLAS.
/// Ties are broken by the lower index, so the result is the same for any thread count.
public struct NearestNeighbors: Sendable {
  public let k: Int
  /// n × k neighbour indices, nearest first (the point itself excluded).
  public let indices: [Int32]
  /// n × k squared distances, matching `indices`.
  public let distances: [Double]

  public init(_ data: [Double], rows n: Int, columns d: Int, k: Int, threads: Int) {
    precondition(k >= 1 && k < n)
    var norms = [Double](repeating: 0, count: n)
    for i in 0..<n { var s = 0.0; for j in 0..<d { s += data[i * d + j] * data[i * d + j] }; norms[i] = s }
    var indices = [Int32](repeating: 0, count: n * k)
    var distances = [Double](repeating: 0, count: n * k)
    let block = 256
    let blocks = (n + block - 1) / block
    indices.withUnsafeMutableBufferPointer { ib in
      distances.withUnsafeMutableBufferPointer { db in
        let outIndex = SharedBuffer(ib.baseAddress!), outDistance = SharedBuffer(db.baseAddress!)
        try? parallelFor(blocks, threads: threads) { b in
          let start = b * block, rows = min(block, n - start)
          var gram = [Double](repeating: 0, count: rows * n)
          data.withUnsafeBufferPointer { x in
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(d), 1,
                        x.baseAddress! + start * d, Int32(d), x.baseAddress!, Int32(d), 0, &gram, Int32(n))
          }
          var heap = BoundedMaxHeap(capacity: k)
          for r in 0..<rows {
            let i = start + r
            heap.removeAll()
            for j in 0..<n where j != i {
              let distance = max(norms[i] + norms[j] - 2 * gram[r * n + j], 0)
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
    self.k = k
    self.indices = indices
    self.distances = distances
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
