import EvalCore
import Foundation
import ImageIO
import Plot
import SetStatistics
import Workers

/// Shannon entropy of one image's 8-bit gray levels, in bits: −Σ p log₂ p over the distinct
/// levels present, p = count / pixels. Equals scikit-image's `shannon_entropy(img, base=2)`.
public func shannonEntropyBits(_ levels: some Collection<UInt8>) -> Double {
  var counts = [Int](repeating: 0, count: 256)
  for level in levels { counts[Int(level)] += 1 }
  let n = Double(levels.count)
  var sum = 0.0
  for count in counts where count > 0 {
    let p = Double(count) / n
    sum -= p * log(p)
  }
  return sum / log(2.0)
}

/// `entropy`: the Shannon entropy of each image, with per-set and per-class summaries.
public struct EntropyMetric: StreamingMetric, PluginDeclaration {
  public static let name = "entropy"
  public static let summary = "Shannon entropy (bits) of each image's 8-bit gray levels, as scikit-image's shannon_entropy"

  /// Whether to compute the real-vs-real floor (the intervals are analytic: no bootstrap here).
  public var floor = true
  public static let options: [OptionSpec] = [IntervalOptions.floor]
  public init() {}
  public init(options: OptionValues) throws { floor = options.bool("floor") }
  public var notes: [(String, JSON)] { [("base", .int(2)), ("levels", .int(256))] }

  /// The entropy of every image in a set, in load order.
  public static func entropies(_ set: ImageSet, threads: Int) -> [Double] {
    var values = [Double](repeating: 0, count: set.count)
    values.withUnsafeMutableBufferPointer { buffer in
      let out = SharedBuffer(buffer.baseAddress!)
      set.pixels.withUnsafeBufferPointer { pixels in
        let input = UncheckedBox(pixels)
        try? parallelFor(set.count, threads: threads) { index in
          let start = index * set.valuesPerImage
          let image = UnsafeBufferPointer(rebasing: input.value[start..<(start + set.valuesPerImage)])
          out[index] = shannonEntropyBits(image.lazy.map(toGrayLevel))
        }
      }
    }
    return values
  }

  /// The entropy of one channel (0 red, 1 green, 2 blue) of every image of an RGB set.
  public static func channelEntropies(_ set: ImageSet, channel: Int, threads: Int) -> [Double] {
    var values = [Double](repeating: 0, count: set.count)
    values.withUnsafeMutableBufferPointer { buffer in
      let out = SharedBuffer(buffer.baseAddress!)
      try? parallelFor(set.count, threads: threads) { index in
        let image = set.image(index)
        out[index] = shannonEntropyBits(stride(from: image.startIndex + channel, to: image.endIndex, by: set.channels).lazy.map { toGrayLevel(image[$0]) })
      }
    }
    return values
  }

  /// Reads each set a chunk at a time, keeping only the per-image entropies (and, for RGB sets,
  /// the per-channel ones), so a directory of any size is evaluated in bounded memory.
  public func evaluate(streaming streamed: [StreamedSet], context: RunContext) throws -> (report: Report, sets: [SetInfo]) {
    var sets: [SetInfo] = []
    var files: [[String]] = [], all: [[Double]] = [], channels: [[[Double]]] = []
    for set in streamed {
      var names: [String] = [], values: [Double] = [], perChannel: [[Double]] = [[], [], []]
      let info = try set.read { chunk, _ in
        names += chunk.files
        values += Self.entropies(chunk, threads: context.threads)
        if chunk.isColor { for c in 0..<3 { perChannel[c] += Self.channelEntropies(chunk, channel: c, threads: context.threads) } }
      }
      sets.append(info)
      files.append(names)
      all.append(values)
      channels.append(perChannel)
    }
    return (try report(sets, files: files, entropies: all, channels: channels, context: context), sets)
  }

