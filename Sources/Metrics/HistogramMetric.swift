import EvalCore
import Foundation
import ImageIO
import Plot
import SetStatistics

/// `histogram`: one pixel-intensity histogram per set, and distances between every pair of sets.
public struct HistogramMetric: StreamingMetric, PluginDeclaration {
  public static let name = "histogram"
  public static let summary = "pixel-intensity histograms per set (numpy-compatible bins); TV, Jensen–Shannon and Wasserstein-1 between sets"

  public let bins: Bins
  public var bootstrap = BootstrapPlan.defaultReplicates
  public var floor = true

  public init(bins: Int = 256, lower: Double = 0, upper: Double = 1) { self.bins = Bins(count: bins, lower: lower, upper: upper) }

  public static let options: [OptionSpec] = [
    .int("bins", default: 256, 1...1_000_000, "Number of equal-width bins."),
    .string("range", default: "0,1", "Intensity range LOW,HIGH (pixels are in [0,1])."),
  ] + IntervalOptions.both

  public init(options: OptionValues) throws {
    let text = options.string("range") ?? "0,1"
    let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, let lower = parts[0], let upper = parts[1], lower.isFinite, upper.isFinite, upper > lower else {
      throw EvalError.badParameter(name: "--range", reason: "'\(text)' must be two numbers LOW,HIGH with LOW < HIGH, e.g. 0,1")
    }
    bins = Bins(count: options.int("bins"), lower: lower, upper: upper)
    bootstrap = options.int("bootstrap")
    floor = options.bool("floor")
  }

  /// Reads each set a chunk at a time. Every image's own counts are binned once, then added to
  /// the set's pooled histogram, to each bootstrap replicate (Poisson weights, see
  /// `ReplicateHistograms`) and, for the first (real) set, to the floor's halves: memory holds
  /// one chunk and B × bins counts per set and channel, whatever the number of images.
  public func evaluate(streaming streamed: [StreamedSet], context: RunContext) throws -> (report: Report, sets: [SetInfo]) {
    let plan = BootstrapPlan(replicates: bootstrap, seed: context.seed ^ 0x4157)
    // the floor: two seeded halves of the first set, each of another set's size, by listing position
    var halves: [Int: [UInt8]] = [:]  // target size → per position: 0 neither, 1 first half, 2 second half
    var splits: [Int: FloorSplit] = [:]
    if floor && streamed.count > 1 && streamed[0].listedCount >= 2 {
      for target in Set(streamed.dropFirst().map(\.listedCount)) {
        let split = FloorSplit(realCount: streamed[0].listedCount, target: target, seed: context.seed ^ 0xF100)
        var member = [UInt8](repeating: 0, count: streamed[0].listedCount)
        for i in split.first { member[i] = 1 }
        for i in split.second { member[i] = 2 }
        (halves[target], splits[target]) = (member, split)
      }
    }
    let withIntervals = streamed.count > 1 && plan.isEnabled && bins.count * plan.replicates <= Self.replicateBudget
    var counted: [SetCounts] = []
    var sets: [SetInfo] = []
    for (s, set) in streamed.enumerated() {
      var counts: SetCounts?
      let info = try set.read { chunk, positions in
        let channels = chunk.isColor ? Self.colorChannels.map(\.channel) : [.all]
        if counts == nil {
          counts = SetCounts(
            bins: bins, channels: channels.count, replicates: withIntervals ? plan : nil, set: s, halves: s == 0 ? Array(halves.keys) : [])
        }
        for (c, channel) in channels.enumerated() {
          // pooled and floor halves: counted pixel by pixel (any number of bins)
          counts!.pooled[c] = zip(counts!.pooled[c], PixelHistogram(chunk, bins: bins, threads: context.threads, channel: channel).counts).map(+)
          if s == 0 {
            for (target, member) in halves {
              for half in [UInt8(1), 2] {
                let picked = positions.indices.filter { member[positions[$0]] == half }
                guard !picked.isEmpty else { continue }
                let counted = PixelHistogram(chunk.subset(picked), bins: bins, threads: context.threads, channel: channel).counts
                counts!.addHalf(counted, target: target, channel: c, second: half == 2)
              }
            }
          }
          // the bootstrap: each image's own counts, at most `perImageBudget` values at a time
          guard withIntervals else { continue }
          let rows = max(1, Self.perImageBudget / bins.count)
          for start in stride(from: 0, to: chunk.count, by: rows) {
            let range = start..<min(chunk.count, start + rows)
            let each = PixelHistogram.perImage(chunk, images: range, bins: bins, threads: context.threads, channel: channel)
            counts!.replicates[c].add(each, positions: Array(positions[range]))
          }
        }
      }
      sets.append(info)
      counted.append(counts!)
    }
    var records: [ScalarRecord] = [], notes: [String] = []
    if streamed.count > 1 && plan.isEnabled && !withIntervals {
      notes.append("no intervals for the distances: \(bins.count) bins × \(plan.replicates) replicates exceed \(Self.replicateBudget) (each image would add that many counts); pass fewer --bins or --bootstrap")
    }
    let spaces = sets.contains(where: \.isColor) ? Self.colorChannels.map(\.name) : [""]
    for (c, space) in spaces.enumerated() {
      let (r, n) = distanceRecords(sets, counted, listed: streamed.map(\.listedCount), channel: c, space: space, splits: splits, intervals: withIntervals)
      records += r
      notes += n
    }
    let histograms = counted.map { $0.pooled.map { PixelHistogram(bins: bins, counts: $0) } }
    var report: Report
    if sets.contains(where: \.isColor) {
      report = colorReport(sets, histograms: histograms, context: context)
    } else {
      report = grayReport(zip(sets, histograms).map { ($0.name, $0.count, $1[0]) }, fromImages: true, context: context)
    }
    report.records = records
    report.lines += notes
    return (report, sets)
  }

