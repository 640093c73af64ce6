import Foundation
import SetStatistics
import TestSupport
import XCTest

/// `gan-eval stats` and `merge` as a user runs them (issue 16): N shard files merge into the
/// single-pass file, fid/histogram/entropy against a merged reference equal the directory's,
/// and files that do not belong together are refused with the reason.
final class StatsCommandTests: XCTestCase {
  static var digits: String { CommandLineTests.digits }

  func read(_ path: String) throws -> SetStats { try SetStats.decode(Array(try Data(contentsOf: URL(fileURLWithPath: path))), path: path) }

  /// |a − b| ≤ 1e-12 · the largest |entry| of `a`, entry by entry (moments near 0 have no
  /// relative error of their own; their scale is the matrix's).
  func assertClose(_ a: [Double], _ b: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, what, file: file, line: line)
    let scale = a.map(abs).max() ?? 0
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, 1e-12 * scale, "\(what): largest difference \(worst) at scale \(scale)", file: file, line: line)
  }

  func assertSameStatistics(_ merged: SetStats, _ single: SetStats, _ what: String) {
    let (m, s) = (merged.identity, single.identity)
    XCTAssertEqual(m.fileCount, s.fileCount, what)
    XCTAssertEqual(m.fileListDigest, s.fileListDigest, what)
    XCTAssertEqual([m.width, m.height, m.channels], [s.width, s.height, s.channels], what)
    XCTAssertEqual(m.extractor, s.extractor, what)
    XCTAssertEqual(m.shards, Array(0..<m.shardCount), what)
    XCTAssertEqual(merged.classCounts, single.classCounts, what)
    XCTAssertEqual(merged.histograms, single.histograms, "\(what): pixel counts exactly")
    XCTAssertEqual(merged.entropy?.histogram, single.entropy?.histogram, "\(what): entropy counts exactly")
    XCTAssertEqual(merged.entropy?.moments.count, single.entropy?.moments.count, what)
    assertClose([single.entropy!.moments.mean, single.entropy!.moments.m2], [merged.entropy!.moments.mean, merged.entropy!.moments.m2], "\(what) entropy moments")
    XCTAssertEqual(merged.spaces.count, single.spaces.count, what)
    for (a, b) in zip(merged.spaces, single.spaces) {
      XCTAssertEqual(a.moments.count, b.moments.count, what)
      assertClose(b.moments.mean, a.moments.mean, "\(what) \(a.name) mean")
      assertClose(b.moments.comoment, a.moments.comoment, "\(what) \(a.name) co-moment")
      XCTAssertEqual(a.subsample, b.subsample, "\(what): the stored subsample is the single pass's, exactly")
    }
  }

  func testMergingShardFilesEqualsTheSinglePass() throws {
    try Repo.requireData()
    let work = temporaryDirectory("stats")
    try ganEval(["stats", Self.digits, "--features", "pixels", "--keep", "300", "--seed", "5", "--out", work + "/single.gestats", "--quiet"])
    try ganEval(["stats", Self.digits, "--features", "pixels", "--keep", "300", "--seed", "5", "--threads", "1", "--out", work + "/single-1.gestats", "--quiet"])
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: work + "/single.gestats")), try Data(contentsOf: URL(fileURLWithPath: work + "/single-1.gestats")), "the same file on 1 and 2 threads")
    let single = try read(work + "/single.gestats")
    XCTAssertEqual(single.identity.fileCount, 5000)
    XCTAssertEqual(single.classCounts.count, 10)
    XCTAssertEqual(single.histograms[0].counts.counts.reduce(0, +), 5000 * 784)
    XCTAssertEqual(single.spaces[0].subsample?.count, 300)
    for shards in [1, 2, 4, 7] {
      var files: [String] = []
      for shard in 0..<shards {
        let path = work + "/n\(shards)-s\(shard).gestats"
        try ganEval(["stats", Self.digits, "--shard", "\(shard)/\(shards)", "--features", "pixels", "--keep", "300", "--seed", "5", "--out", path, "--quiet"])
        XCTAssertEqual(try read(path).identity.fileCount, 5000 / shards + (shard < 5000 % shards ? 1 : 0), "shard sizes differ by at most one")
        files.append(path)
      }
      let out = work + "/merged-\(shards).gestats"
      let merged = try ganEval(["merge"] + files.reversed() + ["--out", out])
      XCTAssertTrue(merged.stdout.contains("5000 images of 28×28×1"), merged.stdout)
      assertSameStatistics(try read(out), single, "\(shards) shards")
    }
  }

  func testFidHistogramAndEntropyAgainstAMergedReferenceEqualTheDirectory() throws {
    try Repo.requireData()
    let work = temporaryDirectory("stats-fid")
    let blurred = work + "/blurred"
    try ganEval(["filter", Self.digits, "--sigma", "0.7", "--out", blurred, "--quiet"])
    for shard in 0..<3 {
      try ganEval(["stats", Self.digits, "--shard", "\(shard)/3", "--features", "pixels", "--keep", "1000", "--out", work + "/s\(shard).gestats", "--quiet"])
    }
    let reference = work + "/digits.gestats"
    try ganEval(["merge", work + "/s0.gestats", work + "/s1.gestats", work + "/s2.gestats", "--out", reference, "--quiet"])
    try ganEval(["stats", blurred, "--features", "pixels", "--out", work + "/blurred.gestats", "--quiet"])
    func results(_ arguments: [String]) throws -> [String: Any] {
      let run = try ganEval(arguments + ["--json"])
      return (try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any])["results"] as! [String: Any]
    }
    func fd(_ real: String, _ fake: String) throws -> Double {
      let pixels = try results(["fid", real, fake, "--features", "pixels", "--bootstrap", "0", "--floor", "false", "--max-samples", "300", "--kid-subsets", "5"])["pixels"] as! [String: Any]
      return pixels["frechet_distance"] as! Double
    }
    // Digits' pixel covariances are rank-deficient (blank corners): FD takes square roots of
    // eigenvalues that are 0 up to rounding, so a 1e-16 change in the covariance moves FD by
    // about √1e-16 = 1e-8 of its scale, whichever way it was summed (measured: 2e-8 relative).
    // The bound below is that conditioning; the full-rank case is held to 1e-10 in the next test.
    let direct = try fd(Self.digits, blurred)
    XCTAssertGreaterThan(direct, 1)
    for (real, fake) in [(reference, blurred), (Self.digits, work + "/blurred.gestats"), (reference, work + "/blurred.gestats")] {
      let fromStats = try fd(real, fake)
      XCTAssertEqual(fromStats, direct, accuracy: 1e-6 * direct, "FD of \(real) against \(fake)")
    }
    // KID and PRDC come from the stored subsample and say so; memorisation is left out
    let mixed = try ganEval(["fid", reference, blurred, "--features", "pixels", "--max-samples", "300", "--kid-subsets", "5", "--quiet"])
    XCTAssertTrue(mixed.stdout.contains("subsampled rows"), mixed.stdout)
    XCTAssertTrue(mixed.stdout.contains("memorisation left out"), mixed.stdout)

    func pair(_ real: String) throws -> [String: Any] { (try results(["histogram", real, blurred])["pairs"] as! [[String: Any]])[0] }
    let (histogramDirect, histogramStats) = (try pair(Self.digits), try pair(reference))
    for key in ["total_variation", "jensen_shannon_bits", "wasserstein1"] {
      XCTAssertEqual(histogramStats[key] as! Double, histogramDirect[key] as! Double, "\(key): the pixel counts are exact")
    }
    func entropyDifference(_ real: String) throws -> (Double, Double, Double) {
      let run = try ganEval(["entropy", real, blurred, "--out", work + "/entropy", "--quiet"])
      let scalars = try String(contentsOfFile: work + "/entropy/scalars.csv", encoding: .utf8).split(separator: "\r\n").first { $0.contains("mean_entropy_difference_bits") }!
      let fields = scalars.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      XCTAssertTrue(run.stdout.contains("mean entropy difference"), run.stdout)
      let header = try String(contentsOfFile: work + "/entropy/scalars.csv", encoding: .utf8).split(separator: "\r\n")[0].split(separator: ",").map(String.init)
      let value = { (name: String) in Double(fields[header.firstIndex(of: name)!])! }
      return (value("value"), value("ci_low"), value("ci_high"))
    }
    let (a, b) = (try entropyDifference(Self.digits), try entropyDifference(reference))
    XCTAssertEqual(b.0, a.0, accuracy: 1e-12, "the mean entropy difference")
    XCTAssertEqual(b.1, a.1, accuracy: 1e-12, "its Welch interval")
    XCTAssertEqual(b.2, a.2, accuracy: 1e-12, "its Welch interval")
  }

  /// Writes `count` seeded 6×6 noise images (full-rank pixel covariance); `skew` bends the levels.
  func writeNoiseSet(_ path: String, count: Int, seed: UInt64, skew: Double) throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    var state = seed
    for i in 0..<count {
      let levels = (0..<36).map { _ -> UInt8 in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(pow(Double(state >> 40) / Double(1 << 24), skew) * 255)
      }
      try Data(try ImageIOBridge.encode(levels, width: 6, height: 6)).write(to: URL(fileURLWithPath: path + "/\(i).png"))
    }
  }

  func testFidAgainstAMergedReferenceOfFullRankFeaturesEqualsTheDirectoryTo1e10() throws {
    let work = temporaryDirectory("stats-noise")
    try writeNoiseSet(work + "/real", count: 1500, seed: 1, skew: 1)
    try writeNoiseSet(work + "/fake", count: 1100, seed: 2, skew: 1.3)
    for shard in 0..<4 {
      try ganEval(["stats", work + "/real", "--shard", "\(shard)/4", "--features", "pixels", "--out", work + "/s\(shard).gestats", "--quiet"])
    }
    try ganEval(["merge"] + (0..<4).map { work + "/s\($0).gestats" } + ["--out", work + "/real.gestats", "--quiet"])
    func fd(_ real: String) throws -> Double {
      let run = try ganEval(["fid", real, work + "/fake", "--features", "pixels", "--bootstrap", "0", "--floor", "false", "--json"])
      let results = (try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any])["results"] as! [String: Any]
      return (results["pixels"] as! [String: Any])["frechet_distance"] as! Double
    }
    let (direct, merged) = (try fd(work + "/real"), try fd(work + "/real.gestats"))
    XCTAssertGreaterThan(direct, 0.01)
    XCTAssertEqual(merged, direct, accuracy: 1e-10 * direct)
  }

  func testMergeRefusesFilesThatDoNotBelongTogetherNamingTheDifference() throws {
    try Repo.requireData()
    let work = temporaryDirectory("stats-misfit")
    func stats(_ set: String, _ shard: String, _ name: String, _ extra: [String] = ["--features", "pixels"]) throws -> String {
      let path = work + "/" + name + ".gestats"
      try ganEval(["stats", set, "--shard", shard, "--out", path, "--quiet"] + extra)
      return path
    }
    func refusal(_ files: [String]) throws -> String { try ganEval(["merge"] + files + ["--out", work + "/out.gestats"], expect: 1).stderr }
    let (s0, s1, s2) = (try stats(Self.digits, "0/3", "s0"), try stats(Self.digits, "1/3", "s1"), try stats(Self.digits, "2/3", "s2"))
    let bare = try stats(Self.digits, "1/3", "bare", [])
    XCTAssertTrue(try refusal([s0, bare, s2]).contains("bare.gestats: extractor '' differs from 'pixels='"))
    XCTAssertTrue(try refusal([s0, s1, s1, s2]).contains("shard 1 of 3 is also in"))
    let missing = try refusal([s0, s2])
    XCTAssertTrue(missing.contains("shard 1 of 3 missing; pass every shard's file"), missing)
    XCTAssertTrue(try refusal([s0, try stats(Self.digits, "1/2", "half")]).contains("half.gestats: cut into 2 shards, not 3"))
    // a set of 14×14 images
    let small = work + "/small"
    try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
    for i in 0..<6 {
      let png = try ImageIOBridge.encode((0..<196).map { UInt8(($0 * 7 + i * 31) % 256) }, width: 14, height: 14)
      try Data(png).write(to: URL(fileURLWithPath: small + "/\(i).png"))
    }
    let size = try refusal([s0, try stats(small, "1/3", "small"), s2])
    XCTAssertTrue(size.contains("small.gestats: images are 14×14×1, not 28×28×1"), size)
    XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/out.gestats"), "a refused merge writes nothing")
    // a partial merge is allowed when asked for, and fid refuses it
    try ganEval(["merge", s0, s2, "--partial", "--out", work + "/partial.gestats", "--quiet"])
    let partial = try ganEval(["fid", work + "/partial.gestats", Self.digits, "--features", "pixels", "--quiet"], expect: 1).stderr
    XCTAssertTrue(partial.contains("covers shards 0,2 of 3 only"), partial)
    XCTAssertTrue(try ganEval(["stats", Self.digits, "--shard", "3/3"], expect: 1).stderr.contains("must be I/N with 0 ≤ I < N"))
    XCTAssertTrue(try ganEval(["tsne", s0, Self.digits], expect: 1).stderr.contains("needs every image"))
  }
}

