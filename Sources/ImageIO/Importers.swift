import Foundation

/// Readers that turn MNIST IDX, CSV and NumPy .npy files into image sets.
public enum Importers {
  /// Reads MNIST IDX images (magic 0x803, unsigned bytes), gzip or plain, with optional labels (0x801).
  ///
  /// The header's sizes are checked against `limits` before any pixel is inflated, and the
  /// stream is inflated only up to what the header declares: a small gzip claiming millions of
  /// images is refused at once, one that holds fewer bytes than it claims as truncated.
  public static func readIDX(images imagePath: String, labels labelPath: String?, limits: ImportLimits = .standard) throws -> ImageSet {
    let file = try readFile(imagePath)
    let compressed = isGzip(file)
    let head = compressed ? try leadingBytes(file, 16, path: imagePath) : Array(file.prefix(16))
    guard head.count >= 16, head[0] == 0, head[1] == 0, head[2] == 0x08, head[3] == 3 else {
      throw EvalError.badFile(
        path: imagePath, reason: "not an IDX image file (expected magic 0x00000803: unsigned bytes, 3 dimensions)")
    }
    let count = Int(bigEndian32(head, 4)), rows = Int(bigEndian32(head, 8)), cols = Int(bigEndian32(head, 12))
    guard rows > 0, cols > 0, rows <= defaultMaxPixels, cols <= defaultMaxPixels, rows * cols <= defaultMaxPixels else {
      throw EvalError.badFile(path: imagePath, reason: "image size \(cols)x\(rows) is not usable")
    }
    let declared = count * rows * cols  // < 2^56: no overflow
    guard declared <= limits.maxPixels else {
      throw EvalError.badFile(
        path: imagePath, reason: limits.tooManyPixels("the header declares \(grouped(count)) images of \(cols)x\(rows); that", pixels: declared))
    }
    let bytes = compressed ? try leadingBytes(file, 16 + declared, path: imagePath) : file
    guard bytes.count >= 16 + declared else {
      throw EvalError.badFile(
        path: imagePath,
        reason: "is truncated: header says \(grouped(count)) images of \(cols)x\(rows) (\(grouped(16 + declared)) bytes), "
          + "the \(compressed ? "decompressed stream" : "file") has \(grouped(bytes.count)) bytes")
    }
    var labels = [String?](repeating: nil, count: count)
    if let labelPath {
      let labelFile = try readFile(labelPath)
      let raw = isGzip(labelFile) ? try leadingBytes(labelFile, 8 + count, path: labelPath) : labelFile
      guard raw.count >= 8, raw[0] == 0, raw[1] == 0, raw[2] == 0x08, raw[3] == 1 else {
        throw EvalError.badFile(path: labelPath, reason: "not an IDX label file (expected magic 0x00000801)")
      }
      let n = Int(bigEndian32(raw, 4))
      guard n == count, raw.count >= 8 + n else {
        throw EvalError.badFile(
          path: labelPath, reason: "holds \(grouped(n == count ? raw.count - 8 : n)) labels for \(grouped(count)) images in \(imagePath)")
      }
      labels = (0..<n).map { String(raw[8 + $0]) }
    }
    let pixels = bytes[16..<(16 + declared)].map { Float($0) / 255 }
    return ImageSet(
      name: setName(imagePath), source: imagePath, width: cols, height: rows,
      files: ImageSetWriter.generatedNames(count: count, labels: labels), labels: labels, pixels: pixels)
  }

  /// The first `count` bytes a gzip stream inflates to (fewer if it holds fewer), never inflating more.
  private static func leadingBytes(_ file: [UInt8], _ count: Int, path: String) throws -> [UInt8] {
    switch try inflate(file, path: path, maxOutput: count) {
    case .complete(let data), .exceeded(let data): return data
    }
  }

  /// Where the label column of an import CSV is.
  public enum LabelColumn: String, Sendable, CaseIterable {
    case first, last, none, auto
  }

