import FeatureSpace
import Foundation
import ImageIO
import TestSupport
import XCTest

/// Agreement with numpy/scipy (fixtures/make_feature_goldens.py) on PCA features of real digits.
final class FeatureGoldenTests: XCTestCase {
  func load() throws -> (real: FeatureMatrix, fake: FeatureMatrix, golden: [String: Any]) {
    func matrix(_ name: String) throws -> FeatureMatrix {
      let array = try NPY.read(Repo.fixtures + "/" + name)
      XCTAssertEqual(array.descr, "<f4")
      return FeatureMatrix(rows: array.shape[0], columns: array.shape[1], values: array.values)
    }
    let json = try JSONSerialization.jsonObject(with: Data(readFile(Repo.fixtures + "/feature_golden.json"))) as! [String: Any]
    return (try matrix("features_real.npy"), try matrix("features_fake.npy"), json)
  }

  func testFrechetDistanceEqualsScipySqrtmTo1e6() throws {
    let (real, fake, golden) = try load()
    let fd = frechetDistance(GaussianStatistics(real), GaussianStatistics(fake))
    let expected = golden["frechet_distance"] as! Double
    XCTAssertEqual(fd, expected, accuracy: 1e-6 * abs(expected))
    XCTAssertEqual(frechetDistance(GaussianStatistics(real), GaussianStatistics(real)), 0, accuracy: 1e-9)
  }

  func testKIDEqualsTheUnbiasedCubicKernelMMDOnFixedSubsets() throws {
    let (real, fake, golden) = try load()
    let subsets = (golden["kid_subsets"] as! [[[Int]]]).map { (real: $0[0], fake: $0[1]) }
    let values = KernelDistance.values(real: real, fake: fake, subsets: subsets, threads: 2)
    for (value, expected) in zip(values, golden["kid_values"] as! [Double]) { XCTAssertEqual(value, expected, accuracy: 1e-9 * max(1, abs(expected))) }
    let (mean, std) = meanAndStd(values)
    XCTAssertEqual(mean, golden["kid_mean"] as! Double, accuracy: 1e-10)
    XCTAssertEqual(std, golden["kid_std"] as! Double, accuracy: 1e-10)
  }

  /// KID as the metric runs it: its own seeded subsets (fixtures/make_kid_sampling_golden.py
  /// re-derives them from the sampler's definition), not subsets handed in by the test.
  func testKIDWithItsOwnSubsetSamplingEqualsTheGolden() throws {
    let (real, fake, _) = try load()
    let golden = try JSONSerialization.jsonObject(with: Data(readFile(Repo.fixtures + "/kid_sampling_golden.json"))) as! [String: Any]
    let subsets = KernelDistance.randomSubsets(
      realCount: real.rows, fakeCount: fake.rows, count: golden["count"] as! Int, size: golden["size"] as! Int,
      seed: UInt64(golden["seed"] as! Int))
    XCTAssertEqual(subsets.count, 100)
    XCTAssertEqual(subsets[0].real, golden["first_real_subset"] as! [Int], "the first real subset, in draw order")
    XCTAssertEqual(subsets[0].fake, golden["first_fake_subset"] as! [Int])
    XCTAssertEqual(subsets[99].real, golden["last_real_subset"] as! [Int])
    for threads in [1, 2] {
      let values = KernelDistance.values(real: real, fake: fake, subsets: subsets, threads: threads)
      for (value, expected) in zip(values, golden["values"] as! [Double]) {
        XCTAssertEqual(value, expected, accuracy: 1e-9 * max(1, abs(expected)))
      }
      let (mean, std) = meanAndStd(values)
      XCTAssertEqual(mean, golden["mean"] as! Double, accuracy: 1e-10)
      XCTAssertEqual(std, golden["std"] as! Double, accuracy: 1e-10)
    }
  }

  /// The sampler draws without replacement, every index equally often: over 3,000 subsets of 200
  /// from 600, each index is drawn 1,000 ± 25.8 (binomial σ) times; all within 5σ, and the draws
  /// vary with the seed.
  func testKIDSubsetsAreUniformWithoutReplacement() {
    let subsets = KernelDistance.randomSubsets(realCount: 600, fakeCount: 450, count: 3000, size: 200, seed: 11)
    var drawn = [Int](repeating: 0, count: 600)
    for (real, fake) in subsets {
      XCTAssertEqual(Set(real).count, 200, "no index twice in a subset")
      XCTAssertEqual(Set(fake).count, 200)
      XCTAssertTrue(real.allSatisfy { (0..<600).contains($0) } && fake.allSatisfy { (0..<450).contains($0) })
      for i in real { drawn[i] += 1 }
    }
    let sigma = (3000.0 * (1.0 / 3) * (2.0 / 3)).squareRoot()
    let worst = drawn.map { abs(Double($0) - 1000) }.max()!
    XCTAssertLessThan(worst, 5 * sigma, "worst index drawn \(worst) times away from 1,000")
    let other = KernelDistance.randomSubsets(realCount: 600, fakeCount: 450, count: 3, size: 200, seed: 12)
    XCTAssertNotEqual(other[0].real, subsets[0].real, "another seed, other subsets")
    XCTAssertEqual(KernelDistance.randomSubsets(realCount: 600, fakeCount: 450, count: 3, size: 200, seed: 11)[2].fake, subsets[2].fake)
  }

  func testPRDCEqualsTheReferenceFormulas() throws {
    let (real, fake, golden) = try load()
    let expected = golden["prdc"] as! [String: Double]
    for threads in [1, 2] {
      let prdc = PRDC(real: real, fake: fake, k: 5, threads: threads)
      XCTAssertEqual(prdc.precision, expected["precision"]!, accuracy: 1e-12)
      XCTAssertEqual(prdc.recall, expected["recall"]!, accuracy: 1e-12)
      XCTAssertEqual(prdc.density, expected["density"]!, accuracy: 1e-12)
      XCTAssertEqual(prdc.coverage, expected["coverage"]!, accuracy: 1e-12)
    }
  }

  func testOneNearestNeighbourEqualsLeaveOneOutReference() throws {
    let (real, fake, golden) = try load()
    let expected = golden["one_nn"] as! [String: Double]
    let nn = OneNearestNeighbour(real: real.subset(Array(0..<500)), fake: fake, threads: 2)
    XCTAssertEqual(nn.accuracy, expected["accuracy"]!, accuracy: 1e-12)
    XCTAssertEqual(nn.realAccuracy, expected["real"]!, accuracy: 1e-12)
    XCTAssertEqual(nn.fakeAccuracy, expected["fake"]!, accuracy: 1e-12)
  }

  func testRankDeficientCovarianceIsReportedAndFrechetStaysFinite() throws {
    let (real, _, _) = try load()
    // 20 points in 32 dimensions: the covariance has rank ≤ 19.
    let few = real.subset(Array(0..<20))
    let stats = GaussianStatistics(few)
    XCTAssertTrue(stats.isRankDeficient)
    XCTAssertEqual(stats.rank, 19)
    let fd = frechetDistance(stats, GaussianStatistics(real))
    XCTAssertTrue(fd.isFinite && fd > 0)
  }
}
