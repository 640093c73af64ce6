import FeatureSpace
import Foundation
@testable import SetStatistics
import TestSupport
import XCTest

/// Analytic intervals against scipy (fixtures/make_interval_goldens.py).
final class AnalyticIntervalTests: XCTestCase {
  lazy var golden: [String: Any] = try! Fixtures.json("interval_golden.json")

  func testNormalAndStudentQuantilesEqualScipy() {
    let quantiles = golden["quantiles"] as! [String: [String: Double]]
    for (p, expected) in quantiles["normal"]! { XCTAssertEqual(normalQuantile(Double(p)!), expected, accuracy: 1e-12, "Φ⁻¹(\(p))") }
    for (key, expected) in quantiles["t"]! {
      let parts = key.split(separator: "|").map { Double($0)! }
      XCTAssertEqual(studentTQuantile(parts[0], degreesOfFreedom: parts[1]), expected, accuracy: 1e-10 * abs(expected), "t(\(key))")
    }
  }

  func testWilsonEqualsScipyBinomtest() {
    for row in golden["wilson"] as! [[String: Any]] {
      let estimate = AnalyticInterval.proportion(successes: row["k"] as! Int, trials: row["n"] as! Int)
      XCTAssertEqual(estimate.method, .wilson)
      XCTAssertEqual(estimate.low, row["low"] as! Double, accuracy: 1e-12)
      XCTAssertEqual(estimate.high, row["high"] as! Double, accuracy: 1e-12)
    }
  }

  func testMeanAndWelchEqualScipy() {
    let mean = golden["mean"] as! [String: Any]
    let m = AnalyticInterval.mean(mean["values"] as! [Double])
    XCTAssertEqual(m.method, .studentT)
    XCTAssertEqual(m.low, mean["low"] as! Double, accuracy: 1e-10)
    XCTAssertEqual(m.high, mean["high"] as! Double, accuracy: 1e-10)
    let welch = golden["welch"] as! [String: Any]
    let w = AnalyticInterval.meanDifference(welch["a"] as! [Double], welch["b"] as! [Double])
    XCTAssertEqual(w.method, .welchT)
    XCTAssertEqual(w.value, welch["difference"] as! Double, accuracy: 1e-12)
    XCTAssertEqual(w.low, welch["low"] as! Double, accuracy: 1e-9)
    XCTAssertEqual(w.high, welch["high"] as! Double, accuracy: 1e-9)
  }

  func testInterceptFitEqualsScipyLinregress() {
    let fit = golden["intercept"] as! [String: Any]
    let result = SizeExtrapolation(sizes: fit["sizes"] as! [Int], values: fit["values"] as! [Double])
    XCTAssertEqual(result.intercept.value, fit["intercept"] as! Double, accuracy: 1e-10)
    XCTAssertEqual(result.slope, fit["slope"] as! Double, accuracy: 1e-8)
    XCTAssertEqual(result.intercept.low, fit["low"] as! Double, accuracy: 1e-9)
    XCTAssertEqual(result.intercept.high, fit["high"] as! Double, accuracy: 1e-9)
    XCTAssertEqual(result.intercept.method, .interceptT)
  }

  func testQuantileIsNumpyLinear() {
    let sorted = [1.0, 2, 4, 8, 16]
    XCTAssertEqual(quantile(sorted: sorted, 0.025), 1.1)  // h = 0.1
    XCTAssertEqual(quantile(sorted: sorted, 0.975), 15.2, accuracy: 1e-12)  // h = 3.9: 8 + 0.9·8
    XCTAssertEqual(quantile(sorted: sorted, 0.5), 4)
  }
}