extension StatsCommandTests {
  /// Shards follow the byte order of relative paths even where a folder's name is a prefix of a
  /// file's ("a" and "a.png": "a.png" < "a/…" since "." < "/"), the walk visiting folders in turn.
  func testShardsFollowTheByteOrderOfPathsAcrossFolders() throws {
    let work = temporaryDirectory("stats-order")
    let names = ["a.png", "a/x.png", "a/y.png", "a-b.png", "a0.png", "b/c/d.png", "b/c.png", "B.png", "b.png"]
    for (i, name) in names.enumerated() {
      let path = work + "/set/" + name
      try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try Data(try ImageIOBridge.encode([UInt8](repeating: UInt8(i * 20), count: 16), width: 4, height: 4)).write(to: URL(fileURLWithPath: path))
    }
    let sorted = names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    for (shard, expected) in [(0, Array(sorted[0..<3])), (1, Array(sorted[3..<6])), (2, Array(sorted[6..<9]))] {
      try ganEval(["stats", work + "/set", "--shard", "\(shard)/3", "--out", work + "/s\(shard).gestats", "--quiet"])
      let identity = try read(work + "/s\(shard).gestats").identity
      XCTAssertEqual(identity.fileListDigest, StatsIdentity.fileListDigest(expected), "shard \(shard) holds \(expected)")
    }
  }
}
