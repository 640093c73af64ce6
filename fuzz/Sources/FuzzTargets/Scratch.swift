import Foundation

/// A private directory in memory (/dev/shm when there is one) where a fuzz input is written as
/// the file a parser reads, so each target goes through the same path as the command line.
enum Scratch {
  static let directory: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let path = base + "/gan-eval-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: Scratch.directory) }
    return path
  }()

  /// Writes `bytes` to `name` inside the scratch directory (replacing it) and returns the path.
  static func write(_ name: String, _ bytes: UnsafeBufferPointer<UInt8>, makingDirectory: Bool = false) -> String {
    let path = directory + "/" + name
    if makingDirectory {
      try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    }
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot write the fuzz scratch file \(path)")
    var written = 0
    while written < bytes.count {
      let n = Foundation.write(fd, bytes.baseAddress! + written, bytes.count - written)
      precondition(n > 0, "cannot write the fuzz scratch file \(path)")
      written += n
    }
    close(fd)
    return path
  }

  static func remove(_ name: String) { unlink(directory + "/" + name) }
}

/// Splits an input at the first `marker`: (before, after), or (all, nil) when it has none.
func split(_ data: UnsafeBufferPointer<UInt8>, at marker: [UInt8]) -> (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>?) {
  guard data.count >= marker.count, let base = data.baseAddress else { return (data, nil) }
  var i = 0
  while i + marker.count <= data.count {
    if data[i] == marker[0] && Array(data[i..<(i + marker.count)]) == marker {
      return (UnsafeBufferPointer(start: base, count: i), UnsafeBufferPointer(start: base + i + marker.count, count: data.count - i - marker.count))
    }
    i += 1
  }
  return (data, nil)
}
