import Foundation
import Workers

/// Approximate k nearest neighbours by NN-descent (Dong, Charikar & Li 2011) started from a
/// random-projection forest, as pynndescent does: a neighbour of a neighbour is likely a
/// neighbour, so each round compares, for every point, the pairs among its sampled neighbours
/// and reverse neighbours ("local join"), and keeps the closer ones.
///
/// Determinism: every random choice is a hash of (seed, round, point, neighbour); a round first
/// computes proposals from a frozen state, in blocks of points, then applies them point by
/// point, and a point's kept list is the k smallest (distance, index) pairs of all it was ever
/// offered, which does not depend on the order of the offers. So the result is the same for
/// every thread count.
public struct NNDescentIndex: NeighborIndex {
  /// Settings. The defaults reach recall@90 = 0.9955 on the 70,000 Fashion-MNIST images (PCA-50)
  /// in half the CPU time of the exact kNN (bench/results/tsne_knn.md): a 12-tree forest is
  /// a good start (0.93 at 20,000 images with 21 trees), and one round of local joins over 60
  /// sampled candidates adds the rest (21 trees, pynndescent's count at 70,000: 0.9983).
  public struct Settings: Sendable {
    /// Random-projection trees for the start (pynndescent: 5 + round(N^¼), at most 32).
    public var trees = 12
    /// Most points in a tree's leaf; nil = max(10, k) up to 256.
    public var leafSize: Int? = nil
    /// Neighbours (and reverse neighbours) sampled per point per round (pynndescent: min(60, k)).
    public var maxCandidates = 60
    /// Most rounds of local joins (pynndescent: max(5, round(log₂ N))). At 70,000 images each
    /// round costs about as much as the whole start; one is enough for recall@90 ≥ 0.98 there.
    public var rounds = 1
    /// Stop early when fewer than delta·N·k list entries changed in a round (pynndescent: 0.001).
    public var delta = 0.001
    /// Query search breadth as a multiple of k (candidates kept while walking the graph).
    public var queryBreadth = 2.0
    public init() {}
  }

  public let data: [Double]
  public let count: Int
  public let columns: Int
  public let seed: UInt64
  public var settings: Settings

  /// The graph found by the last `build`, kept for queries (n × k, nearest first).
  private let graph = GraphBox()

  public init(_ data: [Double], rows n: Int, columns d: Int, seed: UInt64, settings: Settings = Settings()) {
    precondition(data.count == n * d)
    self.data = data
    self.count = n
    self.columns = d
    self.seed = seed
    self.settings = settings
  }

  public func build(k: Int, threads: Int) -> NearestNeighbors {
    precondition(k >= 1 && k < count)
    let n = count
    let rows = PaddedRows(data, rows: n, columns: columns)
    defer { rows.release() }
    let heaps = NeighborHeaps(count: n, k: k)
    defer { heaps.release() }
    let trace = ProcessInfo.processInfo.environment["TSNE_NND_TRACE"] != nil
    var clock = Date()
    func lap(_ label: String) {
      if trace { FileHandle.standardError.write(Data("nn-descent \(label): \(Date().timeIntervalSince(clock)) s\n".utf8)) }
      clock = Date()
    }
    let forest = plantForest(rows, k: k, threads: threads)
    lap("forest")
    startFromForest(forest, rows: rows, heaps: heaps, threads: threads)
    fillAtRandom(rows: rows, heaps: heaps, threads: threads)
    lap("leaves")
    for round in 0..<settings.rounds {
      let changed = descend(round: round, rows: rows, heaps: heaps, threads: threads)
      lap("round \(round) (\(changed) changed)")
      if Double(changed) < settings.delta * Double(n) * Double(k) { break }
    }
    let result = finish(heaps: heaps, threads: threads)
    graph.set(result, forest: forest)
    return result
  }

  // MARK: start

  private func plantForest(_ rows: PaddedRows, k: Int, threads: Int) -> [RandomProjectionTree] {
    let trees = max(1, settings.trees)
    let leafSize = settings.leafSize ?? min(256, max(10, k))
    var forest = [RandomProjectionTree?](repeating: nil, count: trees)
    forest.withUnsafeMutableBufferPointer { fb in
      let out = SharedBuffer(fb.baseAddress!)
      try? parallelFor(trees, threads: threads) { t in
        out[t] = RandomProjectionTree(rows, leafSize: leafSize, seed: mixHash(seed, 1, t))
      }
    }
    return forest.map { $0! }
  }