  /// Reads a CSV of images: one image per row, width·height pixel columns plus a label column
  /// first or last, with or without a header. Pixel values are 0–255, or 0–1 if none exceeds 1.
  ///
  /// Text beyond `limits.maxTextBytes` (plain or inflated), a line beyond `limits.maxLineBytes`
  /// and more numbers than `limits.maxPixels` are refused as soon as they are seen.
  public static func readCSV(
    _ path: String, labelColumn: LabelColumn = .auto, width: Int? = nil, limits: ImportLimits = .standard
  ) throws -> ImageSet {
    var bytes = try readFile(path, maxBytes: limits.maxTextBytes)
    if isGzip(bytes) {
      switch try inflate(bytes, path: path, maxOutput: limits.maxTextBytes, maxLineLength: limits.maxLineBytes) {
      case .complete(let text): bytes = text
      case .exceeded:
        throw EvalError.badFile(
          path: path, reason: "decompresses to more than \(byteCount(limits.maxTextBytes)) of text, above the import limit "
            + "(a decompression bomb, or a set too large to import at once; import part of it)")
      }
    }
    let table = try NumericCSV(bytes, path: path, maxLineBytes: limits.maxLineBytes, maxValues: limits.maxPixels + limits.maxPixels / 8)  // + a label column
    let (header, values, columns) = (table.header, table.values, table.columns)
    let rowCount = values.count / columns
    let rows = 0..<rowCount
    let column = try resolveLabelColumn(labelColumn, header: header, values: values, rows: rowCount, columns: columns, path: path)
    let pixelColumns = columns - (column == nil ? 0 : 1)
    guard rowCount * pixelColumns <= limits.maxPixels else {
      throw EvalError.badFile(path: path, reason: limits.tooManyPixels("\(grouped(rowCount)) images of \(pixelColumns) pixels", pixels: rowCount * pixelColumns))
    }
    let side = width ?? Int(Double(pixelColumns).squareRoot().rounded())
    guard side > 0, pixelColumns % side == 0 else {
      throw EvalError.badFile(path: path, reason: "\(pixelColumns) pixel columns do not form a square image; pass --width")
    }
    let pixelRange = (0..<columns).filter { $0 != column }
    var maximum = 0.0
    for r in rows { for c in pixelRange { maximum = max(maximum, values[r * columns + c]) } }
    let scale = maximum <= 1 ? 1.0 : 255.0
    var pixels = [Float]()
    pixels.reserveCapacity(rowCount * pixelColumns)
    var labels = [String?]()
    for r in rows {
      for c in pixelRange {
        let v = values[r * columns + c] / scale
        guard v >= 0 && v <= 1 else {
          throw EvalError.badFile(path: path, reason: "row \(r + 1) has pixel value \(values[r * columns + c]) outside 0–255")
        }
        pixels.append(Float(v))
      }
      labels.append(column.map { labelText(values[r * columns + $0]) })
    }
    return ImageSet(
      name: setName(path), source: path, width: side, height: pixelColumns / side,
      files: ImageSetWriter.generatedNames(count: rowCount, labels: labels), labels: labels, pixels: pixels)
  }

  private static func resolveLabelColumn(
    _ choice: LabelColumn, header: (first: String, last: String)?, values: [Double], rows: Int, columns: Int, path: String
  ) throws -> Int? {
    switch choice {
    case .first: return 0
    case .last: return columns - 1
    case .none: return nil
    case .auto: break
    }
    let names: Set<String> = ["label", "labels", "class", "y", "target", "digit"]
    if let header {
      if names.contains(header.first) { return 0 }
      if names.contains(header.last) { return columns - 1 }
    }
    if Double(Int(Double(columns).squareRoot()) * Int(Double(columns).squareRoot())) == Double(columns) {
      return nil  // a perfect square of columns: pixels only
    }
    // A label column holds small whole numbers and varies; an edge pixel column of digit images is blank.
    func looksLikeLabels(_ c: Int) -> Bool {
      var distinct = Set<Double>()
      for r in 0..<rows {
        let v = values[r * columns + c]
        if v != v.rounded() || v < 0 { return false }
        distinct.insert(v)
      }
      return distinct.count > 1 && distinct.count <= 1000
    }
    let firstLooks = looksLikeLabels(0), lastLooks = looksLikeLabels(columns - 1)
    if firstLooks != lastLooks { return firstLooks ? 0 : columns - 1 }
    throw EvalError.badFile(
      path: path, reason: "cannot tell whether the label is the first or the last column; pass --label-column first|last")
  }

