#if canImport(Glibc)
  import Glibc
#endif

/// The names of the arrays or entries to import from sources that hold several: `.npz`
/// archives (images and labels arrays) and CIFAR-format batches (the labels entry).
public struct ImportKeys: Sendable, Equatable {
  /// The images array of an .npz (nil: `x`, `images` or `arr_0`).
  public var images: String?
  /// The labels array of an .npz (nil: the partner of the images array) or the labels entry of a
  /// CIFAR batch (nil: `labels`, else `fine_labels`; e.g. `coarse_labels`).
  public var labels: String?

  public init(images: String? = nil, labels: String? = nil) {
    self.images = images
    self.labels = labels
  }
}

extension Importers {
  /// `read` with the array or entry names for .npz archives and CIFAR batches, and the channels
  /// to keep (`.luma` turns an RGB source into gray as `--color luma` does for sample directories).
  public static func read(
    _ source: String, labels: String? = nil, labelColumn: LabelColumn = .auto, keys: ImportKeys, color: ColorMode = .auto
  ) throws -> ImageSet {
    let lower = source.lowercased()
    let head = leadingBytes(source, 4)
    let set: ImageSet
    if lower.hasSuffix(".npz") || ZipArchive.isZip(head) {
      if let labels { throw EvalError.badParameter(name: "--labels", reason: "\(source) carries its own labels; name the array with the labels key instead of \(labels)") }
      set = try readNPZ(source, imagesKey: keys.images, labelsKey: keys.labels)
    } else if head.count >= 2 && head[0] == 0x80 && (2...5).contains(head[1]) {
      if let labels { throw EvalError.badParameter(name: "--labels", reason: "\(source) carries its own labels; drop \(labels)") }
      if let images = keys.images, images != "data" {
        throw EvalError.badParameter(name: "images key", reason: "a CIFAR-format batch keeps its images under 'data', not '\(images)'")
      }
      set = try readCIFAR(source, labelKey: keys.labels)
    } else {
      if keys != ImportKeys() {
        throw EvalError.badParameter(
          name: "images/labels key", reason: "applies to .npz archives and CIFAR-format batches; \(source) is neither")
      }
      set = try read(source, labels: labels, labelColumn: labelColumn)
    }
    return set.converted(to: color)
  }

  /// The formats `read` tells apart before IDX, CSV and NPY: `.npz` archives (by extension or
  /// zip magic) and Python pickles (CIFAR-format batches, protocol 2–5 magic). nil for others.
  ///
  /// Their labels come from inside the file, so a separate labels file is refused.
  static func readArchiveOrPickle(_ source: String, labels: String?) throws -> ImageSet? {
    let lower = source.lowercased()
    for suffix in [".npy", ".csv", ".csv.gz", ".gz"] where lower.hasSuffix(suffix) { return nil }
    let head = leadingBytes(source, 4)
    let isArchive = lower.hasSuffix(".npz") || ZipArchive.isZip(head)
    let isPickle = head.count >= 2 && head[0] == 0x80 && (2...5).contains(head[1])
    guard isArchive || isPickle else { return nil }
    if let labels {
      throw EvalError.badParameter(
        name: "--labels", reason: "\(source) carries its own labels, so \(labels) is not used; drop --labels")
    }
    return isArchive ? try readNPZ(source) : try readCIFAR(source)
  }

  /// Up to `count` bytes from the start of a file; empty when it cannot be read (the reader
  /// chosen afterwards reports why).
  static func leadingBytes(_ path: String, _ count: Int) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_NONBLOCK)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return [] }
    var buffer = [UInt8](repeating: 0, count: count)
    let got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, count) }
    return got > 0 ? Array(buffer.prefix(got)) : []
  }
}
