import EvalCore
import FeatureSpace
import SetStatistics
import Foundation
import ImageIO
import Plot
import Workers

/// `fid`: distribution distances between a real and a generated set, in the penultimate-layer
/// features of our own classifier and in raw pixels: Fréchet distance, KID, precision/recall/
/// density/coverage, the 1-NN two-sample test, and each generated image's nearest real image.
public struct FeatureMetric: Metric, PluginDeclaration {
  public static let name = "fid"
  public static let summary = "Fréchet classifier distance, KID, precision/recall/density/coverage, 1-NN test and memorisation, in classifier features and pixels"

  public var model: String?
  public var cache: String?
  public var spaces: [FeatureRequest]
  public var maxSamples: Int
  public var kidSubsets: Int
  public var kidSize: Int
  public var k: Int
  public var pairs: Int
  public var bootstrap: Int
  public var floor: Bool
  public var extrapolate: Bool
  /// What to do with real images the judge (`--model`) trained on: leave them out, or keep them and warn.
  public var judgeOverlap: String

  public static let options: [OptionSpec] = [
    .path("model", "Classifier directory from `gan-eval classifier train` (for the classifier feature space).", role: .artifact),
    .string(
      "features", default: "classifier,pixels",
      "Feature spaces to compare in: classifier, pixels, pca, or an external features plugin (NAME or NAME:key=value,...).",
      repeatable: true),
    .string("cache", "Feature cache directory, or 'none' (default: ~/.cache/gan-eval)."),
    .int("max-samples", default: 5000, 10...1_000_000, "Images per set used for precision/recall/density/coverage and the 1-NN test (seeded sample)."),
    .int("kid-subsets", default: 100, 1...10_000, "KID subsets (each of min(kid-size, n) images per set)."),
    .int("kid-size", default: 1000, 2...100_000, "Images per set in each KID subset."),
    .int("k", default: 5, 1...100, "k for the precision/recall/density/coverage balls."),
    .int("pairs", default: 20, 0...200, "Closest generated–real pairs shown in memorisation.svg."),
    IntervalOptions.judgeOverlap,
    .bool("extrapolate", default: true, "Also fit FD∞ and KID∞: the value at 15 generated-set sizes against 1/n, extrapolated to n = ∞ (size_extrapolation.svg)."),
  ] + IntervalOptions.both

  public init(options: OptionValues) throws {
    model = options.string("model")
    let cache = options.string("cache") ?? FeatureCacheLocation.defaultDirectory
    self.cache = cache == "none" ? nil : cache
    // `--features classifier,pixels` and `--features classifier --features pixels` mean the same
    let names = options.strings("features").flatMap { text in
      text.contains(":") ? [text] : text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
    }
    spaces = try names.map { text in
      var request = try FeatureRequest(parsing: text)
      if request.name == "classifier" && request.options["model"] == nil {
        guard let model = options.string("model"), !model.isEmpty else {
          throw EvalError.badParameter(
            name: "--model", reason: "is required for the classifier feature space: a classifier directory from `gan-eval classifier train REAL --out DIR` (or choose --features pixels)")
        }
        request.options["model"] = model
      }
      return request
    }
    guard !spaces.isEmpty else { throw EvalError.badParameter(name: "--features", reason: "name at least one feature space, e.g. --features pixels") }
    maxSamples = options.int("max-samples")
    kidSubsets = options.int("kid-subsets")
    kidSize = options.int("kid-size")
    k = options.int("k")
    pairs = options.int("pairs")
    bootstrap = options.int("bootstrap")
    floor = options.bool("floor")
    extrapolate = options.bool("extrapolate")
    judgeOverlap = options.string("judge-overlap") ?? "exclude"
  }

  public var notes: [(String, JSON)] {
    [("kid_kernel", .string("(x·y/d + 1)^3")), ("covariance", .string("sample (n−1), Float64"))]
  }

