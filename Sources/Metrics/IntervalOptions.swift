import EvalCore
import SetStatistics

/// The two options every metric with headline numbers takes, declared once: how many bootstrap
/// replicates make the 95% intervals, and whether to compute the real-vs-real floor.
enum IntervalOptions {
  static let bootstrap = OptionSpec.int(
    "bootstrap", default: BootstrapPlan.defaultReplicates, 0...10_000, "Bootstrap replicates for the 95% intervals in scalars.csv (0: no intervals).")
  static let floor = OptionSpec.bool(
    "floor", default: true, "Also compare two seeded halves of the real set: what a perfect generator would score (the floor column).")
  static let both = [bootstrap, floor]
  static let judgeOverlap = OptionSpec.choice(
    "judge-overlap", default: "exclude", choices: ["exclude", "keep"],
    "Real images the judge (--model) trained on (its training-images.txt) sit tighter in its features: exclude them from the real set (default), or keep them and be warned.")
}

extension ScalarRecord {
  /// A record from an estimate: its interval and method (method `none` when the bootstrap is off).
  init(metric: String, space: String = "", set: String, estimate: Estimate, nReal: Int, nFake: Int, floor: Double?) {
    self.init(
      metric: metric, space: space, set: set, value: estimate.value, low: estimate.low, high: estimate.high, nReal: nReal, nFake: nFake,
      method: estimate.low.isNaN ? IntervalMethod.none.rawValue : estimate.method.rawValue, floor: floor)
  }
}
