import Foundation
import Workers

#if canImport(Glibc)
  import Glibc
#endif

/// Which channels a set keeps.
public enum ColorMode: String, Sendable, CaseIterable {
  /// RGB when any file is colour (gray files then become R = G = B), gray otherwise.
  case auto
  /// Always RGB (gray files become R = G = B).
  case rgb
  /// Always luminance (ITU-R 601, as Pillow's `convert("L")`): gan-eval's behaviour before colour.
  case luma
}

/// How a sample directory is read.
public struct LoadOptions: Sendable {
  /// Which channels to keep.
  public var color = ColorMode.auto
  /// Skip unreadable or corrupt files (listing them) instead of failing.
  public var skipBad = false
  /// Resize images whose size differs from `targetSize` instead of failing.
  public var resize = false
  /// The size every image must have (width, height); nil means the first image's size.
  public var targetSize: (width: Int, height: Int)?
  public var maxPixels = defaultMaxPixels
  public var threads = defaultThreadCount
  public var progress: ProgressReporter?

  public init(skipBad: Bool = false, resize: Bool = false, threads: Int = defaultThreadCount) {
    self.skipBad = skipBad
    self.resize = resize
    self.threads = threads
  }
}

/// Reads sample directories: every PNG and JPEG below the directory, in sorted order, with labels taken
/// from `labels.csv` (file,label) if present, otherwise from the first subdirectory level.
public enum SampleDirectory {
  /// The name of the optional label file at the top of a sample directory.
  public static let labelFileName = "labels.csv"
  static let otherImageExtensions: Set<String> = ["gif", "bmp", "tif", "tiff", "webp", "pgm", "ppm"]

