import FeatureSpace
import Foundation
import ImageIO
@testable import SetStatistics
import TestSupport
import Workers
import XCTest

/// `.gestats` files: merging shards equals one pass (issue 16 §2), and bad files are refused.
final class StatsFileTests: XCTestCase {
  static let extractor = "pixels"
  static let options = "scale=1/255"

  /// Statistics of digits `range` (shard `shard` of `shards`): pixel features with a stored
  /// subsample, a 256-bin pixel histogram, per-image entropy (fine histogram + moments), classes.
  static func stats(_ digits: ImageSet, _ range: Range<Int>, shard: Int, of shards: Int, keep: Int = 100) -> SetStats {
    var moments = FeatureMoments(dimension: 784)
    var subsample = FeatureSubsample(capacity: keep, dimension: 784, seed: 11)
    var histogram = BinnedCounts(bins: 256, low: 0, high: 1)
    var entropy = EntropyStats(histogram: BinnedCounts(bins: 800, low: 0, high: 8), moments: ScalarMoments())
    var classes: [String: Int] = [:]
    for start in stride(from: range.lowerBound, to: range.upperBound, by: 500) {  // stream in chunks
      let chunk = start..<min(range.upperBound, start + 500)
      moments.add(Array(digits.pixels[(chunk.lowerBound * 784)..<(chunk.upperBound * 784)]))
      for i in chunk {
        let pixels = digits.image(i).map(Double.init)
        subsample.add(pixels, identity: "digit-\(i).png")
        var levels = [Int](repeating: 0, count: 256)
        for v in digits.image(i) {
          histogram.add(Double(v))
          levels[Int((Double(v) * 255).rounded())] += 1
        }
        let bits = levels.filter { $0 > 0 }.reduce(0.0) { h, c in let p = Double(c) / 784; return h - p * log2(p) }
        entropy.histogram.add(bits)
        entropy.moments.add(bits)
        classes[digits.labels[i] ?? "?", default: 0] += 1
      }
    }
    let identity = StatsIdentity(
      fileCount: range.count, fileListDigest: StatsIdentity.fileListDigest(range.map { "digit-\($0).png" }), width: 28, height: 28, channels: 1,
      extractor: extractor, extractorOptions: options, shardCount: shards, shards: [shard])
    return SetStats(
      identity: identity, spaces: [SpaceStats(name: "pixels", moments: moments, subsample: subsample)],
      histograms: [NamedCounts(name: "pixels", counts: histogram)], entropy: entropy, classCounts: classes)
  }

  func shardFiles(_ digits: ImageSet, _ shards: Int) throws -> [(path: String, stats: SetStats)] {
    try (0..<shards).map { s in
      let stats = Self.stats(digits, StatsIdentity.shardRange(s, of: shards, fileCount: digits.count), shard: s, of: shards)
      let path = "shard-\(s)-of-\(shards).gestats"
      return (path, try SetStats.decode(stats.encode(), path: path))  // through the file format
    }
  }

  func testMergingShardsEqualsTheSinglePass() throws {
    let digits = try RealData.digits()
    let single = Self.stats(digits, 0..<digits.count, shard: 0, of: 1)
    XCTAssertEqual(try SetStats.decode(single.encode(), path: "single"), single, "the file format round-trips exactly")
    for shards in [1, 2, 4, 7] {
      let merged = try SetStats.merge(try shardFiles(digits, shards).reversed())  // argument order does not matter
      XCTAssertEqual(merged.identity.shards, Array(0..<shards))
      XCTAssertEqual(merged.identity.fileCount, single.identity.fileCount)
      XCTAssertEqual(merged.identity.fileListDigest, single.identity.fileListDigest)
      XCTAssertEqual(merged.classCounts, single.classCounts)
      XCTAssertEqual(merged.histograms, single.histograms, "pixel histogram counts, \(shards) shards")
      XCTAssertEqual(merged.entropy!.histogram, single.entropy!.histogram)
      XCTAssertEqual(merged.entropy!.moments.count, single.entropy!.moments.count)
      XCTAssertEqual(merged.entropy!.moments.mean, single.entropy!.moments.mean, accuracy: 1e-12 * single.entropy!.moments.mean)
      XCTAssertEqual(merged.entropy!.moments.m2, single.entropy!.moments.m2, accuracy: 1e-12 * single.entropy!.moments.m2)
      let a = merged.spaces[0].moments, b = single.spaces[0].moments
      XCTAssertEqual(a.count, b.count)
      var worst = 0.0
      for i in 0..<784 {
        for j in 0..<784 {
          let scale = (b.comoment[i * 784 + i] * b.comoment[j * 784 + j]).squareRoot()
          let gap = abs(a.comoment[i * 784 + j] - b.comoment[i * 784 + j])
          if scale == 0 { XCTAssertEqual(gap, 0) } else { worst = max(worst, gap / scale) }
        }
        XCTAssertLessThanOrEqual(abs(a.mean[i] - b.mean[i]), 1e-12 * max(abs(b.mean[i]), 1e-300))
      }
      XCTAssertLessThanOrEqual(worst, 1e-12, "\(shards) shards: relative co-moment gap")
      XCTAssertEqual(merged.spaces[0].subsample, single.spaces[0].subsample, "the stored subsample is the single pass's, \(shards) shards")
    }
  }

