import Foundation
import ImageIO
import Workers

/// The images a classifier saw while training (its training and validation images), recorded
/// next to the model as `training-images.txt`: the source directory, then one file per line.
/// A judge's own training images sit tighter in its feature space than unseen real images, so
/// metrics that compare in its features leave them out of the real set (or warn).
public struct TrainingImages: Sendable, Equatable {
  public static let file = "training-images.txt"
  /// The absolute path of the sample set the images came from.
  public var source: String
  public var files: Set<String>

  public init(source: String, files: [String]) {
    self.source = Self.absolute(source)
    self.files = Set(files)
  }

  static func absolute(_ path: String) -> String {
    let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    return (full as NSString).standardizingPath
  }

  public func write(model directory: String) throws {
    try writeTextAtomically(directory + "/" + Self.file, "# source: \(source)\n" + files.sorted(by: naturalOrder).joined(separator: "\n") + "\n")
  }

  /// The record next to a model, or nil when there is none (a judge trained before records existed).
  public static func read(model directory: String) -> TrainingImages? {
    let base = directory.hasSuffix(".ganet") ? (directory as NSString).deletingLastPathComponent : directory
    guard let text = try? String(contentsOfFile: base + "/" + file, encoding: .utf8) else { return nil }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    guard let head = lines.first, head.hasPrefix("# source: ") else { return nil }
    lines.removeFirst()
    var record = TrainingImages(source: "/", files: lines)
    record.source = String(head.dropFirst("# source: ".count))
    return record
  }

  /// The indices of `set`'s images this classifier saw (none when the set has another source).
  public func seen(in set: ImageSet) -> [Int] {
    guard Self.absolute(set.source) == source else { return [] }
    return set.files.indices.filter { files.contains(set.files[$0]) }
  }

  /// A seeded split of `count` images: `share` of them held out (never trained on), the rest kept.
  public static func holdOut(count: Int, share: Double, seed: UInt64) -> (kept: [Int], heldOut: [Int]) {
    let held = Int((Double(count) * share).rounded())
    var random = SplitMix64(seed: seed ^ 0x4E1D_0017)
    var pool = Array(0..<count)
    for i in 0..<min(held, count) { pool.swapAt(i, i + Int(random.next().multipliedFullWidth(by: UInt64(count - i)).high)) }
    return (pool[held...].sorted(), pool[..<held].sorted())
  }
}
