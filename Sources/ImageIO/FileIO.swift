import Foundation
import PNGCodec

#if canImport(Glibc)
  import Glibc
#endif

/// Reads a whole file with POSIX calls (faster than Foundation for tens of thousands of small files).
///
/// - Parameter maxBytes: refuse, before reading, a file larger than this.
public func readFile(_ path: String, maxBytes: Int? = nil) throws -> [UInt8] {
  // O_NONBLOCK: a FIFO or device in a sample directory must not hang the run
  let fd = open(path, O_RDONLY | O_NONBLOCK)
  if fd < 0 { throw EvalError.badFile(path: path, reason: "cannot open (\(String(cString: strerror(errno))))") }
  defer { close(fd) }
  var info = stat()
  if fstat(fd, &info) != 0 {
    throw EvalError.badFile(path: path, reason: "cannot stat (\(String(cString: strerror(errno))))")
  }
  if (info.st_mode & S_IFMT) == S_IFDIR { throw EvalError.badFile(path: path, reason: "is a directory") }
  if (info.st_mode & S_IFMT) != S_IFREG { throw EvalError.badFile(path: path, reason: "is not a regular file") }
  if let maxBytes, Int(info.st_size) > maxBytes {
    throw EvalError.badFile(path: path, reason: "is \(byteCount(Int(info.st_size))), above the limit of \(byteCount(maxBytes)) for this kind of file")
  }
  var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
  var filled = 0
  try bytes.withUnsafeMutableBytes { buffer in
    while filled < buffer.count {
      let got = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
      if got < 0 {
        if errno == EINTR { continue }
        throw EvalError.badFile(path: path, reason: "read failed (\(String(cString: strerror(errno))))")
      }
      if got == 0 { break }
      filled += got
    }
  }
  if filled < bytes.count { bytes.removeLast(bytes.count - filled) }
  return bytes
}

/// Writes a file under a temporary name in the same directory, then renames it into place, so a
/// reader never sees half a file and an interrupted run leaves no partial output.
public func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws {
  try writeFileAtomically(path) { file in try file.append(bytes) }
}

/// Like `writeFileAtomically(_:_:)` for a file written piece by piece: `produce` appends.
public func writeFileAtomically(_ path: String, produce: (FileAppender) throws -> Void) throws {
  let directory = (path as NSString).deletingLastPathComponent
  if !directory.isEmpty { try makeDirectory(directory) }
  removeAbandonedStaging(for: path)
  let temporary = temporaryName(for: path)
  do {
    try writeFile(temporary, reportAs: path, produce)
  } catch {
    unlink(temporary)
    throw error
  }
  if rename(temporary, path) != 0 {
    let reason = String(cString: strerror(errno))
    unlink(temporary)
    throw EvalError.cannotWrite(path: path, reason: reason)
  }
}

/// Writes a file in place; for files inside a directory that `buildDirectoryAtomically` stages.
public func writeFile(_ path: String, _ bytes: [UInt8], reportAs shownPath: String? = nil) throws {
  try writeFile(path, reportAs: shownPath) { try $0.append(bytes) }
}

/// Creates (or truncates) `path`, lets `produce` append to it and closes it; the file is closed
/// whatever `produce` throws.
func writeFile(_ path: String, reportAs shownPath: String?, _ produce: (FileAppender) throws -> Void) throws {
  let file = try FileAppender(path, reportAs: shownPath)
  do {
    try produce(file)
  } catch {
    try? file.close()
    throw error
  }
  try file.close()
}

/// A file being written (created or truncated), appended to piece by piece; errors (a full disk)
/// name `reportAs`, the path the user knows.
public final class FileAppender {
  private var fd: Int32
  private let shownPath: String

  public init(_ path: String, reportAs shownPath: String? = nil) throws {
    self.shownPath = shownPath ?? path
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if fd < 0 { throw EvalError.cannotWrite(path: self.shownPath, reason: String(cString: strerror(errno))) }
  }

  /// Appends to an open file descriptor, which it then owns (closes).
  public init(descriptor: Int32, reportAs shownPath: String) {
    (fd, self.shownPath) = (descriptor, shownPath)
  }

  /// The open descriptor (−1 once closed), for reading back what was appended.
  public var descriptor: Int32 { fd }

