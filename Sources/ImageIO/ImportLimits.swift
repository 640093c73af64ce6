import Foundation

/// Caps that keep an import in bounded memory and time whatever a file claims about itself.
///
/// A header may declare four million images behind three megabytes of gzip; a CSV may hold one
/// 100 MB line. Each cap is checked before the memory it guards is taken: declared sizes against
/// `maxPixels` as soon as the header is read, inflation stopped at the cap, line length while
/// the text is still being inflated.
public struct ImportLimits: Sendable, Equatable {
  /// Pixels in the whole set, N·H·W (2³⁰ by default: 4 GiB as Float32, 1.3 million 28×28 images).
  public var maxPixels: Int
  /// Bytes a compressed or plain CSV may hold as text (2 GiB by default).
  public var maxTextBytes: Int
  /// Bytes in one CSV line, that is one image (16 MiB by default: a 2048×2048 image written out).
  public var maxLineBytes: Int

  public init(maxPixels: Int = 1 << 30, maxTextBytes: Int = 1 << 31, maxLineBytes: Int = 1 << 24) {
    self.maxPixels = maxPixels
    self.maxTextBytes = maxTextBytes
    self.maxLineBytes = maxLineBytes
  }

  /// The environment variable that raises or lowers `maxPixels` for one run.
  public static let pixelVariable = "GAN_EVAL_MAX_IMPORT_PIXELS"

  /// The defaults, with `maxPixels` taken from `GAN_EVAL_MAX_IMPORT_PIXELS` when it is set to a
  /// positive whole number (the text cap grows with it: 2 bytes per pixel).
  public static var standard: ImportLimits {
    var limits = ImportLimits()
    if let text = ProcessInfo.processInfo.environment[pixelVariable], let value = Int(text), value > 0 {
      limits.maxPixels = value
      limits.maxTextBytes = max(limits.maxTextBytes, value.multipliedReportingOverflow(by: 2).overflow ? Int.max : value * 2)
    }
    return limits
  }

  /// The reason given when a set is larger than `maxPixels`.
  func tooManyPixels(_ what: String, pixels: Int) -> String {
    "\(what) is \(grouped(pixels)) pixels (\(byteCount(pixels.multipliedReportingOverflow(by: 4).overflow ? Int.max : pixels * 4)) in memory), "
      + "above the import limit of \(grouped(maxPixels)) pixels; import part of the set, "
      + "or raise the limit with \(ImportLimits.pixelVariable)=<pixels> if the machine has the memory"
  }
}

/// The product of sizes read from a file, or nil when it overflows or a size is negative.
func checkedProduct(_ sizes: [Int]) -> Int? {
  var product = 1
  for size in sizes {
    guard size >= 0 else { return nil }
    let (next, overflow) = product.multipliedReportingOverflow(by: size)
    if overflow { return nil }
    product = next
  }
  return product
}

/// A whole number with thousands separated by commas, whatever the locale: 4,000,000.
func grouped(_ value: Int) -> String {
  let digits = String(value.magnitude)
  var out = ""
  for (i, c) in digits.enumerated() {
    if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
    out.append(c)
  }
  return value < 0 ? "-" + out : out
}
