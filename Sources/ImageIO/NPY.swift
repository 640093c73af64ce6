import Foundation

/// NumPy's .npy format (versions 1–3), for C-ordered arrays of common numeric types.
public enum NPY {
  /// An array read from a .npy file, widened to Double.
  public struct Array {
    public var shape: [Int]
    public var descr: String
    public var values: [Double]
    public var isInteger: Bool { descr.dropFirst().first.map { "iub".contains($0) } ?? false }
  }

  static let magic: [UInt8] = [0x93] + Swift.Array("NUMPY".utf8)

  ///
  /// A header that is not the dictionary NumPy writes, a shape with a negative or overflowing
  /// size, or more than `maxElements` values is refused before the data is touched.
  public static func read(_ path: String, maxElements: Int = ImportLimits.standard.maxPixels) throws -> Array {
    let bytes = try readFile(path)
    guard bytes.count >= 10, Swift.Array(bytes[0..<6]) == magic else {
      throw EvalError.badFile(path: path, reason: "not a NumPy .npy file (bad magic)")
    }
    let major = bytes[6]
    let headerLength: Int, start: Int
    if major == 1 {
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      start = 10
    } else if major == 2 || major == 3, bytes.count >= 12 {
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
      start = 12
    } else {
      throw EvalError.badFile(path: path, reason: "unsupported .npy version \(major)")
    }
    guard headerLength <= 1 << 20, bytes.count >= start + headerLength else {
      throw EvalError.badFile(path: path, reason: "header is truncated")
    }
    let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
    guard let descr = field("descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")) }),
      let shapeText = field("shape", in: header)
    else { throw EvalError.badFile(path: path, reason: "header has no descr or shape: \(header)") }
    if field("fortran_order", in: header)?.trimmingCharacters(in: .whitespaces) == "True" {
      throw EvalError.badFile(path: path, reason: "is in Fortran order; save it with np.ascontiguousarray first")
    }
    let shapeFields = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
      .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    let shape = shapeFields.compactMap { Int($0) }
    guard shapeText.hasPrefix("("), shape.count == shapeFields.count, shape.allSatisfy({ $0 >= 0 }) else {
      throw EvalError.badFile(path: path, reason: "shape \(shapeText) is not a tuple of sizes ≥ 0")
    }
    guard let reader = elementReader(descr) else {
      throw EvalError.badFile(path: path, reason: "element type \(descr) is not supported (use uint8, integers, float32 or float64)")
    }
    guard let count = checkedProduct(shape), count <= maxElements else {
      throw EvalError.badFile(
        path: path, reason: "shape \(shape) holds more than \(grouped(maxElements)) values, above the import limit; "
          + "import part of the array, or raise the limit with \(ImportLimits.pixelVariable)=<values> if the machine has the memory")
    }
    let dataStart = start + headerLength
    guard bytes.count - dataStart >= count * reader.size else {
      throw EvalError.badFile(
        path: path, reason: "is truncated: shape \(shape) needs \(grouped(count * reader.size)) data bytes, the file has \(grouped(bytes.count - dataStart))")
    }
    let values = bytes.withUnsafeBytes { raw in
      (0..<count).map { reader.read(raw, dataStart + $0 * reader.size) }
    }
    return Array(shape: shape, descr: descr, values: values)
  }

  /// Writes uint8 data as a .npy file, atomically.
  public static func writeUInt8(_ path: String, shape: [Int], values: [UInt8]) throws {
    try writeFileAtomically(path, encode(descr: "|u1", shape: shape, data: values))
  }

  /// Writes int64 data as a .npy file, atomically.
  public static func writeInt64(_ path: String, values: [Int64]) throws {
    let data = values.withUnsafeBytes { Swift.Array($0) }  // little-endian on every platform we build for
    try writeFileAtomically(path, encode(descr: "<i8", shape: [values.count], data: data))
  }

  /// Writes float32 data as a .npy file, atomically.
  public static func writeFloat32(_ path: String, shape: [Int], values: [Float]) throws {
    let data = values.withUnsafeBytes { Swift.Array($0) }
    try writeFileAtomically(path, encode(descr: "<f4", shape: shape, data: data))
  }

  /// Writes float64 data as a .npy file, atomically.
  public static func writeFloat64(_ path: String, shape: [Int], values: [Double]) throws {
    let data = values.withUnsafeBytes { Swift.Array($0) }
    try writeFileAtomically(path, encode(descr: "<f8", shape: shape, data: data))
  }

  static func encode(descr: String, shape: [Int], data: [UInt8]) -> [UInt8] {
    let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    let length = header.utf8.count
    return magic + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)] + Swift.Array(header.utf8) + data
  }

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

  private struct ElementReader {
    let size: Int
    let read: (UnsafeRawBufferPointer, Int) -> Double
  }

  private static func elementReader(_ descr: String) -> ElementReader? {
    let littleEndian = descr.first == "<" || descr.first == "|" || descr.first == "="
    guard littleEndian else { return nil }
    switch descr.dropFirst() {
    case "u1": return ElementReader(size: 1) { Double($0.load(fromByteOffset: $1, as: UInt8.self)) }
    case "i1": return ElementReader(size: 1) { Double($0.load(fromByteOffset: $1, as: Int8.self)) }
    case "u2": return ElementReader(size: 2) { Double($0.loadUnaligned(fromByteOffset: $1, as: UInt16.self)) }
    case "i2": return ElementReader(size: 2) { Double($0.loadUnaligned(fromByteOffset: $1, as: Int16.self)) }
    case "i4": return ElementReader(size: 4) { Double($0.loadUnaligned(fromByteOffset: $1, as: Int32.self)) }
    case "u4": return ElementReader(size: 4) { Double($0.loadUnaligned(fromByteOffset: $1, as: UInt32.self)) }
    case "i8": return ElementReader(size: 8) { Double($0.loadUnaligned(fromByteOffset: $1, as: Int64.self)) }
    case "u8": return ElementReader(size: 8) { Double($0.loadUnaligned(fromByteOffset: $1, as: UInt64.self)) }
    case "f4": return ElementReader(size: 4) { Double($0.loadUnaligned(fromByteOffset: $1, as: Float.self)) }
    case "f8": return ElementReader(size: 8) { $0.loadUnaligned(fromByteOffset: $1, as: Double.self) }
    default: return nil
    }
  }
}