  /// Every pair of points sharing a leaf becomes a candidate pair. Leaves of one tree are
  /// disjoint, so a tree's leaves are processed in parallel without two writers on one list.
  private func startFromForest(_ forest: [RandomProjectionTree], rows: PaddedRows, heaps: NeighborHeaps, threads: Int) {
    for tree in forest {
      let leaves = tree.leaves
      tree.order.withUnsafeBufferPointer { order in
        let orderBox = UncheckedBox(order)
        try? parallelFor(leaves.count, threads: threads) { l in
          let leaf = leaves[l], order = orderBox.value
          for a in leaf {
            let i = Int(order[a])
            for b in (a + 1)..<leaf.upperBound {
              let j = Int(order[b])
              let distance = rows.distance(i, j)
              heaps.push(i, distance: distance, index: Int32(j), state: 1)
              heaps.push(j, distance: distance, index: Int32(i), state: 1)
            }
          }
        }
      }
    }
  }

  /// Tops up lists the forest left short with random points (each point draws its own).
  private func fillAtRandom(rows: PaddedRows, heaps: NeighborHeaps, threads: Int) {
    let n = count, k = heaps.k
    try? parallelFor(n, threads: threads) { i in
      var attempt = 0
      while heaps.indices[i * k] < 0 && attempt < 8 * k {
        let j = Int(mixHash(seed, 2, i, attempt) % UInt64(n))
        attempt += 1
        if j != i { heaps.push(i, distance: rows.distance(i, j), index: Int32(j), state: 1) }
      }
      // small sets: a sweep guarantees full lists (k < n)
      var j = 0
      while heaps.indices[i * k] < 0 && j < n {
        if j != i { heaps.push(i, distance: rows.distance(i, j), index: Int32(j), state: 1) }
        j += 1
      }
    }
  }

  // MARK: rounds

  /// One NN-descent round; returns how many list entries are new after it.
  private func descend(round: Int, rows: PaddedRows, heaps: NeighborHeaps, threads: Int) -> Int {
    let n = count, k = heaps.k, cap = min(settings.maxCandidates, k)
    // reverse lists: for each point, the points that list it (ascending), with that entry's state
    var reverseOffsets = [Int](repeating: 0, count: n + 1)
    for e in 0..<(n * k) where heaps.indices[e] >= 0 { reverseOffsets[Int(heaps.indices[e]) + 1] += 1 }
    for i in 0..<n { reverseOffsets[i + 1] += reverseOffsets[i] }
    var reverseSources = [Int32](repeating: 0, count: reverseOffsets[n])
    var reverseFresh = [Bool](repeating: false, count: reverseOffsets[n])
    var fill = reverseOffsets
    for i in 0..<n {
      for s in 0..<k {
        let j = Int(heaps.indices[i * k + s])
        if j < 0 { continue }
        reverseSources[fill[j]] = Int32(i)
        reverseFresh[fill[j]] = heaps.state[i * k + s] != 0
        fill[j] += 1
      }
    }
    // sampled candidates: `cap` fresh and `cap` used ones per point, by hashed priority
    var fresh = [Int32](repeating: -1, count: n * cap), used = fresh
    let roundSeed = mixHash(seed, 3, round)
    fresh.withUnsafeMutableBufferPointer { fb in
      used.withUnsafeMutableBufferPointer { ub in
        let freshOut = SharedBuffer(fb.baseAddress!), usedOut = SharedBuffer(ub.baseAddress!)
        let reverse = UncheckedBox((reverseOffsets, reverseSources, reverseFresh))
        try? parallelFor(n, threads: threads) { t in
          var newSample = CandidateSample(capacity: cap), oldSample = CandidateSample(capacity: cap)
          for s in 0..<k {
            let j = Int(heaps.indices[t * k + s])
            if j < 0 { continue }
            let priority = mixHash(roundSeed, min(t, j), max(t, j))
            if heaps.state[t * k + s] != 0 { newSample.offer(priority, Int32(j)) } else { oldSample.offer(priority, Int32(j)) }
          }
          let (offsets, sources, isFresh) = reverse.value
          for e in offsets[t]..<offsets[t + 1] {
            let i = Int(sources[e])
            let priority = mixHash(roundSeed, min(t, i), max(t, i))
            if isFresh[e] { newSample.offer(priority, Int32(i)) } else { oldSample.offer(priority, Int32(i)) }
          }
          // sorted ascending and right-aligned, after the −1 padding, for the binary search below
          let sortedFresh = newSample.indices.sorted()
          for (slot, j) in sortedFresh.enumerated() { freshOut[t * cap + cap - sortedFresh.count + slot] = j }
          for (slot, j) in oldSample.indices.enumerated() { usedOut[t * cap + slot] = j }
        }
      }
    }
    // entries sampled as fresh are used from now on
    fresh.withUnsafeBufferPointer { fb in
      let sampled = UncheckedBox(fb)
      try? parallelFor(n, threads: threads) { i in
        let list = UnsafeBufferPointer(rebasing: sampled.value[(i * cap)..<((i + 1) * cap)])
        for s in 0..<k where heaps.state[i * k + s] != 0 {
          if Self.sortedContains(list, heaps.indices[i * k + s]) { heaps.state[i * k + s] = 0 }
        }
      }
    }
    localJoin(fresh: fresh, used: used, cap: cap, rows: rows, heaps: heaps, threads: threads)
    var changed = 0
    for e in 0..<(n * k) where heaps.state[e] == 2 {
      changed += 1
      heaps.state[e] = 1
    }
    return changed
  }

