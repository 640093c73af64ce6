import EvalCore
import Foundation
import ImageIO
import Metrics
import TestSupport
import XCTest

final class MetricBehaviourTests: XCTestCase {
  func testBoundaryModesFollowScipyDefinitions() {
    let n = 4  // a b c d at 0...3
    func run(_ mode: BoundaryMode) -> [Int?] { (-6...9).map { mode.index($0, count: n) } }
    XCTAssertEqual(run(.reflect), [2, 3, 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0, 1])
    XCTAssertEqual(run(.mirror), [0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3])
    XCTAssertEqual(run(.nearest), [0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 3, 3, 3, 3, 3])
    XCTAssertEqual(run(.wrap), [2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1])
    XCTAssertEqual(run(.constant), [nil, nil, nil, nil, nil, nil, 0, 1, 2, 3, nil, nil, nil, nil, nil, nil])
  }

  func testKernelIsNormalisedWithScipyRadius() {
    let filter = GaussianFilter(sigma: 1.3, truncate: 4)
    XCTAssertEqual(filter.halfKernel.count, Int(4 * 1.3 + 0.5) + 1)
    XCTAssertEqual(filter.halfKernel[0] + 2 * filter.halfKernel.dropFirst().reduce(0, +), 1, accuracy: 1e-15)
    XCTAssertEqual(GaussianFilter(sigma: 0).halfKernel, [1], "sigma 0 leaves the image unchanged")
  }

  func testResultsDoNotDependOnThreadCount() throws {
    let digits = try RealData.digits().subset(Array(stride(from: 0, to: 5000, by: 7)))
    let one = RunContext(threads: 1), three = RunContext(threads: 3)
    XCTAssertEqual(EntropyMetric.entropies(digits, threads: 1), EntropyMetric.entropies(digits, threads: 3))
    let bins = Bins(count: 256, lower: 0, upper: 1)
    XCTAssertEqual(PixelHistogram(digits, bins: bins, threads: 1).counts, PixelHistogram(digits, bins: bins, threads: 3).counts)
    let filter = GaussianFilter(sigma: 1.2)
    XCTAssertEqual(try filter.apply(digits, context: one).pixels, try filter.apply(digits, context: three).pixels)
    let metric = try HistogramMetric.make(["bins": "64"])
    XCTAssertEqual(
      try metric.evaluate([digits], context: one).tables[0].csv(), try metric.evaluate([digits], context: three).tables[0].csv())
  }

  /// Colour sets: per-image histograms of each channel and of the luminance sum to the pooled
  /// ones, and the distances get intervals and floors per channel (space R, G, B, luma).
  func testColourHistogramDistancesHaveIntervalsAndFloorsPerChannel() throws {
    let digits = try RealData.digits().subset(Array(stride(from: 0, to: 5000, by: 10)))
    var colours: [String: [Double]] = [:]
    for k in 0..<10 {
      let shade = Double(k)
      colours[String(k)] = [25 * shade, 255 - 20 * shade, 90 + 15 * shade]
    }
    var lighter: [String: [Double]] = [:]
    for (key, value) in colours { lighter[key] = value.map { min(255, $0 + 40) } }
    let real = painted(digits.subset(Array(0..<250)), foreground: colours)
    let fake = painted(digits.subset(Array(250..<500)), foreground: lighter)
    let bins = Bins(count: 32, lower: 0, upper: 1)
    for (name, channel) in HistogramMetric.colorChannels {
      let each = PixelHistogram.perImage(real, bins: bins, threads: 3, channel: channel)
      var summed = [Int](repeating: 0, count: bins.count)
      for (i, count) in each.counts.enumerated() { summed[i % bins.count] += count }
      XCTAssertEqual(summed, PixelHistogram(real, bins: bins, threads: 2, channel: channel).counts, "per-image \(name) histograms sum to the pooled one")
    }
    let report = try HistogramMetric.make(["bins": "32", "bootstrap": "50"]).evaluate([real, fake], context: RunContext(threads: 2, quiet: true))
    for space in ["R", "G", "B", "luma"] {
      for metric in ["total_variation", "jensen_shannon_bits", "wasserstein1"] {
        let found: ScalarRecord? = report.records.first { $0.space == space && $0.metric == metric }
        let record = try XCTUnwrap(found, "\(metric) \(space)")
        XCTAssertTrue(record.low <= record.value && record.value <= record.high, "\(record)")
        let floor: Double = try XCTUnwrap(record.floor)
        XCTAssertLessThan(floor, record.value, "the lightened fake set is further from the real one than real halves are (\(metric) \(space))")
      }
    }
  }

  func testBlurRaisesEntropyAndMovesHistogramOnRealDigits() throws {
    let digits = try RealData.digits().subset(Array(0..<500))
    let blurred = try GaussianFilter(sigma: 1).apply(digits, context: RunContext(threads: 2, quiet: true))
    let before = SampleSummary(EntropyMetric.entropies(digits, threads: 2)).mean
    let after = SampleSummary(EntropyMetric.entropies(blurred, threads: 2)).mean
    XCTAssertGreaterThan(after, before + 1, "blurring spreads gray levels: \(before) → \(after) bits")
    let bins = Bins(count: 256, lower: 0, upper: 1)
    let p = PixelHistogram(digits, bins: bins, threads: 2).probabilities
    XCTAssertEqual(HistogramDistance.totalVariation(p, p), 0)
    XCTAssertEqual(HistogramDistance.jensenShannonBits(p, p), 0)
    let q = PixelHistogram(blurred, bins: bins, threads: 2).probabilities
    XCTAssertGreaterThan(HistogramDistance.jensenShannonBits(p, q), 0.01)
  }

  /// 8-bit sets are binned through a 256-entry table; 16-bit sets pixel by pixel. Both must agree.
  func testSixteenBitPathBinsLikeTheEightBitTable() throws {
    let digits = try RealData.digits().subset(Array(0..<300))
    var deep = digits
    deep.bitDepth = 16
    for bins in [Bins(count: 256, lower: 0, upper: 1), Bins(count: 10, lower: 0, upper: 1), Bins(count: 7, lower: 0.2, upper: 0.9)] {
      XCTAssertEqual(PixelHistogram(digits, bins: bins, threads: 2).counts, PixelHistogram(deep, bins: bins, threads: 2).counts)
    }
  }

  func testEntropyOfKnownImages() {
    XCTAssertEqual(shannonEntropyBits([UInt8](repeating: 7, count: 784)), 0)
    XCTAssertEqual(shannonEntropyBits([0, 255, 0, 255]), 1, accuracy: 1e-15)
    XCTAssertEqual(shannonEntropyBits((0...255).map { UInt8($0) }), 8, accuracy: 1e-12)
  }

  func testBadOptionsNameTheParameter() {
    let cases: [([String: String], String)] = [
      (["bins": "0"], "--bins"),
      (["range": "1,0"], "--range"),
      (["colour": "red"], "--colour"),
    ]
    for (options, parameter) in cases {
      XCTAssertThrowsError(try HistogramMetric.make(options)) { error in
        XCTAssertTrue(String(describing: error).hasPrefix(parameter), String(describing: error))
      }
    }
    XCTAssertThrowsError(try GaussianFilter.make([:])) { XCTAssertTrue(String(describing: $0).hasPrefix("--sigma")) }
    XCTAssertThrowsError(try GaussianFilter.make(["sigma": "1", "mode": "bounce"])) {
      XCTAssertTrue(String(describing: $0).contains("reflect, nearest, mirror, constant, wrap"))
    }
  }
}
