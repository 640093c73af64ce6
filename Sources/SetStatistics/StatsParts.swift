import Foundation
import Workers

/// Count, mean and M2 = Σ(x − μ)² of a scalar per image (e.g. its entropy), mergeable exactly in
/// the count with Chan et al.'s pairwise formula, like `FeatureMoments`.
public struct ScalarMoments: Sendable, Equatable {
  public private(set) var count: Int = 0
  public private(set) var mean: Double = 0
  public private(set) var m2: Double = 0

  public init() {}
  public init(count: Int, mean: Double, m2: Double) { (self.count, self.mean, self.m2) = (count, mean, m2) }

  /// Welford's update.
  public mutating func add(_ x: Double) {
    count += 1
    let delta = x - mean
    mean += delta / Double(count)
    m2 += delta * (x - mean)
  }

  public func merged(with other: ScalarMoments) -> ScalarMoments {
    if other.count == 0 { return self }
    if count == 0 { return other }
    let na = Double(count), nb = Double(other.count), n = na + nb, delta = other.mean - mean
    return ScalarMoments(count: count + other.count, mean: mean + delta * nb / n, m2: m2 + other.m2 + delta * delta * na * nb / n)
  }

  /// Sample variance (n − 1).
  public var variance: Double { count > 1 ? m2 / Double(count - 1) : .nan }
}

/// Counts over `bins` equal bins of [low, high] (numpy's edges; the last bin is right-closed).
/// Values outside the range are counted in `outside`, so no image is lost silently.
public struct BinnedCounts: Sendable, Equatable {
  public var low: Double
  public var high: Double
  public var counts: [UInt64]
  public var outside: UInt64 = 0

  public init(bins: Int, low: Double, high: Double) {
    precondition(bins > 0 && high > low, "a histogram needs at least one bin and low < high")
    (self.low, self.high, counts) = (low, high, [UInt64](repeating: 0, count: bins))
  }

  public var bins: Int { counts.count }

  public mutating func add(_ value: Double, count: UInt64 = 1) {
    guard value >= low && value <= high else { outside += count; return }
    let bin = value == high ? bins - 1 : min(bins - 1, Int((value - low) / (high - low) * Double(bins)))
    counts[bin] += count
  }

  public func sameBins(as other: BinnedCounts) -> Bool { bins == other.bins && low == other.low && high == other.high }
}

/// A seeded uniform subsample of at most `capacity` feature rows that merges exactly: each row
/// carries a key that depends only on the seed and the row's identity (e.g. its file path),
/// and the kept rows are those with the `capacity` smallest keys. Keys are uniform 64-bit
/// values, so the kept rows are a uniform random subset of all rows seen; the union of two
/// subsamples cut back to the smallest keys is exactly the subsample of the union (a bottom-k
/// sketch), whatever the sharding. A max-heap on the keys makes each offer O(log capacity + d).
public struct FeatureSubsample: Sendable {
  public let capacity: Int
  public let dimension: Int
  public let seed: UInt64
  /// Max-heap of (key, slot); slot s's row is storage[s·d..<(s+1)·d].
  private var heap: [(key: UInt64, slot: Int)] = []
  private var storage: [Double] = []

  public init(capacity: Int, dimension: Int, seed: UInt64) {
    precondition(capacity >= 0 && dimension > 0, "a subsample needs a capacity ≥ 0 and a feature dimension ≥ 1")
    (self.capacity, self.dimension, self.seed) = (capacity, dimension, seed)
  }

  /// Restores stored rows.
  init(capacity: Int, dimension: Int, seed: UInt64, keys: [UInt64], rows: [Double]) {
    self.init(capacity: capacity, dimension: dimension, seed: seed)
    for (i, key) in keys.enumerated() { insert(key: key, row: rows[(i * dimension)..<((i + 1) * dimension)]) }
  }

  /// Kept rows' keys, ascending.
  public var keys: [UInt64] { heap.map(\.key).sorted() }
  /// Kept rows in ascending key order (keys.count × dimension).
  public var rows: [Double] {
    heap.sorted { $0.key < $1.key }.flatMap { storage[($0.slot * dimension)..<(($0.slot + 1) * dimension)] }
  }
  public var count: Int { heap.count }

  /// The key of a row named `identity` (e.g. the image's path relative to the set).
  public func key(for identity: String) -> UInt64 {
    var mix = SplitMix64(seed: fnv1a64(Array(identity.utf8)) ^ seed)
    return mix.next()
  }

  public mutating func add(_ row: [Double], identity: String) {
    precondition(row.count == dimension, "a subsample row needs \(dimension) features")
    insert(key: key(for: identity), row: row[...])
  }

  mutating func insert(key: UInt64, row: ArraySlice<Double>) {
    guard capacity > 0 else { return }
    if heap.count < capacity {
      let slot = heap.count
      storage.append(contentsOf: row)
      heap.append((key, slot))
      siftUp(heap.count - 1)
    } else if key < heap[0].key {
      let slot = heap[0].slot
      storage.replaceSubrange((slot * dimension)..<((slot + 1) * dimension), with: row)
      heap[0] = (key, slot)
      siftDown(0)
    }
  }

  private mutating func siftUp(_ start: Int) {
    var i = start
    while i > 0 {
      let parent = (i - 1) / 2
      guard heap[parent].key < heap[i].key else { return }
      heap.swapAt(parent, i)
      i = parent
    }
  }

  private mutating func siftDown(_ start: Int) {
    var i = start
    while true {
      let left = 2 * i + 1, right = left + 1
      var largest = i
      if left < heap.count && heap[left].key > heap[largest].key { largest = left }
      if right < heap.count && heap[right].key > heap[largest].key { largest = right }
      if largest == i { return }
      heap.swapAt(i, largest)
      i = largest
    }
  }

  public func merged(with other: FeatureSubsample) -> FeatureSubsample {
    precondition(capacity == other.capacity && dimension == other.dimension && seed == other.seed, "subsamples of different shape or seed")
    var out = self
    let (keys, rows) = (other.keys, other.rows)
    for (i, key) in keys.enumerated() { out.insert(key: key, row: rows[(i * dimension)..<((i + 1) * dimension)]) }
    return out
  }
}

extension FeatureSubsample: Equatable {
  /// Same shape, seed and kept rows (in key order), however they were stored.
  public static func == (a: FeatureSubsample, b: FeatureSubsample) -> Bool {
    a.capacity == b.capacity && a.dimension == b.dimension && a.seed == b.seed && a.keys == b.keys && a.rows == b.rows
  }
}
