import EvalCore
import Foundation
import ImageIO
import Workers

/// Caches a reference set's features on disk, keyed by the content hash of the set (size and
/// pixels) and of the extractor (its name, options and identity, e.g. the model file's hash), so
/// a second evaluation against the same real set skips the extraction. A stale, foreign or
/// corrupt cache file is ignored and rewritten.
///
/// File: `GANEVAL-FEATURES 1 <rows> <columns>\n`, rows·columns little-endian Float32, then
/// the FNV-1a 64 of everything before it.
public struct FeatureCache: Sendable {
  public let directory: String?

  /// `nil` disables caching.
  public init(directory: String?) { self.directory = directory }

  /// The key of a set under an extractor: 16 hex digits of each hash.
  public static func key(set: ImageSet, extractor: String) -> String {
    var hash = fnv1a64(Array("\(set.width)x\(set.height)x\(set.count)".utf8))
    set.pixels.withUnsafeBytes { hash = fnv1a64($0, seed: hash) }
    return String(format: "%016llx-%016llx", hash, fnv1a64(Array(extractor.utf8)))
  }

  /// The features of `set`, from the cache when present and valid, else computed and stored.
  public func features(of set: ImageSet, extractor: String, compute: () throws -> Features) throws -> Features {
    let path = directory.map { $0 + "/features-" + Self.key(set: set, extractor: extractor) + ".bin" }
    if let path, let cached = Self.read(path, rows: set.count) { return cached }
    let features = try compute()
    if let path, let directory {
      // A cache that cannot be written only costs time next run: warn, do not fail.
      do {
        try makeDirectory(directory)
        try writeFileAtomically(path, Self.encode(features))
      } catch {
        FileHandle.standardError.write(Data("warning: feature cache not written: \(error)\n".utf8))
      }
    }
    return features
  }

  static func encode(_ features: Features) -> [UInt8] {
    var bytes = Array("GANEVAL-FEATURES 1 \(features.rows) \(features.columns)\n".utf8)
    bytes.reserveCapacity(bytes.count + features.values.count * 4 + 8)
    for value in features.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    withUnsafeBytes(of: fnv1a64(bytes).littleEndian) { bytes.append(contentsOf: $0) }
    return bytes
  }

  static func read(_ path: String, rows: Int) -> Features? {
    guard let bytes = try? readFile(path), let newline = bytes.prefix(64).firstIndex(of: 0x0A) else { return nil }
    let fields = String(decoding: bytes[..<newline], as: UTF8.self).split(separator: " ")
    guard fields.count == 4, fields[0] == "GANEVAL-FEATURES", fields[1] == "1", Int(fields[2]) == rows, let columns = Int(fields[3]), columns > 0,
      columns < 1 << 24
    else { return nil }
    let start = newline + 1
    let size = start + rows * columns * 4 + 8
    guard bytes.count == size else { return nil }
    let stored = bytes[(size - 8)...].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    guard fnv1a64(bytes[..<(size - 8)]) == stored else { return nil }
    let values = (0..<(rows * columns)).map { i in
      let at = start + i * 4
      return Float(bitPattern: UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
    }
    return Features(rows: rows, columns: columns, values: values, cached: true)
  }
}
