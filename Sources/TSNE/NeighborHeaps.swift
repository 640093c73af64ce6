/// One bounded max-heap of (distance, index) per point, stored flat (n × k), keeping each
/// point's k best candidates so far. Ordered by distance, then index, so the kept set is the k
/// smallest of everything ever offered, whatever the order of the offers.
/// `state` marks entries: 0 = already used for a local join, 1 = not yet used, 2 = arrived in
/// the running iteration.
struct NeighborHeaps: @unchecked Sendable {
  let count: Int
  let k: Int
  let distances: UnsafeMutablePointer<Float>
  let indices: UnsafeMutablePointer<Int32>
  let state: UnsafeMutablePointer<UInt8>

  init(count: Int, k: Int) {
    self.count = count
    self.k = k
    distances = .allocate(capacity: count * k)
    distances.initialize(repeating: .infinity, count: count * k)
    indices = .allocate(capacity: count * k)
    indices.initialize(repeating: -1, count: count * k)
    state = .allocate(capacity: count * k)
    state.initialize(repeating: 0, count: count * k)
  }

  func release() {
    distances.deallocate()
    indices.deallocate()
    state.deallocate()
  }

  /// The largest kept distance of point i (∞ until k candidates have arrived).
  @inline(__always) func bound(_ i: Int) -> Float { distances[i * k] }

  @inline(__always)
  private static func greater(_ d1: Float, _ i1: Int32, _ d2: Float, _ i2: Int32) -> Bool { d1 > d2 || (d1 == d2 && i1 > i2) }

  /// Offers `index` at `distance` to point i; true when it was kept.
  @inline(__always)
  @discardableResult
  func push(_ i: Int, distance: Float, index: Int32, state mark: UInt8) -> Bool {
    let d = distances + i * k, idx = indices + i * k, flag = state + i * k
    if !Self.greater(d[0], idx[0], distance, index) { return false }
    for s in 0..<k where idx[s] == index { return false }
    var p = 0
    while true {
      let l = 2 * p + 1
      if l >= k { break }
      var m = l
      if l + 1 < k && Self.greater(d[l + 1], idx[l + 1], d[l], idx[l]) { m = l + 1 }
      if Self.greater(d[m], idx[m], distance, index) {
        d[p] = d[m]; idx[p] = idx[m]; flag[p] = flag[m]
        p = m
      } else {
        break
      }
    }
    d[p] = distance; idx[p] = index; flag[p] = mark
    return true
  }
}

/// A small bounded heap of (priority, index) that keeps the `capacity` lowest priorities and
/// ignores repeated indices: a seeded sample that does not depend on the order of the offers.
struct CandidateSample {
  let capacity: Int
  private(set) var priorities: [UInt64] = []
  private(set) var indices: [Int32] = []

  init(capacity: Int) {
    self.capacity = capacity
    priorities.reserveCapacity(capacity)
    indices.reserveCapacity(capacity)
  }

  mutating func removeAll() {
    priorities.removeAll(keepingCapacity: true)
    indices.removeAll(keepingCapacity: true)
  }

  @inline(__always)
  private func greater(_ a: Int, _ b: Int) -> Bool {
    priorities[a] > priorities[b] || (priorities[a] == priorities[b] && indices[a] > indices[b])
  }

  mutating func offer(_ priority: UInt64, _ index: Int32) {
    if indices.count == capacity {
      if priority > priorities[0] || (priority == priorities[0] && index >= indices[0]) { return }
    }
    if indices.contains(index) { return }
    if indices.count < capacity {
      priorities.append(priority)
      indices.append(index)
      var c = indices.count - 1
      while c > 0 {
        let p = (c - 1) / 2
        if greater(c, p) { priorities.swapAt(c, p); indices.swapAt(c, p); c = p } else { break }
      }
      return
    }
    priorities[0] = priority
    indices[0] = index
    var p = 0
    while true {
      let l = 2 * p + 1, r = l + 1
      var m = p
      if l < capacity && greater(l, m) { m = l }
      if r < capacity && greater(r, m) { m = r }
      if m == p { break }
      priorities.swapAt(p, m)
      indices.swapAt(p, m)
      p = m
    }
  }
}