  public func append(_ bytes: some ContiguousBytes) throws {
    var failure: String?
    bytes.withUnsafeBytes { buffer in
      var written = 0
      while written < buffer.count {
        let n = write(fd, buffer.baseAddress! + written, buffer.count - written)
        if n < 0 {
          if errno == EINTR { continue }
          failure = String(cString: strerror(errno))
          return
        }
        written += n
      }
    }
    if let failure { throw EvalError.cannotWrite(path: shownPath, reason: failure) }
  }

  public func append(_ text: String) throws { try append(Array(text.utf8)) }

  /// Closes the file (a failed close, e.g. a full disk on NFS, is an error).
  public func close() throws {
    guard fd >= 0 else { return }
    let result = Glibc.close(fd)
    fd = -1
    if result != 0 { throw EvalError.cannotWrite(path: shownPath, reason: String(cString: strerror(errno))) }
  }

  deinit { if fd >= 0 { _ = Glibc.close(fd) } }
}

/// Writes UTF-8 text atomically.
public func writeTextAtomically(_ path: String, _ text: String) throws {
  try writeFileAtomically(path, Array(text.utf8))
}

/// Creates a directory and its parents; succeeds if it exists.
public func makeDirectory(_ path: String, reportAs shownPath: String? = nil) throws {
  var isDirectory: ObjCBool = false
  if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
  let parent = (path as NSString).deletingLastPathComponent
  if !parent.isEmpty && parent != path { try makeDirectory(parent, reportAs: shownPath) }
  if mkdir(path, 0o755) != 0 && errno != EEXIST {
    throw EvalError.cannotWrite(path: shownPath ?? path, reason: "cannot create directory (\(String(cString: strerror(errno))))")
  }
}

/// Builds a directory of outputs under a temporary sibling, then moves it into place in one rename.
///
/// If `path` already exists and is not empty, it is replaced only when `overwrite` is true.
public func buildDirectoryAtomically(
  _ path: String, overwrite: Bool, _ fill: (String) throws -> Void
) throws {
  let manager = FileManager.default
  var isDirectory: ObjCBool = false
  let exists = manager.fileExists(atPath: path, isDirectory: &isDirectory)
  if exists {
    let contents = (try? manager.contentsOfDirectory(atPath: path)) ?? ["?"]
    if !contents.isEmpty && !overwrite {
      throw EvalError.cannotWrite(
        path: path, reason: "it already exists and is not empty; choose another --out or pass --overwrite")
    }
  }
  let parent = (path as NSString).deletingLastPathComponent
  if !parent.isEmpty { try makeDirectory(parent) }
  removeAbandonedStaging(for: path)
  let staging = temporaryName(for: path)
  try makeDirectory(staging, reportAs: path)
  do {
    try fill(staging)
  } catch {
    try? manager.removeItem(atPath: staging)
    throw error
  }
  if exists {
    // swap the two in one step, so that at every moment `path` is the old or the new version
    if gefile_exchange(staging, path) == 0 {
      try? manager.removeItem(atPath: staging)
      return
    }
    let old = temporaryName(for: path) + "-old"
    guard rename(path, old) == 0 else {
      try? manager.removeItem(atPath: staging)
      throw EvalError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
    }
    try? manager.removeItem(atPath: old)
  }
  guard rename(staging, path) == 0 else {
    let reason = String(cString: strerror(errno))
    try? manager.removeItem(atPath: staging)
    throw EvalError.cannotWrite(path: path, reason: reason)
  }
}

/// Removes staging directories and files that a killed earlier run left beside `path`: those
/// named for `path` whose process no longer exists.
func removeAbandonedStaging(for path: String) {
  let directory = (path as NSString).deletingLastPathComponent
  let prefix = ".\((path as NSString).lastPathComponent).partial-"
  let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
  for name in names where name.hasPrefix(prefix) {
    guard let pid = Int32(name.dropFirst(prefix.count).prefix { $0.isNumber }), pid != getpid() else { continue }
    if kill(pid, 0) != 0 && errno == ESRCH {
      try? FileManager.default.removeItem(atPath: directory.isEmpty ? name : directory + "/" + name)
    }
  }
}

private func temporaryName(for path: String) -> String {
  let directory = (path as NSString).deletingLastPathComponent
  let base = (path as NSString).lastPathComponent
  let unique = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
  let name = ".\(base).partial-\(unique)"
  return directory.isEmpty ? name : directory + "/" + name
}
