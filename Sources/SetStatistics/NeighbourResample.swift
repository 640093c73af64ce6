import FeatureSpace
import Foundation
import Workers

/// The neighbour metrics of one (re)sample.
public struct NeighbourValues: Sendable, Equatable {
  public var precision: Double
  public var recall: Double
  public var density: Double
  public var coverage: Double
  /// 1-NN two-sample test: overall, real-side and generated-side leave-one-out accuracy.
  public var oneNNAccuracy: Double
  public var oneNNRealAccuracy: Double
  public var oneNNFakeAccuracy: Double
}

/// PRDC and 1-NN with their percentile-bootstrap intervals.
public struct NeighbourEstimates: Sendable, Equatable {
  public var precision: Estimate
  public var recall: Estimate
  public var density: Estimate
  public var coverage: Estimate
  public var oneNNAccuracy: Estimate
  public var oneNNRealAccuracy: Estimate
  public var oneNNFakeAccuracy: Estimate
  /// Replicates that needed the brute-force path (expected 0).
  public var bruteForceReplicates: Int
}

extension NeighbourBootstrap {
  /// The metrics with every image once: equal to `PRDC` and `OneNearestNeighbour` on the sets.
  public var fullSetValues: NeighbourValues {
    values(realCounts: [Int](repeating: 1, count: real.rows), fakeCounts: [Int](repeating: 1, count: fake.rows))!
  }

  /// The metrics of a resample given by multiplicities, or nil when some image's stored
  /// neighbours weigh less than needed (then `bruteForceValues` gives the exact answer).
  public func values(realCounts wr: [Int], fakeCounts wf: [Int]) -> NeighbourValues? {
    precondition(wr.count == real.rows && wf.count == fake.rows, "one multiplicity per image of each set")
    guard let rr = radii(realNeighbours, wr, caps: realCap), let fr = radii(fakeNeighbours, wf, caps: fakeCap) else { return nil }
    let nr = Double(wr.reduce(0, +)), nf = Double(wf.reduce(0, +))
    var precision = 0.0, density = 0.0
    for j in 0..<fake.rows where wf[j] > 0 {
      var balls = 0
      for pair in fakeInRealBalls[j] where wr[Int(pair.index)] > 0 && pair.distance < rr[Int(pair.index)] { balls += wr[Int(pair.index)] }
      if balls > 0 { precision += Double(wf[j]) }
      density += Double(wf[j] * balls)
    }
    var recall = 0.0, coverage = 0.0
    for i in 0..<real.rows where wr[i] > 0 {
      if realInFakeBalls[i].contains(where: { wf[Int($0.index)] > 0 && $0.distance < fr[Int($0.index)] }) { recall += Double(wr[i]) }
      if fakesNearReal[i].contains(where: { wf[Int($0.index)] > 0 && $0.distance < rr[i] }) { coverage += Double(wr[i]) }
    }
    var correct = [0.0, 0.0]
    let nReal = real.rows
    for p in 0..<(nReal + fake.rows) {
      let weight = p < nReal ? wr[p] : wf[p - nReal]
      guard weight > 0 else { continue }
      guard let nearest = pooled[p].first(where: { q in (Int(q.index) < nReal ? wr[Int(q.index)] : wf[Int(q.index) - nReal]) > 0 }) else {
        if pooled[p].count < nReal + fake.rows - 1 { return nil }
        continue  // no other image present at all: counted as wrong
      }
      if (Int(nearest.index) < nReal) == (p < nReal) { correct[p < nReal ? 0 : 1] += Double(weight) }
    }
    return NeighbourValues(
      precision: precision / nf, recall: recall / nr, density: density / Double(k) / nf, coverage: coverage / nr,
      oneNNAccuracy: (correct[0] + correct[1]) / (nr + nf), oneNNRealAccuracy: correct[0] / nr, oneNNFakeAccuracy: correct[1] / nf)
  }

  /// Replicate radii of present images; nil when a truncated list runs out before weight k.
  func radii(_ lists: [[Neighbour]], _ w: [Int], caps: [Double]) -> [Double]? {
    var out = [Double](repeating: .infinity, count: lists.count)
    for i in lists.indices where w[i] > 0 {
      var total = 0
      var found = false
      for neighbour in lists[i] {
        total += w[Int(neighbour.index)]
        if total >= k { out[i] = neighbour.distance; found = true; break }
      }
      if !found && caps[i].isFinite { return nil }  // truncated list: the true radius lies beyond it
    }
    return out
  }

