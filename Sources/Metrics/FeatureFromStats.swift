import EvalCore
import FeatureSpace
import Foundation
import ImageIO
import SetStatistics

extension FeatureMetric: StatsReadingMetric {
  public var featureRequests: [FeatureRequest] { spaces }

  /// fid with the real or the generated set (or both) read from a stats file.
  ///
  /// Exact from a file (equal to the directory's result to rounding, however the file was
  /// sharded and merged): the Fréchet distance, from n, the mean and the co-moment.
  /// Subsampled: KID, precision/recall/density/coverage and the 1-NN test read the file's stored
  /// `--keep` rows (a seeded uniform subsample of the whole set); without stored rows they are
  /// left out, and the report says so. Left out, because they need every image: the bootstrap
  /// intervals, the real-vs-real floor, Vendi, authenticity and memorisation (pixels of every
  /// real image).
  public func evaluate(_ inputs: [SetInput], context: RunContext) throws -> Report {
    guard inputs.count == 2 else {
      throw EvalError.badParameter(name: "fid", reason: "takes exactly two sets, REAL then FAKE (got \(inputs.count))")
    }
    if case .images(let real) = inputs[0], case .images(let fake) = inputs[1] { return try evaluate([real, fake], context: context) }
    var featureContext = context
    featureContext.featureCacheDirectory = cache
    let realImages: ImageSet? = if case .images(let set) = inputs[0] { set } else { nil }
    var report = Report(metric: Self.name)
    var table = Table(name: "fid", columns: ["space", "metric", "value", "std", "n_real", "n_fake", "dimension"])
    var scalars: [(String, JSON)] = []
    for input in inputs {
      guard case .stats(let file) = input else { continue }
      report.lines.append(
        "\(file.name) read from \(file.path) (\(file.stats.identity.fileCount) images): FD exact from its moments; KID, precision/recall/density/coverage and 1-NN on its stored subsample (--keep) when it has one; intervals, floor, Vendi, authenticity and memorisation left out (they need every image)")
    }
    for request in spaces {
      var sides: [(gaussian: GaussianStatistics, rows: FeatureMatrix?)] = []
      for input in inputs {
        switch input {
        case .images(let set):
          let features = try featureContext.features(request, of: set, reference: realImages)
          let matrix = FeatureMatrix(features.values, columns: features.columns)
          sides.append((GaussianStatistics(matrix), matrix))
        case .stats(let file):
          let space = try file.space(request.name)
          let rows = space.subsample.map { FeatureMatrix(rows: $0.count, columns: $0.dimension, values: $0.rows) }
          sides.append((space.moments.gaussian, rows))
        }
      }
      let (real, fake) = (sides[0], sides[1])
      guard real.gaussian.dimension == fake.gaussian.dimension else {
        throw EvalError.badParameter(
          name: request.description, reason: "the real side has \(real.gaussian.dimension) features per image, the generated side \(fake.gaussian.dimension)")
      }
      let dimension = real.gaussian.dimension
      if let realRows = real.rows, let fakeRows = fake.rows, realRows.rows > k, fakeRows.rows > k {
        let result = compare(realRows, fakeRows, space: request.name, context: context, gaussians: (real.gaussian, fake.gaussian))
        for (metric, value, std, nReal, nFake) in result.rows {
          table.rows.append([request.name, metric, csvNumber(value), std.map(csvNumber) ?? "", "\(nReal)", "\(nFake)", "\(dimension)"])
        }
        scalars.append((request.name, result.json))
        report.lines.append(result.line + " (all but FD on \(realRows.rows) and \(fakeRows.rows) subsampled rows)")
        report.records += result.records
        report.lines += result.warnings.map { "warning: " + $0 }
      } else {
        let fd = frechetDistance(real.gaussian, fake.gaussian)
        table.rows.append([request.name, "frechet_distance", csvNumber(fd), "", "\(real.gaussian.count)", "\(fake.gaussian.count)", "\(dimension)"])
        scalars.append((request.name, .object([("frechet_distance", .number(fd)), ("dimension", .int(dimension))])))
        report.records.append(ScalarRecord(
          metric: "frechet_distance", space: request.name, set: "fake vs real", value: fd, nReal: real.gaussian.count, nFake: fake.gaussian.count,
          method: IntervalMethod.none.rawValue))
        report.lines.append(
          "\(request.name) (d=\(dimension)): FD \(format4(fd)); KID, PRDC and 1-NN left out: a stats file here stores no feature rows (write it with `gan-eval stats --keep K`, e.g. 10000)")
      }
    }
    report.tables.append(table)
    scalars.append(("memorisation", .string("left out: a set read from a stats file has no pixels")))
    report.scalars = scalars
    return report
  }
}
