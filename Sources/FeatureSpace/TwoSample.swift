import CBLAS
import Foundation
import LinearAlgebra
import Workers

/// Precision, recall, density and coverage (Naeem et al. 2020, "Reliable fidelity and diversity
/// metrics for generative models"), with k-NN balls of radius = distance to the k-th nearest
/// neighbour within the same set and strict `<`:
/// - precision: fraction of fake points inside at least one real ball;
/// - recall: fraction of real points inside at least one fake ball;
/// - density: (1/k) · mean over fake points of the number of real balls containing it;
/// - coverage: fraction of real balls that contain at least one fake point.
///
/// Equal to the `prdc` package (Naeem et al.'s reference code), strict `<` included
/// (fixtures/make_feature_goldens.py). The one known divergence from other tools: StyleGAN2-ADA's
/// improved precision/recall counts points exactly on a sphere (`<=`); the two differ only on
/// such ties, which real features essentially never produce (the golden has an integer example).
public struct PRDC: Sendable, Equatable {
  public var precision: Double
  public var recall: Double
  public var density: Double
  public var coverage: Double

  public init(real: FeatureMatrix, fake: FeatureMatrix, k: Int = 5, threads: Int) {
    let realRadii = kthNeighbourRadii(real, k: k, threads: threads)
    let fakeRadii = kthNeighbourRadii(fake, k: k, threads: threads)
    var insideCounts = [Int](repeating: 0, count: fake.rows)  // real balls holding each fake point
    insideCounts.withUnsafeMutableBufferPointer { out in
      let out = SharedBuffer(out.baseAddress!)
      forEachDistanceBlock(fake, real, threads: threads) { rows, block in
        for (r, j) in rows.enumerated() {
          var count = 0
          for i in 0..<real.rows where block[r * real.rows + i].squareRoot() < realRadii[i] { count += 1 }
          out[j] = count
        }
      }
    }
    var recalled = [Bool](repeating: false, count: real.rows), covered = recalled
    recalled.withUnsafeMutableBufferPointer { rec in
      covered.withUnsafeMutableBufferPointer { cov in
        let (rec, cov) = (SharedBuffer(rec.baseAddress!), SharedBuffer(cov.baseAddress!))
        forEachDistanceBlock(real, fake, threads: threads) { rows, block in
          for (r, i) in rows.enumerated() {
            var inFakeBall = false, nearest = Double.infinity
            for j in 0..<fake.rows {
              let distance = block[r * fake.rows + j].squareRoot()
              if distance < fakeRadii[j] { inFakeBall = true }
              nearest = min(nearest, distance)
            }
            rec[i] = inFakeBall
            cov[i] = nearest < realRadii[i]
          }
        }
      }
    }
    precision = Double(insideCounts.filter { $0 > 0 }.count) / Double(fake.rows)
    recall = Double(recalled.filter { $0 }.count) / Double(real.rows)
    density = Double(insideCounts.reduce(0, +)) / Double(k) / Double(fake.rows)
    coverage = Double(covered.filter { $0 }.count) / Double(real.rows)
  }
}

/// The 1-nearest-neighbour two-sample test (Lopez-Paz & Oquab 2017): leave-one-out 1-NN
/// classification of real ∪ fake by origin. 0.5 means indistinguishable; 1.0 fully separated;
/// well below 0.5 means fakes sit on top of real points (copying).
public struct OneNearestNeighbour: Sendable, Equatable {
  public var accuracy: Double
  public var realAccuracy: Double
  public var fakeAccuracy: Double

