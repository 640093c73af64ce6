import Foundation
import Workers

/// Mergeable statistics of one image set (or one shard of it): what `gan-eval stats` writes and
/// `gan-eval merge` combines. The layout of the `.gestats` file is documented in
/// docs/stats-format.md; `encode` and `decode` implement it.
public struct SetStats: Sendable, Equatable {
  public var identity: StatsIdentity
  /// Per feature space: its moments and (optionally) a stored subsample of its rows.
  public var spaces: [SpaceStats]
  /// Named histograms (e.g. "pixels"), with their bins and range.
  public var histograms: [NamedCounts]
  /// Per-image entropy: a fine histogram plus its moments.
  public var entropy: EntropyStats?
  /// Images per class label (empty when the set has no labels).
  public var classCounts: [String: Int]

  public init(identity: StatsIdentity, spaces: [SpaceStats] = [], histograms: [NamedCounts] = [], entropy: EntropyStats? = nil, classCounts: [String: Int] = [:]) {
    (self.identity, self.spaces, self.histograms, self.entropy, self.classCounts) = (identity, spaces, histograms, entropy, classCounts)
  }
}

/// What the statistics are of: enough to refuse merging files that do not belong together.
public struct StatsIdentity: Sendable, Equatable {
  /// Images covered by this file.
  public var fileCount: Int
  /// Σ FNV-1a-64(relative path) over the covered files, mod 2⁶⁴: order-free, so the digest of
  /// merged shards equals the digest of the whole list (see `fileListDigest`).
  public var fileListDigest: UInt64
  public var width: Int
  public var height: Int
  public var channels: Int
  /// The feature extractor's identity (e.g. "classifier:" + the model file's hash) and its
  /// options in a canonical "key=value,key=value" form; both must match to merge.
  public var extractor: String
  public var extractorOptions: String
  /// The set was cut into `shardCount` slices; this file covers `shards` (0-based, ascending).
  public var shardCount: Int
  public var shards: [Int]

  public init(
    fileCount: Int, fileListDigest: UInt64, width: Int, height: Int, channels: Int, extractor: String, extractorOptions: String,
    shardCount: Int = 1, shards: [Int] = [0]
  ) {
    (self.fileCount, self.fileListDigest, self.width, self.height, self.channels) = (fileCount, fileListDigest, width, height, channels)
    (self.extractor, self.extractorOptions, self.shardCount, self.shards) = (extractor, extractorOptions, shardCount, shards)
  }

  /// The order-free digest of relative file paths: Σ FNV-1a-64(path bytes) mod 2⁶⁴.
  public static func fileListDigest<S: Sequence>(_ paths: S) -> UInt64 where S.Element == String {
    paths.reduce(UInt64(0)) { $0 &+ fnv1a64(Array($1.utf8)) }
  }

  /// The files of shard `shard` (0-based) of `shards`: a contiguous slice of the *sorted* file
  /// list, slices differing in size by at most one (the first count % shards get one more).
  public static func shardRange(_ shard: Int, of shards: Int, fileCount: Int) -> Range<Int> {
    precondition(shards >= 1 && shard >= 0 && shard < shards, "shard \(shard) of \(shards): use --shard I/N with 0 ≤ I < N")
    return chunk(shard, of: shards, count: fileCount)
  }
}

/// A feature space's moments and optional stored subsample.
public struct SpaceStats: Sendable, Equatable {
  public var name: String
  public var moments: FeatureMoments
  public var subsample: FeatureSubsample?

  public init(name: String, moments: FeatureMoments, subsample: FeatureSubsample? = nil) {
    precondition(subsample == nil || subsample!.dimension == moments.dimension, "subsample and moments of different dimensions")
    (self.name, self.moments, self.subsample) = (name, moments, subsample)
  }
}

public struct NamedCounts: Sendable, Equatable {
  public var name: String
  public var counts: BinnedCounts
  public init(name: String, counts: BinnedCounts) { (self.name, self.counts) = (name, counts) }
}

public struct EntropyStats: Sendable, Equatable {
  public var histogram: BinnedCounts
  public var moments: ScalarMoments
  public init(histogram: BinnedCounts, moments: ScalarMoments) { (self.histogram, self.moments) = (histogram, moments) }
}

/// Why a stats file was refused; the message names the file and the fix.
public struct StatsFileError: Error, CustomStringConvertible, Equatable {
  public var path: String
  public var reason: String
  public var description: String { "\(path): \(reason)" }
  public init(path: String, reason: String) { (self.path, self.reason) = (path, reason) }
}
