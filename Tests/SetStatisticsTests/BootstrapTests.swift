import FeatureSpace
import Foundation
@testable import SetStatistics
import TestSupport
import XCTest

/// Resampled metrics against numpy on explicit copies, full-set values against the existing
/// engines, and thread-count independence.
final class BootstrapTests: XCTestCase {
  lazy var real: FeatureMatrix = try! Fixtures.matrix("features_real.npy")
  lazy var fake: FeatureMatrix = try! Fixtures.matrix("features_fake.npy")
  lazy var resamples: [[String: Any]] = (try! Fixtures.json("interval_golden.json"))["resamples"] as! [[String: Any]]

  func testMultiplicitiesAreSeededResamplesOfTheRightSize() {
    let plan = BootstrapPlan(replicates: 10, seed: 42)
    let counts = plan.multiplicities(replicate: 3, set: 1, size: 500)
    XCTAssertEqual(counts.reduce(0, +), 500)
    XCTAssertEqual(counts, plan.multiplicities(replicate: 3, set: 1, size: 500))
    XCTAssertNotEqual(counts, plan.multiplicities(replicate: 4, set: 1, size: 500))
    XCTAssertNotEqual(counts, plan.multiplicities(replicate: 3, set: 0, size: 500))
    let distinct = Double(counts.filter { $0 > 0 }.count) / 500
    XCTAssertEqual(distinct, 1 - exp(-1), accuracy: 0.05, "about 63% of images appear in a resample")
  }

  func testWeightedFrechetDistanceEqualsFDOfExplicitCopies() {
    let a = WeightedMoments(real), b = WeightedMoments(fake)
    for r in resamples {
      let fd = frechetDistance(a.gaussian(weights: r["real_counts"] as! [Int]), b.gaussian(weights: r["fake_counts"] as! [Int]))
      let expected = r["fd"] as! Double
      XCTAssertEqual(fd, expected, accuracy: 1e-6 * expected)
    }
    let ones = frechetDistance(a.gaussian(weights: [Int](repeating: 1, count: real.rows)), b.gaussian(weights: [Int](repeating: 1, count: fake.rows)))
    XCTAssertEqual(ones, frechetDistance(GaussianStatistics(real), GaussianStatistics(fake)), accuracy: 1e-10 * ones)
  }

  func testWeightedMMDEqualsMMDOfExplicitCopiesOverDistinctImages() throws {
    let xw = [[Int](repeating: 1, count: real.rows)] + resamples.map { $0["real_counts"] as! [Int] }
    let yw = [[Int](repeating: 1, count: fake.rows)] + resamples.map { $0["fake_counts"] as! [Int] }
    for threads in [1, 2] {
      let values = WeightedKernel.mmdSquared(real, fake, xWeights: xw, yWeights: yw, threads: threads)
      let full = (try Fixtures.json("interval_golden.json")["full"] as! [String: Double])["mmd"]!
      XCTAssertEqual(values[0], full, accuracy: 1e-10)
      for (value, r) in zip(values.dropFirst(), resamples) { XCTAssertEqual(value, r["mmd"] as! Double, accuracy: 1e-10) }
    }
    // Equal-size sets: the full-set weighted MMD² is KernelDistance.mmd.
    let x = real.subset(Array(0..<500))
    let direct = KernelDistance.mmd(x, fake)
    let weighted = WeightedKernel.mmdSquared(x, fake, xWeights: [[Int](repeating: 1, count: 500)], yWeights: [[Int](repeating: 1, count: 500)], threads: 2)[0]
    XCTAssertEqual(weighted, direct, accuracy: 1e-11)
  }

