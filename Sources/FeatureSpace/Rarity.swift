import Foundation
import Workers

/// The rarity score (Han et al. 2023, "Rarity score: a new metric to evaluate the uncommonness
/// of synthesized images"), per generated sample. Each real image i has a k-NN ball of radius
/// rᵢ = distance to its k-th nearest other real image. A generated sample inside at least one
/// ball (d < rᵢ, strict, as the reference code) scores the smallest radius among the balls that
/// contain it: a large score means it lies only in sparse regions of the real data, i.e. it is
/// rare yet still realistic. A sample outside every ball scores 0 (the reference code's value)
/// and is flagged `inside == false`: it is off the real manifold, not rare.
public struct RarityScore: Sendable {
  public var k: Int
  public var scores: [Double]
  public var inside: [Bool]
  /// Per generated sample: the nearest real row (lowest index on ties), for side-by-side figures.
  public var nearestReal: [Int]

  public init(real: FeatureMatrix, fake: FeatureMatrix, k: Int = 3, threads: Int) {
    let radii = kthNeighbourRadii(real, k: k, threads: threads)
    var scores = [Double](repeating: 0, count: fake.rows), nearest = [Int](repeating: 0, count: fake.rows)
    var inside = [Bool](repeating: false, count: fake.rows)
    scores.withUnsafeMutableBufferPointer { s in
      nearest.withUnsafeMutableBufferPointer { nn in
        inside.withUnsafeMutableBufferPointer { ins in
          let (s, nn, ins) = (SharedBuffer(s.baseAddress!), SharedBuffer(nn.baseAddress!), SharedBuffer(ins.baseAddress!))
          forEachDistanceBlock(fake, real, threads: threads) { rows, block in
            for (r, j) in rows.enumerated() {
              var smallest = Double.infinity, best = 0
              for i in 0..<real.rows {
                let squared = block[r * real.rows + i]
                if squared < block[r * real.rows + best] { best = i }
                if squared.squareRoot() < radii[i] { smallest = min(smallest, radii[i]) }
              }
              (s[j], ins[j], nn[j]) = (smallest.isFinite ? smallest : 0, smallest.isFinite, best)
            }
          }
        }
      }
    }
    (self.k, self.scores, self.inside, self.nearestReal) = (k, scores, inside, nearest)
  }
}