  /// Per-image counts held at once (values): a chunk is binned this many at a time.
  static let perImageBudget = 1 << 22
  /// The largest B × bins with intervals: each image adds B weighted copies of its bins' counts
  /// (2²⁰: 4,096 bins at the default B = 200 is 0.8 M multiply-adds per image).
  static let replicateBudget = 1 << 20

  /// What one set adds up while it streams past, per channel: the pooled counts, the bootstrap
  /// replicates' counts, and for the first set the floor halves' counts (by target size).
  struct SetCounts {
    var pooled: [[Int]]
    var replicates: [ReplicateHistograms]
    var halves: [Int: [(first: [Double], second: [Double])]]

    init(bins: Bins, channels: Int, replicates plan: BootstrapPlan?, set: Int, halves targets: [Int]) {
      pooled = [[Int]](repeating: [Int](repeating: 0, count: bins.count), count: channels)
      replicates = plan.map { plan in (0..<channels).map { _ in ReplicateHistograms(bins: bins.count, plan: plan, set: set) } } ?? []
      let empty = [Double](repeating: 0, count: bins.count)
      halves = Dictionary(uniqueKeysWithValues: targets.map { ($0, [(first: [Double], second: [Double])](repeating: (empty, empty), count: channels)) })
    }

    mutating func addHalf(_ counted: [Int], target: Int, channel c: Int, second: Bool) {
      for (b, count) in counted.enumerated() where count > 0 {
        if second { halves[target]![c].second[b] += Double(count) } else { halves[target]![c].first[b] += Double(count) }
      }
    }
  }

