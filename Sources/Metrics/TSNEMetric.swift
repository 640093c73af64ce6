import EvalCore
import Foundation
import ImageIO
import Plot
import SetStatistics
import TSNE

/// `tsne`: embeds all sets jointly with t-SNE (exact or Barnes-Hut, 2D or 3D).
public struct TSNEMetric: Metric, PluginDeclaration {
  public static let name = "tsne"
  public static let summary = "joint t-SNE embedding of all sets (exact or Barnes-Hut, 2D/3D) with KL, trustworthiness and real/generated mixing"

  public enum MethodChoice: String, CaseIterable, Sendable { case exact, barnesHut = "barnes-hut", fft, auto }

  /// Up to this many images, `auto` picks the exact method: the measured crossover, each method at
  /// its default iterations, is near 1,000 images in 2D and 3D (see `GradientMethod.exactUpTo` and
  /// BENCHMARKS.md). `auto` follows `GradientMethod.fastest` (FFT in 2D from 100,000 images).
  public static let exactUpTo = GradientMethod.exactUpTo
  /// The exact method holds three N×N Float64 matrices at its peak (distances, conditional and
  /// joint P, while the affinities are made); refuse above this many bytes.
  public static let exactMemoryLimit = 6_000_000_000.0

  /// The engine's settings; `iterations` in it is replaced by `iterations` below when a run
  /// starts (the method is known only then).
  public var options = TSNEOptions()
  public var methodChoice = MethodChoice.auto
  public var pcaComponents = 50
  public var classFilter: String?
  public var maxPerSet: Int?
  public var features = FeatureRequest(name: "pixels")
  public var saveMap: String?
  public var map: String?
  /// The iteration count asked for; nil = the method's default (`TSNEOptions.defaultIterations`).
  public var iterations: Int?

  public static let options: [OptionSpec] = [
    .int("dims", default: 2, 2...3, "Embedding dimensions."),
    .choice("method", default: MethodChoice.auto, "exact, barnes-hut, fft, or auto (the measured fastest: exact up to 1,000 images, Barnes-Hut above, FFT in 2D from 100,000)."),
    .number("perplexity", default: 30, min: 1, "Perplexity (effective number of neighbours)."),
    .string(
      "theta", default: "auto",
      "Barnes-Hut accuracy: cells with width/distance < theta are summarised (a number from 0 to 2); auto = 0.5 (scikit-learn's and openTSNE's), held for each image of a group of nearby images at once."),
    .int("iterations", 1...100_000, "Optimisation iterations (default: 1000 for exact, scikit-learn's; 750 for barnes-hut and fft, openTSNE's 250 + 500)."),
    .int("pca", default: 50, 0...100_000, "Reduce to this many principal components first (0 = off)."),
    .number("dof", default: 1, above: 0, max: 100, "Degrees of freedom of the Student-t kernel."),
    .string(
      "learning-rate", default: "auto",
      "A fixed learning rate, or a schedule: scikit-learn = max(N/48, 50); opentsne = N/48 during exaggeration, N/4 after (openTSNE's N/12 and N); auto = opentsne for barnes-hut and fft (lower KL), scikit-learn for exact."),
    .string("class", "Embed only images with this label (e.g. 5)."),
    .int("max-per-set", 2...10_000_000, "Use at most N images per set (a seeded random subset)."),
    .string("features", default: "pixels", "The feature space to embed: pixels, or a features plugin (NAME or NAME:key=value,...)."),
    .choice("knn", default: KNNMethod.auto, "Nearest neighbours for the affinities: exact, approx (NN-descent), or auto (approx from 20,000 images)."),
    .path("save-map", "Also save the embedding as a map file (embedding, PCA basis, features, neighbours) to place other sets into later."),
    .path("map", "Place the sets into this saved map (from --save-map) instead of embedding them; the map's points stay fixed."),
  ]

