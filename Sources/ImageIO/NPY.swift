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

  /// Reads a .npy file (through the one parser, `NPYData`), every value widened to Double.
  ///
  /// A header that is not the dictionary NumPy writes, a shape with a negative or overflowing
  /// size, or more than `maxElements` values is refused before the data is touched.
  public static func read(_ path: String, maxElements: Int = ImportLimits.standard.maxPixels) throws -> Array {
    let npy = try NPYData(try readFile(path)[...], path: path, maxElements: maxElements)
    var values: [Double] = []
    values.reserveCapacity(npy.header.count)
    npy.forEachValue { _, value in values.append(value) }
    return Array(shape: npy.shape, descr: npy.descr, values: values)
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
}