  /// The report of gray sets' histograms, counted from images or read from stats files (then
  /// without the distances' intervals and floors, which resample individual images).
  func grayReport(_ sets: [(name: String, count: Int, histogram: PixelHistogram)], fromImages: Bool, context: RunContext) -> Report {
    var report = Report(metric: Self.name)
    let histograms = sets.map(\.histogram)
    var table = Table(name: "histogram", columns: ["set", "bin", "lo", "hi", "count", "density"])
    for (set, histogram) in zip(sets, histograms) {
      let densities = histogram.densities
      for i in 0..<bins.count {
        table.rows.append([
          set.name, String(i), csvNumber(bins.edges[i]), csvNumber(bins.edges[i + 1]), String(histogram.counts[i]),
          csvNumber(densities[i]),
        ])
      }
    }
    report.tables.append(table)

    var perSet: [(String, JSON)] = []
    for (set, histogram) in zip(sets, histograms) {
      let mean = zip(histogram.probabilities, bins.edges.indices.dropLast()).reduce(0.0) {
        $0 + $1.0 * 0.5 * (bins.edges[$1.1] + bins.edges[$1.1 + 1])
      }
      perSet.append((set.name, .object([("images", .int(set.count)), ("pixels_counted", .int(histogram.total)), ("mean_bin_centre", .number(mean))])))
      report.lines.append("\(set.name): \(set.count) images, \(histogram.total) pixels counted in \(bins.count) bins")
    }
    report.scalars.append(("sets", .object(perSet)))

    var pairs: [JSON] = []
    var pairTable = Table(name: "histogram_distances", columns: ["set_a", "set_b", "total_variation", "jensen_shannon_bits", "wasserstein1"])
    for a in 0..<sets.count {
      for b in (a + 1)..<sets.count {
        let p = histograms[a].probabilities, q = histograms[b].probabilities
        let tv = HistogramDistance.totalVariation(p, q)
        let js = HistogramDistance.jensenShannonBits(p, q)
        let w1 = HistogramDistance.wasserstein1(p, q, edges: bins.edges)
        pairs.append(.object([
          ("a", .string(sets[a].name)), ("b", .string(sets[b].name)), ("total_variation", .number(tv)),
          ("jensen_shannon_bits", .number(js)), ("wasserstein1", .number(w1)),
        ]))
        pairTable.rows.append([sets[a].name, sets[b].name, csvNumber(tv), csvNumber(js), csvNumber(w1)])
        report.lines.append(
          "\(sets[a].name) vs \(sets[b].name): total variation \(format4(tv)), Jensen–Shannon \(format4(js)) bits, Wasserstein-1 \(format4(w1)) (intensity units)")
      }
    }
    if !pairs.isEmpty {
      report.scalars.append(("pairs", .array(pairs)))
      report.tables.append(pairTable)
    }
    if !fromImages && sets.count > 1 {
      report.lines.append("no intervals or floors for the distances: a side is a stats file, and they resample individual images")
    }

    if context.makeFigures {
      var chart = Chart(
        title: "Pixel intensity histogram", xLabel: "pixel intensity (0 = black, 1 = white)",
        yLabel: "density (log10 scale, 1 + density)")
      chart.layers = zip(sets, histograms).map { set, histogram in
        .steps(name: "\(set.name) (n=\(set.count))", edges: bins.edges, heights: histogram.densities.map { log10(1 + $0) })
      }
      chart.xRange = bins.lower...bins.upper
      report.figures.append(Figure(name: "histogram", svg: chart.svg()))
    }
    return report
  }
}

extension HistogramMetric {
  /// TV, JS and W1 of every pair of channel `c` (space `space`) with 95% intervals (a seeded
  /// Poisson bootstrap over images, each set independently) and, for pairs with the first set
  /// (the real one), the floor: the same distances between two seeded halves of the first set,
  /// each of the other set's size (or half the first set when it is smaller; a line says so).
  func distanceRecords(
    _ sets: [SetInfo], _ counted: [SetCounts], listed: [Int], channel c: Int, space: String, splits: [Int: FloorSplit], intervals: Bool
  ) -> (records: [ScalarRecord], notes: [String]) {
    var records: [ScalarRecord] = [], notes: [String] = []
    let probabilities = counted.map { PixelHistogram(bins: bins, counts: $0.pooled[c]).probabilities }
    for a in 0..<sets.count {
      for b in (a + 1)..<sets.count {
        let estimates: HistogramDistanceEstimates
        if intervals {
          estimates = histogramDistanceEstimates(probabilities[a], probabilities[b], replicates: counted[a].replicates[c], counted[b].replicates[c], edges: bins.edges)
        } else {
          let p = probabilities[a], q = probabilities[b]
          estimates = HistogramDistanceEstimates(
            totalVariation: .bare(HistogramDistances.totalVariation(p, q)), jensenShannonBits: .bare(HistogramDistances.jensenShannonBits(p, q)),
            wasserstein1: .bare(HistogramDistances.wasserstein1(p, q, edges: bins.edges)))
        }
        var floors: (totalVariation: Double, jensenShannonBits: Double, wasserstein1: Double)?
        if a == 0, let split = splits[listed[b]], let half = counted[0].halves[listed[b]]?[c] {
          floors = histogramDistanceFloor(half.first, half.second, edges: bins.edges)
          if split.isReduced && (space.isEmpty || space == "R") {  // said once for a colour set
            notes.append(
              "\(sets[b].name) vs \(sets[0].name) floor: two halves of \(split.size) \(sets[0].name) images (fewer than the \(sets[b].count) compared; a smaller n raises the distances)")
          }
        }
        let pair = "\(sets[b].name) vs \(sets[a].name)"
        records += [
          ScalarRecord(metric: "total_variation", space: space, set: pair, estimate: estimates.totalVariation, nReal: sets[a].count, nFake: sets[b].count, floor: floors?.totalVariation),
          ScalarRecord(metric: "jensen_shannon_bits", space: space, set: pair, estimate: estimates.jensenShannonBits, nReal: sets[a].count, nFake: sets[b].count, floor: floors?.jensenShannonBits),
          ScalarRecord(metric: "wasserstein1", space: space, set: pair, estimate: estimates.wasserstein1, nReal: sets[a].count, nFake: sets[b].count, floor: floors?.wasserstein1),
        ]
      }
    }
    return (records, notes)
  }

