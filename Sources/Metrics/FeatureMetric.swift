import Classifier
import FeatureSpace
import Foundation
import ImageIO
import Plot
import Workers

/// `fid`: distribution distances between a real and a generated set, in the penultimate-layer
/// features of our own classifier and in raw pixels: Fréchet distance, KID, precision/recall/
/// density/coverage, the 1-NN two-sample test, and each generated image's nearest real image.
public struct FeatureMetric: Metric {
  public static let name = "fid"
  public static let summary = "Fréchet classifier distance, KID, precision/recall/density/coverage, 1-NN test and memorisation, in classifier features and pixels"

  public var model: String
  public var cache: String?
  public var maxSamples: Int
  public var kidSubsets: Int
  public var kidSize: Int
  public var k: Int
  public var pairs: Int

  public init(options: PluginOptions) throws {
    try options.rejectUnknown(["model", "cache", "max-samples", "kid-subsets", "kid-size", "k", "pairs"])
    guard let model = options.values["model"], !model.isEmpty else {
      throw EvalError.badParameter(name: "--model", reason: "is required: a classifier directory from `gan-eval classifier train REAL --out DIR`")
    }
    self.model = model
    let cache = options.string("cache", default: FeatureCache.defaultDirectory)
    self.cache = cache == "none" ? nil : cache
    maxSamples = try options.int("max-samples", default: 5000, in: 10...1_000_000)
    kidSubsets = try options.int("kid-subsets", default: 100, in: 1...10_000)
    kidSize = try options.int("kid-size", default: 1000, in: 2...100_000)
    k = try options.int("k", default: 5, in: 1...100)
    pairs = try options.int("pairs", default: 20, in: 0...200)
  }

  public var parameters: [(String, JSON)] {
    [
      ("model", .string(model)), ("cache", cache.map(JSON.string) ?? .null), ("max_samples", .int(maxSamples)),
      ("kid_subsets", .int(kidSubsets)), ("kid_size", .int(kidSize)), ("k", .int(k)),
      ("kid_kernel", .string("(x·y/d + 1)^3")), ("covariance", .string("sample (n−1), Float64")),
    ]
  }

  public func evaluate(_ sets: [ImageSet], context: EvaluationContext) throws -> Report {
    guard sets.count == 2 else {
      throw EvalError.badParameter(name: "fid", reason: "takes exactly two sets, REAL then FAKE (got \(sets.count))")
    }
    let (real, fake) = (sets[0], sets[1])
    for set in sets where set.count < max(k + 1, 2) {
      throw EvalError.badParameter(name: set.source, reason: "has \(set.count) images; these metrics need at least \(max(k + 1, 2))")
    }
    let (classifier, modelBytes) = try ImageClassifier.load(model)
    try classifier.checkSize(real)
    try classifier.checkSize(fake)
    let featureCache = FeatureCache(directory: cache)
    let started = Date()
    let realFeatures = try featureCache.features(of: real, classifier: classifier, model: modelBytes, threads: context.threads, quiet: context.quiet)
    let fakeFeatures = try featureCache.features(of: fake, classifier: classifier, model: modelBytes, threads: context.threads, quiet: context.quiet)
    let featureSeconds = Date().timeIntervalSince(started)
    let dimension = classifier.featureDimension

    var report = Report(metric: Self.name)
    var table = Table(name: "fid", columns: ["space", "metric", "value", "std", "n_real", "n_fake", "dimension"])
    var scalars: [(String, JSON)] = []
    var warnings: [String] = []
    let spaces: [(String, FeatureMatrix, FeatureMatrix)] = [
      ("classifier", FeatureMatrix(realFeatures.features, columns: dimension), FeatureMatrix(fakeFeatures.features, columns: dimension)),
      ("pixels", FeatureMatrix(real.pixels, columns: real.pixelsPerImage), FeatureMatrix(fake.pixels, columns: fake.pixelsPerImage)),
    ]
    for (space, realMatrix, fakeMatrix) in spaces {
      let result = compare(realMatrix, fakeMatrix, space: space, context: context)
      for (metric, value, std, nReal, nFake) in result.rows {
        table.rows.append([space, metric, csvNumber(value), std.map(csvNumber) ?? "", "\(nReal)", "\(nFake)", "\(realMatrix.columns)"])
      }
      scalars.append((space, result.json))
      warnings += result.warnings
      report.lines.append(result.line)
    }
    report.tables.append(table)

    // Memorisation: every generated image's nearest real image, in pixels (Euclidean, [0,1] scale).
    let pixels = spaces[1]
    let nearest = nearestNeighbours(pixels.2, in: pixels.1, threads: context.threads)
    var memo = Table(name: "memorisation", columns: ["fake_file", "fake_label", "nearest_real_file", "nearest_real_label", "pixel_distance", "feature_distance"])
    for (j, match) in nearest.enumerated() {
      let a = spaces[0].2.row(j), b = spaces[0].1.row(match.index)
      let featureDistance = zip(a, b).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
      memo.rows.append([fake.files[j], fake.labels[j] ?? "", real.files[match.index], real.labels[match.index] ?? "", csvNumber(match.distance), csvNumber(featureDistance)])
    }
    report.tables.append(memo)
    // Scale: how close real images are to each other (leave-one-out, on up to 1,000 of them).
    let probe = seededSample(real.count, 1000, seed: context.seed ^ 0x4E4E)
    let probeMatrix = pixels.1.subset(probe)
    let realToReal = leaveOneOutNearest(probeMatrix, pixels.1, threads: context.threads)
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
    scalars.append(("real_features_cached", .bool(realFeatures.cached)))
    if !warnings.isEmpty { scalars.append(("warnings", .array(warnings.map(JSON.string)))) }
    report.scalars = scalars
    report.lines += warnings.map { "warning: " + $0 }

    if context.makeFigures && pairs > 0 {
      let closest = nearest.indices.sorted { (nearest[$0].distance, $0) < (nearest[$1].distance, $1) }.prefix(pairs)
      var images: [[UInt8]] = [], captions: [String] = []
      for j in closest {
        images.append(try PNG.encode(fake.grayLevels(j), width: fake.width, height: fake.height))
        images.append(try PNG.encode(real.grayLevels(nearest[j].index), width: real.width, height: real.height))
        captions += ["fake d=\(String(format: "%.2f", nearest[j].distance))", "nearest real"]
      }
      let grid = ImageGrid(
        title: "Closest generated–real pairs (pixel L2): \(fake.name) beside its nearest \(real.name) image",
        images: images, captions: captions, imageWidth: fake.width, imageHeight: fake.height, columns: 10)
      report.figures.append(Figure(name: "memorisation", svg: grid.svg()))
    }
    return report
  }

  struct Comparison {
    var rows: [(String, Double, Double?, Int, Int)] = []
    var json: JSON = .null
    var warnings: [String] = []
    var line = ""
  }

  func compare(_ real: FeatureMatrix, _ fake: FeatureMatrix, space: String, context: EvaluationContext) -> Comparison {
    var result = Comparison()
    let realStats = GaussianStatistics(real), fakeStats = GaussianStatistics(fake)
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
    let (n, m) = (real.rows, fake.rows), (ns, ms) = (realSample.rows, fakeSample.rows)
    result.rows = [
      ("frechet_distance", fd, nil, n, m), ("kid", kid.mean, kid.std, min(kidSize, n, m), min(kidSize, n, m)),
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
