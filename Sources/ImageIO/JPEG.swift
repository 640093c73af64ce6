import CTurboJPEG

/// JPEG decoding through libjpeg-turbo's TurboJPEG API; errors come back as values, never as a crash.
///
/// The decode matches Pillow's (whose wheels ship libjpeg-turbo): the accurate integer inverse DCT
/// (libjpeg's `JDCT_ISLOW`, Pillow's default) and "fancy" (triangle-filter) chroma upsampling
/// (libjpeg's default, which Pillow keeps unless `draft()` is called), then YCbCr → RGB in 8 bits.
/// Gray JPEGs stay gray. Colour becomes luma exactly as Pillow's `convert("L")` does: the ITU-R 601
/// weights applied to the decoded 8-bit RGB (not libjpeg's Y channel).
///
/// Stricter than Pillow on damaged files: any libjpeg warning (a truncated file, "corrupt JPEG
/// data") refuses the file with libjpeg's message, where Pillow refuses truncation but decodes
/// through the others. CMYK/YCCK JPEGs are refused (convert them to RGB first); 12-bit JPEGs too.
public enum JPEG {
  /// True for data that starts with a JPEG start-of-image marker followed by another marker.
  public static func isJPEG(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF
  }

  /// Decodes into caller-owned storage: the body gets width, height, source bit depth (8),
  /// channels (1, or 3 when `keepColor` and the file is colour) and the interleaved values in [0,1].
  ///
  /// The header's size is checked against `maxPixels` before any pixel memory is taken, and
  /// progressive files with an unreasonable number of scans are refused (a CPU bomb otherwise).
  static func decode(
    _ bytes: [UInt8], path: String, maxPixels: Int, keepColor: Bool,
    into body: (Int, Int, Int, Int, UnsafeBufferPointer<Float>) throws -> Void
  ) throws {
    func failure(_ reason: String) -> EvalError { .badFile(path: path, reason: "not a readable JPEG: " + reason) }
    guard isJPEG(bytes) else { throw failure("not a JPEG file (no start-of-image marker)") }
    guard let handle = tjInitDecompress() else { throw failure("cannot start libjpeg-turbo (out of memory)") }
    defer { tjDestroy(handle) }
    func libraryMessage() -> String { String(cString: tjGetErrorStr2(handle)) }

    var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
    let headerStatus = bytes.withUnsafeBufferPointer { buffer in
      tjDecompressHeader3(handle, buffer.baseAddress, UInt(buffer.count), &width, &height, &subsampling, &colorspace)
    }
    guard headerStatus == 0 else { throw failure(libraryMessage()) }
    guard width > 0, height > 0 else { throw failure("image size \(width)x\(height) is not usable") }
    guard Int(width) * Int(height) <= maxPixels else {
      throw failure("image is \(width)x\(height) pixels, above the limit of \(maxPixels) pixels")
    }
    let isGray: Bool
    switch colorspace {
    case Int32(TJCS_GRAY.rawValue): isGray = true
    case Int32(TJCS_YCbCr.rawValue), Int32(TJCS_RGB.rawValue): isGray = false
    default:
      throw failure("it is a CMYK/YCCK JPEG; gan-eval reads gray and RGB JPEGs (convert it to RGB first)")
    }
    let fileChannels = isGray ? 1 : 3
    let pixelCount = Int(width) * Int(height)
    var samples = [UInt8](repeating: 0, count: pixelCount * fileChannels)
    let format = isGray ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue)
    // ACCURATEDCT = JDCT_ISLOW; no FASTUPSAMPLE = fancy upsampling; LIMITSCANS refuses scan bombs.
    let flags = Int32(TJFLAG_ACCURATEDCT | TJFLAG_LIMITSCANS)
    let status = bytes.withUnsafeBufferPointer { input in
      samples.withUnsafeMutableBufferPointer { output in
        tjDecompress2(handle, input.baseAddress, UInt(input.count), output.baseAddress, width, 0, height, format, flags)
      }
    }
    // A warning (status -1, code TJERR_WARNING) still fills the buffer, but the file is damaged.
    guard status == 0 else { throw failure(libraryMessage()) }

    let channels = isGray || !keepColor ? 1 : 3
    var values = [Float](repeating: 0, count: pixelCount * channels)
    if isGray || keepColor {
      for i in 0..<values.count { values[i] = Float(samples[i]) / 255 }
    } else {
      for p in 0..<pixelCount {
        values[p] = Float(lumaLevel(samples[3 * p], samples[3 * p + 1], samples[3 * p + 2])) / 255
      }
    }
    try values.withUnsafeBufferPointer { try body(Int(width), Int(height), 8, channels, $0) }
  }

  /// Decodes JPEG bytes into 8-bit samples: 1 channel for gray files, else interleaved RGB
  /// (or its luma when `keepColor` is false). For tests and tools; sets load through `ImageFile`.
  public static func decode8(_ bytes: [UInt8], path: String, maxPixels: Int = defaultMaxPixels, keepColor: Bool = true) throws
    -> (width: Int, height: Int, channels: Int, samples: [UInt8])
  {
    var result: (Int, Int, Int, [UInt8])?
    try decode(bytes, path: path, maxPixels: maxPixels, keepColor: keepColor) { w, h, _, c, values in
      result = (w, h, c, values.map(toGrayLevel))
    }
    return result!
  }
}
