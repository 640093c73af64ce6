import EvalCore
import FeatureExtractors
import Foundation
import ImageIO
import Metrics
import SetStatistics
import Workers

/// `gan-eval stats` and `gan-eval merge`: mergeable statistics of a sample set (or one shard of
/// it) computed in one streaming pass, and the merge of shard files into the whole set's.
///
/// The set is read `chunkSize` images at a time; only the chunk and the running statistics are
/// held, so memory does not grow with the number of images (the sorted file list, O(N) short
/// strings, aside). Every chunk adds to: the 256-bin pixel histogram over [0, 1] (numpy's edges,
/// as `gan-eval histogram`), the per-image entropy (a fine histogram of 8,000 bins over [0, 8]
/// bits plus count, mean and M2), the class counts, and per feature space the moments (n, mean,
/// co-moment, merged with Chan et al.'s formula) and the optional `--keep` subsample.
public enum StatsRun {
  /// The pixel histogram every stats file holds: `gan-eval histogram`'s default bins.
  public static let pixelBins = Bins(count: 256, lower: 0, upper: 1)
  /// The entropy's fine histogram: 0.001-bit bins over [0, 8] bits (8-bit levels have at most 8 bits).
  public static let entropyBins = (count: 8000, low: 0.0, high: 8.0)
  /// Images held at once.
  public static let defaultChunkSize = 2048
  /// The file name extension of stats files.
  public static let fileExtension = "gestats"

  /// `--shard I/N`: slice I (0-based) of N of the set's sorted file list (`StatsIdentity.shardRange`).
  public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int
    public static let whole = Shard(index: 0, count: 1)

    public init(index: Int, count: Int) { (self.index, self.count) = (index, count) }

