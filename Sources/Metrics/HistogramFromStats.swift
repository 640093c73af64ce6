import EvalCore
import ImageIO
import SetStatistics

extension HistogramMetric: StatsReadingMetric {
  public var featureRequests: [FeatureRequest] { [] }

  /// Histograms with some sets read from stats files: a file's "pixels" counts are exact (the
  /// same bins as `gan-eval histogram`'s default, counted image by image and added up when
  /// merging), so the histogram and every distance equal the directory's. Gray sets only, and
  /// only with the file's bins and range (256 over 0,1).
  public func evaluate(_ inputs: [SetInput], context: RunContext) throws -> Report {
    var sets: [(name: String, count: Int, histogram: PixelHistogram)] = []
    for input in inputs {
      switch input {
      case .images(let set):
        if set.isColor {
          throw EvalError.badParameter(
            name: set.source, reason: "is RGB; stats files hold one histogram of all values, so compare colour sets with directories, or pass --color luma")
        }
        sets.append((set.name, set.count, PixelHistogram(set, bins: bins, threads: context.threads)))
      case .stats(let file):
        guard file.stats.identity.channels == 1 else {
          throw EvalError.badFile(path: file.path, reason: "holds RGB statistics; the histogram command reads stats files of gray sets only")
        }
        guard let stored = file.stats.histograms.first(where: { $0.name == "pixels" })?.counts else {
          throw EvalError.badFile(path: file.path, reason: "holds no pixel histogram; rerun `gan-eval stats` to write one")
        }
        guard stored.bins == bins.count, stored.low == bins.lower, stored.high == bins.upper else {
          throw EvalError.badParameter(
            name: "--bins", reason: "\(file.path) holds \(stored.bins) bins over \(stored.low),\(stored.high); use --bins \(stored.bins) --range \(stored.low),\(stored.high) with it")
        }
        sets.append((file.name, file.stats.identity.fileCount, PixelHistogram(bins: bins, counts: stored.counts.map { Int($0) })))
      }
    }
    return grayReport(sets, fromImages: false, context: context)
  }
}
