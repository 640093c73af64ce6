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

  /// Reads each set a chunk at a time. Each image's row of entropy.csv (file, label, entropy and,
  /// for RGB sets, the channels' entropies) goes to a temporary file as it is made; only each
  /// image's entropy and label are kept (for the summaries and intervals), so memory holds a
  /// chunk and two numbers per image, whatever the number of images.
  public func evaluate(streaming streamed: [StreamedSet], context: RunContext) throws -> (report: Report, sets: [SetInfo]) {
    var sets: [SetInfo] = []
    var all: [[Double]] = [], labels: [[Int32]] = [], classNames: [[String]] = []
    var table: Table?
    for set in streamed {
      var values: [Double] = [], labelIndex: [Int32] = [], names: [String: Int32] = [:], order: [String] = []
      // the listed count is the most a set can read: no growth by doubling past it
      values.reserveCapacity(set.listedCount)
      labelIndex.reserveCapacity(set.listedCount)
      let info = try set.read { chunk, _ in
        if table == nil {
          table = Table(name: "entropy", columns: ["set", "file", "label", "entropy_bits"] + (chunk.isColor ? ["entropy_r_bits", "entropy_g_bits", "entropy_b_bits"] : []))
          table!.spool = try TableSpool()
        }
        let bits = Self.entropies(chunk, threads: context.threads)
        let perChannel = chunk.isColor ? (0..<3).map { Self.channelEntropies(chunk, channel: $0, threads: context.threads) } : []
        var rows: [[String]] = []
        rows.reserveCapacity(chunk.count)
        for i in 0..<chunk.count {
          rows.append([chunk.name, chunk.files[i], chunk.labels[i] ?? "", csvNumber(bits[i])] + perChannel.map { csvNumber($0[i]) })
          if let label = chunk.labels[i] {
            if names[label] == nil {
              names[label] = Int32(order.count)
              order.append(label)
            }
            labelIndex.append(names[label]!)
          } else {
            labelIndex.append(-1)
          }
        }
        try table!.spool!.append(rows)
        values += bits
      }
      sets.append(info)
      all.append(values)
      labels.append(labelIndex)
      classNames.append(order)
    }
    return (try report(sets, entropies: &all, labels: labels, classNames: classNames, table: table!, context: context), sets)
  }

  /// The report from every set's per-image entropies and labels (`labels[s][i]` indexes
  /// `classNames[s]`, −1 for none), with `table`'s per-image rows. Each set's entropies are
  /// sorted in place once everything that needs their image order is done (the median needs
  /// them sorted, and a sorted copy would double the memory a large set takes).
  func report(
    _ sets: [SetInfo], entropies all: inout [[Double]], labels: [[Int32]], classNames: [[String]], table: Table, context: RunContext
  ) throws -> Report {
    var report = Report(metric: Self.name)
    // in image order: the per-class summaries, each set's mean interval, the differences to the
    // first set and their floors (two seeded halves of the first set, by position)
    var byClass: [[(String, JSON)]?] = []
    for s in sets.indices {
      guard labels[s].contains(where: { $0 >= 0 }) else {
        byClass.append(nil)
        continue
      }
      var entries: [(String, JSON)] = []
      for label in classNames[s].sorted(by: naturalOrder) {
        let index = Int32(classNames[s].firstIndex(of: label)!)
        entries.append((label, SampleSummary(all[s].indices.filter { labels[s][$0] == index }.map { all[s][$0] }).json))
      }
      byClass.append(entries)
    }
    let means = all.map { AnalyticInterval.mean($0) }
    var differences: [ScalarRecord] = [], splitLines: [String] = []
    for (s, set) in sets.enumerated().dropFirst() {
      let difference = AnalyticInterval.meanDifference(all[s], all[0])
      var floorValue: Double?
      if floor && all[0].count >= 4 {
        let split = FloorSplit(realCount: all[0].count, target: set.count, seed: context.seed ^ 0xF100)
        floorValue = SampleSummary(split.first.map { all[0][$0] }).mean - SampleSummary(split.second.map { all[0][$0] }).mean
        if split.isReduced {
          splitLines.append("\(set.name) − \(sets[0].name) floor: two halves of \(split.size) \(sets[0].name) images (fewer than the \(set.count) compared)")
        }
      }
      differences.append(ScalarRecord(
        metric: "mean_entropy_difference_bits", set: "\(set.name) − \(sets[0].name)", estimate: difference, nReal: sets[0].count, nFake: set.count,
        floor: floorValue))
    }
    // then sorted: each set's whole summary
    let summaries = all.indices.map { SampleSummary(sorting: &all[$0]) }
    var perSet: [(String, JSON)] = []
    for (s, set) in sets.enumerated() {
      let summary = summaries[s]
      var entry: [(String, JSON)] = [("all", summary.json)]
      if let entries = byClass[s] { entry.append(("by_class", .object(entries))) }
      perSet.append((set.name, .object(entry)))
      report.lines.append(
        "\(set.name): n=\(summary.n), entropy mean \(format4(summary.mean)) bits (std \(format4(summary.std)), min \(format4(summary.min)), median \(format4(summary.median)), max \(format4(summary.max)))"
      )
    }
    report.tables.append(table)
    report.scalars.append(("sets", .object(perSet)))
    // each set's mean (t interval; floor: the first set's mean), then the differences
    for (s, set) in sets.enumerated() {
      report.records.append(ScalarRecord(
        metric: "mean_entropy_bits", set: set.name, estimate: means[s], nReal: 0, nFake: set.count, floor: s > 0 && floor ? summaries[0].mean : nil))
    }
    report.records += differences
    report.lines += splitLines
    for (set, summary) in zip(sets, summaries).dropFirst() {
      report.lines.append("\(set.name) − \(sets[0].name): mean entropy difference \(format4(summary.mean - summaries[0].mean)) bits")
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