  public init(options: OptionValues) throws {
    self.options.dims = options.int("dims")
    methodChoice = options.choice("method")
    self.options.perplexity = options.double("perplexity")
    let theta = (options.string("theta") ?? "auto").trimmingCharacters(in: .whitespaces)
    if theta != "auto" {
      guard let value = Double(theta), value.isFinite, value >= 0, value <= 2 else {
        throw EvalError.badParameter(name: "--theta", reason: "'\(theta)' must be a number from 0 to 2, or auto")
      }
      self.options.theta = value
    }
    if options.has("iterations") { iterations = options.int("iterations") }
    self.options.degreesOfFreedom = options.double("dof")
    let rate = options.string("learning-rate") ?? "auto"
    if let schedule = LearningRateSchedule(rawValue: rate) {
      self.options.schedule = schedule
    } else {
      guard let value = Double(rate), value.isFinite, value > 0 else {
        throw EvalError.badParameter(name: "--learning-rate", reason: "'\(rate)' must be a positive number, auto, scikit-learn or opentsne")
      }
      self.options.learningRate = value
    }
    pcaComponents = options.int("pca")
    classFilter = options.string("class")
    if options.has("max-per-set") { maxPerSet = options.int("max-per-set") }
    features = try FeatureRequest(parsing: options.string("features") ?? "pixels")
    self.options.knn = options.choice("knn")
    saveMap = options.string("save-map")
    map = options.string("map")
    if saveMap != nil && map != nil {
      throw EvalError.badParameter(name: "--map", reason: "places sets into a saved map; --save-map makes one: give one of them")
    }
  }

  public var notes: [(String, JSON)] {
    [
      ("early_exaggeration", .number(options.earlyExaggeration)), ("exaggeration_iterations", .int(options.exaggerationIterations)),
    ]
  }

  public func evaluate(_ sets: [ImageSet], context: RunContext) throws -> Report {
    let chosen = try choose(sets, context: context)
    if let map { return try place(zip(sets, chosen).map { $0.count == $1.count ? $0 : $0.subset($1) }, into: map, context: context) }
    let n = chosen.reduce(0) { $0 + $1.count }
    // pixels, or another feature space from a features plugin (the first set is the reference)
    let spaces: [Features]? =
      features.name == "pixels" && features.options.isEmpty
      ? nil : try sets.map { try context.features(features, of: $0, reference: sets[0]) }
    let d = spaces?[0].columns ?? sets[0].valuesPerImage
    let rows: [(set: Int, index: Int)] = sets.indices.flatMap { s in chosen[s].map { (s, $0) } }
    let row = { (r: Int) -> ArraySlice<Float> in
      let (s, i) = rows[r]
      return spaces.map { $0[s].values[(i * d)..<((i + 1) * d)] } ?? sets[s].image(i)
    }
    for r in rows.indices {
      let (s, i) = rows[r], values = row(r)
      guard values.count == d else {
        throw EvalError.badParameter(name: "tsne", reason: "set \(sets[s].name) has \(values.count) values per image but \(sets[0].name) has \(d); embed sets of one image size together")
      }
      if let bad = values.firstIndex(where: { !$0.isFinite }) {
        throw EvalError.badFile(
          path: sets[s].source + "/" + sets[s].files[i], reason: "\(spaces == nil ? "pixel" : "feature") \(bad - values.startIndex) is not a finite number")
      }
    }
    // 2. method and memory
    var options = self.options
    options.seed = context.seed
    options.threads = context.threads
    switch methodChoice {
    case .exact: options.method = .exact
    case .barnesHut: options.method = .barnesHut
    case .fft: options.method = .fft
    case .auto: options.method = GradientMethod.fastest(count: n, dims: options.dims)
    }
    options.iterations = iterations ?? TSNEOptions.defaultIterations(for: options.method)
    if options.method == .exact && 3 * Double(n) * Double(n) * 8 > Self.exactMemoryLimit {
      throw EvalError.badParameter(
        name: "--method", reason: "exact t-SNE of \(n) images needs \(String(format: "%.1f", 24 * Double(n) * Double(n) / 1e9)) GB for its N×N matrices; use --method barnes-hut (or auto), or --max-per-set")
    }
    guard options.perplexity < Double(n) else {
      throw EvalError.badParameter(name: "--perplexity", reason: "\(options.perplexity) must be less than the number of images (\(n)); try \(max(1, (n - 1) / 3))")
    }
    // 3. PCA first when the images have more dimensions than asked for
    let clock = Date()
    var columns = d
    var fitted: PCA?
    let data: [Double]
    if pcaComponents > 0 && d > pcaComponents && n > 1 {
      // the rows are read straight from the sets, a block at a time (no n × d Float64 copy)
      let pca = PCA(rows: n, columns: d, components: min(pcaComponents, n), threads: context.threads) { range, out in
        var t = 0
        for r in range {
          for value in row(r) {
            out[t] = Double(value)
            t += 1
          }
        }
      }
      data = pca.projected
      columns = min(pcaComponents, n)
      fitted = pca
    } else {
      data = rows.indices.flatMap { row($0).lazy.map(Double.init) }
    }
    let pcaSeconds = Date().timeIntervalSince(clock)
    // 4. embed, with progress
    let progress = context.progress("t-SNE \(options.method.rawValue) \(options.dims)D, \(n) images", total: options.iterations)
    var lastReported = 0
    let embedding: Embedding
    do {
      embedding = try TSNE.embed(data, rows: n, columns: columns, options: options) { step in
        progress.advance(by: step.iteration - lastReported)
        lastReported = step.iteration
        return true
      }
    } catch let error as TSNEError {
      throw EvalError.badParameter(name: "tsne", reason: error.description)
    }
    progress.finish()
    var report = makeReport(
      sets: sets, rows: rows, input: data, columns: columns, embedding: embedding, iterations: options.iterations, pcaSeconds: pcaSeconds,
      context: context)
    if let saveMap {
      let tsneMap: TSNEMap
      do {
        let labels = rows.map { sets[$0.set].labels[$0.index] ?? "" }
        tsneMap = try TSNEMap(
          run: embedding, features: data, featureColumns: columns, inputColumns: d, projectionMean: fitted?.mean ?? [], projectionBasis: fitted?.basis ?? [],
          options: options, labels: labels.contains { !$0.isEmpty } ? labels.map { $0.replacingOccurrences(of: "\n", with: " ") } : nil)
        try tsneMap.write(to: saveMap)
      } catch let error as TSNEMapError {
        throw EvalError.cannotWrite(path: saveMap, reason: "\(error)")
      }
      report.lines.append("saved the map of \(n) points to \(saveMap); place other sets into it with `gan-eval tsne --map \(saveMap) SET...`")
      report.scalars.append(("map", .string(saveMap)))
    }
    return report
  }

