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

  public init(
    name: String, source: String, width: Int, height: Int, files: [String], labels: [String?],
    pixels: [Float], skipped: [EvalError] = [], bitDepth: Int = 8
  ) {
    precondition(files.count == labels.count, "one label slot per file")
    precondition(pixels.count == files.count * width * height, "pixels must be count × height × width")
    self.name = name
    self.source = source
    self.width = width
    self.height = height
    self.files = files
    self.labels = labels
    self.pixels = pixels
    self.skipped = skipped
    self.bitDepth = bitDepth
  }

  public var count: Int { files.count }
  public var pixelsPerImage: Int { width * height }
  /// True when every image has a label.
  public var isLabelled: Bool { !labels.isEmpty && labels.allSatisfy { $0 != nil } }
  /// The distinct labels, in natural order ("2" before "10").
  public var classes: [String] { Array(Set(labels.compactMap { $0 })).sorted(by: naturalOrder) }

  /// The pixels of image `index`.
  public func image(_ index: Int) -> ArraySlice<Float> {
    pixels[(index * pixelsPerImage)..<((index + 1) * pixelsPerImage)]
  }

  /// The largest level of the source depth: 255 or 65535.
  @inlinable public var maxLevel: Double { bitDepth > 8 ? 65535 : 255 }

  /// A pixel as the Float64 value of its source level, level/255 or level/65535: exactly what
  /// `np.asarray(img) / 255.0` gives, free of the Float32 storage rounding.
  @inlinable
  public func exactValue(_ value: Float) -> Double {
    (Double(value) * maxLevel).rounded() / maxLevel
  }

  /// The 8-bit form of image `index`: each value rounded to the nearest of 256 gray levels.
  public func grayLevels(_ index: Int) -> [UInt8] { image(index).map(toGrayLevel) }

  /// A subset in the given order.
  public func subset(_ indices: [Int]) -> ImageSet {
    var pixels = [Float]()
    pixels.reserveCapacity(indices.count * pixelsPerImage)
    for index in indices { pixels.append(contentsOf: image(index)) }
    return ImageSet(
      name: name, source: source, width: width, height: height, files: indices.map { files[$0] },
      labels: indices.map { labels[$0] }, pixels: pixels, skipped: skipped, bitDepth: bitDepth)
  }
}

/// Orders strings so that embedded numbers compare by value: "2" < "10", "a2" < "a10".
public func naturalOrder(_ a: String, _ b: String) -> Bool {
  if let x = Int(a), let y = Int(b) { return x != y ? x < y : a < b }
  return a.compare(b, options: .numeric) == .orderedAscending
}
