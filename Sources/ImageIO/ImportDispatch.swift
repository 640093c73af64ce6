#if canImport(Glibc)
  import Glibc
#endif

extension Importers {
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
