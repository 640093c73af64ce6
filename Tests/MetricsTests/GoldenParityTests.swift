import Foundation
import ImageIO
import Metrics
import TestSupport
import XCTest

/// Parity with the reference libraries, on real data, against fixtures/make_goldens.py's output.
final class GoldenParityTests: XCTestCase {
  private func source(_ name: String) throws -> ImageSet {
    switch name {
    case "mnist_5k", "mnist_5k_crop": return try RealData.digits()
    case "fashion_t10k", "fashion_t10k_1000": return try RealData.fashionTest()
    default: throw XCTSkip("unknown golden source \(name)")
    }
  }

  func testEntropyEqualsScikitImage() throws {
    let rows = try goldenRows("entropy_golden.csv")
    XCTAssertEqual(rows.count, 300)
    var worst = 0.0
    for row in rows {
      let set = try source(row["source"]!)
      let index = Int(row["index"]!)!
      let mine = shannonEntropyBits(set.grayLevels(index))
      worst = max(worst, abs(mine - Double(row["entropy_bits"]!)!))
    }
    XCTAssertLessThanOrEqual(worst, 1e-9, "worst |Δ entropy| = \(worst) bits over \(rows.count) real images")
  }

  func testHistogramCountsAndDensitiesEqualNumpy() throws {
    let golden = try JSONSerialization.jsonObject(with: Data(readFile(Repo.fixtures + "/histogram_golden.json"))) as! [String: Any]
    let cases = golden["cases"] as! [[String: Any]]
    XCTAssertEqual(cases.count, 8)
    for entry in cases {
      let name = entry["source"] as! String
      var set = try source(name)
      if name == "fashion_t10k_1000" { set = set.subset(Array(0..<1000)) }
      let range = entry["range"] as! [Double]
      let bins = Bins(count: entry["bins"] as! Int, lower: range[0], upper: range[1])
      let histogram = PixelHistogram(set, bins: bins, threads: 2)
      XCTAssertEqual(histogram.counts, entry["counts"] as! [Int], "\(name) \(bins.count) bins over \(range)")
      for (mine, theirs) in zip(histogram.densities, entry["density"] as! [Double]) {
        XCTAssertEqual(mine, theirs, accuracy: 1e-12 * max(1, abs(theirs)))
      }
    }
  }

  func testHistogramDistancesEqualScipy() throws {
    let golden = try JSONSerialization.jsonObject(with: Data(readFile(Repo.fixtures + "/histogram_golden.json"))) as! [String: Any]
    let expected = golden["distances"] as! [String: Any]
    let bins = Bins(count: 256, lower: 0, upper: 1)
    let p = PixelHistogram(try RealData.digits(), bins: bins, threads: 2).probabilities
    let q = PixelHistogram(try RealData.fashionTest().subset(Array(0..<1000)), bins: bins, threads: 2).probabilities
    let checks: [(String, Double)] = [
      ("total_variation", HistogramDistance.totalVariation(p, q)),
      ("jensen_shannon_bits", HistogramDistance.jensenShannonBits(p, q)),
      ("wasserstein1", HistogramDistance.wasserstein1(p, q, edges: bins.edges)),
    ]
    for (key, mine) in checks {
      let theirs = expected[key] as! Double
      XCTAssertEqual(mine, theirs, accuracy: 1e-9 * abs(theirs), key)
    }
  }

  func testGaussianFilterEqualsScipyOnRealImages() throws {
    let rows = try goldenRows("gaussian_golden.csv")
    XCTAssertEqual(rows.count, 60)
    var pixels = 0, exact = 0, worst = 0
    for row in rows {
      let set = try source(row["source"]!)
      let index = Int(row["index"]!)!
      let width = Int(row["width"]!)!, height = Int(row["height"]!)!
      var levels = set.grayLevels(index).map(Double.init)
      if row["source"] == "mnist_5k_crop" {  // columns 4..<24 of the 28×28 digit
        levels = (0..<28).flatMap { y in (4..<24).map { x in levels[y * 28 + x] } }
      }
      let filter = GaussianFilter(
        sigma: Double(row["sigma"]!)!, mode: BoundaryMode(rawValue: row["mode"]!)!, truncate: Double(row["truncate"]!)!)
      let mine = filter.filter(levels, width: width, height: height).map { UInt8(min(max($0.rounded(.toNearestOrEven), 0), 255)) }
      let theirs = hexBytes(row["levels_hex"]!)
      XCTAssertEqual(mine.count, theirs.count)
      for (a, b) in zip(mine, theirs) {
        pixels += 1
        if a == b { exact += 1 }
        worst = max(worst, abs(Int(a) - Int(b)))
      }
    }
    XCTAssertLessThanOrEqual(worst, 1, "within ±1 gray level")
    XCTAssertEqual(exact, pixels, "\(exact) of \(pixels) pixels equal scipy's exactly")
  }

  private func hexBytes(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
      let next = text.index(index, offsetBy: 2)
      out.append(UInt8(text[index..<next], radix: 16)!)
      index = next
    }
    return out
  }
}