    /// Reads `I/N` with 0 ≤ I < N.
    public init(parsing text: String) throws {
      let parts = text.split(separator: "/", omittingEmptySubsequences: false)
      guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, index >= 0, index < count else {
        throw EvalError.badParameter(
          name: "--shard", reason: "'\(text)' must be I/N with 0 ≤ I < N, e.g. 0/4 for the first of four shards (Slurm: $SLURM_ARRAY_TASK_ID/$N with --array=0-(N-1))")
      }
      self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }
  }

  /// What one `gan-eval stats` run computes.
  public struct Request: Sendable {
    public var directory: String
    public var shard = Shard.whole
    public var features: [FeatureRequest] = []
    /// Feature rows kept per space (a seeded bottom-K subsample; 0 keeps none).
    public var keep = 0
    public var chunkSize = StatsRun.defaultChunkSize

    public init(directory: String, shard: Shard = .whole, features: [FeatureRequest] = [], keep: Int = 0) {
      (self.directory, self.shard, self.features, self.keep) = (directory, shard, features, keep)
    }
  }

  /// The statistics of the request's shard of its set, streamed in chunks.
  public static func compute(_ request: Request, context: RunContext) throws -> SetStats {
    guard request.keep >= 0 else { throw EvalError.badParameter(name: "--keep", reason: "must be 0 or more rows, got \(request.keep)") }
    // two walks of the folders (count, then visit in order) instead of holding the file list
    let total = try SampleDirectory.countImages(in: request.directory)
    guard total > 0 else {
      throw EvalError.badFile(path: request.directory, reason: "contains no PNG images nor JPEGs (looked in all subdirectories)")
    }
    let range = StatsIdentity.shardRange(request.shard.index, of: request.shard.count, fileCount: total)
    guard !range.isEmpty else {
      throw EvalError.badParameter(
        name: "--shard", reason: "shard \(request.shard) of \(request.directory) holds no images: it has \(total) files, fewer than \(request.shard.count) shards")
    }
    let labelMap = try SampleDirectory.readLabelFile(in: request.directory)
    let (extractor, extractorOptions) = try extractorIdentity(request.features)

    var context = context
    if context.featureSource == nil { context.featureSource = Catalogue.featureSource }
    context.featureCacheDirectory = nil  // chunks are not sets worth caching
    var options = LoadOptions(skipBad: context.skipBad, resize: context.resize, threads: context.threads)
    options.color = context.color
    let progress = context.progress("stats of \(request.directory) shard \(request.shard)", total: range.count)

    var pixels = BinnedCounts(bins: pixelBins.count, low: pixelBins.lower, high: pixelBins.upper)
    var entropy = EntropyStats(histogram: BinnedCounts(bins: entropyBins.count, low: entropyBins.low, high: entropyBins.high), moments: ScalarMoments())
    var classes: [String: Int] = [:]
    var moments: [FeatureMoments] = []
    var subsamples: [FeatureSubsample] = []
    var (loadedCount, digest) = (0, UInt64(0))
    var shape: (width: Int, height: Int, channels: Int)?
    func add(_ names: [String]) throws {
      if context.shouldStop() { throw EvalError.badParameter(name: "stats", reason: "stopped before the end; no stats file written") }
      options.progress = progress
      if let shape { options.targetSize = (shape.width, shape.height) }
      let chunk = try SampleDirectory.load(
        request.directory, files: names, labels: SampleDirectory.labelsOf(names, labelMap: labelMap), options: options)
      if let shape, shape.channels != chunk.channels {
        throw EvalError.badFile(path: request.directory, reason: "mixes gray and colour images; pass --color luma or --color rgb")
      }
      shape = shape ?? (chunk.width, chunk.height, chunk.channels)
      loadedCount += chunk.count
      digest &+= StatsIdentity.fileListDigest(chunk.files)  // a sum, so it adds up chunk by chunk
      let histogram = PixelHistogram(chunk, bins: pixelBins, threads: context.threads)
      for (bin, count) in histogram.counts.enumerated() { pixels.counts[bin] += UInt64(count) }
      pixels.outside += UInt64(chunk.count * chunk.valuesPerImage - histogram.total)
      for bits in EntropyMetric.entropies(chunk, threads: context.threads) {
        entropy.histogram.add(bits)
        entropy.moments.add(bits)
      }
      for label in chunk.labels { if let label { classes[label, default: 0] += 1 } }
      for (s, space) in request.features.enumerated() {
        let features = try context.features(space, of: chunk, reference: nil)
        if moments.count == s {
          moments.append(FeatureMoments(dimension: features.columns))
          if request.keep > 0 { subsamples.append(FeatureSubsample(capacity: request.keep, dimension: features.columns, seed: context.seed)) }
        }
        guard features.columns == moments[s].dimension else {
          throw EvalError.badParameter(name: space.description, reason: "gave \(features.columns) features per image after \(moments[s].dimension) in an earlier chunk")
        }
        moments[s].add(features.values)
        if request.keep > 0 {
          for row in 0..<features.rows {
            subsamples[s].add(features.values[(row * features.columns)..<((row + 1) * features.columns)].map(Double.init), identity: chunk.files[row])
          }
        }
      }
    }
    var (index, pending) = (0, [String]())
    try SampleDirectory.forEachImage(in: request.directory) { path in
      defer { index += 1 }
      guard range.contains(index) else { return }
      pending.append(path)
      if pending.count == request.chunkSize {
        try add(pending)
        pending.removeAll(keepingCapacity: true)
      }
    }
    if !pending.isEmpty { try add(pending) }
    guard index == total else {
      throw EvalError.badFile(path: request.directory, reason: "changed while it was read (\(total) images, then \(index)); run stats again")
    }
    progress.finish()
    let shape0 = shape!
    let identity = StatsIdentity(
      fileCount: loadedCount, fileListDigest: digest, width: shape0.width, height: shape0.height,
      channels: shape0.channels, extractor: extractor, extractorOptions: extractorOptions, shardCount: request.shard.count, shards: [request.shard.index])
    let spaces = request.features.indices.map { s in
      SpaceStats(name: request.features[s].name, moments: moments[s], subsample: request.keep > 0 ? subsamples[s] : nil)
    }
    return SetStats(identity: identity, spaces: spaces, histograms: [NamedCounts(name: "pixels", counts: pixels)], entropy: entropy, classCounts: classes)
  }

  /// The file's extractor fields: per space `name=identity` (e.g. the model file's hash, never
  /// its path, so shards computed on different machines merge), joined by `;`, and per space
  /// `name:key=value,...` of its options other than paths to artifacts.
  public static func extractorIdentity(_ requests: [FeatureRequest]) throws -> (extractor: String, options: String) {
    var names = Set<String>()
    var identities: [String] = [], options: [String] = []
    for request in requests {
      guard names.insert(request.name).inserted else {
        throw EvalError.badParameter(name: "--features", reason: "'\(request.name)' is named twice; a stats file holds one space per extractor")
      }
      let entry = try Catalogue.find(request.name, kind: .features)
      if entry.name == PCAFeatures.name {
        throw EvalError.badParameter(
          name: "--features", reason: "pca is fitted on the whole reference set, which a streaming, sharded pass never holds; use classifier or pixels (or an extractor that needs no fit)")
      }
      let values = try entry.values(request.options)
      let extractor = try entry.makeFeatures(values)
      identities.append("\(entry.name)=\(try extractor.identity())")
      let artifacts = Set(entry.options.filter { $0.role == .artifact }.map(\.name))
      let kept = request.options.filter { !artifacts.contains($0.key) }.sorted { $0.key < $1.key }
      options.append(entry.name + (kept.isEmpty ? "" : ":" + kept.map { "\($0.key)=\($0.value)" }.joined(separator: ",")))
    }
    return (identities.joined(separator: ";"), options.joined(separator: ";"))
  }

  /// Each space's extractor identity in a stats file, by space name.
  public static func spaceIdentities(_ identity: StatsIdentity) -> [String: String] {
    var out: [String: String] = [:]
    for part in identity.extractor.split(separator: ";") {
      let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      out[String(pair[0])] = pair.count == 2 ? String(pair[1]) : ""
    }
    return out
  }

  /// Whether `path` names a stats file (by its extension) rather than a sample directory.
  public static func isStatsFile(_ path: String) -> Bool {
    (path as NSString).pathExtension.lowercased() == fileExtension
  }

  public static func read(_ path: String) throws -> SetStats {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
      throw EvalError.badFile(path: path, reason: "no such stats file; write one with `gan-eval stats SET --out \(path)`")
    }
    do {
      return try SetStats.decode(try readFile(path), path: path)
    } catch let error as StatsFileError {
      throw EvalError.badFile(path: error.path, reason: error.reason)
    }
  }

  /// Writes a stats file atomically (a temporary name, then a rename).
  public static func write(_ stats: SetStats, to path: String) throws {
    try writeFileAtomically(path, stats.encode())
  }

  /// Merges shard files into one; refuses, naming the file and the difference, files that do
  /// not belong together (`SetStats.merge`). With `requireComplete`, every shard must be given.
  public static func merge(_ paths: [String], requireComplete: Bool = true) throws -> SetStats {
    guard !paths.isEmpty else { throw EvalError.badParameter(name: "merge", reason: "give the shard files to merge, e.g. shard-*.gestats") }
    let files = try paths.map { ($0, try read($0)) }
    do {
      return try SetStats.merge(files, requireComplete: requireComplete)
    } catch let error as StatsFileError {
      throw EvalError.badFile(path: error.path, reason: error.reason)
    }
  }

  /// The one-screen description of a stats file.
  public static func describe(_ stats: SetStats, path: String) -> [String] {
    let id = stats.identity
    var lines = [
      "\(path): \(id.fileCount) images of \(id.width)×\(id.height)×\(id.channels), shard\(id.shards.count > 1 ? "s" : "") \(id.shards.map(String.init).joined(separator: ",")) of \(id.shardCount)"
    ]
    for space in stats.spaces {
      lines.append(
        "  \(space.name): n=\(space.moments.count), d=\(space.moments.dimension)" + (space.subsample.map { ", \($0.count) rows kept (--keep \($0.capacity))" } ?? ""))
    }
    if let e = stats.entropy {
      lines.append(String(format: "  entropy: mean %.4f bits (std %.4f, n=%d)", e.moments.mean, e.moments.variance.squareRoot(), e.moments.count))
    }
    if !stats.classCounts.isEmpty { lines.append("  classes: \(stats.classCounts.count) (\(stats.classCounts.values.reduce(0, +)) labelled images)") }
    return lines
  }

  /// The summary.json of a stats or merge run.
  public static func summaryJSON(_ stats: SetStats, command: String, path: String, inputs: [String], context: RunContext) -> JSON {
    let id = stats.identity
    return .object([
      ("tool", .string("gan-eval")), ("version", .string(toolVersion)), ("command", .string(command)),
      ("seed", .int(Int(truncatingIfNeeded: context.seed))), ("threads", .int(context.threads)),
      ("inputs", .array(inputs.map(JSON.string))), ("file", .string(path)),
      ("images", .int(id.fileCount)), ("width", .int(id.width)), ("height", .int(id.height)), ("channels", .int(id.channels)),
      ("shard_count", .int(id.shardCount)), ("shards", .array(id.shards.map(JSON.int))),
      ("extractor", .string(id.extractor)), ("extractor_options", .string(id.extractorOptions)),
      ("spaces", .array(stats.spaces.map { .object([("name", .string($0.name)), ("n", .int($0.moments.count)), ("dimension", .int($0.moments.dimension)), ("kept", .int($0.subsample?.count ?? 0))]) })),
      ("entropy_mean_bits", .number(stats.entropy?.moments.mean ?? .nan)),
      ("classes", .object(stats.classCounts.keys.sorted(by: naturalOrder).map { ($0, .int(stats.classCounts[$0]!)) })),
    ])
  }

  /// A stats file written by `stats` or `merge`: where, its description, and its summary.json.
  public struct Written: Sendable {
    public var stats: SetStats
    public var path: String
    public var lines: [String]
    public var summary: JSON
  }

  /// `gan-eval stats`: computes the request's statistics and writes them to `out` (a
  /// `.gestats` path, or a directory to hold `<set>[-shard-I-of-N].gestats`).
  public static func run(_ request: Request, out: String?, context: RunContext) throws -> Written {
    let path = outputPath(out, command: "stats", name: defaultName(directory: request.directory, shard: request.shard))
    let stats = try compute(request, context: context)
    try write(stats, to: path)
    return Written(
      stats: stats, path: path, lines: describe(stats, path: path),
      summary: summaryJSON(stats, command: "stats", path: path, inputs: [request.directory], context: context))
  }

  /// `gan-eval merge`: merges shard files and writes the result to `out` (as for `run`).
  public static func run(merging paths: [String], requireComplete: Bool, out: String?, context: RunContext) throws -> Written {
    let path = outputPath(out, command: "merge", name: "merged")
    let stats = try merge(paths, requireComplete: requireComplete)
    try write(stats, to: path)
    return Written(
      stats: stats, path: path, lines: describe(stats, path: path), summary: summaryJSON(stats, command: "merge", path: path, inputs: paths, context: context))
  }

  /// `--out`: a `.gestats` path as given; a directory (default gan-eval-out/COMMAND) gets `name.gestats`.
  public static func outputPath(_ out: String?, command: String, name: String) -> String {
    guard let out, !out.isEmpty else { return "gan-eval-out/\(command)/\(name).\(fileExtension)" }
    return isStatsFile(out) ? out : out + "/" + name + "." + fileExtension
  }

  /// `real` or `real-shard-2-of-4`.
  public static func defaultName(directory: String, shard: Shard) -> String {
    let base = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
    return shard == .whole ? base : "\(base)-shard-\(shard.index)-of-\(shard.count)"
  }

  /// `--features` values: each NAME:key=value,... is one space; a plain a,b list names several.
  public static func featureRequests(_ texts: [String]) throws -> [FeatureRequest] {
    try texts.flatMap { text in text.contains(":") ? [text] : text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
      .map(FeatureRequest.init(parsing:))
  }
}
