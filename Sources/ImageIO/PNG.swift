import Foundation
import PNGCodec

/// The largest image accepted, in pixels: guards against decompression bombs (4096 × 4096).
public let defaultMaxPixels = 4096 * 4096

/// A decoded PNG as luminance in [0,1].
public struct DecodedImage {
  public var width: Int
  public var height: Int
  public var luma: [Float]
}

/// PNG decoding and encoding through libpng; errors come back as values, never as a crash.
public enum PNG {
  /// Decodes PNG bytes to luminance in [0,1].
  ///
  /// Gray samples are scaled by 1/255 (8-bit) or 1/65535 (16-bit). Colour becomes ITU-R 601 luma,
  /// identical to Pillow's `convert("L")` for 8-bit files. Alpha is ignored (as Pillow's "L"
  /// conversion does): a transparent pixel contributes its colour, not a background.
  public static func decode(_ bytes: [UInt8], path: String, maxPixels: Int = defaultMaxPixels) throws
    -> DecodedImage
  {
    var result: DecodedImage?
    try decode(bytes, path: path, maxPixels: maxPixels, keepColor: false) { width, height, _, _, luma in
      result = DecodedImage(width: width, height: height, luma: Array(luma))
    }
    return result!
  }

  /// Decodes PNG bytes as a one-image set: RGB files keep their three channels when `keepColor`.
  public static func decodeSet(_ bytes: [UInt8], path: String, keepColor: Bool = true, maxPixels: Int = defaultMaxPixels) throws -> ImageSet {
    var result: ImageSet?
    try decode(bytes, path: path, maxPixels: maxPixels, keepColor: keepColor) { width, height, depth, channels, values in
      let name = (path as NSString).lastPathComponent
      result = ImageSet(
        name: name, source: (path as NSString).deletingLastPathComponent, width: width, height: height, files: [name], labels: [nil],
        pixels: Array(values), bitDepth: depth > 8 ? 16 : 8, channels: channels)
    }
    return result!
  }

  /// Decodes into caller-owned storage: the body gets width, height, source bit depth, channels
  /// (1, or 3 when `keepColor` and the file is colour) and the interleaved values in [0,1].
  static func decode(
    _ bytes: [UInt8], path: String, maxPixels: Int, keepColor: Bool,
    into body: (Int, Int, Int, Int, UnsafeBufferPointer<Float>) throws -> Void
  ) throws {
    var image = gepng_image()
    var message = [CChar](repeating: 0, count: 256)
    let status = bytes.withUnsafeBufferPointer { buffer in
      gepng_decode(buffer.baseAddress, buffer.count, UInt64(maxPixels), keepColor ? 1 : 0, &image, &message, message.count)
    }
    guard status == 0 else {
      throw EvalError.badFile(path: path, reason: "not a readable PNG: " + cMessage(message))
    }
    defer { gepng_free(&image) }
    let channels = Int(image.channels)
    let count = Int(image.width) * Int(image.height) * channels
    try body(Int(image.width), Int(image.height), Int(image.source_bit_depth), channels, UnsafeBufferPointer(start: image.values, count: count))
  }

  /// Encodes 8-bit samples (1 = gray, 3 = RGB, 4 = RGBA channels) as PNG bytes.
  public static func encode(
    _ pixels: [UInt8], width: Int, height: Int, channels: Int = 1, compressionLevel: Int = 6
  ) throws -> [UInt8] {
    precondition(pixels.count == width * height * channels, "pixel count does not match the size")
    var output: UnsafeMutablePointer<UInt8>?
    var length = 0
    var message = [CChar](repeating: 0, count: 256)
    let status = pixels.withUnsafeBufferPointer { buffer in
      gepng_encode(
        buffer.baseAddress, UInt32(width), UInt32(height), Int32(channels), Int32(compressionLevel),
        &output, &length, &message, message.count)
    }
    guard status == 0, let output else {
      throw EvalError.cannotWrite(path: "PNG", reason: cMessage(message))
    }
    defer { gepng_free_buffer(output) }
    return Array(UnsafeBufferPointer(start: output, count: length))
  }

  /// Encodes luminance in [0,1] as an 8-bit gray PNG (values rounded to the nearest gray level).
  public static func encodeGray(_ luma: UnsafeBufferPointer<Float>, width: Int, height: Int) throws -> [UInt8] {
    try encode(luma.map(toGrayLevel), width: width, height: height)
  }

  /// Encodes values in [0,1] (1 channel gray or 3 interleaved RGB) as an 8-bit PNG.
  public static func encode8(_ values: UnsafeBufferPointer<Float>, width: Int, height: Int, channels: Int) throws -> [UInt8] {
    try encode(values.map(toGrayLevel), width: width, height: height, channels: channels)
  }
}

/// The 8-bit gray level of a luminance in [0,1]: ⌊v·255 + ½⌋, clamped (NaN → 0). The inverse of
/// v = level/255. Kept free of libm calls: it runs once per pixel in every metric.
@inlinable
public func toGrayLevel(_ value: Float) -> UInt8 {
  let scaled = value * 255 + 0.5
  if !(scaled >= 1) { return 0 }
  if scaled >= 255 { return 255 }
  return UInt8(scaled)
}

/// The text of a NUL-terminated C message buffer.
func cMessage(_ buffer: [CChar]) -> String {
  let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
  return String(decoding: bytes, as: UTF8.self)
}
