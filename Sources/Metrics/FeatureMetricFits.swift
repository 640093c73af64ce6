import EvalCore
import Classifier
import FeatureSpace
import Foundation
import ImageIO
import Plot
import SetStatistics

extension FeatureMetric {
  /// FD∞ and KID∞ (Chong & Forsyth 2020) in one feature space: the metric against the whole real
  /// set for seeded subsets of n generated images (15 sizes from a fifth of the set to all of it),
  /// the line value = a + b/n fitted by least squares, and its intercept a with the OLS t interval.
  /// The floor is 0: two samples of one distribution are 0 apart once n is infinite.
  func sizeFits(real: FeatureMatrix, fake: FeatureMatrix, space: String, context: RunContext) -> (records: [ScalarRecord], charts: [Chart]) {
    guard fake.rows >= 10 else { return ([], []) }
    let seed = context.seed ^ 0x1F1
    let fd = frechetDistanceInfinity(real: real, fake: fake, seed: seed, threads: context.threads)
    let kid = kernelDistanceInfinity(real: real, fake: fake, seed: seed, threads: context.threads)
    let records = [
      ScalarRecord(metric: "frechet_distance_infinity", space: space, set: "fake vs real", estimate: fd.intercept, nReal: real.rows, nFake: fake.rows, floor: 0),
      ScalarRecord(metric: "kid_infinity", space: space, set: "fake vs real", estimate: kid.intercept, nReal: real.rows, nFake: fake.rows, floor: 0),
    ]
    return (records, [fitChart(fd, name: "FD", space: space), fitChart(kid, name: "KID", space: space)])
  }

  /// The values at each n against 1/n, the fitted line down to 1/n = 0, and the intercept.
  func fitChart(_ fit: SizeExtrapolation, name: String, space: String) -> Chart {
    let x = fit.sizes.map { 1 / Double($0) }
    let xMax = x.max() ?? 1
    let slope = String(format: "%+.3g", fit.slope)
    var chart = Chart(
      title: "\(name)∞, \(space): \(format4(fit.intercept.value)) (\(format4(fit.intercept.low))–\(format4(fit.intercept.high)))",
      xLabel: "1 / n generated (n = \(fit.sizes.first ?? 0)…\(fit.sizes.last ?? 0))", yLabel: name)
    chart.layers = [
      .points(name: "at n", x: x, y: fit.values, radius: 3),
      .line(name: "a \(slope)/n", x: [0, xMax], y: [fit.intercept.value, fit.intercept.value + fit.slope * xMax]),
      .points(name: "n = ∞", x: [0], y: [fit.intercept.value], radius: 5),
    ]
    chart.width = 540
    chart.height = 340
    return chart
  }

  /// The rarity score (Han et al. 2023) of every generated image in the first feature space, a
  /// table with its nearest real image, summary numbers, and a figure of the rarest realistic
  /// samples beside their nearest real ones.
  func rarity(
    real: ImageSet, fake: ImageSet, realFeatures: FeatureMatrix, fakeFeatures: FeatureMatrix, space: String, context: RunContext, report: inout Report
  ) throws {
    let score = RarityScore(real: realFeatures, fake: fakeFeatures, k: 3, threads: context.threads)
    var table = Table(name: "rarity", columns: ["fake_file", "fake_label", "rarity", "inside_real_manifold", "nearest_real_file", "nearest_real_label"])
    for j in 0..<fake.count {
      let i = score.nearestReal[j]
      table.rows.append([fake.files[j], fake.labels[j] ?? "", csvNumber(score.scores[j]), score.inside[j] ? "true" : "false", real.files[i], real.labels[i] ?? ""])
    }
    report.tables.append(table)
    let inside = score.scores.indices.filter { score.inside[$0] }
    let mean = inside.isEmpty ? Double.nan : inside.reduce(0.0) { $0 + score.scores[$1] } / Double(inside.count)
    report.scalars.append(("rarity", .object([
      ("space", .string(space)), ("k", .int(score.k)), ("inside_share", .number(Double(inside.count) / Double(max(fake.count, 1)))),
      ("mean_inside", .number(mean)),
    ])))
    report.lines.append(
      "rarity (\(space), k=3): \(inside.count) of \(fake.count) generated images lie inside a real image's 3-NN ball; their mean rarity \(format4(mean)) (rarity.csv)")
    guard context.makeFigures, !inside.isEmpty else { return }
    let rarest = inside.sorted { (score.scores[$0], $1) > (score.scores[$1], $0) }.prefix(20)
    var images: [[UInt8]] = [], captions: [String] = []
    for j in rarest {
      images.append(try PNG.encode(fake.grayLevels(j), width: fake.width, height: fake.height, channels: fake.channels))
      images.append(try PNG.encode(real.grayLevels(score.nearestReal[j]), width: real.width, height: real.height, channels: real.channels))
      captions += ["rarity \(String(format: "%.2f", score.scores[j]))", "nearest real"]
    }
    let grid = ImageGrid(
      title: "Rarest realistic samples (\(space) features, k=3): \(fake.name) beside its nearest \(real.name) image", images: images,
      captions: captions, imageWidth: fake.width, imageHeight: fake.height, columns: 10)
    report.figures.append(Figure(name: "rarity", svg: grid.svg()))
  }
}

extension FeatureMetric {
  /// The real set without the images the judge trained on, for the classifier feature space.
  func unseenByJudge(_ real: ImageSet) throws -> (ImageSet, [String]) {
    guard let model, spaces.contains(where: { $0.name == "classifier" }) else { return (real, []) }
    return withoutJudgeTrainingImages(real, judge: model, exclude: judgeOverlap == "exclude", minimum: max(k + 1, 10))
  }
}

/// `real` without the images the judge (a classifier directory) saw in training, as its
/// training-images.txt lists them, when `exclude` and at least `minimum` remain; otherwise the
/// set as it is, with a loud warning when they overlap (and a note when the judge lists nothing).
func withoutJudgeTrainingImages(_ real: ImageSet, judge model: String, exclude: Bool, minimum: Int) -> (ImageSet, [String]) {
  guard let record = TrainingImages.read(model: model) else {
    return (real, ["note: the judge \(model) records no training-images.txt (trained by an older gan-eval): if it trained on \(real.name), its features favour those images; retrain it with --holdout"])
  }
  let seen = Set(record.seen(in: real))
  guard !seen.isEmpty else { return (real, []) }
  let unseen = real.files.indices.filter { !seen.contains($0) }
  if exclude && unseen.count >= minimum {
    var kept = real.subset(unseen)
    kept.name = real.name
    return (kept, ["real set: \(unseen.count) of \(real.count) \(real.name) images compared, those the judge \(model) never saw (\(seen.count) it trained on left out; --judge-overlap keep keeps them)"])
  }
  let why = exclude ? "only \(unseen.count) unseen remain, too few to compare" : "--judge-overlap keep"
  return (real, [
    "WARNING: \(seen.count) of the \(real.count) \(real.name) images trained the judge \(model) (\(why)): they sit tighter in its features and it reads them better, so its scores against them and the floor are biased; hold part of the real set out of the judge (classifier train --holdout 0.4)"
  ])
}