  /// The same definitions evaluated over full distance rows (no stored lists): the reference the
  /// fast path is tested against, and the fallback for the rare replicate it cannot serve.
  public func bruteForceValues(realCounts wr: [Int], fakeCounts wf: [Int], threads: Int) -> NeighbourValues {
    func fullRadii(_ set: FeatureMatrix, _ w: [Int]) -> [Double] {
      var out = [Double](repeating: .infinity, count: set.rows)
      out.withUnsafeMutableBufferPointer { buffer in
        let out = SharedBuffer(buffer.baseAddress!)
        forEachDistanceBlock(set, set, threads: threads) { rows, block in
          for (r, i) in rows.enumerated() where w[i] > 0 {
            let order = (0..<set.rows).filter { $0 != i && w[$0] > 0 }.sorted { (block[r * set.rows + $0], $0) < (block[r * set.rows + $1], $1) }
            var total = 0
            for j in order {
              total += w[j]
              if total >= k { out[i] = block[r * set.rows + j].squareRoot(); break }
            }
          }
        }
      }
      return out
    }
    let rr = fullRadii(real, wr), fr = fullRadii(fake, wf)
    let nr = Double(wr.reduce(0, +)), nf = Double(wf.reduce(0, +))
    var perFake = [(inside: Bool, balls: Int)](repeating: (false, 0), count: fake.rows)
    perFake.withUnsafeMutableBufferPointer { buffer in
      let out = SharedBuffer(buffer.baseAddress!)
      forEachDistanceBlock(fake, real, threads: threads) { rows, block in
        for (r, j) in rows.enumerated() {
          var balls = 0
          for i in 0..<real.rows where wr[i] > 0 && block[r * real.rows + i].squareRoot() < rr[i] { balls += wr[i] }
          out[j] = (balls > 0, balls)
        }
      }
    }
    var perReal = [(recalled: Bool, covered: Bool)](repeating: (false, false), count: real.rows)
    perReal.withUnsafeMutableBufferPointer { buffer in
      let out = SharedBuffer(buffer.baseAddress!)
      forEachDistanceBlock(real, fake, threads: threads) { rows, block in
        for (r, i) in rows.enumerated() {
          var recalled = false, nearest = Double.infinity
          for j in 0..<fake.rows where wf[j] > 0 {
            let distance = block[r * fake.rows + j].squareRoot()
            if distance < fr[j] { recalled = true }
            nearest = min(nearest, distance)
          }
          out[i] = (recalled, nearest < rr[i])
        }
      }
    }
    let all = FeatureMatrix(rows: real.rows + fake.rows, columns: real.columns, values: real.values + fake.values)
    let w = wr + wf
    var correct = [Bool](repeating: false, count: all.rows)
    correct.withUnsafeMutableBufferPointer { buffer in
      let out = SharedBuffer(buffer.baseAddress!)
      forEachDistanceBlock(all, all, threads: threads) { rows, block in
        for (r, p) in rows.enumerated() where w[p] > 0 {
          var best = -1, bestDistance = Double.infinity
          for q in 0..<all.rows where q != p && w[q] > 0 && block[r * all.rows + q] < bestDistance { (best, bestDistance) = (q, block[r * all.rows + q]) }
          out[p] = best >= 0 && (best < real.rows) == (p < real.rows)
        }
      }
    }
    var sums = (precision: 0.0, density: 0.0, recall: 0.0, coverage: 0.0, real: 0.0, fake: 0.0)
    for j in 0..<fake.rows {
      if perFake[j].inside { sums.precision += Double(wf[j]) }
      sums.density += Double(wf[j] * perFake[j].balls)
      if correct[real.rows + j] { sums.fake += Double(wf[j]) }
    }
    for i in 0..<real.rows {
      if perReal[i].recalled { sums.recall += Double(wr[i]) }
      if perReal[i].covered { sums.coverage += Double(wr[i]) }
      if correct[i] { sums.real += Double(wr[i]) }
    }
    return NeighbourValues(
      precision: sums.precision / nf, recall: sums.recall / nr, density: sums.density / Double(k) / nf, coverage: sums.coverage / nr,
      oneNNAccuracy: (sums.real + sums.fake) / (nr + nf), oneNNRealAccuracy: sums.real / nr, oneNNFakeAccuracy: sums.fake / nf)
  }

  /// Full-set values with percentile-bootstrap intervals over `plan`'s resamples (sets 0 = real,
  /// 1 = generated, the same resamples every other metric of the plan sees).
  public func estimates(plan: BootstrapPlan, threads: Int) -> NeighbourEstimates {
    let full = fullSetValues
    var replicates = [NeighbourValues?](repeating: nil, count: plan.replicates)
    replicates.withUnsafeMutableBufferPointer { buffer in
      let out = SharedBuffer(buffer.baseAddress!)
      try? parallelFor(plan.replicates, threads: threads) { b in
        out[b] = values(
          realCounts: plan.multiplicities(replicate: b, set: 0, size: real.rows),
          fakeCounts: plan.multiplicities(replicate: b, set: 1, size: fake.rows))
      }
    }
    var bruteForce = 0
    let resolved = replicates.enumerated().map { b, value -> NeighbourValues in
      if let value { return value }
      bruteForce += 1
      return bruteForceValues(
        realCounts: plan.multiplicities(replicate: b, set: 0, size: real.rows),
        fakeCounts: plan.multiplicities(replicate: b, set: 1, size: fake.rows), threads: threads)
    }
    func estimate(_ path: KeyPath<NeighbourValues, Double>, _ bounds: ClosedRange<Double> = 0...1) -> Estimate {
      plan.isEnabled
        ? percentileInterval(value: full[keyPath: path], replicates: resolved.map { $0[keyPath: path] }, confidence: plan.confidence, bounds: bounds)
        : .bare(full[keyPath: path])
    }
    return NeighbourEstimates(
      precision: estimate(\.precision), recall: estimate(\.recall), density: estimate(\.density, 0...Double.infinity),
      coverage: estimate(\.coverage), oneNNAccuracy: estimate(\.oneNNAccuracy), oneNNRealAccuracy: estimate(\.oneNNRealAccuracy),
      oneNNFakeAccuracy: estimate(\.oneNNFakeAccuracy), bruteForceReplicates: bruteForce)
  }
}
