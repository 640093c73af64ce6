import Classifier
import EvalCore
import Foundation
import ImageIO
import SetStatistics

extension ClassifyMetric {
  /// The headline readings with 95% intervals and the real-vs-real floor:
  /// - accuracy (labelled generated images): Wilson interval; floor = the judge's accuracy on a
  ///   seeded half of the real set (when labelled);
  /// - KL(predicted class shares ‖ reference) in bits: percentile bootstrap over images, each set
  ///   resampled independently; floor = the KL between the shares of two seeded real halves;
  /// - the Inception-Score analogue of the whole set (one split): bootstrap over the generated
  ///   images; floor = the score of a real half of the same n.
  /// Halves hold min(generated count, ⌊real/2⌋) images (a line says when that is fewer).
  func readingRecords(
    fake: ImageSet, real: ImageSet?, fakeReading: (probabilities: [Double], predicted: [Int]), fakeCorrect: Int?,
    realReading: (probabilities: [Double], predicted: [Int])?, classifier: ImageClassifier, context: RunContext
  ) throws -> (records: [ScalarRecord], notes: [String]) {
    let c = classifier.classes.count
    let plan = BootstrapPlan(replicates: bootstrap, seed: context.seed ^ 0xC1A5)
    var notes: [String] = []
    var halves: (first: [Int], second: [Int])?
    if floor, let real, realReading != nil, real.count >= 2 {
      let split = FloorSplit(realCount: real.count, target: fake.count, seed: context.seed ^ 0xF100)
      func weights(_ indices: [Int]) -> [Int] {
        var w = [Int](repeating: 0, count: real.count)
        for i in indices { w[i] = 1 }
        return w
      }
      halves = (weights(split.first), weights(split.second))
      notes.append(
        "floor (real vs real): two seeded halves of \(split.size) \(real.name) images each"
          + (split.isReduced ? " (fewer than the \(fake.count) generated images; smaller halves raise the KL)" : "")
          + "; if the judge trained on \(real.name), its readings of these halves are better than of unseen images")
    }
    let (n, m) = (real?.count ?? 0, fake.count)
    var records: [ScalarRecord] = []
    if let fakeCorrect {
      let wilson = AnalyticInterval.proportion(successes: fakeCorrect, trials: m)
      var floorValue: Double?
      if let real, let realReading, let halves, real.isLabelled {
        let truth = try classifier.labelIndices(real)
        let picked = halves.first.indices.filter { halves.first[$0] > 0 }
        floorValue = Double(picked.filter { truth[$0] == realReading.predicted[$0] }.count) / Double(max(picked.count, 1))
      }
      records.append(ScalarRecord(metric: "accuracy", space: "classifier", set: fake.name, estimate: wilson, nReal: 0, nFake: m, floor: floorValue))
    }
    let fakePredicted = fakeReading.predicted, fakeProbabilities = fakeReading.probabilities
    if let real, let realReading {
      let realPredicted = realReading.predicted
      let kl = plan.interval(setSizes: [m, n], threads: context.threads, bounds: 0...Double.infinity) { w in
        classKLBits(classShares(fakePredicted, classes: c, weights: w[0]), classShares(realPredicted, classes: c, weights: w[1]))
      }
      let klFloor = halves.map { classKLBits(classShares(realPredicted, classes: c, weights: $0.first), classShares(realPredicted, classes: c, weights: $0.second)) }
      records.append(ScalarRecord(metric: "class_kl_bits", space: "classifier", set: "\(fake.name) vs \(real.name)", estimate: kl, nReal: n, nFake: m, floor: klFloor))
    } else {
      let uniform = [Double](repeating: 1 / Double(c), count: c)
      let kl = plan.interval(setSizes: [m], threads: context.threads, bounds: 0...Double.infinity) { w in
        classKLBits(classShares(fakePredicted, classes: c, weights: w[0]), uniform)
      }
      records.append(ScalarRecord(metric: "class_kl_bits", space: "classifier", set: "\(fake.name) vs uniform", estimate: kl, nReal: 0, nFake: m, floor: nil))
    }
    let score = plan.interval(setSizes: [m], threads: context.threads, bounds: 1...Double(c)) { w in
      weightedInceptionScore(fakeProbabilities, classes: c, weights: w[0])
    }
    let scoreFloor = realReading.flatMap { reading in halves.map { weightedInceptionScore(reading.probabilities, classes: c, weights: $0.first) } }
    records.append(ScalarRecord(metric: "inception_score", space: "classifier", set: fake.name, estimate: score, nReal: n, nFake: m, floor: scoreFloor))
    return (records, notes)
  }
}