  /// The images to use from each set: the optional class filter, then a seeded per-set
  /// subsample of at most max-per-set (the same for embedding and for placing into a map).
  private func choose(_ sets: [ImageSet], context: RunContext) throws -> [[Int]] {
    var chosen: [[Int]] = []
    for set in sets {
      var indices = Array(0..<set.count)
      if let classFilter {
        guard set.labels.contains(where: { $0 != nil }) else {
          throw EvalError.badParameter(name: "--class", reason: "set \(set.name) (\(set.source)) has no labels; label it or drop --class")
        }
        indices = indices.filter { set.labels[$0] == classFilter }
        guard !indices.isEmpty else {
          throw EvalError.badParameter(name: "--class", reason: "set \(set.name) has no images of class \(classFilter); classes: \(set.classes.joined(separator: ", "))")
        }
      }
      if let maxPerSet, indices.count > maxPerSet {
        var generator = SplitMix64(seed: context.seed ^ 0x5EED)
        indices.shuffle(using: &generator)
        indices = Array(indices.prefix(maxPerSet)).sorted()
      }
      chosen.append(indices)
    }
    return chosen
  }

  private func makeReport(
    sets: [ImageSet], rows: [(set: Int, index: Int)], input: [Double], columns: Int, embedding: Embedding,
    iterations: Int, pcaSeconds: Double, context: RunContext
  ) -> Report {
    let dims = embedding.dims, y = embedding.coordinates, n = rows.count, groups = rows.map(\.set)
    var report = Report(metric: Self.name)
    var table = Table(name: "tsne", columns: ["set", "file", "label", "x", "y"] + (dims == 3 ? ["z"] : []))
    for (r, row) in rows.enumerated() {
      let set = sets[row.set]
      table.rows.append([set.name, set.files[row.index], set.labels[row.index] ?? ""] + (0..<dims).map { csvNumber(y[r * dims + $0]) })
    }
    report.tables.append(table)

    // trustworthiness on at most 5,000 points (a seeded subsample)
    var sample = Array(0..<n)
    if n > 5000 {
      var generator = SplitMix64(seed: context.seed ^ 0x7157)
      sample.shuffle(using: &generator)
      sample = Array(sample.prefix(5000)).sorted()
    }
    var trust: Double? = nil
    if sample.count > 22 {
      let xs = sample.flatMap { input[($0 * columns)..<(($0 + 1) * columns)] }
      let ys = sample.flatMap { y[($0 * dims)..<(($0 + 1) * dims)] }
      trust = EmbeddingQuality.trustworthiness(input: xs, columns: columns, embedding: ys, dims: dims, rows: sample.count, k: 10, threads: context.threads)
    }
    report.scalars.append(("kl_divergence", .number(embedding.kl)))
    report.scalars.append(("kl_kind", .string(embedding.method == .exact ? "exact" : "Barnes-Hut estimate")))
    report.scalars.append(("method", .string(embedding.method.rawValue)))
    report.scalars.append(("n", .int(n)))
    report.scalars.append(("iterations", .int(iterations)))  // asked for, or the method's default
    report.scalars.append(("iterations_run", .int(embedding.iterations)))  // fewer after an early stop
    if embedding.method == .barnesHut { report.scalars.append(("theta", .number(options.barnesHutTheta(points: n)))) }
    report.scalars.append(("learning_rate", .number(embedding.learningRate)))
    report.scalars.append(("learning_rate_after_exaggeration", .number(embedding.learningRateAfterExaggeration)))
    report.scalars.append(("trustworthiness_k10", trust.map { .number($0) } ?? .null))
    report.scalars.append(("trustworthiness_points", .int(sample.count)))
    report.lines.append("t-SNE \(embedding.method.rawValue) \(dims)D of \(n) images (\(sets.indices.map { s in "\(sets[s].name) \(groups.filter { $0 == s }.count)" }.joined(separator: ", "))): KL \(format4(embedding.kl)) after \(embedding.iterations) iterations")
    if let trust { report.lines.append("trustworthiness (k=10, \(sample.count) points): \(format4(trust))") }

    // mixing: for each later set, the share of real (first set) points among each point's 10 nearest
    var mixing: [(String, JSON)] = []
    let realCount = groups.filter { $0 == 0 }.count
    for s in 1..<max(sets.count, 1) {
      var queries = (0..<n).filter { groups[$0] == s }
      if queries.count > 5000 {
        var generator = SplitMix64(seed: context.seed ^ UInt64(s))
        queries.shuffle(using: &generator)
        queries = Array(queries.prefix(5000)).sorted()
      }
      guard !queries.isEmpty, n > 11 else { continue }
      let fractions = EmbeddingQuality.neighbourFractions(embedding: y, dims: dims, groups: groups, queries: queries, reference: 0, k: 10, threads: context.threads)
      // t interval over the points' own shares: conditional on this embedding (a bootstrap would
      // need a t-SNE run per replicate); the floor is the share a perfectly mixed set would have
      let estimate = AnalyticInterval.mean(fractions)
      let observed = estimate.value
      let expected = Double(realCount) / Double(n - 1)
      report.records.append(ScalarRecord(
        metric: "neighbour_mixing", space: "t-SNE \(dims)D", set: "\(sets[s].name) vs \(sets[0].name)", value: observed, low: estimate.low,
        high: estimate.high, nReal: realCount, nFake: queries.count, method: estimate.method.rawValue + " over points given this embedding",
        floor: expected))
      mixing.append((sets[s].name, .object([
        ("real_fraction_of_10nn", .number(observed)), ("expected_if_fully_mixed", .number(expected)),
        ("mixing_ratio", .number(expected > 0 ? observed / expected : .nan)), ("points", .int(queries.count)),
      ])))
      report.lines.append("\(sets[s].name): \(format4(observed)) of each point's 10 nearest neighbours are \(sets[0].name) (full mixing: \(format4(expected)))")
    }
    if !mixing.isEmpty { report.scalars.append(("mixing", .object(mixing))) }
    report.scalars.append(("seconds", .object([("pca", .number(pcaSeconds))] + embedding.seconds.map { ($0.0, .number($0.1)) })))

    if context.makeFigures {
      report.figures += TSNEFigures.make(sets: sets, rows: rows, embedding: embedding, classFilter: classFilter)
    }
    return report
  }
}