  /// The report from every set's per-image entropies (`channels[s]`: R, G and B, or empty lists
  /// for a gray set).
  func report(_ sets: [SetInfo], files: [[String]], entropies all: [[Double]], channels: [[[Double]]], context: RunContext) throws -> Report {
    var report = Report(metric: Self.name)
    let color = sets.contains(where: \.isColor)
    var table = Table(name: "entropy", columns: ["set", "file", "label", "entropy_bits"] + (color ? ["entropy_r_bits", "entropy_g_bits", "entropy_b_bits"] : []))
    var perSet: [(String, JSON)] = []
    for (s, set) in sets.enumerated() {
      let values = all[s], perChannel = channels[s]
      for i in 0..<set.count {
        table.rows.append([set.name, files[s][i], set.labels[i] ?? "", csvNumber(values[i])] + (color ? perChannel.map { $0.isEmpty ? "" : csvNumber($0[i]) } : []))
      }
      let summary = SampleSummary(values)
      var entry: [(String, JSON)] = [("all", summary.json)]
      if set.labels.contains(where: { $0 != nil }) {
        var byClass: [(String, JSON)] = []
        for label in set.classes {
          byClass.append((label, SampleSummary(values.indices.filter { set.labels[$0] == label }.map { values[$0] }).json))
        }
        entry.append(("by_class", .object(byClass)))
      }
      perSet.append((set.name, .object(entry)))
      report.lines.append(
        "\(set.name): n=\(summary.n), entropy mean \(format4(summary.mean)) bits (std \(format4(summary.std)), min \(format4(summary.min)), median \(format4(summary.median)), max \(format4(summary.max)))"
      )
    }
    report.tables.append(table)
    report.scalars.append(("sets", .object(perSet)))
    // the mean entropy of each set (t interval) and each set's difference to the first (Welch's t
    // interval); the floor: a set's mean against the first set's, and the difference between two
    // seeded halves of the first set of the compared set's size (or the largest possible)
    for (s, (set, values)) in zip(sets, all).enumerated() {
      let mean = AnalyticInterval.mean(values)
      report.records.append(ScalarRecord(
        metric: "mean_entropy_bits", set: set.name, estimate: mean, nReal: 0, nFake: set.count, floor: s > 0 && floor ? SampleSummary(all[0]).mean : nil))
    }
    for (set, values) in zip(sets, all).dropFirst() {
      let difference = AnalyticInterval.meanDifference(values, all[0])
      var floorValue: Double?
      if floor && all[0].count >= 4 {
        let split = FloorSplit(realCount: all[0].count, target: set.count, seed: context.seed ^ 0xF100)
        floorValue = SampleSummary(split.first.map { all[0][$0] }).mean - SampleSummary(split.second.map { all[0][$0] }).mean
        if split.isReduced {
          report.lines.append("\(set.name) − \(sets[0].name) floor: two halves of \(split.size) \(sets[0].name) images (fewer than the \(set.count) compared)")
        }
      }
      report.records.append(ScalarRecord(
        metric: "mean_entropy_difference_bits", set: "\(set.name) − \(sets[0].name)", estimate: difference, nReal: sets[0].count, nFake: set.count,
        floor: floorValue))
    }
    if sets.count > 1 {
      let base = SampleSummary(all[0]).mean
      for (set, values) in zip(sets, all).dropFirst() {
        report.lines.append("\(set.name) − \(sets[0].name): mean entropy difference \(format4(SampleSummary(values).mean - base)) bits")
      }
    }
    if context.makeFigures {
      let lower = all.joined().min() ?? 0, upper = all.joined().max() ?? 8
      let bins = Bins(count: 40, lower: min(lower, upper - 1e-9), upper: upper + 1e-9)
      var chart = Chart(title: "Per-image Shannon entropy", xLabel: "entropy (bits, 8-bit gray levels)", yLabel: "density")
      for (set, values) in zip(sets, all) {
        var counts = [Double](repeating: 0, count: bins.count)
        for v in values { if let b = bins.index(of: v) { counts[b] += 1 } }
        let width = (bins.upper - bins.lower) / Double(bins.count)
        chart.layers.append(.steps(name: "\(set.name) (n=\(set.count))", edges: bins.edges, heights: counts.map { $0 / (Double(values.count) * width) }))
      }
      report.figures.append(Figure(name: "entropy", svg: chart.svg()))
    }
    return report
  }
}
