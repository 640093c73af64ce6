import Foundation

extension SetStats {
  /// Merges the statistics of disjoint shards of one set into the statistics of their union.
  ///
  /// Refuses, naming the files and the difference: a different image size, extractor or
  /// extractor options, shard count, feature spaces (names, dimensions, subsample capacity or
  /// seed), histogram bins or range; a shard present in two files; and — with `requireComplete`
  /// — any shard of 0..<N that no file covers.
  ///
  /// Exact after merging: counts, class counts, histogram counts, the file digest, and the
  /// moments (to rounding, Chan et al.'s formula, merged in shard order whatever the argument
  /// order) — so FD, the histogram distances and the entropy's mean and spread equal the single
  /// pass. The stored subsample is the bottom-K sketch of the union, i.e. exactly the subsample
  /// a single pass keeps; metrics that need individual rows (PRDC, 1-NN, KID) read it and are
  /// subsampled, not exact.
  public static func merge(_ files: [(path: String, stats: SetStats)], requireComplete: Bool = true) throws -> SetStats {
    guard let first = files.first else { throw StatsFileError(path: "merge", reason: "no stats files given") }
    let reference = first.stats.identity
    var owner: [Int: String] = [:]
    for (path, stats) in files {
      func refuse(_ reason: String) -> StatsFileError { StatsFileError(path: path, reason: reason + " (\(first.path) was the reference)") }
      let id = stats.identity
      if (id.width, id.height, id.channels) != (reference.width, reference.height, reference.channels) {
        throw refuse("images are \(id.width)×\(id.height)×\(id.channels), not \(reference.width)×\(reference.height)×\(reference.channels)")
      }
      if id.extractor != reference.extractor { throw refuse("extractor '\(id.extractor)' differs from '\(reference.extractor)'") }
      if id.extractorOptions != reference.extractorOptions {
        throw refuse("extractor options '\(id.extractorOptions)' differ from '\(reference.extractorOptions)'")
      }
      if id.shardCount != reference.shardCount { throw refuse("cut into \(id.shardCount) shards, not \(reference.shardCount)") }
      for shard in id.shards {
        if let other = owner[shard] { throw refuse("shard \(shard) of \(id.shardCount) is also in \(other): shards overlap") }
        owner[shard] = path
      }
      if stats.spaces.map(\.name) != first.stats.spaces.map(\.name) {
        throw refuse("feature spaces [\(stats.spaces.map(\.name).joined(separator: ", "))] differ from [\(first.stats.spaces.map(\.name).joined(separator: ", "))]")
      }
      for (a, b) in zip(stats.spaces, first.stats.spaces) {
        if a.moments.dimension != b.moments.dimension { throw refuse("space \(a.name) has \(a.moments.dimension) features, not \(b.moments.dimension)") }
        if (a.subsample?.capacity, a.subsample?.seed) != (b.subsample?.capacity, b.subsample?.seed) {
          throw refuse("space \(a.name): stored subsample (capacity, seed) differs; rerun with the same --keep and --seed")
        }
      }
      if stats.histograms.map(\.name) != first.stats.histograms.map(\.name)
        || zip(stats.histograms, first.stats.histograms).contains(where: { !$0.counts.sameBins(as: $1.counts) })
      {
        throw refuse("histograms have different names, bins or ranges")
      }
      if (stats.entropy == nil) != (first.stats.entropy == nil)
        || (stats.entropy.map { e in !e.histogram.sameBins(as: first.stats.entropy!.histogram) } ?? false)
      {
        throw refuse("entropy histograms differ (one file has none, or different bins or range)")
      }
    }
    if requireComplete {
      let missing = (0..<reference.shardCount).filter { owner[$0] == nil }
      if !missing.isEmpty {
        throw StatsFileError(
          path: "merge",
          reason: "shard\(missing.count > 1 ? "s" : "") \(missing.map(String.init).joined(separator: ", ")) of \(reference.shardCount) missing; pass every shard's file")
      }
    }
    let ordered = files.map(\.stats).sorted { $0.identity.shards[0] < $1.identity.shards[0] }
    var out = ordered[0]
    out.identity.shards = owner.keys.sorted()
    out.identity.fileCount = ordered.reduce(0) { $0 + $1.identity.fileCount }
    out.identity.fileListDigest = ordered.reduce(UInt64(0)) { $0 &+ $1.identity.fileListDigest }
    out.classCounts = ordered.reduce(into: [:]) { sum, stats in for (label, n) in stats.classCounts { sum[label, default: 0] += n } }
    for s in out.spaces.indices {
      out.spaces[s].moments = FeatureMoments.merge(ordered.map { $0.spaces[s].moments })
      if out.spaces[s].subsample != nil {
        out.spaces[s].subsample = ordered.dropFirst().reduce(ordered[0].spaces[s].subsample!) { $0.merged(with: $1.spaces[s].subsample!) }
      }
    }
    for h in out.histograms.indices {
      for b in 0..<out.histograms[h].counts.bins { out.histograms[h].counts.counts[b] = ordered.reduce(0) { $0 + $1.histograms[h].counts.counts[b] } }
      out.histograms[h].counts.outside = ordered.reduce(0) { $0 + $1.histograms[h].counts.outside }
    }
    if out.entropy != nil {
      for b in 0..<out.entropy!.histogram.bins { out.entropy!.histogram.counts[b] = ordered.reduce(0) { $0 + $1.entropy!.histogram.counts[b] } }
      out.entropy!.histogram.outside = ordered.reduce(0) { $0 + $1.entropy!.histogram.outside }
      out.entropy!.moments = ordered.dropFirst().reduce(ordered[0].entropy!.moments) { $0.merged(with: $1.entropy!.moments) }
    }
    return out
  }
}
