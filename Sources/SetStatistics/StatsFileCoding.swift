import Foundation
import Workers

extension SetStats {
  public static let magic = "GANEVAL-STATS"
  public static let version = 1

  /// The `.gestats` bytes (docs/stats-format.md): a UTF-8 text header, little-endian Float64
  /// data, and an FNV-1a-64 checksum of everything before it.
  public func encode() -> [UInt8] {
    var header = "\(Self.magic) \(Self.version)\n"
    header += "files \(identity.fileCount) \(hex(identity.fileListDigest))\n"
    header += "image \(identity.width) \(identity.height) \(identity.channels)\n"
    header += "extractor \(escape(identity.extractor)) \(escape(identity.extractorOptions))\n"
    header += "shards \(identity.shardCount) \(identity.shards.map(String.init).joined(separator: ","))\n"
    header += "classes \(classCounts.count)" + classCounts.keys.sorted().map { " \(escape($0))=\(classCounts[$0]!)" }.joined() + "\n"
    var data: [Double] = []
    for space in spaces {
      let s = space.subsample
      header += "space \(escape(space.name)) \(space.moments.dimension) \(space.moments.count)"
      header += s.map { " subsample \($0.capacity) \($0.keys.count) \(hex($0.seed))" } ?? ""
      header += "\n"
      data += space.moments.mean + space.moments.comoment
      if let s { data += s.keys.map { Double(bitPattern: $0) } + s.rows }
    }
    for h in histograms {
      header += "histogram \(escape(h.name)) \(h.counts.bins) \(h.counts.low) \(h.counts.high) \(h.counts.outside)\n"
      data += h.counts.counts.map { Double($0) }
    }
    if let e = entropy {
      header += "entropy \(e.histogram.bins) \(e.histogram.low) \(e.histogram.high) \(e.histogram.outside) \(e.moments.count)\n"
      data += e.histogram.counts.map { Double($0) } + [e.moments.mean, e.moments.m2]
    }
    header += "data \(data.count)\n"
    var bytes = Array(header.utf8)
    bytes.reserveCapacity(bytes.count + data.count * 8 + 8)
    for value in data { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    withUnsafeBytes(of: fnv1a64(bytes).littleEndian) { bytes.append(contentsOf: $0) }
    return bytes
  }

  /// Reads a `.gestats` file; `path` names it in errors. Refuses anything malformed with the
  /// reason: wrong magic or version, checksum mismatch (corrupt or truncated), header lines that
  /// do not parse, or a data length that does not match the header.
  public static func decode(_ bytes: [UInt8], path: String) throws -> SetStats {
    func fail(_ reason: String) -> StatsFileError { StatsFileError(path: path, reason: reason) }
    guard bytes.starts(with: Array(magic.utf8)) else {
      throw fail("not a gan-eval stats file (it should start with '\(magic)'); write one with `gan-eval stats`")
    }
    guard bytes.count > 8 else { throw fail("truncated stats file") }
    guard let body = checksummedBody(bytes) else { throw fail("checksum mismatch: the file is corrupt or truncated; copy it again or rerun `gan-eval stats`") }
    var cursor = body.startIndex
    func line() throws -> [Substring] {
      guard let end = body[cursor...].firstIndex(of: 10) else { throw fail("header ends early") }
      defer { cursor = end + 1 }
      guard let text = String(bytes: body[cursor..<end], encoding: .utf8) else { throw fail("header is not UTF-8") }
      return text.split(separator: " ", omittingEmptySubsequences: false)
    }
    func int(_ s: Substring, _ what: String) throws -> Int {
      guard let v = Int(s), v >= 0 else { throw fail("bad \(what) '\(s)'") }
      return v
    }
    func real(_ s: Substring, _ what: String) throws -> Double {
      guard let v = Double(s), v.isFinite else { throw fail("bad \(what) '\(s)'") }
      return v
    }
    func word(_ s: Substring) throws -> String {
      guard let v = unescape(String(s)) else { throw fail("bad escaped text '\(s)'") }
      return v
    }
    let first = try line()
    guard first.count == 2, let fileVersion = Int(first[1]) else { throw fail("bad first line") }
    guard fileVersion == version else {
      throw fail("stats format version \(fileVersion), this gan-eval reads version \(version); rerun `gan-eval stats` with this version")
    }
    var fileCount = -1, digest: UInt64 = 0, image: [Int] = [], extractor = "", options = "", shardCount = 0, shards: [Int] = []
    var classes: [String: Int] = [:]
    enum Section { case space(String, Int, Int, (capacity: Int, rows: Int, seed: UInt64)?), histogram(String, Int, Double, Double, UInt64), entropy(Int, Double, Double, UInt64, Int) }
    var sections: [Section] = []
    var count = -1
    var seen = Set<String>()
    while count < 0 {
      let f = try line()
      guard let kind = f.first else { throw fail("empty header line") }
      if ["files", "image", "extractor", "shards", "classes", "entropy"].contains(String(kind)) {
        guard seen.insert(String(kind)).inserted else { throw fail("header line '\(kind)' appears twice") }
      }
      switch kind {
      case "files":
        guard f.count == 3, let d = UInt64(f[2], radix: 16) else { throw fail("bad files line") }
        (fileCount, digest) = (try int(f[1], "file count"), d)
      case "image":
        guard f.count == 4 else { throw fail("bad image line") }
        image = try f[1...].map { try int($0, "image size") }
      case "extractor":
        guard f.count == 3 else { throw fail("bad extractor line") }
        (extractor, options) = (try word(f[1]), try word(f[2]))
      case "shards":
        guard f.count == 3 else { throw fail("bad shards line") }
        shardCount = try int(f[1], "shard count")
        shards = try f[2].split(separator: ",").map { try int($0, "shard index") }
        guard shardCount >= 1, !shards.isEmpty, shards.allSatisfy({ $0 < shardCount }), shards == Array(Set(shards)).sorted() else {
          throw fail("bad shards line: indices must be distinct, ascending and below the shard count")
        }
      case "classes":
        guard f.count >= 2, try int(f[1], "class count") == f.count - 2 else { throw fail("bad classes line") }
        for entry in f.dropFirst(2) {
          let parts = entry.split(separator: "=", maxSplits: 1)
          guard parts.count == 2 else { throw fail("bad class entry '\(entry)'") }
          classes[try word(parts[0])] = try int(parts[1], "class count")
        }
      case "space":
        guard f.count == 4 || (f.count == 8 && f[4] == "subsample") else { throw fail("bad space line") }
        let d = try int(f[2], "dimension"), n = try int(f[3], "count")
        guard d >= 1 else { throw fail("a feature space needs dimension ≥ 1") }
        var sub: (capacity: Int, rows: Int, seed: UInt64)?
        if f.count == 8 {
          guard let seed = UInt64(f[7], radix: 16) else { throw fail("bad subsample seed") }
          sub = (try int(f[5], "subsample capacity"), try int(f[6], "subsample rows"), seed)
          guard sub!.rows <= sub!.capacity, sub!.rows <= n else { throw fail("subsample holds more rows than allowed") }
        }
        sections.append(.space(try word(f[1]), d, n, sub))
      case "histogram":
        guard f.count == 6 else { throw fail("bad histogram line") }
        let bins = try int(f[2], "bins"), low = try real(f[3], "low"), high = try real(f[4], "high")
        guard bins >= 1, low < high, let outside = UInt64(f[5]) else { throw fail("bad histogram bins or range") }
        sections.append(.histogram(try word(f[1]), bins, low, high, outside))
      case "entropy":
        guard f.count == 6 else { throw fail("bad entropy line") }
        let bins = try int(f[1], "bins"), low = try real(f[2], "low"), high = try real(f[3], "high")
        guard bins >= 1, low < high, let outside = UInt64(f[4]) else { throw fail("bad entropy bins or range") }
        sections.append(.entropy(bins, low, high, outside, try int(f[5], "entropy count")))
      case "data":
        guard f.count == 2 else { throw fail("bad data line") }
        count = try int(f[1], "data length")
      default: throw fail("unknown header line '\(f.joined(separator: " "))' (written by a newer gan-eval?)")
      }
    }
    guard fileCount >= 0, image.count == 3, !extractor.isEmpty || seen.contains("extractor"), shardCount >= 1 else {
      throw fail("header lacks files, image, extractor or shards")
    }
    // Sizes first (with overflow checks), so a lying header cannot make us allocate.
    var expected = 0
    for section in sections {
      let (size, overflow): (Int, Bool)
      switch section {
      case .space(_, let d, _, let sub):
        let (dd, o1) = d.multipliedReportingOverflow(by: d)
        let (rows, o2) = (sub?.rows ?? 0).multipliedReportingOverflow(by: d + 1)
        (size, overflow) = (dd &+ d &+ rows, o1 || o2 || dd > Int.max / 4 || rows > Int.max / 4)
      case .histogram(_, let bins, _, _, _): (size, overflow) = (bins, false)
      case .entropy(let bins, _, _, _, _): (size, overflow) = (bins + 2, false)
      }
      guard !overflow else { throw fail("a section is impossibly large") }
      expected = expected.addingReportingOverflow(size).partialValue
    }
    guard expected == count, body.count - (cursor - body.startIndex) == count * 8 else {
      throw fail("the data does not match the header (expected \(expected) values, the file holds \((body.count - (cursor - body.startIndex)) / 8))")
    }
    var offset = cursor
    func take(_ n: Int) -> [Double] {
      var out = [Double](repeating: 0, count: n)
      for i in 0..<n {
        var bits: UInt64 = 0
        for b in 0..<8 { bits |= UInt64(body[offset + b]) << (8 * b) }
        out[i] = Double(bitPattern: bits)
        offset += 8
      }
      return out
    }
    func counts(_ values: [Double]) throws -> [UInt64] {
      try values.map { v in
        guard v >= 0, v == v.rounded(), v < 9.007_199_254_740_992e15 else { throw fail("a histogram count is not a whole number") }
        return UInt64(v)
      }
    }
    var result = SetStats(
      identity: StatsIdentity(
        fileCount: fileCount, fileListDigest: digest, width: image[0], height: image[1], channels: image[2], extractor: extractor,
        extractorOptions: options, shardCount: shardCount, shards: shards),
      classCounts: classes)
    for section in sections {
      switch section {
      case .space(let name, let d, let n, let sub):
        let mean = take(d), comoment = take(d * d)
        var subsample: FeatureSubsample?
        if let sub {
          let keys = take(sub.rows).map { $0.bitPattern }
          guard keys == keys.sorted() else { throw fail("space \(name): subsample keys are not ascending") }
          subsample = FeatureSubsample(capacity: sub.capacity, dimension: d, seed: sub.seed, keys: keys, rows: take(sub.rows * d))
        }
        result.spaces.append(SpaceStats(name: name, moments: FeatureMoments(count: n, mean: mean, comoment: comoment), subsample: subsample))
      case .histogram(let name, let bins, let low, let high, let outside):
        var h = BinnedCounts(bins: bins, low: low, high: high)
        (h.counts, h.outside) = (try counts(take(bins)), outside)
        result.histograms.append(NamedCounts(name: name, counts: h))
      case .entropy(let bins, let low, let high, let outside, let n):
        var h = BinnedCounts(bins: bins, low: low, high: high)
        (h.counts, h.outside) = (try counts(take(bins)), outside)
        let moments = take(2)
        result.entropy = EntropyStats(histogram: h, moments: ScalarMoments(count: n, mean: moments[0], m2: moments[1]))
      }
    }
    return result
  }
}

private func hex(_ value: UInt64) -> String {
  let digits = String(value, radix: 16)
  return String(repeating: "0", count: 16 - digits.count) + digits
}

/// Header words: percent-encode "%", space, "=", ",", control and non-ASCII bytes; "-" is the empty string.
private func escape(_ text: String) -> String {
  if text.isEmpty { return "-" }
  var out = ""
  for byte in text.utf8 {
    if byte <= 32 || byte == 37 || byte == 61 || byte == 44 || byte >= 127 || (byte == 45 && text == "-") {
      out += "%" + String(format: "%02X", byte)
    } else {
      out.unicodeScalars.append(UnicodeScalar(byte))
    }
  }
  return out
}

private func unescape(_ text: String) -> String? {
  if text == "-" { return "" }
  var bytes: [UInt8] = []
  var iterator = Array(text.utf8).makeIterator()
  while let byte = iterator.next() {
    if byte == 37 {
      guard let a = iterator.next(), let b = iterator.next(), let v = UInt8(String(bytes: [a, b], encoding: .ascii) ?? "", radix: 16) else { return nil }
      bytes.append(v)
    } else {
      bytes.append(byte)
    }
  }
  return String(bytes: bytes, encoding: .utf8)
}
