/// The image files a sample set may hold, and the one decode call the set loader makes.
public enum ImageFile {
  /// Extensions read as images in a sample directory (compared lower-cased).
  public static let readableExtensions: Set<String> = ["png", "jpg", "jpeg"]

  /// Decodes a PNG or JPEG held in memory into caller-owned storage: the body gets width, height,
  /// source bit depth, channels (1, or 3 when `keepColor` and the file is colour) and the
  /// interleaved values in [0,1].
  ///
  /// The format is told by the file's first bytes; a file named .jpg/.jpeg that is neither is
  /// reported as a broken JPEG, anything else as a broken PNG.
  static func decode(
    _ bytes: [UInt8], path: String, maxPixels: Int, keepColor: Bool,
    into body: (Int, Int, Int, Int, UnsafeBufferPointer<Float>) throws -> Void
  ) throws {
    if JPEG.isJPEG(bytes) || (hasJPEGName(path) && !isPNG(bytes)) {
      try JPEG.decode(bytes, path: path, maxPixels: maxPixels, keepColor: keepColor, into: body)
    } else {
      try PNG.decode(bytes, path: path, maxPixels: maxPixels, keepColor: keepColor, into: body)
    }
  }

  static func hasJPEGName(_ path: String) -> Bool {
    let lower = path.lowercased()
    return lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg")
  }

  static func isPNG(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 8 && bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
  }
}
