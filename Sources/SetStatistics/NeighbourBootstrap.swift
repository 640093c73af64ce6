import FeatureSpace
import Foundation
import Workers

/// Precision, recall, density, coverage (Naeem et al. 2020, k-NN balls, strict `<`) and the
/// 1-NN two-sample accuracy, for the full sets and for any resample given as multiplicities,
/// from neighbour lists built once: one pass over each of the four distance blocks (real–real,
/// generated–generated, and the two cross blocks), where `PRDC` and `OneNearestNeighbour`
/// together make eight.
///
/// Resampled sets. A resample holds wᵢ copies of image i. Copies of one image are the same
/// image, not neighbours of each other, so:
/// - the radius of image i is the k-th smallest distance to the *other* images of its set, each
///   counted wⱼ times (rᵢ = min r with Σ_{j≠i, dᵢⱼ≤r} wⱼ ≥ k; +∞ if the others weigh < k);
/// - precision and density weight each generated image by its count and each real ball by its
///   count; recall and coverage weight each real image by its count;
/// - in the 1-NN test each image's nearest neighbour is the nearest *other* present image.
/// With all multiplicities 1 these are exactly `PRDC` and `OneNearestNeighbour`.
///
/// Cost. Each image keeps its L nearest same-set neighbours (L = 8k + 16) and the cross-set
/// pairs lying inside its L-th-neighbour radius, the largest radius a replicate can give it
/// unless its L nearest weigh less than k in total (probability below 1e-12 per image when
/// multiplicities are Poisson(1)-like), and the 32 nearest pooled images for the 1-NN test (all
/// 32 absent from a resample with probability e⁻³² ≈ 1e-14). A replicate that hits either case
/// is recomputed by brute force, so results are exact either way. Memory: O((n_real + n_fake)·L)
/// plus the cross pairs (about L per image when the sets overlap; at most n_real·n_fake).
public final class NeighbourBootstrap: @unchecked Sendable {
  struct Neighbour: Sendable {
    var index: Int32
    var distance: Double
  }

  public let k: Int
  public let real: FeatureMatrix, fake: FeatureMatrix
  let listLength: Int, poolLength: Int
  /// Same-set neighbours, nearest first (by squared distance, then index), self excluded.
  var realNeighbours: [[Neighbour]] = [], fakeNeighbours: [[Neighbour]] = []
  /// L-th neighbour distance (+∞ when the list holds the whole set).
  var realCap: [Double] = [], fakeCap: [Double] = []
  /// Per generated image: reals i with d < realCap[i] (for precision and density).
  var fakeInRealBalls: [[Neighbour]] = []
  /// Per real image: fakes j with d < fakeCap[j] (recall), and fakes with d < realCap[i] (coverage).
  var realInFakeBalls: [[Neighbour]] = [], fakesNearReal: [[Neighbour]] = []
  /// Per pooled image (reals then fakes): nearest other pooled images, index in the pooled order.
  var pooled: [[Neighbour]] = []