  /// Binary search in a list sorted ascending with −1 padding at the front.
  private static func sortedContains(_ list: UnsafeBufferPointer<Int32>, _ value: Int32) -> Bool {
    var lo = 0, hi = list.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if list[mid] < value { lo = mid + 1 } else { hi = mid }
    }
    return lo < list.count && list[lo] == value
  }

  private struct Proposal { var target: Int32; var source: Int32; var distance: Float }

  /// Pairs (fresh, fresh) and (fresh, used) among each point's candidates are compared; each
  /// comparison that beats a list's current bound is proposed to it. Proposals are computed for a
  /// block of points from the frozen lists, then applied per target point.
  private func localJoin(fresh: [Int32], used: [Int32], cap: Int, rows: PaddedRows, heaps: NeighborHeaps, threads: Int) {
    let n = count, block = 512
    let workers = max(1, min(threads, block))
    var buckets = [[Proposal]](repeating: [], count: workers * workers)
    let lists = UncheckedBox((fresh, used))
    var start = 0
    while start < n {
      let end = min(n, start + block)
      buckets.withUnsafeMutableBufferPointer { bb in
        let out = SharedBuffer(bb.baseAddress!)
        try? parallelFor(workers, threads: workers) { w in
          for p in 0..<workers { out.base[w * workers + p].removeAll(keepingCapacity: true) }
          let (fresh, used) = lists.value
          for u in chunk(w, of: workers, count: end - start).map({ $0 + start }) {
            let base = u * cap
            for a in 0..<cap {
              let p = Int(fresh[base + a])
              if p < 0 { continue }
              let boundP = heaps.bound(p)
              for b in (a + 1)..<cap {
                let q = Int(fresh[base + b])
                if q < 0 { continue }
                Self.propose(p, q, boundP, rows: rows, heaps: heaps, n: n, workers: workers, w: w, out: out)
              }
              for b in 0..<cap {
                let q = Int(used[base + b])
                if q < 0 || q == p { continue }
                Self.propose(p, q, boundP, rows: rows, heaps: heaps, n: n, workers: workers, w: w, out: out)
              }
            }
          }
        }
        try? parallelFor(workers, threads: workers) { part in
          for w in 0..<workers {
            for proposal in out[w * workers + part] {
              heaps.push(Int(proposal.target), distance: proposal.distance, index: proposal.source, state: 2)
            }
          }
        }
      }
      start = end
    }
  }

  @inline(__always)
  private static func propose(
    _ p: Int, _ q: Int, _ boundP: Float, rows: PaddedRows, heaps: NeighborHeaps, n: Int, workers: Int, w: Int,
    out: SharedBuffer<[Proposal]>
  ) {
    let boundQ = heaps.bound(q)
    let distance = rows.distance(p, q)
    if distance <= boundP { out.base[w * workers + partition(p, n: n, parts: workers)].append(Proposal(target: Int32(p), source: Int32(q), distance: distance)) }
    if distance <= boundQ { out.base[w * workers + partition(q, n: n, parts: workers)].append(Proposal(target: Int32(q), source: Int32(p), distance: distance)) }
  }

  /// The part of `0..<n` (split as `chunk` splits it) that holds point i.
  @inline(__always)
  private static func partition(_ i: Int, n: Int, parts: Int) -> Int {
    let base = n / parts, extra = n % parts
    let wide = extra * (base + 1)
    return i < wide ? i / (base + 1) : extra + (i - wide) / max(base, 1)
  }

  // MARK: result

  /// Lists sorted by Float64 distance recomputed from the input (ties: lower index first).
  private func finish(heaps: NeighborHeaps, threads: Int) -> NearestNeighbors {
    let n = count, k = heaps.k, d = columns
    var indices = [Int32](repeating: 0, count: n * k)
    var distances = [Double](repeating: 0, count: n * k)
    indices.withUnsafeMutableBufferPointer { ib in
      distances.withUnsafeMutableBufferPointer { db in
        let outIndex = SharedBuffer(ib.baseAddress!), outDistance = SharedBuffer(db.baseAddress!)
        data.withUnsafeBufferPointer { xb in
          let x = UncheckedBox(xb)
          try? parallelFor(n, threads: threads) { i in
            var entries: [(Double, Int32)] = []
            entries.reserveCapacity(k)
            for s in 0..<k {
              let j = Int(heaps.indices[i * k + s])
              var sum = 0.0
              for c in 0..<d { let t = x.value[i * d + c] - x.value[j * d + c]; sum += t * t }
              entries.append((sum, Int32(j)))
            }
            entries.sort { $0 < $1 }
            for (slot, entry) in entries.enumerated() {
              outIndex[i * k + slot] = entry.1
              outDistance[i * k + slot] = entry.0
            }
          }
        }
      }
    }
    return NearestNeighbors(k: k, indices: indices, distances: distances)
  }

  // MARK: queries

  /// New points' neighbours: each query starts from the indexed points in its leaves of the
  /// forest and walks the neighbour graph best-first, keeping `queryBreadth`·k candidates, until
  /// no unvisited candidate is closer than the worst kept. Builds the graph first if needed.
  public func query(_ points: [Double], rows m: Int, k: Int, threads: Int) -> NearestNeighbors {
    precondition(points.count == m * columns && k >= 1 && k <= count)
    if graph.neighbors == nil { _ = build(k: min(count - 1, max(k, 15)), threads: threads) }
    let (built, forest) = (graph.neighbors!, graph.forest)
    let reference = PaddedRows(data, rows: count, columns: columns)
    defer { reference.release() }
    let queries = PaddedRows(points, rows: m, columns: columns)
    defer { queries.release() }
    let breadth = max(k, Int((settings.queryBreadth * Double(k)).rounded()))
    var indices = [Int32](repeating: 0, count: m * k)
    var distances = [Double](repeating: 0, count: m * k)
    indices.withUnsafeMutableBufferPointer { ib in
      distances.withUnsafeMutableBufferPointer { db in
        let outIndex = SharedBuffer(ib.baseAddress!), outDistance = SharedBuffer(db.baseAddress!)
        try? parallelFor(m, threads: threads) { q in
          let found = Self.search(
            queries.row(q), reference: reference, graph: built, forest: forest, breadth: breadth)
          var exact: [(Double, Int32)] = found.map { j in
            var sum = 0.0
            for c in 0..<columns { let t = points[q * columns + c] - data[Int(j) * columns + c]; sum += t * t }
            return (sum, j)
          }
          exact.sort { $0 < $1 }
          for slot in 0..<k {
            outIndex[q * k + slot] = exact[slot].1
            outDistance[q * k + slot] = exact[slot].0
          }
        }
      }
    }
    return NearestNeighbors(k: k, indices: indices, distances: distances)
  }

  /// Best-first graph search; returns the `breadth` closest indexed points found.
  private static func search(
    _ point: UnsafePointer<Float>, reference: PaddedRows, graph: NearestNeighbors, forest: [RandomProjectionTree], breadth: Int
  ) -> [Int32] {
    var visited = Set<Int32>()
    var kept = BoundedMaxHeap(capacity: breadth)
    var frontier: [(Float, Int32)] = []  // min-first by keeping it sorted descending and popping the end
    func visit(_ j: Int32) {
      if !visited.insert(j).inserted { return }
      let distance = reference.distance(point, reference.row(Int(j)))
      if kept.items.count < breadth || Double(distance) < kept.items[0].distance {
        kept.offer(Double(distance), j)
        frontier.append((distance, j))
      }
    }
    for tree in forest {
      for s in tree.leaf(of: point, rows: reference) { visit(tree.order[s]) }
    }
    let k = graph.k
    while !frontier.isEmpty {
      frontier.sort { $0 > $1 }
      let (distance, j) = frontier.removeLast()
      if kept.items.count == breadth && Double(distance) > kept.items[0].distance { break }
      for s in 0..<k { visit(graph.indices[Int(j) * k + s]) }
    }
    return kept.items.map(\.index)
  }
}

/// The graph a build produced, shared by copies of the index (queries need it).
private final class GraphBox: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: (NearestNeighbors, [RandomProjectionTree])?
  var neighbors: NearestNeighbors? { lock.withLock { stored?.0 } }
  var forest: [RandomProjectionTree] { lock.withLock { stored?.1 ?? [] } }
  func set(_ neighbors: NearestNeighbors, forest: [RandomProjectionTree]) { lock.withLock { stored = (neighbors, forest) } }
}