  /// Lists the PNG and JPEG (.jpg, .jpeg) files below `directory` as sorted relative paths.
  ///
  /// Hidden files and folders are passed over; image files in other formats are an error (they
  /// would otherwise be silently left out of the evaluation); other files are ignored.
  public static func listImages(in directory: String) throws -> [String] {
    var found: [String] = []
    try forEachImage(in: directory) { found.append($0) }
    found.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }  // already in this order (see forEachImage); kept as the contract
    return found
  }

  /// Calls `body` with each image's relative path in `listImages`' order (the byte order of the
  /// paths) without holding the list: one folder's entries at a time. Each folder's entries are
  /// visited sorted by name, a subfolder's name taken with its trailing "/": the first byte where
  /// two paths differ lies in the names they differ by, and a subfolder's paths continue with "/",
  /// so this is exactly the byte order of the whole paths.
  public static func forEachImage(in directory: String, _ body: (String) throws -> Void) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
      throw EvalError.badFile(path: directory, reason: "no such directory")
    }
    guard isDirectory.boolValue else {
      throw EvalError.badFile(path: directory, reason: "is not a directory; a sample set is a directory of PNG or JPEG files")
    }
    try visit(directory, relative: "", body)
  }

  /// How many images `forEachImage` visits.
  public static func countImages(in directory: String) throws -> Int {
    var count = 0
    try forEachImage(in: directory) { _ in count += 1 }
    return count
  }

  /// Where a directory entry's name starts in its record.
  private static let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!

  /// The lower-cased extension of a file name, after its last dot ("" without one), as
  /// NSString's `pathExtension` gives it for a name without slashes.
  static func lowercasedExtension(_ name: String) -> String {
    guard let dot = name.utf8.lastIndex(of: UInt8(ascii: ".")) else { return "" }
    return String(name[name.utf8.index(after: dot)...]).lowercased()
  }

  private static func visit(_ directory: String, relative: String, _ body: (String) throws -> Void) throws {
    guard let handle = opendir(directory) else {
      throw EvalError.badFile(path: directory, reason: "cannot open directory (\(String(cString: strerror(errno))))")
    }
    // each entry's sort key: its name's bytes, a subfolder's with "/" after them
    var entries: [(key: [UInt8], isDirectory: Bool)] = []
    defer { closedir(handle) }
    while let entry = readdir(handle) {
      // the name is read in place up to its NUL: a record is only d_reclen bytes long, so copying
      // the whole 256-byte d_name field reads past the last record (AddressSanitizer found it)
      let name = String(cString: UnsafeRawPointer(entry).advanced(by: Self.nameOffset).assumingMemoryBound(to: CChar.self))
      if name.hasPrefix(".") { continue }
      var kind = Int32(entry.pointee.d_type)
      if kind == Int32(DT_UNKNOWN) || kind == Int32(DT_LNK) {
        var info = stat()
        // a dangling link stays listed, so loading reports it by name instead of passing over it
        let isDirectory = stat(directory + "/" + name, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
        kind = isDirectory ? Int32(DT_DIR) : Int32(DT_REG)
      }
      if kind == Int32(DT_DIR) {
        entries.append((Array(name.utf8) + [UInt8(ascii: "/")], true))
        continue
      }
      let ext = lowercasedExtension(name)
      if ImageFile.readableExtensions.contains(ext) {
        entries.append((Array(name.utf8), false))
      } else if otherImageExtensions.contains(ext) {
        throw EvalError.badFile(
          path: directory + "/" + name, reason: "is a .\(ext) image; gan-eval reads PNG and JPEG only (convert it, or move it out of the set)")
      }
    }
    entries.sort { a, b in
      a.key.withUnsafeBufferPointer { x in
        b.key.withUnsafeBufferPointer { y in
          let order = memcmp(x.baseAddress!, y.baseAddress!, min(x.count, y.count))
          return order != 0 ? order < 0 : x.count < y.count
        }
      }
    }
    for entry in entries {
      if entry.isDirectory {
        let name = String(decoding: entry.key.dropLast(), as: UTF8.self)
        try visit(directory + "/" + name, relative: relative.isEmpty ? name : relative + "/" + name, body)
      } else {
        let name = String(decoding: entry.key, as: UTF8.self)
        try body(relative.isEmpty ? name : relative + "/" + name)
      }
    }
  }

  /// Loads a sample directory as an image set.
  public static func load(_ directory: String, name: String? = nil, options: LoadOptions = LoadOptions()) throws
    -> ImageSet
  {
    let files = try listImages(in: directory)
    guard !files.isEmpty else {
      throw EvalError.badFile(path: directory, reason: "contains no PNG images nor JPEGs (looked in all subdirectories)")
    }
    let labels = labelsOf(files, labelMap: try readLabelFile(in: directory))
    return try load(directory, files: files, labels: labels, name: name, options: options)
  }

  /// The label of each file: from `labels.csv` when the set has one, else its first folder.
  public static func labelsOf(_ files: [String], labelMap: [String: String]?) -> [String?] {
    files.map { file in
      if let labelMap { return labelMap[file] }
      let parts = file.split(separator: "/", maxSplits: 1)
      return parts.count == 2 ? String(parts[0]) : nil
    }
  }

  /// Loads some files of a sample directory (relative paths, e.g. one chunk of `listImages`)
  /// with their labels: what streaming commands use to hold one chunk of a set at a time.
  public static func load(
    _ directory: String, files: [String], labels: [String?], name: String? = nil, options: LoadOptions = LoadOptions()
  ) throws -> ImageSet {
    precondition(files.count == labels.count, "one label (or nil) per file")
    guard !files.isEmpty else {
      throw EvalError.badFile(path: directory, reason: "contains no PNG images nor JPEGs (looked in all subdirectories)")
    }
    var labels = labels
    let setName = name ?? (URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent)

    // The size is fixed by the option or by the first image that decodes; the channels by the
    // mode, or in auto mode by the first image (a later colour file in a gray set loads it again).
    var target = options.targetSize
    var firstGood = 0
    var firstChannels = 1
    while firstGood < files.count {
      do {
        try ImageFile.decode(
          readFile(directory + "/" + files[firstGood]), path: directory + "/" + files[firstGood], maxPixels: options.maxPixels,
          keepColor: options.color != .luma
        ) { w, h, _, c, _ in
          if target == nil { target = (w, h) }
          firstChannels = c
        }
        break
      } catch let error as EvalError where options.skipBad {
        _ = error
        firstGood += 1
      }
    }
    guard let (width, height) = target, firstGood < files.count else {
      throw EvalError.badFile(path: directory, reason: "none of its \(files.count) \(kind(of: files)) files could be read")
    }
    let channels = options.color == .rgb ? 3 : (options.color == .luma ? 1 : firstChannels)
    let size = width * height * channels
    var pixels = [Float](repeating: 0, count: files.count * size)
    var outcomes = [Outcome](repeating: .loaded, count: files.count)
    try pixels.withUnsafeMutableBufferPointer { pixelBuffer in
      try outcomes.withUnsafeMutableBufferPointer { outcomeBuffer in
        let out = SharedBuffer(pixelBuffer.baseAddress!)
        let status = SharedBuffer(outcomeBuffer.baseAddress!)
        try parallelFor(files.count, threads: options.threads) { index in
          let path = directory + "/" + files[index]
          do {
            try ImageFile.decode(readFile(path), path: path, maxPixels: options.maxPixels, keepColor: options.color != .luma) { w, h, depth, c, values in
              if depth > 8 { status[index] = .loaded16 }
              if c > channels {
                status[index] = .colorInGraySet
                return
              }
              let destination = UnsafeMutableBufferPointer(start: out.base + index * size, count: size)
              if w == width && h == height {
                spread(values, channels: c, into: destination, channels: channels)
              } else if options.resize {
                var resized = [Float](repeating: 0, count: width * height * c)
                resized.withUnsafeMutableBufferPointer { buffer in
                  resizeBilinear(values, width: w, height: h, channels: c, bitDepth: depth, into: buffer, width: width, height: height)
                }
                resized.withUnsafeBufferPointer { spread($0, channels: c, into: destination, channels: channels) }
              } else {
                status[index] = .wrongSize(w, h)
              }
            }
          } catch let error as EvalError {
            status[index] = .failed(error)
          }
          options.progress?.advance()
        }
      }
    }
    if options.color == .auto && channels == 1 && outcomes.contains(where: { if case .colorInGraySet = $0 { return true } else { return false } }) {
      var again = options
      again.color = .rgb
      again.progress = nil
      return try load(directory, files: files, labels: labels, name: name, options: again)
    }
    var skipped: [EvalError] = []
    var keep: [Int] = []
    var bitDepth = 8
    for (index, outcome) in outcomes.enumerated() {
      switch outcome {
      case .loaded: keep.append(index)
      case .loaded16:
        keep.append(index)
        bitDepth = 16
      case .colorInGraySet: preconditionFailure("a gray set with a colour file is loaded again as RGB")
      case .failed(let error):
        if !options.skipBad { throw error }
        skipped.append(error)
      case .wrongSize(let w, let h):
        throw EvalError.badFile(
          path: directory + "/" + files[index],
          reason: "is \(w)x\(h) pixels but \(directory)/\(files[firstGood]) is \(width)x\(height); "
            + "all images must have one size (pass --resize to resample them to \(width)x\(height))")
      }
    }
    if keep.isEmpty {
      throw EvalError.badFile(path: directory, reason: "none of its \(files.count) \(kind(of: files)) files could be read")
    }
    if keep.count < files.count {
      var compact = [Float]()
      compact.reserveCapacity(keep.count * size)
      for index in keep { compact.append(contentsOf: pixels[(index * size)..<((index + 1) * size)]) }
      pixels = compact
      labels = keep.map { labels[$0] }
    }
    return ImageSet(
      name: setName, source: directory, width: width, height: height, files: keep.map { files[$0] },
      labels: labels, pixels: pixels, skipped: skipped, bitDepth: bitDepth, channels: channels)
  }

  /// "PNG", "JPEG" or "image": what the files of a set are, for messages.
  public static func kind(of files: [String]) -> String {
    if files.allSatisfy({ $0.lowercased().hasSuffix(".png") }) { return "PNG" }
    if files.allSatisfy(ImageFile.hasJPEGName) { return "JPEG" }
    return "image"
  }

  /// Copies an image's values into a set's storage: as they are, or a gray image into R = G = B.
  static func spread(_ values: UnsafeBufferPointer<Float>, channels c: Int, into destination: UnsafeMutableBufferPointer<Float>, channels: Int) {
    if c == channels {
      _ = destination.initialize(from: values)
      return
    }
    for p in 0..<values.count {
      destination[3 * p] = values[p]
      destination[3 * p + 1] = values[p]
      destination[3 * p + 2] = values[p]
    }
  }

  private enum Outcome {
    case loaded
    case loaded16
    case colorInGraySet
    case failed(EvalError)
    case wrongSize(Int, Int)
  }

  /// Reads `labels.csv` (file,label; a header row is optional) if the directory has one.
  public static func readLabelFile(in directory: String) throws -> [String: String]? {
    let path = directory + "/" + labelFileName
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    let text = String(decoding: try readFile(path), as: UTF8.self)
    var map: [String: String] = [:]
    for (number, row) in try parseCSV(text, path: path).enumerated() {
      if row.isEmpty || (row.count == 1 && row[0].isEmpty) { continue }
      guard row.count == 2 else {
        throw EvalError.badFile(path: path, reason: "line \(number + 1) has \(row.count) fields; expected file,label")
      }
      if number == 0 && row[0].lowercased() == "file" { continue }
      map[row[0]] = row[1]
    }
    return map
  }
}
