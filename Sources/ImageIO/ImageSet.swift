import Foundation

/// A sample set: N grayscale images of one size, as luminance in [0,1], with file names and
/// optional class labels.
public struct ImageSet: Sendable {
  /// The name shown in tables and legends (by default the directory's base name).
  public var name: String
  /// Where the set came from (a directory path, or a description for generated sets).
  public var source: String
  public var width: Int
  public var height: Int
  /// File paths relative to the set directory, in load order (sorted).
  public var files: [String]
  /// One label per image; nil where unknown.
  public var labels: [String?]
  /// count × height × width values, row-major, image after image.
  public var pixels: [Float]
  /// Files that were skipped (with `--skip-bad`), each with its reason.
  public var skipped: [EvalError]
  /// The deepest sample depth among the source files (8 or 16): values are whole levels of it.
  public var bitDepth: Int
  /// 1 (gray) or 3 (RGB); an image's values are interleaved H×W×C, as numpy holds them.
  public var channels: Int

  public init(
    name: String, source: String, width: Int, height: Int, files: [String], labels: [String?],
    pixels: [Float], skipped: [EvalError] = [], bitDepth: Int = 8, channels: Int = 1
  ) {
    precondition(files.count == labels.count, "one label slot per file")
    precondition(channels == 1 || channels == 3, "a set is gray (1 channel) or RGB (3)")
    precondition(pixels.count == files.count * width * height * channels, "pixels must be count × height × width × channels")
    self.name = name
    self.source = source
    self.width = width
    self.height = height
    self.files = files
    self.labels = labels
    self.pixels = pixels
    self.skipped = skipped
    self.bitDepth = bitDepth
    self.channels = channels
  }

  public var count: Int { files.count }
  /// Pixels per image (width × height).
  public var pixelsPerImage: Int { width * height }
  /// Values per image (width × height × channels): the stride of `pixels`.
  public var valuesPerImage: Int { width * height * channels }
  public var isColor: Bool { channels == 3 }
  /// True when every image has a label.
  public var isLabelled: Bool { !labels.isEmpty && labels.allSatisfy { $0 != nil } }
  /// The distinct labels, in natural order ("2" before "10").
  public var classes: [String] { Array(Set(labels.compactMap { $0 })).sorted(by: naturalOrder) }

  /// The pixels of image `index`.
  public func image(_ index: Int) -> ArraySlice<Float> {
    pixels[(index * valuesPerImage)..<((index + 1) * valuesPerImage)]
  }

  /// The largest level of the source depth: 255 or 65535.
  @inlinable public var maxLevel: Double { bitDepth > 8 ? 65535 : 255 }

  /// A pixel as the Float64 value of its source level, level/255 or level/65535: exactly what
  /// `np.asarray(img) / 255.0` gives, free of the Float32 storage rounding.
  @inlinable
  public func exactValue(_ value: Float) -> Double {
    (Double(value) * maxLevel).rounded() / maxLevel
  }

  /// The 8-bit form of image `index`: each value (every channel) rounded to the nearest of 256 levels.
  public func grayLevels(_ index: Int) -> [UInt8] { image(index).map(toGrayLevel) }

  /// The 8-bit luminance of image `index`: its gray levels, or for RGB the ITU-R 601 luma of its
  /// 8-bit levels exactly as Pillow's `convert("L")` (16.16 fixed point, rounded).
  public func lumaLevels(_ index: Int) -> [UInt8] {
    let levels = grayLevels(index)
    guard isColor else { return levels }
    return (0..<pixelsPerImage).map { lumaLevel(levels[3 * $0], levels[3 * $0 + 1], levels[3 * $0 + 2]) }
  }

  /// A subset in the given order.
  public func subset(_ indices: [Int]) -> ImageSet {
    var pixels = [Float]()
    pixels.reserveCapacity(indices.count * valuesPerImage)
    for index in indices { pixels.append(contentsOf: image(index)) }
    return ImageSet(
      name: name, source: source, width: width, height: height, files: indices.map { files[$0] },
      labels: indices.map { labels[$0] }, pixels: pixels, skipped: skipped, bitDepth: bitDepth, channels: channels)
  }
}

/// Orders strings so that embedded numbers compare by value: "2" < "10", "a2" < "a10".
public func naturalOrder(_ a: String, _ b: String) -> Bool {
  if let x = Int(a), let y = Int(b) { return x != y ? x < y : a < b }
  return a.compare(b, options: .numeric) == .orderedAscending
}

/// ITU-R 601 luma of 8-bit R, G, B exactly as Pillow's "L" conversion (16.16 fixed point, rounded).
@inlinable
public func lumaLevel(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
  let red: UInt32 = UInt32(r) &* 19595
  let green: UInt32 = UInt32(g) &* 38470
  let blue: UInt32 = UInt32(b) &* 7471
  return UInt8(truncatingIfNeeded: (red &+ green &+ blue &+ 0x8000) >> 16)
}