  public init(real: FeatureMatrix, fake: FeatureMatrix, k: Int = 5, threads: Int) {
    precondition(real.columns == fake.columns, "feature sets of different dimensions (\(real.columns) and \(fake.columns))")
    precondition(k >= 1 && k < real.rows && k < fake.rows, "k = \(k) must be between 1 and each set's size − 1")
    (self.k, self.real, self.fake) = (k, real, fake)
    listLength = 8 * k + 16
    poolLength = 32
    (realNeighbours, realSquared, realCap) = Self.sameSetLists(real, length: listLength, threads: threads)
    (fakeNeighbours, fakeSquared, fakeCap) = Self.sameSetLists(fake, length: listLength, threads: threads)
    let nr = real.rows
    var fakePoolCross = [[Neighbour]](repeating: [], count: fake.rows)
    fakeInRealBalls = [[Neighbour]](repeating: [], count: fake.rows)
    fakeInRealBalls.withUnsafeMutableBufferPointer { balls in
      fakePoolCross.withUnsafeMutableBufferPointer { cross in
        let (balls, cross) = (SharedBuffer(balls.baseAddress!), SharedBuffer(cross.baseAddress!))
        let caps = realCap, length = poolLength
        forEachDistanceBlock(fake, real, threads: threads) { rows, block in
          for (r, j) in rows.enumerated() {
            var inside: [Neighbour] = []
            var nearest = Self.Smallest(capacity: length)
            for i in 0..<nr {
              let squared = block[r * nr + i]
              let distance = squared.squareRoot()
              if distance < caps[i] { inside.append(Neighbour(index: Int32(i), distance: distance)) }
              nearest.offer(index: i, squared: squared)
            }
            balls[j] = inside
            cross[j] = nearest.items
          }
        }
      }
    }
    var realPoolCross = [[Neighbour]](repeating: [], count: nr)
    realInFakeBalls = [[Neighbour]](repeating: [], count: nr)
    fakesNearReal = [[Neighbour]](repeating: [], count: nr)
    realInFakeBalls.withUnsafeMutableBufferPointer { recall in
      fakesNearReal.withUnsafeMutableBufferPointer { coverage in
        realPoolCross.withUnsafeMutableBufferPointer { cross in
          let (recall, coverage, cross) = (SharedBuffer(recall.baseAddress!), SharedBuffer(coverage.baseAddress!), SharedBuffer(cross.baseAddress!))
          let (fakeCaps, realCaps, nf, length) = (fakeCap, realCap, fake.rows, poolLength)
          forEachDistanceBlock(real, fake, threads: threads) { rows, block in
            for (r, i) in rows.enumerated() {
              var inFake: [Neighbour] = [], near: [Neighbour] = []
              var nearest = Self.Smallest(capacity: length)
              for j in 0..<nf {
                let squared = block[r * nf + j]
                let distance = squared.squareRoot()
                if distance < fakeCaps[j] { inFake.append(Neighbour(index: Int32(j), distance: distance)) }
                if distance < realCaps[i] { near.append(Neighbour(index: Int32(j), distance: distance)) }
                nearest.offer(index: j, squared: squared)
              }
              (recall[i], coverage[i], cross[i]) = (inFake, near, nearest.items)
            }
          }
        }
      }
    }
    // Pooled nearest: merge the same-set and cross lists (both hold squared distances here).
    pooled = (0..<(nr + fake.rows)).map { p in
      let isReal = p < nr
      let same = (isReal ? realSquared[p] : fakeSquared[p - nr]).map { Neighbour(index: $0.index + (isReal ? 0 : Int32(nr)), distance: $0.distance) }
      let cross = (isReal ? realPoolCross[p] : fakePoolCross[p - nr]).map { Neighbour(index: $0.index + (isReal ? Int32(nr) : 0), distance: $0.distance) }
      return Array((same + cross).sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }.prefix(poolLength))
    }
    realSquared = []
    fakeSquared = []
  }

  /// Same-set lists with squared distances, kept until the pooled lists are merged.
  var realSquared: [[Neighbour]] = [], fakeSquared: [[Neighbour]] = []

  /// Each row's `length` nearest other rows: with distances, with squared distances, and the
  /// distance of the last one (+∞ when the list holds every other row).
  static func sameSetLists(_ set: FeatureMatrix, length: Int, threads: Int) -> ([[Neighbour]], [[Neighbour]], [Double]) {
    let n = set.rows, length = min(length, n - 1)
    var squared = [[Neighbour]](repeating: [], count: n)
    squared.withUnsafeMutableBufferPointer { out in
      let out = SharedBuffer(out.baseAddress!)
      forEachDistanceBlock(set, set, threads: threads) { rows, block in
        for (r, i) in rows.enumerated() {
          var nearest = Smallest(capacity: length)
          for j in 0..<n where j != i { nearest.offer(index: j, squared: block[r * n + j]) }
          out[i] = nearest.items
        }
      }
    }
    let lists = squared.map { $0.map { Neighbour(index: $0.index, distance: $0.distance.squareRoot()) } }
    let caps = lists.map { length == n - 1 ? Double.infinity : $0[length - 1].distance }
    return (lists, squared, caps)
  }

  /// The `capacity` smallest (squared distance, index) offers, ascending.
  struct Smallest {
    let capacity: Int
    var items: [Neighbour] = []
    init(capacity: Int) { self.capacity = capacity; items.reserveCapacity(capacity + 1) }
    mutating func offer(index: Int, squared: Double) {
      if items.count == capacity, let last = items.last, !(squared < last.distance) { return }
      var at = items.count
      while at > 0 && items[at - 1].distance > squared { at -= 1 }
      items.insert(Neighbour(index: Int32(index), distance: squared), at: at)
      if items.count > capacity { items.removeLast() }
    }
  }
}