extension TSNEMetric {
  /// The placed points' 10-NN class agreement with the map, as openTSNE's users measure a
  /// transform: each labelled placed point's share of its 10 nearest map points (in the
  /// embedding) with its own label, averaged, with a t interval over the points. The `floor`
  /// column holds the map's own agreement (each map point against its 10 nearest other map
  /// points): what points placed exactly like the map's own would score.
  static func placementAgreement(_ map: TSNEMap, placed: Placement, set: ImageSet, threads: Int) -> (record: ScalarRecord, line: String)? {
    guard map.labels != nil else { return nil }
    let shares = map.classAgreement(coordinates: placed.coordinates, labels: set.labels, threads: threads).compactMap { $0 }
    guard !shares.isEmpty else { return nil }
    let own = map.classAgreement(coordinates: map.embedding, labels: map.labels!.map { Optional($0) }, excludingSelf: true, threads: threads).compactMap { $0 }
    let estimate = AnalyticInterval.mean(shares)
    let floor = own.isEmpty ? nil : own.reduce(0, +) / Double(own.count)
    let record = ScalarRecord(
      metric: "class_agreement_10nn", space: "tsne-map", set: set.name, value: estimate.value, low: estimate.low, high: estimate.high,
      nReal: map.count, nFake: shares.count, method: estimate.method.rawValue, floor: floor)
    let interval = estimate.low.isFinite ? String(format: " (%.3f–%.3f)", estimate.low, estimate.high) : ""
    let line = String(format: "10-NN class agreement of %@ with the map: %.3f", set.name, estimate.value) + interval
      + " over \(shares.count) labelled images" + (floor.map { String(format: "; the map's own points score %.3f", $0) } ?? "")
    return (record, line)
  }