  public func evaluate(_ sets: [ImageSet], context: RunContext) throws -> Report {
    guard sets.count == 2 else {
      throw EvalError.badParameter(name: "fid", reason: "takes exactly two sets, REAL then FAKE (got \(sets.count))")
    }
    var (real, fake) = (sets[0], sets[1])
    var judgeLines: [String] = []
    (real, judgeLines) = try unseenByJudge(real)
    for set in [real, fake] where set.count < max(k + 1, 2) {
      throw EvalError.badParameter(name: set.source, reason: "has \(set.count) images; these metrics need at least \(max(k + 1, 2))")
    }
    var featureContext = context
    featureContext.featureCacheDirectory = cache
    let started = Date()
    var spaces: [(String, FeatureMatrix, FeatureMatrix)] = []
    var realCached: [(String, JSON)] = []
    for request in self.spaces {
      let realFeatures = try featureContext.features(request, of: real, reference: real)
      let fakeFeatures = try featureContext.features(request, of: fake, reference: real)
      spaces.append((request.name, FeatureMatrix(realFeatures.values, columns: realFeatures.columns), FeatureMatrix(fakeFeatures.values, columns: fakeFeatures.columns)))
      if request.name != "pixels" { realCached.append((request.name, .bool(realFeatures.cached))) }
    }
    let featureSeconds = Date().timeIntervalSince(started)

    var report = Report(metric: Self.name)
    report.lines += judgeLines
    var table = Table(name: "fid", columns: ["space", "metric", "value", "std", "n_real", "n_fake", "dimension"])
    var scalars: [(String, JSON)] = []
    var warnings: [String] = []
    var fitCharts: [Chart] = []
    for (space, realMatrix, fakeMatrix) in spaces {
      let result = compare(realMatrix, fakeMatrix, space: space, judgeChecked: judgeLines.contains { $0.hasPrefix("real set: ") }, context: context)
      for (metric, value, std, nReal, nFake) in result.rows {
        table.rows.append([space, metric, csvNumber(value), std.map(csvNumber) ?? "", "\(nReal)", "\(nFake)", "\(realMatrix.columns)"])
      }
      scalars.append((space, result.json))
      warnings += result.warnings
      report.lines.append(result.line)
      report.records += result.records
      if let note = result.floorNote { report.lines.append(note) }
      if extrapolate {
        let fits = sizeFits(real: realMatrix, fake: fakeMatrix, space: space, context: context)
        report.records += fits.records
        fitCharts += fits.charts
        if let fd = fits.records.first, let kid = fits.records.last {
          report.lines.append("\(space): FD∞ \(fd.reading), KID∞ \(kid.reading) (fit over 15 generated-set sizes, 1/n → 0)")
        }
      }
    }
    report.tables.append(table)
    if context.makeFigures && !fitCharts.isEmpty {
      report.figures.append(Figure(name: "size_extrapolation", svg: Panels(fitCharts, columns: 2).svg()))
    }

    // Memorisation: every generated image's nearest image in the whole real set (the judge's
    // training images too), in pixels (Euclidean, [0,1] scale).
    let allReal = sets[0]
    let compared = Dictionary(real.files.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let pixels = (FeatureMatrix(allReal.pixels, columns: allReal.valuesPerImage), FeatureMatrix(fake.pixels, columns: fake.valuesPerImage))
    let nearest = nearestNeighbours(pixels.1, in: pixels.0, threads: context.threads)
    let featureSpace = spaces[0]
    var memo = Table(
      name: "memorisation",
      columns: ["fake_file", "fake_label", "nearest_real_file", "nearest_real_label", "pixel_distance", featureSpace.0 == "classifier" ? "feature_distance" : "\(featureSpace.0)_distance"])
    for (j, match) in nearest.enumerated() {
      // the feature distance exists where the nearest real image is in the compared set
      let featureDistance = compared[allReal.files[match.index]].map { i in
        zip(featureSpace.2.row(j), featureSpace.1.row(i)).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
      }
      memo.rows.append([
        fake.files[j], fake.labels[j] ?? "", allReal.files[match.index], allReal.labels[match.index] ?? "", csvNumber(match.distance),
        featureDistance.map(csvNumber) ?? "",
      ])
    }
    report.tables.append(memo)
    try rarity(real: real, fake: fake, realFeatures: featureSpace.1, fakeFeatures: featureSpace.2, space: featureSpace.0, context: context, report: &report)
    // Scale: how close real images are to each other (leave-one-out, on up to 1,000 of them).
    let probe = seededSample(allReal.count, 1000, seed: context.seed ^ 0x4E4E)
    let probeMatrix = pixels.0.subset(probe)
    let realToReal = leaveOneOutNearest(probeMatrix, pixels.0, threads: context.threads)
    let fakeDistances = nearest.map(\.distance).sorted()
    let realMedian = median(realToReal.sorted())
    let closeShare = Double(fakeDistances.filter { $0 < realToReal.min() ?? 0 }.count) / Double(fakeDistances.count)
    let memorisation: [(String, JSON)] = [
      ("fake_to_real_min", .number(fakeDistances.first ?? .nan)), ("fake_to_real_median", .number(median(fakeDistances))),
      ("real_to_real_median", .number(realMedian)), ("real_to_real_min", .number(realToReal.min() ?? .nan)),
      ("share_closer_than_any_real_pair", .number(closeShare)), ("real_probe_n", .int(probe.count)),
    ]
    scalars.append(("memorisation", .object(memorisation)))
    report.lines.append(
      "memorisation (pixels, L2): nearest real image at median \(format4(median(fakeDistances))) (min \(format4(fakeDistances.first ?? .nan))); real images' own nearest-neighbour median \(format4(realMedian)); \(format4(closeShare * 100))% of fakes are closer to a real image than the closest real pair"
    )
    scalars.append(("feature_seconds", .number(featureSeconds)))
    // true when every cached space's real features came from the cache
    scalars.append(("real_features_cached", .bool(!realCached.isEmpty && realCached.allSatisfy { $0.1 == .bool(true) })))
    scalars.append(("real_features_cached_by_space", .object(realCached)))
    if !warnings.isEmpty { scalars.append(("warnings", .array(warnings.map(JSON.string)))) }
    report.scalars = scalars
    report.lines += warnings.map { "warning: " + $0 }

    if context.makeFigures && pairs > 0 {
      let closest = nearest.indices.sorted { (nearest[$0].distance, $0) < (nearest[$1].distance, $1) }.prefix(pairs)
      var images: [[UInt8]] = [], captions: [String] = []
      for j in closest {
        images.append(try PNG.encode(fake.grayLevels(j), width: fake.width, height: fake.height, channels: fake.channels))
        images.append(try PNG.encode(allReal.grayLevels(nearest[j].index), width: allReal.width, height: allReal.height, channels: allReal.channels))
        captions += ["fake d=\(String(format: "%.2f", nearest[j].distance))", "nearest real"]
      }
      let grid = ImageGrid(
        title: "Closest generated–real pairs (pixel L2): \(fake.name) beside its nearest \(allReal.name) image",
        images: images, captions: captions, imageWidth: fake.width, imageHeight: fake.height, columns: 10)
      report.figures.append(Figure(name: "memorisation", svg: grid.svg()))
    }
    return report
  }

  struct Comparison {
    var records: [ScalarRecord] = []
    var floorNote: String?
    var rows: [(String, Double, Double?, Int, Int)] = []
    var json: JSON = .null
    var warnings: [String] = []
    var line = ""
  }

  /// Every metric of one feature space. With `gaussians` (a side read from a stats file), FD
  /// comes from them and `real`/`fake` are the rows at hand (a stored subsample): KID, PRDC and
  /// the 1-NN test run on those, and the bootstrap intervals and the floor, which resample
  /// every image, are left out.
  func compare(
    _ real: FeatureMatrix, _ fake: FeatureMatrix, space: String, judgeChecked: Bool = false, context: RunContext,
    gaussians: (real: GaussianStatistics, fake: GaussianStatistics)? = nil
  ) -> Comparison {
    var result = Comparison()
    let realStats = gaussians?.real ?? GaussianStatistics(real), fakeStats = gaussians?.fake ?? GaussianStatistics(fake)
    let fd = frechetDistance(realStats, fakeStats)
    for (name, stats) in [("real", realStats), ("fake", fakeStats)] where stats.isRankDeficient {
      result.warnings.append(
        "\(space): the \(name) covariance is rank-deficient (rank \(stats.rank) of \(stats.dimension), n=\(stats.count)); the Fréchet distance is still defined (eigenvalues clamped at 0) but compare it only at equal n")
    }
    let subsets = KernelDistance.randomSubsets(realCount: real.rows, fakeCount: fake.rows, count: kidSubsets, size: kidSize, seed: context.seed ^ 0x1D)
    let kid = meanAndStd(KernelDistance.values(real: real, fake: fake, subsets: subsets, threads: context.threads))
    let realSample = real.subset(seededSample(real.rows, maxSamples, seed: context.seed ^ 0xA1))
    let fakeSample = fake.subset(seededSample(fake.rows, maxSamples, seed: context.seed ^ 0xA2))
    let prdc = PRDC(real: realSample, fake: fakeSample, k: k, threads: context.threads)
    let balanced = min(realSample.rows, fakeSample.rows)
    let nn = OneNearestNeighbour(
      real: realSample.subset(Array(0..<balanced)), fake: fakeSample.subset(Array(0..<balanced)), threads: context.threads)
    let (n, m) = (realStats.count, fakeStats.count), (ns, ms) = (realSample.rows, fakeSample.rows)
    let kidSide = min(kidSize, real.rows, fake.rows)
    result.rows = [
      ("frechet_distance", fd, nil, n, m), ("kid", kid.mean, kid.std, kidSide, kidSide),
      ("precision", prdc.precision, nil, ns, ms), ("recall", prdc.recall, nil, ns, ms),
      ("density", prdc.density, nil, ns, ms), ("coverage", prdc.coverage, nil, ns, ms),
      ("one_nn_accuracy", nn.accuracy, nil, balanced, balanced), ("one_nn_real_accuracy", nn.realAccuracy, nil, balanced, balanced),
      ("one_nn_fake_accuracy", nn.fakeAccuracy, nil, balanced, balanced),
    ]
    result.json = .object([
      ("frechet_distance", .number(fd)), ("kid_mean", .number(kid.mean)), ("kid_std", .number(kid.std)),
      ("kid_subsets", .int(subsets.count)), ("kid_subset_size", .int(subsets.first?.real.count ?? 0)),
      ("precision", .number(prdc.precision)), ("recall", .number(prdc.recall)), ("density", .number(prdc.density)),
      ("coverage", .number(prdc.coverage)), ("prdc_n_real", .int(ns)), ("prdc_n_fake", .int(ms)),
      ("one_nn_accuracy", .number(nn.accuracy)), ("one_nn_real_accuracy", .number(nn.realAccuracy)),
      ("one_nn_fake_accuracy", .number(nn.fakeAccuracy)), ("one_nn_n_per_set", .int(balanced)),
      ("dimension", .int(real.columns)), ("real_covariance_rank", .int(realStats.rank)), ("fake_covariance_rank", .int(fakeStats.rank)),
    ])
    if gaussians == nil {
      (result.records, result.floorNote) = intervals(
        real: real, fake: fake, realSample: realSample, fakeSample: fakeSample, balanced: balanced, space: space, fd: fd, kidSubsetMean: kid.mean,
        judgeChecked: judgeChecked, context: context)
    } else {
      result.records = [
        ScalarRecord(metric: "frechet_distance", space: space, set: "fake vs real", value: fd, nReal: n, nFake: m, method: IntervalMethod.none.rawValue)
      ]
    }
    result.line =
      "\(space) (d=\(real.columns)): FD \(format4(fd)), KID \(String(format: "%.5f ± %.5f", kid.mean, kid.std)), precision \(format4(prdc.precision)), recall \(format4(prdc.recall)), density \(format4(prdc.density)), coverage \(format4(prdc.coverage)), 1-NN accuracy \(format4(nn.accuracy)) (0.5 ideal)"
    return result
  }
}

/// Up to `limit` distinct indices of `0..<count`, seeded, in ascending order (all when count ≤ limit).
func seededSample(_ count: Int, _ limit: Int, seed: UInt64) -> [Int] {
  guard count > limit else { return Array(0..<count) }
  var random = SplitMix64(seed: seed)
  var pool = Array(0..<count)
  for i in 0..<limit { pool.swapAt(i, i + Int(random.next() % UInt64(count - i))) }
  return pool[..<limit].sorted()
}

/// For each probe (a row of `all`), the distance to its nearest other row of `all`.
func leaveOneOutNearest(_ probes: FeatureMatrix, _ all: FeatureMatrix, threads: Int) -> [Double] {
  // the two nearest: the first is the probe itself (distance 0) unless an exact duplicate exists
  let twoNearest = kNearestDistances(probes, in: all, k: 2, threads: threads)
  return twoNearest.map { $0[1] }
}

func median(_ sorted: [Double]) -> Double {
  guard !sorted.isEmpty else { return .nan }
  let mid = sorted.count / 2
  return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

extension FeatureMetric {
  /// The headline numbers of one feature space with their 95% intervals (a seeded bootstrap over
  /// images, each set resampled independently, reusing the centred rows and neighbour lists; the
  /// percentiles are shifted by the replicates' bias, see SetStatistics) and the real-vs-real floor.
  /// KID's interval is for the unbiased MMD² of the full sets, the quantity the subset mean estimates.
  func intervals(
    real: FeatureMatrix, fake: FeatureMatrix, realSample: FeatureMatrix, fakeSample: FeatureMatrix, balanced: Int, space: String, fd: Double,
    kidSubsetMean: Double, judgeChecked: Bool = false, context: RunContext
  ) -> (records: [ScalarRecord], floorNote: String?) {
    let plan = BootstrapPlan(replicates: bootstrap, seed: context.seed ^ 0xB007)
    let set = "fake vs real"
    func record(_ metric: String, _ estimate: Estimate, _ nReal: Int, _ nFake: Int, floor: Double?, value: Double? = nil) -> ScalarRecord {
      ScalarRecord(
        metric: metric, space: space, set: set, value: value ?? estimate.value, low: estimate.low, high: estimate.high, nReal: nReal, nFake: nFake,
        method: bootstrap > 0 ? estimate.method.rawValue : IntervalMethod.none.rawValue, floor: floor)
    }
    let fdEstimate = frechetDistanceEstimate(real: real, fake: fake, plan: plan, threads: context.threads)
    let kidEstimate = kernelDistanceEstimate(real: real, fake: fake, plan: plan, threads: context.threads)
    let prdc = NeighbourBootstrap(real: realSample, fake: fakeSample, k: k, threads: context.threads).estimates(plan: plan, threads: context.threads)
    let nn = NeighbourBootstrap(
      real: realSample.subset(Array(0..<balanced)), fake: fakeSample.subset(Array(0..<balanced)), k: k, threads: context.threads
    ).estimates(plan: plan, threads: context.threads)
    // the floor: two disjoint seeded halves of the real set at the same n as the comparison (or the largest possible)
    var floors: (fd: Double, kid: Double, prdc: NeighbourValues, nn: NeighbourValues, authenticity: Double, vendi: Double)?
    var note: String?
    if floor && real.rows >= 4 {
      let split = FloorSplit(realCount: real.rows, target: fake.rows, seed: context.seed ^ 0xF100)
      note =
        "\(space) floor (real vs real): two seeded halves of \(split.size) real images each"
        + (split.isReduced ? " (fewer than the \(fake.rows) compared: the real set has \(real.rows); a smaller n raises FD and KID)" : "")
        + (space == "classifier" && !judgeChecked ? "; if the judge trained on this real set, its features sit tighter than unseen images' would: judge with a real set it never saw" : "")
      let a = real.subset(split.first), b = real.subset(split.second)
      let none = BootstrapPlan(replicates: 0, seed: 0)
      let sampleA = a.subset(Array(0..<min(a.rows, maxSamples))), sampleB = b.subset(Array(0..<min(b.rows, maxSamples)))
      let half = min(sampleA.rows, sampleB.rows)
      floors = (
        frechetDistance(GaussianStatistics(a), GaussianStatistics(b)), kernelDistanceEstimate(real: a, fake: b, plan: none, threads: context.threads).value,
        NeighbourBootstrap(real: sampleA, fake: sampleB, k: k, threads: context.threads).fullSetValues,
        NeighbourBootstrap(real: sampleA.subset(Array(0..<half)), fake: sampleB.subset(Array(0..<half)), k: k, threads: context.threads).fullSetValues,
        Authenticity(real: sampleA, fake: sampleB, threads: context.threads).value, vendiScore(a)
      )
    }
    let (n, m, ns, ms) = (real.rows, fake.rows, realSample.rows, fakeSample.rows)
    // label-free diversity and copying: Vendi of each set (no reference needed), authenticity
    let authenticity = Authenticity(real: realSample, fake: fakeSample, threads: context.threads)
    let authentic = authenticity.authentic.filter { $0 }.count
    let diversity = [
      ScalarRecord(
        metric: "vendi_score", space: space, set: "fake", value: vendiScore(fake), nReal: 0, nFake: m, method: IntervalMethod.none.rawValue,
        floor: floors?.vendi),
      ScalarRecord(metric: "vendi_score", space: space, set: "real", value: vendiScore(real), nReal: n, nFake: 0, method: IntervalMethod.none.rawValue),
    ]
    let wilson = AnalyticInterval.proportion(successes: authentic, trials: authenticity.authentic.count)
    let records: [ScalarRecord] = diversity + [
      ScalarRecord(
        metric: "authenticity", space: space, set: "fake vs real", value: authenticity.value, low: wilson.low, high: wilson.high, nReal: ns, nFake: ms,
        method: wilson.method.rawValue, floor: floors?.authenticity),
      record("frechet_distance", fdEstimate, n, m, floor: floors?.fd, value: fd),
      record("kid_full_mmd2", kidEstimate, n, m, floor: floors?.kid),
      record("precision", prdc.precision, ns, ms, floor: floors?.prdc.precision),
      record("recall", prdc.recall, ns, ms, floor: floors?.prdc.recall),
      record("density", prdc.density, ns, ms, floor: floors?.prdc.density),
      record("coverage", prdc.coverage, ns, ms, floor: floors?.prdc.coverage),
      record("one_nn_accuracy", nn.oneNNAccuracy, balanced, balanced, floor: floors?.nn.oneNNAccuracy),
    ]
    return (records, note)
  }
}