  func testNeighbourMetricsOfResamplesEqualExplicitCopies() {
    let lists = NeighbourBootstrap(real: real, fake: fake, k: 5, threads: 2)
    for r in resamples {
      let wr = r["real_counts"] as! [Int], wf = r["fake_counts"] as! [Int]
      guard let fast = lists.values(realCounts: wr, fakeCounts: wf) else { return XCTFail("stored lists must serve a Poisson-like resample") }
      let slow = lists.bruteForceValues(realCounts: wr, fakeCounts: wf, threads: 2)
      XCTAssertEqual(fast, slow, "stored-list path equals brute force")
      XCTAssertEqual(fast.precision, r["precision"] as! Double, accuracy: 1e-12)
      XCTAssertEqual(fast.recall, r["recall"] as! Double, accuracy: 1e-12)
      XCTAssertEqual(fast.density, r["density"] as! Double, accuracy: 1e-12)
      XCTAssertEqual(fast.coverage, r["coverage"] as! Double, accuracy: 1e-12)
      XCTAssertEqual(fast.oneNNAccuracy, r["one_nn"] as! Double, accuracy: 1e-12)
      XCTAssertEqual(fast.oneNNRealAccuracy, r["one_nn_real"] as! Double, accuracy: 1e-12)
      XCTAssertEqual(fast.oneNNFakeAccuracy, r["one_nn_fake"] as! Double, accuracy: 1e-12)
    }
  }

  func testFullSetNeighbourValuesEqualPRDCAndOneNN() throws {
    for (real, fake) in [(real, fake), (try Fixtures.matrix("diversity_real.npy"), try Fixtures.matrix("diversity_fake.npy"))] {
      let full = NeighbourBootstrap(real: real, fake: fake, k: 5, threads: 2).fullSetValues
      let prdc = PRDC(real: real, fake: fake, k: 5, threads: 2)
      let nn = OneNearestNeighbour(real: real, fake: fake, threads: 2)
      XCTAssertEqual(full.precision, prdc.precision)
      XCTAssertEqual(full.recall, prdc.recall)
      XCTAssertEqual(full.density, prdc.density, accuracy: 1e-15)
      XCTAssertEqual(full.coverage, prdc.coverage)
      XCTAssertEqual(full.oneNNAccuracy, nn.accuracy)
      XCTAssertEqual(full.oneNNRealAccuracy, nn.realAccuracy)
      XCTAssertEqual(full.oneNNFakeAccuracy, nn.fakeAccuracy)
    }
  }