  public static let colorChannels: [(name: String, channel: PixelHistogram.Channel)] = [
    ("R", .index(0)), ("G", .index(1)), ("B", .index(2)), ("luma", .luma),
  ]

  /// RGB sets: a histogram per channel and of the luminance (a `channel` column in
  /// histogram.csv, `histograms[set][c]` in `colorChannels` order); distances per channel, their
  /// mean over R, G and B, and the luminance's.
  func colorReport(_ sets: [SetInfo], histograms: [[PixelHistogram]], context: RunContext) -> Report {
    var report = Report(metric: Self.name)
    var table = Table(name: "histogram", columns: ["set", "channel", "bin", "lo", "hi", "count", "density"])
    for (set, perChannel) in zip(sets, histograms) {
      for (c, histogram) in perChannel.enumerated() {
        let densities = histogram.densities
        for i in 0..<bins.count {
          table.rows.append([
            set.name, Self.colorChannels[c].name, String(i), csvNumber(bins.edges[i]), csvNumber(bins.edges[i + 1]),
            String(histogram.counts[i]), csvNumber(densities[i]),
          ])
        }
      }
    }
    report.tables.append(table)
    var perSet: [(String, JSON)] = []
    for (set, perChannel) in zip(sets, histograms) {
      perSet.append((set.name, .object([("images", .int(set.count)), ("pixels_counted_per_channel", .int(perChannel[0].total))])))
      report.lines.append("\(set.name): \(set.count) RGB images, \(perChannel[0].total) pixels per channel counted in \(bins.count) bins")
    }
    report.scalars.append(("sets", .object(perSet)))
    var pairs: [JSON] = []
    var pairTable = Table(name: "histogram_distances", columns: ["set_a", "set_b", "channel", "total_variation", "jensen_shannon_bits", "wasserstein1"])
    for a in 0..<sets.count {
      for b in (a + 1)..<sets.count {
        var rows: [(String, Double, Double, Double)] = []
        for c in Self.colorChannels.indices {
          let p = histograms[a][c].probabilities, q = histograms[b][c].probabilities
          rows.append((
            Self.colorChannels[c].name, HistogramDistance.totalVariation(p, q), HistogramDistance.jensenShannonBits(p, q),
            HistogramDistance.wasserstein1(p, q, edges: bins.edges)
          ))
        }
        let rgb = rows.prefix(3)
        let mean = ("mean RGB", rgb.map(\.1).reduce(0, +) / 3, rgb.map(\.2).reduce(0, +) / 3, rgb.map(\.3).reduce(0, +) / 3)
        for row in rows + [mean] {
          pairTable.rows.append([sets[a].name, sets[b].name, row.0, csvNumber(row.1), csvNumber(row.2), csvNumber(row.3)])
        }
        pairs.append(.object([
          ("a", .string(sets[a].name)), ("b", .string(sets[b].name)), ("total_variation", .number(mean.1)),
          ("jensen_shannon_bits", .number(mean.2)), ("wasserstein1", .number(mean.3)),
          ("by_channel", .object(rows.map { ($0.0, .object([("total_variation", .number($0.1)), ("jensen_shannon_bits", .number($0.2)), ("wasserstein1", .number($0.3))])) })),
        ]))
        report.lines.append(
          "\(sets[a].name) vs \(sets[b].name) (mean over R, G, B): total variation \(format4(mean.1)), Jensen–Shannon \(format4(mean.2)) bits, Wasserstein-1 \(format4(mean.3)); luminance: \(format4(rows[3].1)), \(format4(rows[3].2)), \(format4(rows[3].3))")
      }
    }
    if !pairs.isEmpty {
      report.scalars.append(("pairs", .array(pairs)))
      report.tables.append(pairTable)
    }
    if context.makeFigures {
      let charts = (0..<3).map { c -> Chart in
        var chart = Chart(
          title: "\(["Red", "Green", "Blue"][c]) channel", xLabel: "intensity (0 = none, 1 = full)", yLabel: "density (log10 scale, 1 + density)")
        chart.layers = zip(sets, histograms).map { set, perChannel in
          .steps(name: "\(set.name) (n=\(set.count))", edges: bins.edges, heights: perChannel[c].densities.map { log10(1 + $0) })
        }
        chart.xRange = bins.lower...bins.upper
        return chart
      }
      report.figures.append(Figure(name: "histogram", svg: Panels(charts, columns: 3).svg()))
    }
    return report
  }
}