  /// Reads a NumPy .npy of images (uint8 0–255, or float32/float64 in [0,1]), shaped N×H×W or
  /// N×(H·W) (square), with optional labels from another .npy of integers.
  public static func readNPY(_ path: String, labels labelPath: String?, limits: ImportLimits = .standard) throws -> ImageSet {
    let array = try NPY.read(path, maxElements: limits.maxPixels)
    if array.shape.count == 4 { return try readColorNPY(array, path: path, labels: labelPath) }  // N×H×W×3
    let count: Int, height: Int, width: Int
    switch array.shape.count {
    case 3: (count, height, width) = (array.shape[0], array.shape[1], array.shape[2])
    case 2:
      let side = Int(Double(array.shape[1]).squareRoot().rounded())
      guard side > 0, checkedProduct([side, side]) == array.shape[1] else {
        throw EvalError.badFile(path: path, reason: "shape \(array.shape) is N×\(array.shape[1]), which is not a square image")
      }
      (count, height, width) = (array.shape[0], side, side)
    default:
      throw EvalError.badFile(path: path, reason: "shape \(array.shape) is not N×H×W or N×(H·W)")
    }
    // an empty array (N = 0) passes the element cap whatever H and W say: check them on their own
    guard height > 0, width > 0, let size = checkedProduct([height, width]), size <= defaultMaxPixels else {
      throw EvalError.badFile(path: path, reason: "image size \(width)x\(height) is not usable")
    }
    let scale: Double = array.isInteger ? 255 : 1
    var pixels = [Float]()
    pixels.reserveCapacity(array.values.count)
    for (i, v) in array.values.enumerated() {
      let x = v / scale
      guard x >= 0 && x <= 1 else {
        throw EvalError.badFile(
          path: path, reason: "value \(v) at flat index \(i) is outside \(array.isInteger ? "0–255" : "[0,1]")")
      }
      pixels.append(Float(x))
    }
    var labels = [String?](repeating: nil, count: count)
    if let labelPath {
      let raw = try NPY.read(labelPath, maxElements: max(count, 1))
      guard raw.isInteger, raw.values.count == count else {
        throw EvalError.badFile(path: labelPath, reason: "needs \(count) integer labels, has \(raw.values.count) values of type \(raw.descr)")
      }
      labels = raw.values.map(labelText)
    }
    return ImageSet(
      name: setName(path), source: path, width: width, height: height,
      files: ImageSetWriter.generatedNames(count: count, labels: labels), labels: labels, pixels: pixels)
  }

  private static func labelText(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
  }

  private static func inflatedIfNeeded(_ bytes: [UInt8], path: String) throws -> [UInt8] {
    isGzip(bytes) ? try gunzip(bytes, path: path) : bytes
  }

  private static func bigEndian32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
    UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
  }

  private static func setName(_ path: String) -> String {
    var name = (path as NSString).lastPathComponent
    for suffix in [".gz", ".npy", ".csv"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
    return name
  }
}

extension Importers {
  /// Reads any supported source by its extension: `.npy`, `.csv[.gz]`, else MNIST IDX (labels
  /// found beside the images file when not given).
  public static func read(
    _ source: String, labels: String? = nil, labelColumn: LabelColumn = .auto, limits: ImportLimits = .standard
  ) throws -> ImageSet {
    if let set = try readArchiveOrPickle(source, labels: labels) { return set }  // .npz, CIFAR pickles
    let lower = source.lowercased()
    if lower.hasSuffix(".npy") { return try readNPY(source, labels: labels, limits: limits) }
    if lower.hasSuffix(".csv") || lower.hasSuffix(".csv.gz") { return try readCSV(source, labelColumn: labelColumn, limits: limits) }
    return try readIDX(images: source, labels: labels ?? besideLabels(source), limits: limits)
  }

  static func besideLabels(_ path: String) -> String? {
    let candidate = path.replacingOccurrences(of: "-images-idx3", with: "-labels-idx1")
      .replacingOccurrences(of: "-images.idx3", with: "-labels.idx1")
    return candidate != path && FileManager.default.fileExists(atPath: candidate) ? candidate : nil
  }
}