  func testTruncatedListsFallBackToBruteForce() {
    // Only 3 of 600 real images present, 200 copies each: the 56 stored neighbours of each hold
    // no other present image, so the fast path must decline and brute force answer.
    let lists = NeighbourBootstrap(real: real, fake: fake, k: 5, threads: 2)
    let present = [0, 300, 599]
    var wr = [Int](repeating: 0, count: real.rows)
    for i in present { wr[i] = 200 }
    let wf = [Int](repeating: 1, count: fake.rows)
    XCTAssertNil(lists.values(realCounts: wr, fakeCounts: wf))
    let slow = lists.bruteForceValues(realCounts: wr, fakeCounts: wf, threads: 1)
    // By hand: each present image's radius is the distance to the nearer of the other two
    // (200 copies ≥ k); a fake counts once per copy of each ball holding it.
    func distance(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double { zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() }
    let radius = present.map { i in present.filter { $0 != i }.map { distance(real.row(i), real.row($0)) }.min()! }
    var inside = 0, balls = 0
    for j in 0..<fake.rows {
      let count = present.indices.filter { distance(fake.row(j), real.row(present[$0])) < radius[$0] }.count
      if count > 0 { inside += 1 }
      balls += 200 * count
    }
    XCTAssertEqual(slow.precision, Double(inside) / 500, accuracy: 1e-12)
    XCTAssertEqual(slow.density, Double(balls) / 5 / 500, accuracy: 1e-12)
    XCTAssertGreaterThan(inside, 0)
  }

  func testIntervalsAreTheSameForAnyThreadCountAndBracketTheValue() {
    let plan = BootstrapPlan(replicates: 40, seed: 7)
    let one = frechetDistanceEstimate(real: real, fake: fake, plan: plan, threads: 1)
    let two = frechetDistanceEstimate(real: real, fake: fake, plan: plan, threads: 2)
    XCTAssertEqual(one, two)
    XCTAssertEqual(one.method, .bootstrapPercentile)
    XCTAssertEqual(one.replicates, 40)
    XCTAssertLessThan(one.low, one.high)
    let k1 = kernelDistanceEstimate(real: real, fake: fake, plan: plan, threads: 1)
    let k2 = kernelDistanceEstimate(real: real, fake: fake, plan: plan, threads: 2)
    XCTAssertEqual(k1, k2)
    XCTAssertTrue(k1.low < k1.value && k1.value < k1.high, "KID \(k1)")
    let n1 = NeighbourBootstrap(real: real, fake: fake, threads: 1).estimates(plan: plan, threads: 1)
    let n2 = NeighbourBootstrap(real: real, fake: fake, threads: 2).estimates(plan: plan, threads: 2)
    XCTAssertEqual(n1, n2)
    XCTAssertEqual(n1.bruteForceReplicates, 0)
    // Recall and coverage replicates fall (a resample has ~63% distinct fakes); the shifted
    // interval must still hold the value, and the bias must show the fall.
    for e in [n1.precision, n1.recall, n1.density, n1.coverage, n1.oneNNAccuracy, one] { XCTAssertTrue(e.contains(e.value), "\(e)") }
    XCTAssertLessThan(n1.recall.bias, 0)
    XCTAssertGreaterThan(one.bias, 0, "FD replicates rise")
    XCTAssertEqual(BootstrapPlan(replicates: 0, seed: 7).isEnabled, false)
    XCTAssertEqual(frechetDistanceEstimate(real: real, fake: fake, plan: BootstrapPlan(replicates: 0, seed: 7), threads: 2).method, .none)
  }

  func testHistogramDistancesFromStreamedPerImageCounts() throws {
    // Per-image 256-level counts of 300 real digits and 300 others; TV/JS/W1 of the pooled counts.
    let digits = try RealData.digits()
    func counts(_ range: Range<Int>) -> PerImageHistograms {
      var out = [Int](repeating: 0, count: range.count * 256)
      for (r, i) in range.enumerated() { for v in digits.image(i) { out[r * 256 + Int((Double(v) * 255).rounded())] += 1 } }
      return PerImageHistograms(bins: 256, counts: out)
    }
    func pooled(_ h: PerImageHistograms) -> [Double] {
      var sum = [Double](repeating: 0, count: 256)
      for (i, c) in h.counts.enumerated() { sum[i % 256] += Double(c) }
      let total = sum.reduce(0, +)
      return sum.map { $0 / total }
    }
    let plan = BootstrapPlan(replicates: 60, seed: 1)
    let edges = (0...256).map { Double($0) / 256 }
    // one pass, and the same images in three chunks (out of order): identical replicate counts
    var a = ReplicateHistograms(bins: 256, plan: plan, set: 0), b = ReplicateHistograms(bins: 256, plan: plan, set: 1)
    a.add(counts(0..<300), positions: Array(0..<300))
    b.add(counts(300..<600), positions: Array(0..<300))
    var chunked = ReplicateHistograms(bins: 256, plan: plan, set: 0)
    for range in [200..<300, 0..<7, 7..<200] { chunked.add(counts(range), positions: Array(range)) }
    XCTAssertEqual(chunked.counts, a.counts, "replicate counts do not depend on the chunks")
    XCTAssertNotEqual(a.counts[0..<256], b.counts[0..<256], "sets draw their own weights")
    // each replicate counts an image Poisson(1) times: on average once, sometimes 0 or 2+
    var weights = [Double](repeating: 0, count: 60)
    var all: [Double] = []
    for position in 0..<2000 {
      weights.withUnsafeMutableBufferPointer { plan.poissonWeights(set: 0, position: position, into: $0) }
      all += weights
    }
    let mean = all.reduce(0, +) / Double(all.count)
    let variance = all.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(all.count - 1)
    XCTAssertEqual(mean, 1, accuracy: 0.02)
    XCTAssertEqual(variance, 1, accuracy: 0.04)
    XCTAssertEqual(Double(all.filter { $0 == 0 }.count) / Double(all.count), exp(-1), accuracy: 0.01)

    let p = pooled(counts(0..<300)), q = pooled(counts(300..<600))
    let e = histogramDistanceEstimates(p, q, replicates: a, b, edges: edges)
    XCTAssertEqual(e.totalVariation.value, HistogramDistances.totalVariation(p, q), "the value is the full sets' distance")
    XCTAssertEqual(e.totalVariation.method, .poissonBootstrapPercentile)
    for estimate in [e.totalVariation, e.jensenShannonBits, e.wasserstein1] {
      XCTAssertTrue(estimate.low < estimate.value && estimate.value < estimate.high, "\(estimate)")
      XCTAssertEqual(estimate.replicates, 60)
    }
    let off = BootstrapPlan(replicates: 0, seed: 1)
    let bare = histogramDistanceEstimates(
      p, q, replicates: ReplicateHistograms(bins: 256, plan: off, set: 0), ReplicateHistograms(bins: 256, plan: off, set: 1), edges: edges)
    XCTAssertEqual(bare.wasserstein1.method, .none)
  }

  func testSizeExtrapolationFindsTheInterceptOfFD() {
    let fit = frechetDistanceInfinity(real: real, fake: fake, seed: 3, threads: 2)
    XCTAssertEqual(fit.sizes.count, 15)
    XCTAssertEqual(fit.sizes.last, fake.rows)
    XCTAssertGreaterThan(fit.slope, 0, "FD's bias falls with n")
    XCTAssertLessThan(fit.intercept.value, fit.values.last!, "FD∞ lies below FD at the full n")
    XCTAssertEqual(fit, frechetDistanceInfinity(real: real, fake: fake, seed: 3, threads: 1))
    let kid = kernelDistanceInfinity(real: real, fake: fake, seed: 3, threads: 2)
    XCTAssertTrue(kid.intercept.low < kid.intercept.high)
  }
}

final class FloorSplitTests: XCTestCase {
  func testHalvesAreDisjointSeededAndAvoidTheJudgesTrainingImages() {
    let judge = Set(0..<3000)
    let split = FloorSplit(realCount: 5000, target: 1000, seed: 9, excluding: judge)
    XCTAssertEqual(split.size, 1000)
    XCTAssertFalse(split.isReduced)
    XCTAssertTrue(Set(split.first).isDisjoint(with: split.second))
    XCTAssertTrue(Set(split.first + split.second).isDisjoint(with: judge))
    XCTAssertEqual(split, FloorSplit(realCount: 5000, target: 1000, seed: 9, excluding: judge))
    XCTAssertNotEqual(split, FloorSplit(realCount: 5000, target: 1000, seed: 10, excluding: judge))
    // 2,000 unseen images cannot give two halves of 5,000: the largest possible n is used.
    let small = FloorSplit(realCount: 5000, target: 5000, seed: 9, excluding: judge)
    XCTAssertEqual(small.size, 1000)
    XCTAssertTrue(small.isReduced)
    XCTAssertEqual(Set(small.first + small.second).count, 2000)
  }

  func testFloorOfRealDigitsIsNearPerfect() throws {
    // PCA-32 features of 600 real digits: two halves of 300 score 1-NN ≈ 0.5, far below the
    // blurred fakes' accuracy, which is the point of reporting the floor.
    let real = try Fixtures.matrix("features_real.npy"), fake = try Fixtures.matrix("features_fake.npy")
    let split = FloorSplit(realCount: real.rows, target: 300, seed: 1)
    let floor = OneNearestNeighbour(real: real.subset(split.first), fake: real.subset(split.second), threads: 2).accuracy
    let versus = OneNearestNeighbour(real: real.subset(split.first), fake: fake.subset(Array(0..<300)), threads: 2).accuracy
    XCTAssertEqual(floor, 0.5, accuracy: 0.06)
    XCTAssertGreaterThan(versus, floor + 0.05)
  }
}
