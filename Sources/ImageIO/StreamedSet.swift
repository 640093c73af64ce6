import Foundation

/// What a report says about a set it read, without its pixels: name, origin, how many images of
/// what shape, the labels, and the files skipped.
public struct SetInfo: Sendable {
  public var name: String
  public var source: String
  public var count: Int
  public var width: Int
  public var height: Int
  public var channels: Int
  /// The distinct labels, in natural order.
  public var classes: [String]
  /// True when every image read has a label.
  public var isLabelled: Bool
  public var skipped: [EvalError]

  public init(
    name: String, source: String, count: Int, width: Int, height: Int, channels: Int, classes: [String], isLabelled: Bool, skipped: [EvalError]
  ) {
    (self.name, self.source, self.count, self.width, self.height, self.channels) = (name, source, count, width, height, channels)
    (self.classes, self.isLabelled, self.skipped) = (classes, isLabelled, skipped)
  }

  public var isColor: Bool { channels == 3 }
}

extension ImageSet {
  public var info: SetInfo {
    SetInfo(
      name: name, source: source, count: count, width: width, height: height, channels: channels, classes: classes, isLabelled: isLabelled,
      skipped: skipped)
  }
}

/// A sample set read a chunk of images at a time, so a metric that needs only per-image values
/// or sums holds one chunk, not the set: a directory streamed from disk, or a loaded set given
/// as a single chunk.
///
/// Each chunk comes with its images' positions in the set's listing (the sorted file list;
/// `--skip-bad` leaves gaps where files were skipped), so per-image random draws keyed on the
/// position do not depend on the chunk size or the thread count.
public struct StreamedSet: @unchecked Sendable {
  public var name: String
  public var source: String
  /// Files listed: the positions run over 0..<listedCount.
  public var listedCount: Int
  private let reader: (_ body: (ImageSet, [Int]) throws -> Void) throws -> SetInfo

  /// A set read by `reader`, which calls its argument with each chunk in listing order and
  /// returns what it read.
  public init(name: String, source: String, listedCount: Int, reader: @escaping (_ body: (ImageSet, [Int]) throws -> Void) throws -> SetInfo) {
    (self.name, self.source, self.listedCount, self.reader) = (name, source, listedCount, reader)
  }

  /// A loaded set as one chunk.
  public init(_ set: ImageSet) {
    self.init(name: set.name, source: set.source, listedCount: set.count) { body in
      try body(set, Array(0..<set.count))
      return set.info
    }
  }

  /// Reads the set once, chunk after chunk; returns what was read (the name may have changed).
  public func read(_ body: (ImageSet, [Int]) throws -> Void) throws -> SetInfo { try reader(body) }
}
