import Foundation

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
  let directory = (path as NSString).deletingLastPathComponent
  if !directory.isEmpty { try makeDirectory(directory) }
  let temporary = temporaryName(for: path)
  do {
    try writeFile(temporary, bytes, reportAs: path)
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
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  if fd < 0 { throw EvalError.cannotWrite(path: shownPath ?? path, reason: String(cString: strerror(errno))) }
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
  if close(fd) != 0, failure == nil { failure = String(cString: strerror(errno)) }
  if let failure { throw EvalError.cannotWrite(path: shownPath ?? path, reason: failure) }
}

/// Writes UTF-8 text atomically.
public func writeTextAtomically(_ path: String, _ text: String) throws {
  try writeFileAtomically(path, Array(text.utf8))
}

/// Creates a directory and its parents; succeeds if it exists.
public func makeDirectory(_ path: String) throws {
  do {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  } catch {
    throw EvalError.cannotWrite(path: path, reason: "cannot create directory (\(error.localizedDescription))")
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
  let staging = temporaryName(for: path)
  try makeDirectory(staging)
  do {
    try fill(staging)
  } catch {
    try? manager.removeItem(atPath: staging)
    throw error
  }
  if exists {
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

private func temporaryName(for path: String) -> String {
  let directory = (path as NSString).deletingLastPathComponent
  let base = (path as NSString).lastPathComponent
  let unique = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
  let name = ".\(base).partial-\(unique)"
  return directory.isEmpty ? name : directory + "/" + name
}
