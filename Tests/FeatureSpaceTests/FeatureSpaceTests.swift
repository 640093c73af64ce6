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
