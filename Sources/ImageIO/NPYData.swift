import Foundation

/// A .npy array held in memory as its raw bytes: the header parsed and checked, the data not
/// widened (a CIFAR-size array would take 8 bytes per value as Double).
///
/// Used for the members of .npz archives, whose header must be read before the rest is inflated.
struct NPYData {
  /// What the header says: element type, shape, and where the data starts.
  struct Header {
    var descr: String
    var shape: [Int]
    var dataOffset: Int
    /// Values in the array (the product of the shape).
    var count: Int
    /// The element type, resolved once.
    var kind: Kind
    /// Bytes per value.
    var itemSize: Int { kind.size }
    /// Bytes the whole .npy holds: header and data.
    var totalBytes: Int
  }

  var header: Header
  var data: ArraySlice<UInt8>
  var shape: [Int] { header.shape }
  var descr: String { header.descr }
  var isInteger: Bool { descr.dropFirst().first.map { "iub".contains($0) } ?? false }

  /// The bytes needed to read a header: the 10- or 12-byte preamble says the rest.
  static let preambleBytes = 12
  /// The longest header accepted (NumPy writes 64 to a few hundred bytes).
  static let maxHeaderBytes = 1 << 20

  /// The total header length (preamble + dictionary) given at least the first 12 bytes; throws
  /// when the bytes are not a .npy file.
  static func headerLength(_ bytes: ArraySlice<UInt8>, path: String) throws -> Int {
    let b = Array(bytes.prefix(preambleBytes))
    guard b.count >= 10, Array(b[0..<6]) == NPY.magic else {
      throw EvalError.badFile(path: path, reason: "not a NumPy .npy file (bad magic)")
    }
    switch b[6] {
    case 1: return 10 + (Int(b[8]) | Int(b[9]) << 8)
    case 2, 3:
      guard b.count >= 12 else { throw EvalError.badFile(path: path, reason: ".npy header is truncated") }
      let length = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
      guard length <= maxHeaderBytes else {
        throw EvalError.badFile(path: path, reason: ".npy header claims \(length) bytes; NumPy writes a few hundred")
      }
      return 12 + length
    default: throw EvalError.badFile(path: path, reason: "unsupported .npy version \(b[6])")
    }
  }

  /// Parses a header from the first `headerLength` bytes (or more), refusing more than
  /// `maxElements` values, Fortran order, big-endian and unsupported element types.
  static func parseHeader(_ bytes: ArraySlice<UInt8>, path: String, maxElements: Int) throws -> Header {
    let length = try headerLength(bytes, path: path)
    guard bytes.count >= length else { throw EvalError.badFile(path: path, reason: ".npy header is truncated") }
    let start = bytes.startIndex
    let text = String(decoding: bytes[(start + (bytes[start + 6] == 1 ? 10 : 12))..<(start + length)], as: UTF8.self)
    guard let descr = field("descr", in: text).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")) }),
      let shapeText = field("shape", in: text)
    else { throw EvalError.badFile(path: path, reason: ".npy header has no descr or shape: \(text.prefix(200))") }
    if field("fortran_order", in: text)?.trimmingCharacters(in: .whitespaces) == "True" {
      throw EvalError.badFile(path: path, reason: "array is in Fortran order; save it with np.ascontiguousarray first")
    }
    let fields = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
      .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    let shape = fields.compactMap { Int($0) }
    guard shapeText.hasPrefix("("), shape.count == fields.count, shape.allSatisfy({ $0 >= 0 }) else {
      throw EvalError.badFile(path: path, reason: "shape \(shapeText) is not a tuple of sizes ≥ 0")
    }
    guard let kind = Kind(descr) else {
      throw EvalError.badFile(
        path: path, reason: "element type \(descr) is not supported (use uint8, integers, float32 or float64, little-endian)")
    }
    guard let count = checkedProduct(shape), count <= maxElements else {
      throw EvalError.badFile(
        path: path, reason: "shape \(shape) holds more than \(grouped(maxElements)) values, above the import limit; "
          + "import part of the array, or raise the limit with \(ImportLimits.pixelVariable)=<values> if the machine has the memory")
    }
    let (dataBytes, overflow) = count.multipliedReportingOverflow(by: kind.size)
    guard !overflow, dataBytes <= Int.max - length else {
      throw EvalError.badFile(path: path, reason: "shape \(shape) is too large")
    }
    return Header(descr: descr, shape: shape, dataOffset: length, count: count, kind: kind, totalBytes: length + dataBytes)
  }