  func testFDFromMergedStatsEqualsFDFromTheMatrices() throws {
    let digits = try RealData.digits()
    let merged = try SetStats.merge(try shardFiles(digits, 4))
    let half = FeatureMatrix(rows: 2500, columns: 784, values: digits.pixels[(2500 * 784)...].map(Double.init))
    let all = FeatureMatrix(rows: 5000, columns: 784, values: digits.pixels.map(Double.init))
    let direct = frechetDistance(GaussianStatistics(all), GaussianStatistics(half))
    let fromFile = frechetDistance(merged.spaces[0].moments.gaussian, GaussianStatistics(half))
    // Raw pixels give a rank-deficient covariance (border pixels never vary), and tr√(Σ₁Σ₂)
    // takes square roots of eigenvalues that are 0 up to rounding: a 1e-17 wobble there moves
    // FD by ~1e-9. So the same FD recomputed from the rows in another order moves as much;
    // the merged moments themselves agree to 1e-12 (testMergingShardsEqualsTheSinglePass), and
    // on full-rank features FD agrees to 1e-10 (MomentsTests).
    let reversed = FeatureMatrix(rows: 5000, columns: 784, values: (0..<5000).reversed().flatMap { all.row($0) })
    let reorderedGap = abs(frechetDistance(GaussianStatistics(reversed), GaussianStatistics(half)) - direct)
    XCTAssertEqual(fromFile, direct, accuracy: 1e-7 * direct, "reordering the rows alone moves FD by \(reorderedGap)")
  }

  func testMergeRefusesFilesThatDoNotFit() throws {
    let digits = try RealData.digits()
    let files = try shardFiles(digits, 4)
    func refusal(_ files: [(path: String, stats: SetStats)]) -> String {
      do {
        _ = try SetStats.merge(files)
        return "merged"
      } catch { return "\(error)" }
    }
    var other = files[1]
    other.stats.identity.extractor = "classifier:0123"
    XCTAssertTrue(refusal([files[0], other, files[2], files[3]]).contains("extractor 'classifier:0123' differs"), refusal([files[0], other]))
    other = files[1]
    other.stats.identity.extractorOptions = "scale=1"
    XCTAssertTrue(refusal([files[0], other, files[2], files[3]]).contains("extractor options 'scale=1' differ"))
    other = files[1]
    (other.stats.identity.width, other.stats.identity.height) = (32, 32)
    XCTAssertTrue(refusal([files[0], other, files[2], files[3]]).contains("images are 32×32×1, not 28×28×1"))
    XCTAssertTrue(refusal([files[0], files[1], files[1], files[2], files[3]]).contains("shard 1 of 4 is also in shard-1-of-4.gestats"))
    XCTAssertTrue(refusal([files[0], files[2]]).contains("shards 1, 3 of 4 missing"))
    XCTAssertEqual(try SetStats.merge([files[0], files[2]], requireComplete: false).identity.shards, [0, 2])
    other = files[1]
    other.stats.spaces[0].subsample = FeatureSubsample(capacity: 5, dimension: 784, seed: 11)
    XCTAssertTrue(refusal([files[0], other, files[2], files[3]]).contains("stored subsample"))
    let sevenths = try shardFiles(digits, 7)
    XCTAssertTrue(refusal([files[0], sevenths[1]]).contains("cut into 7 shards, not 4"))
  }

  func testReaderRefusesCorruptFilesWithReasons() throws {
    let digits = try RealData.digits()
    let bytes = Self.stats(digits, 0..<300, shard: 0, of: 1, keep: 10).encode()
    func reason(_ bytes: [UInt8]) -> String {
      do {
        _ = try SetStats.decode(bytes, path: "x.gestats")
        return "read"
      } catch { return "\(error)" }
    }
    XCTAssertEqual(reason(bytes), "read")
    var flipped = bytes
    flipped[bytes.count / 2] ^= 0x10
    XCTAssertTrue(reason(flipped).hasPrefix("x.gestats: checksum mismatch"))
    XCTAssertTrue(reason(Array(bytes.prefix(bytes.count - 100))).contains("checksum mismatch"))
    XCTAssertTrue(reason(Array("GANEVAL-NET 1\n".utf8)).contains("not a gan-eval stats file"))
    func resealed(_ header: (String) -> String) -> [UInt8] {
      let end = bytes.firstIndex(of: 10)!
      let first = header(String(decoding: bytes[..<end], as: UTF8.self))
      var body = Array(first.utf8) + bytes[end..<(bytes.count - 8)]
      withUnsafeBytes(of: fnv1a64(body).littleEndian) { body.append(contentsOf: $0) }
      return body
    }
    XCTAssertTrue(reason(resealed { $0.replacingOccurrences(of: " 1", with: " 2") }).contains("version 2, this gan-eval reads version 1"))
    // A valid checksum over a header that promises more data than the file holds.
    let cut = Array(bytes.prefix(bytes.count - 8 - 80))
    var short = cut
    withUnsafeBytes(of: fnv1a64(short).littleEndian) { short.append(contentsOf: $0) }
    XCTAssertTrue(reason(short).contains("the data does not match the header"), reason(short))
    // A well-sealed header that claims a 10⁸-dimensional space: refused before any allocation.
    var liar = Array("GANEVAL-STATS 1\nfiles 1 0000000000000000\nimage 1 1 1\nextractor x -\nshards 1 0\nclasses 0\nspace f 100000000 1\ndata 0\n".utf8)
    withUnsafeBytes(of: fnv1a64(liar).littleEndian) { liar.append(contentsOf: $0) }
    XCTAssertTrue(reason(liar).contains("the data does not match the header"), reason(liar))
  }

  func testShardSlicesAreContiguousAndCoverTheList() {
    for (count, shards) in [(5000, 7), (10, 4), (3, 3)] {
      let ranges = (0..<shards).map { StatsIdentity.shardRange($0, of: shards, fileCount: count) }
      XCTAssertEqual(ranges.first!.lowerBound, 0)
      XCTAssertEqual(ranges.last!.upperBound, count)
      for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
      XCTAssertLessThanOrEqual(ranges.map(\.count).max()! - ranges.map(\.count).min()!, 1)
    }
  }
}