  public init(real: FeatureMatrix, fake: FeatureMatrix, threads: Int) {
    let all = FeatureMatrix(rows: real.rows + fake.rows, columns: real.columns, values: real.values + fake.values)
    var correct = [Bool](repeating: false, count: all.rows)
    correct.withUnsafeMutableBufferPointer { out in
      let out = SharedBuffer(out.baseAddress!)
      forEachDistanceBlock(all, all, threads: threads) { rows, block in
        for (r, i) in rows.enumerated() {
          var best = -1, bestDistance = Double.infinity
          for j in 0..<all.rows where j != i && block[r * all.rows + j] < bestDistance { (best, bestDistance) = (j, block[r * all.rows + j]) }
          out[i] = (best < real.rows) == (i < real.rows)
        }
      }
    }
    let realCorrect = correct[..<real.rows].filter { $0 }.count, fakeCorrect = correct[real.rows...].filter { $0 }.count
    accuracy = Double(realCorrect + fakeCorrect) / Double(all.rows)
    realAccuracy = Double(realCorrect) / Double(real.rows)
    fakeAccuracy = Double(fakeCorrect) / Double(fake.rows)
  }
}

/// Kernel Inception Distance (Bińkowski et al. 2018): the unbiased MMD² with the cubic
/// polynomial kernel k(x, y) = (xᵀy/d + 1)³, over random subsets.
public enum KernelDistance {
  /// The unbiased MMD² of two equal-size samples.
  public static func mmd(_ x: FeatureMatrix, _ y: FeatureMatrix) -> Double {
    precondition(x.rows == y.rows && x.rows > 1, "KID subsets must have the same size, at least 2")
    let m = Double(x.rows)
    let within = offDiagonalKernelSum(x) + offDiagonalKernelSum(y)
    let between = kernelSum(x, y)
    return within / (m * (m - 1)) - 2 * between / (m * m)
  }

  /// MMD² for each pair of index subsets.
  public static func values(real: FeatureMatrix, fake: FeatureMatrix, subsets: [(real: [Int], fake: [Int])], threads: Int) -> [Double] {
    useSingleThreadedBLAS()
    var out = [Double](repeating: 0, count: subsets.count)
    out.withUnsafeMutableBufferPointer { buffer in
      let shared = SharedBuffer(buffer.baseAddress!)
      try? parallelFor(subsets.count, threads: threads) { s in
        shared[s] = mmd(real.subset(subsets[s].real), fake.subset(subsets[s].fake))
      }
    }
    return out
  }

  /// `count` seeded subsets of size min(1000, real, fake), each drawn without replacement.
  public static func randomSubsets(realCount: Int, fakeCount: Int, count: Int = 100, size: Int = 1000, seed: UInt64) -> [(real: [Int], fake: [Int])] {
    var random = SplitMix64(seed: seed)
    let m = min(size, realCount, fakeCount)
    func draw(_ n: Int) -> [Int] {  // partial Fisher–Yates
      var pool = Array(0..<n)
      for i in 0..<m { pool.swapAt(i, i + Int(random.next() % UInt64(n - i))) }
      return Array(pool[..<m])
    }
    return (0..<count).map { _ in (draw(realCount), draw(fakeCount)) }
  }

  static func kernelMatrix(_ x: FeatureMatrix, _ y: FeatureMatrix) -> [Double] {
    var gram = [Double](repeating: 0, count: x.rows * y.rows)
    cblas_dgemm(
      CblasRowMajor, CblasNoTrans, CblasTrans, Int32(x.rows), Int32(y.rows), Int32(x.columns), 1 / Double(x.columns),
      x.values, Int32(x.columns), y.values, Int32(y.columns), 0, &gram, Int32(y.rows))
    return gram.map { let t = $0 + 1; return t * t * t }
  }

  static func kernelSum(_ x: FeatureMatrix, _ y: FeatureMatrix) -> Double { kernelMatrix(x, y).reduce(0, +) }

  static func offDiagonalKernelSum(_ x: FeatureMatrix) -> Double {
    let k = kernelMatrix(x, x)
    var sum = 0.0
    for i in 0..<x.rows { for j in 0..<x.rows where i != j { sum += k[i * x.rows + j] } }
    return sum
  }
}

/// Mean and population standard deviation (ddof 0, as numpy's std) of values.
public func meanAndStd(_ values: [Double]) -> (mean: Double, std: Double) {
  guard !values.isEmpty else { return (.nan, .nan) }
  let mean = values.reduce(0, +) / Double(values.count)
  let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
  return (mean, variance.squareRoot())
}