  init(header: Header, data: ArraySlice<UInt8>) {
    self.header = header
    self.data = data
  }

  /// Parses a whole .npy held in memory.
  init(_ bytes: ArraySlice<UInt8>, path: String, maxElements: Int) throws {
    header = try NPYData.parseHeader(bytes, path: path, maxElements: maxElements)
    guard bytes.count >= header.totalBytes else {
      throw EvalError.badFile(
        path: path, reason: "is truncated: shape \(header.shape) needs \(grouped(header.totalBytes - header.dataOffset)) data bytes, "
          + "the file has \(grouped(bytes.count - header.dataOffset))")
    }
    data = bytes[(bytes.startIndex + header.dataOffset)..<(bytes.startIndex + header.totalBytes)]
  }

  /// Value `index` widened to Double.
  func value(_ index: Int) -> Double {
    data.withUnsafeBytes { raw in header.kind.load(raw, index * header.itemSize) }
  }

  /// Every value through `body`, in order, without widening the whole array at once.
  func forEachValue(_ body: (Int, Double) throws -> Void) rethrows {
    let kind = header.kind, size = kind.size
    try data.withUnsafeBytes { raw in
      if kind == .u1 {  // images are mostly uint8: no per-value type switch
        for i in 0..<header.count { try body(i, Double(raw[i])) }
        return
      }
      for i in 0..<header.count { try body(i, kind.load(raw, i * size)) }
    }
  }

  /// The numeric element types read: little-endian (or byte-order-free) integers and floats.
  enum Kind {
    case u1, b1, i1, u2, i2, u4, i4, u8, i8, f4, f8

    init?(_ descr: String) {
      guard let order = descr.first, "<|=".contains(order) else { return nil }
      switch descr.dropFirst() {
      case "u1": self = .u1
      case "b1": self = .b1
      case "i1": self = .i1
      case "u2": self = .u2
      case "i2": self = .i2
      case "u4": self = .u4
      case "i4": self = .i4
      case "u8": self = .u8
      case "i8": self = .i8
      case "f4": self = .f4
      case "f8": self = .f8
      default: return nil
      }
    }

    var size: Int {
      switch self {
      case .u1, .b1, .i1: return 1
      case .u2, .i2: return 2
      case .u4, .i4, .f4: return 4
      case .u8, .i8, .f8: return 8
      }
    }

    @inline(__always)
    func load(_ raw: UnsafeRawBufferPointer, _ offset: Int) -> Double {
      switch self {
      case .u1: return Double(raw.load(fromByteOffset: offset, as: UInt8.self))
      case .b1: return raw.load(fromByteOffset: offset, as: UInt8.self) != 0 ? 1 : 0
      case .i1: return Double(raw.load(fromByteOffset: offset, as: Int8.self))
      case .u2: return Double(raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
      case .i2: return Double(raw.loadUnaligned(fromByteOffset: offset, as: Int16.self))
      case .u4: return Double(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
      case .i4: return Double(raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))
      case .u8: return Double(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
      case .i8: return Double(raw.loadUnaligned(fromByteOffset: offset, as: Int64.self))
      case .f4: return Double(raw.loadUnaligned(fromByteOffset: offset, as: Float.self))
      case .f8: return raw.loadUnaligned(fromByteOffset: offset, as: Double.self)
      }
    }
  }

  /// The product of sizes, or nil when it overflows or a size is negative.
  static func product(_ sizes: [Int]) -> Int? { checkedProduct(sizes) }

  /// The text of `key`'s value in the header dictionary: a parenthesised tuple, or up to the next comma.
  private static func field(_ key: String, in header: String) -> String? {
    guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\""),
      let colon = header[keyRange.upperBound...].firstIndex(of: ":")
    else { return nil }
    let rest = header[header.index(after: colon)...]
    if let open = rest.firstIndex(where: { !$0.isWhitespace }), rest[open] == "(" {
      guard let close = rest[open...].firstIndex(of: ")") else { return nil }
      return String(rest[open...close])
    }
    let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
    return String(rest[..<end]).trimmingCharacters(in: .whitespaces)
  }
}
