import FeatureSpace
import Foundation
import ImageIO
import TestSupport
import XCTest

/// Vendi, authenticity, rarity and PRDC against vendi-score, prdc and the committed numpy script
/// (fixtures/make_diversity_goldens.py) on PCA-50 features of 2,500 real digits vs 2,000 blurred
/// other digits + 500 near-copies of real ones.
final class DiversityGoldenTests: XCTestCase {
  struct Fixture {
    var real: FeatureMatrix, fake: FeatureMatrix, golden: [String: Any]
  }

  static func matrix(_ name: String) throws -> FeatureMatrix {
    let array = try NPY.read(Repo.fixtures + "/" + name)
    XCTAssertEqual(array.descr, "<f4")
    return FeatureMatrix(rows: array.shape[0], columns: array.shape[1], values: array.values)
  }

  func load() throws -> Fixture {
    let json = try JSONSerialization.jsonObject(with: Data(readFile(Repo.fixtures + "/diversity_golden.json"))) as! [String: Any]
    return Fixture(real: try Self.matrix("diversity_real.npy"), fake: try Self.matrix("diversity_fake.npy"), golden: json)
  }

  func testVendiEqualsVendiScorePackage() throws {
    let f = try load()
    let expected = f.golden["vendi"] as! [String: Any]
    XCTAssertEqual(vendiScore(f.real), expected["real"] as! Double, accuracy: 1e-9 * (expected["real"] as! Double))
    XCTAssertEqual(vendiScore(f.fake), expected["fake"] as! Double, accuracy: 1e-9 * (expected["fake"] as! Double))
    let labels = f.golden["real_labels"] as! [Int]
    let byClass = vendiScoresByClass(f.real, labels: labels)
    let expectedByClass = expected["per_class_real"] as! [String: Double]
    XCTAssertEqual(byClass.count, 10)
    for (label, value) in expectedByClass { XCTAssertEqual(byClass[Int(label)!]!, value, accuracy: 1e-9 * value, "class \(label)") }
  }

  func testVendiOnRawPixelsTakesTheGramRouteAndAgrees() throws {
    // 300 digits × 784 pixels: n < d, so the n × n Gram matrix is decomposed.
    let digits = try RealData.digits()
    let evenRows = (0..<300).map { 2 * $0 }
    var values: [Double] = []
    for i in evenRows { values += digits.image(i).map { Double(Float(digits.exactValue($0))) } }  // float32(level/255)
    let pixels = FeatureMatrix(rows: 300, columns: 784, values: values)
    let expected = (try load().golden["vendi"] as! [String: Any])["raw_pixels_first_300_real"] as! Double
    XCTAssertEqual(vendiScore(pixels), expected, accuracy: 1e-9 * expected)
  }

  func testVendiLimits() {
    let same = FeatureMatrix(rows: 4, columns: 3, values: [Double](repeating: 1, count: 12))
    XCTAssertEqual(vendiScore(same), 1, accuracy: 1e-12)
    let orthogonal = FeatureMatrix(rows: 3, columns: 3, values: [2, 0, 0, 0, 3, 0, 0, 0, 5])
    XCTAssertEqual(vendiScore(orthogonal), 3, accuracy: 1e-12)
  }

  func testAuthenticityEqualsThePaperDefinitionAndCatchesCopies() throws {
    let f = try load()
    let expected = f.golden["authenticity"] as! [String: Any]
    for threads in [1, 2] {
      let result = Authenticity(real: f.real, fake: f.fake, threads: threads)
      XCTAssertEqual(result.value, expected["value"] as! Double, accuracy: 1e-12)
      XCTAssertEqual(result.authentic.map { $0 ? 1 : 0 }, expected["authentic"] as! [Int])
      XCTAssertEqual(result.nearestReal, expected["nearest_real"] as! [Int])
    }
    XCTAssertEqual(expected["copies_authentic"] as! Double, 0, "the 500 near-copies must all be flagged")
  }

  func testRarityEqualsTheReferenceDefinition() throws {
    let f = try load()
    let expected = f.golden["rarity"] as! [String: Any]
    let scores = expected["scores"] as! [Double], outside = expected["outside"] as! [Int]
    for threads in [1, 2] {
      let rarity = RarityScore(real: f.real, fake: f.fake, k: 3, threads: threads)
      XCTAssertEqual(rarity.inside.map { $0 ? 0 : 1 }, outside)
      for (j, (value, reference)) in zip(rarity.scores, scores).enumerated() {
        XCTAssertEqual(value, reference, accuracy: 1e-9 * max(1, reference), "generated sample \(j)")
      }
    }
    XCTAssertGreaterThan(expected["outside_count"] as! Int, 0, "the fixture exercises the outside-every-ball case")
  }

  func testPRDCEqualsThePrdcPackage() throws {
    let f = try load()
    let expected = f.golden["prdc"] as! [String: Double]
    let prdc = PRDC(real: f.real, fake: f.fake, k: 5, threads: 2)
    XCTAssertEqual(prdc.precision, expected["precision"]!, accuracy: 1e-12)
    XCTAssertEqual(prdc.recall, expected["recall"]!, accuracy: 1e-12)
    XCTAssertEqual(prdc.density, expected["density"]!, accuracy: 1e-12)
    XCTAssertEqual(prdc.coverage, expected["coverage"]!, accuracy: 1e-12)
  }

  /// The documented divergence: points exactly on a k-NN sphere are outside with prdc's (and
  /// our) strict `<`, inside with closed balls (`<=`).
  func testPRDCTiesFollowThePackagesStrictComparison() throws {
    let golden = try JSONSerialization.jsonObject(with: Data(readFile(Repo.fixtures + "/feature_golden.json"))) as! [String: Any]
    let ties = golden["prdc_ties"] as! [String: Any]
    func matrix(_ rows: [[Double]]) -> FeatureMatrix { FeatureMatrix(rows: rows.count, columns: 2, values: rows.flatMap { $0 }) }
    let prdc = PRDC(real: matrix(ties["real"] as! [[Double]]), fake: matrix(ties["fake"] as! [[Double]]), k: 1, threads: 1)
    let strict = ties["package_strict"] as! [String: Double], closed = ties["closed_balls"] as! [String: Double]
    XCTAssertEqual(prdc.precision, strict["precision"]!, accuracy: 1e-15)
    XCTAssertEqual(prdc.recall, strict["recall"]!, accuracy: 1e-15)
    XCTAssertEqual(prdc.density, strict["density"]!, accuracy: 1e-15)
    XCTAssertEqual(prdc.coverage, strict["coverage"]!, accuracy: 1e-15)
    XCTAssertNotEqual(prdc.coverage, closed["coverage"]!, "closed balls would count the tied points")
  }
}
