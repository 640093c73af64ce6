import FeatureSpace
import Foundation
import SetStatistics
import TestSupport
import XCTest

/// Mergeable moments (issue 16 §2): shards merged with Chan et al.'s formula equal one pass.
final class MomentsTests: XCTestCase {
  /// |a − b| ≤ 1e-12 · scale per entry; the scale of M2[i][j] is √(M2ᵢᵢ·M2ⱼⱼ) and of μⱼ the
  /// standard deviation √(M2ⱼⱼ/n) plus |μⱼ| (entries can be exactly 0 where a pixel never varies).
  func assertSame(_ a: FeatureMoments, _ b: FeatureMoments, _ label: String) {
    XCTAssertEqual(a.count, b.count, "\(label): counts")
    let d = a.dimension, n = Double(a.count)
    for j in 0..<d {
      let scale = (b.comoment[j * d + j] / n).squareRoot() + abs(b.mean[j])
      XCTAssertLessThanOrEqual(abs(a.mean[j] - b.mean[j]), 1e-12 * scale, "\(label): mean[\(j)]")
    }
    var worst = 0.0
    for i in 0..<d {
      for j in 0..<d {
        let scale = (b.comoment[i * d + i] * b.comoment[j * d + j]).squareRoot()
        let gap = abs(a.comoment[i * d + j] - b.comoment[i * d + j])
        if scale == 0 { XCTAssertEqual(gap, 0, "\(label): M2[\(i)][\(j)] of a constant feature") } else { worst = max(worst, gap / scale) }
      }
    }
    XCTAssertLessThanOrEqual(worst, 1e-12, "\(label): largest relative M2 gap")
  }

  func shards(_ x: FeatureMatrix, _ count: Int) -> [FeatureMatrix] {
    (0..<count).map { s in
      let rows = (s * x.rows / count)..<((s + 1) * x.rows / count)
      return x.subset(Array(rows))
    }
  }

  func checkMerging(_ x: FeatureMatrix, _ name: String) {
    let single = FeatureMoments(x)
    // The reference single pass: two-pass mean and centred co-moment over all rows at once.
    for count in [1, 2, 4, 7] {
      let parts = shards(x, count).map { shard -> FeatureMoments in
        var moments = FeatureMoments(dimension: x.columns)
        for start in stride(from: 0, to: shard.rows, by: 333) {  // chunked streaming inside a shard
          moments.add(shard.subset(Array(start..<min(shard.rows, start + 333))))
        }
        return moments
      }
      assertSame(FeatureMoments.merge(parts), single, "\(name), \(count) shards")
    }
  }

  func testMergingShardsEqualsOnePassOnPCAFeatures() throws {
    checkMerging(try Fixtures.matrix("diversity_real.npy"), "2,500 digits × 50 PCA features")
  }

  func testMergingShardsEqualsOnePassOnRawPixels() throws {
    checkMerging(try Fixtures.digitPixels(5000), "5,000 digits × 784 pixels")
  }

  func testOffsetDataDoesNotCancel() throws {
    // Features with a mean 1e6 times their spread: Σx² − nμ² would lose every digit here.
    var x = try Fixtures.matrix("features_real.npy")
    x.values = x.values.map { $0 + 1e6 }
    let reference = FeatureMoments(try Fixtures.matrix("features_real.npy"))
    let merged = FeatureMoments.merge(shards(x, 7).map(FeatureMoments.init))
    let d = x.columns
    for i in 0..<d {
      let expected = reference.comoment[i * d + i]
      XCTAssertEqual(merged.comoment[i * d + i], expected, accuracy: 1e-6 * expected, "variance \(i) survives a 1e6 offset")
    }
  }

  func testFrechetDistanceFromMergedMomentsEqualsFromMatrices() throws {
    let real = try Fixtures.matrix("features_real.npy"), fake = try Fixtures.matrix("features_fake.npy")
    let direct = frechetDistance(GaussianStatistics(real), GaussianStatistics(fake))
    let merged = FeatureMoments.merge(shards(real, 7).map(FeatureMoments.init)).gaussian
    let fromMoments = frechetDistance(merged, FeatureMoments.merge(shards(fake, 4).map(FeatureMoments.init)).gaussian)
    XCTAssertEqual(fromMoments, direct, accuracy: 1e-10 * direct)
    let golden = try Fixtures.json("feature_golden.json")["frechet_distance"] as! Double
    XCTAssertEqual(fromMoments, golden, accuracy: 1e-6 * golden)
  }

  func testFloat32RowsAndEmptyParts() throws {
    let x = try Fixtures.matrix("features_real.npy")
    var streamed = FeatureMoments(dimension: x.columns)
    streamed.add(x.values.map(Float.init))  // the fixture is float32, so this is lossless
    assertSame(streamed, FeatureMoments(x), "Float32 rows")
    assertSame(FeatureMoments.merge([FeatureMoments(dimension: x.columns), FeatureMoments(x)]), FeatureMoments(x), "with an empty part")
  }
}
