import Classifier
import Foundation
import ImageIO
import NeuralNet
import Workers

/// Caches a set's classifier features on disk, keyed by the content hash of the set (size and
/// pixels) and of the model file, so a second evaluation against the same real set and model
/// skips the forward pass. A stale, foreign or corrupt cache file is ignored and rewritten.
///
/// File: `GANEVAL-FEATURES 1 <rows> <columns>\n`, rows·columns little-endian Float32, then
/// the FNV-1a 64 of everything before it.
public struct FeatureCache: Sendable {
  public let directory: String?

  /// `nil` disables caching.
  public init(directory: String?) { self.directory = directory }

  /// `$XDG_CACHE_HOME/gan-eval`, else `~/.cache/gan-eval`.
  public static var defaultDirectory: String {
    let environment = ProcessInfo.processInfo.environment
    if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/gan-eval" }
    return (environment["HOME"] ?? ".") + "/.cache/gan-eval"
  }

  /// The key of a set under a model: 16 hex digits of each hash.
  public static func key(set: ImageSet, model: [UInt8]) -> String {
    var hash = fnv1a64(Array("\(set.width)x\(set.height)x\(set.count)".utf8))
    set.pixels.withUnsafeBytes { hash = fnv1a64($0, seed: hash) }
    return String(format: "%016llx-%016llx", hash, fnv1a64(model))
  }

  /// The features of `set`, from the cache when present and valid, else computed and stored.
  public func features(
    of set: ImageSet, classifier: ImageClassifier, model: [UInt8], threads: Int, quiet: Bool
  ) throws -> (features: [Float], probabilities: [Double]?, cached: Bool) {
    let path = directory.map { $0 + "/features-" + Self.key(set: set, model: model) + ".bin" }
    if let path, let features = Self.read(path, rows: set.count, columns: classifier.featureDimension) {
      return (features, nil, true)
    }
    let progress = ProgressReporter("features of \(set.name)", total: set.count, quiet: quiet)
    let (probabilities, features) = try classifier.evaluate(set, threads: threads, progress: progress)
    progress.finish()
    if let path, let directory {
      // A cache that cannot be written only costs time next run: warn, do not fail.
      do {
        try makeDirectory(directory)
        try writeFileAtomically(path, Self.encode(features, rows: set.count, columns: classifier.featureDimension))
      } catch {
        FileHandle.standardError.write(Data("warning: feature cache not written: \(error)\n".utf8))
      }
    }
    return (features, probabilities, false)
  }

  static func encode(_ features: [Float], rows: Int, columns: Int) -> [UInt8] {
    var bytes = Array("GANEVAL-FEATURES 1 \(rows) \(columns)\n".utf8)
    for value in features { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    withUnsafeBytes(of: fnv1a64(bytes).littleEndian) { bytes.append(contentsOf: $0) }
    return bytes
  }

  static func read(_ path: String, rows: Int, columns: Int) -> [Float]? {
    guard let bytes = try? readFile(path) else { return nil }
    let header = Array("GANEVAL-FEATURES 1 \(rows) \(columns)\n".utf8)
    let size = header.count + rows * columns * 4 + 8
    guard bytes.count == size, bytes.starts(with: header) else { return nil }
    let stored = bytes[(size - 8)...].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    guard fnv1a64(bytes[..<(size - 8)]) == stored else { return nil }
    return (0..<(rows * columns)).map { i in
      let at = header.count + i * 4
      return Float(bitPattern: UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
    }
  }
}
