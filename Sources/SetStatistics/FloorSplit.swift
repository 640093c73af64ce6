import Foundation
import Workers

/// The real-vs-real floor: two disjoint, seeded random halves of the real set, compared with the
/// same metrics as real vs generated, show what a perfect generator would score at that n.
///
/// Each half holds n = min(target, ⌊available/2⌋) images, where `target` is the size of the
/// real-vs-generated comparison (usually the generated count) and `available` counts the real
/// images not excluded — exclude the images the judge network was trained on, which sit
/// tighter in its feature space than unseen real images. `isReduced` says when the real set
/// was too small for halves of the target size (report it, and the n used).
public struct FloorSplit: Sendable, Equatable {
  public var first: [Int]
  public var second: [Int]
  public var size: Int { first.count }
  public var target: Int
  public var isReduced: Bool { size < target }

  public init(realCount: Int, target: Int, seed: UInt64, excluding excluded: Set<Int> = []) {
    precondition(realCount >= 0 && target >= 1, "the floor needs a target size of at least 1")
    var pool = (0..<realCount).filter { !excluded.contains($0) }
    let n = min(target, pool.count / 2)
    var random = SplitMix64(seed: seed ^ 0x464C_4F4F_5253_504C)  // "FLOORSPL"
    for i in 0..<min(2 * n, pool.count) {  // partial Fisher–Yates: the first 2n are a uniform draw
      pool.swapAt(i, i + Int(random.next().multipliedFullWidth(by: UInt64(pool.count - i)).high))
    }
    first = pool[0..<n].sorted()
    second = pool[n..<(2 * n)].sorted()
    self.target = target
  }
}