  /// `--map`: places every set into a saved map, whose points stay where they are (openTSNE's
  /// transform: start at the median of the nearest map points, then a short optimisation with the
  /// map fixed; see PlacementOptions). Writes tsne.csv with the map's points (set `map`) and the
  /// placed ones, the 10-NN class agreement with the map when both are labelled, and a figure with
  /// the map in grey and each placed set in colour.
  func place(_ sets: [ImageSet], into path: String, context: RunContext) throws -> Report {
    let tsneMap: TSNEMap
    do { tsneMap = try TSNEMap.read(from: path) } catch let error as TSNEMapError { throw EvalError.badFile(path: path, reason: "\(error)") }
    guard features.name == "pixels" && features.options.isEmpty else {
      throw EvalError.badParameter(name: "--features", reason: "placing into a map uses the map's own input space (pixels); leave --features out")
    }
    var report = Report(metric: Self.name)
    var table = Table(name: "tsne", columns: ["set", "file", "label", "x", "y"] + (tsneMap.dims == 3 ? ["z"] : []))
    for i in 0..<tsneMap.count {
      table.rows.append(["map", "", ""] + (0..<tsneMap.dims).map { csvNumber(tsneMap.embedding[i * tsneMap.dims + $0]) })
    }
    var placements: [(ImageSet, Placement)] = []
    for set in sets {
      guard set.valuesPerImage == tsneMap.inputColumns else {
        throw EvalError.badParameter(
          name: set.source, reason: "has \(set.valuesPerImage) values per image but the map \(path) was made from \(tsneMap.inputColumns)")
      }
      var placement = PlacementOptions()
      placement.threads = context.threads
      let progress = context.progress("placing \(set.name) into the map", total: 1)
      let placed: Placement
      do { placed = try tsneMap.place(set.pixels.map(Double.init), count: set.count, options: placement) } catch let error as TSNEMapError {
        throw EvalError.badParameter(name: "--map", reason: "\(error)")
      }
      progress.finish()
      placements.append((set, placed))
      for i in 0..<set.count {
        table.rows.append([set.name, set.files[i], set.labels[i] ?? ""] + (0..<placed.dims).map { csvNumber(placed.coordinates[i * placed.dims + $0]) })
      }
      report.lines.append("placed \(set.count) images of \(set.name) into the map of \(tsneMap.count) points (\(path))")
      if let agreement = Self.placementAgreement(tsneMap, placed: placed, set: set, threads: context.threads) {
        report.records.append(agreement.record)
        report.scalars.append(("class_agreement_\(set.name)", .number(agreement.record.value)))
        report.lines.append(agreement.line)
      }
    }
    if tsneMap.labels == nil {
      report.lines.append("the map keeps no labels (it was saved from unlabelled sets), so no class agreement is reported")
    }
    report.tables.append(table)
    report.scalars.append(("map", .string(path)))
    report.scalars.append(("map_points", .int(tsneMap.count)))
    if context.makeFigures && tsneMap.dims == 2 {
      var chart = Chart(title: "Sets placed into the map \((path as NSString).lastPathComponent)", xLabel: "t-SNE 1", yLabel: "t-SNE 2")
      let mapX = (0..<tsneMap.count).map { tsneMap.embedding[$0 * 2] }, mapY = (0..<tsneMap.count).map { tsneMap.embedding[$0 * 2 + 1] }
      chart.layers = [.points(name: "map (n=\(tsneMap.count))", x: mapX, y: mapY, radius: 1.2)]
      for (set, placed) in placements {
        chart.layers.append(.points(
          name: "\(set.name) (n=\(set.count))", x: (0..<set.count).map { placed.coordinates[$0 * 2] }, y: (0..<set.count).map { placed.coordinates[$0 * 2 + 1] },
          radius: 1.6))
      }
      chart.colors = ["#bbbbbb"] + Palette.okabeIto.dropFirst()
      chart.hideTickLabels = true
      report.figures.append(Figure(name: "tsne_placed", svg: chart.svg()))
    }
    return report
  }
}
