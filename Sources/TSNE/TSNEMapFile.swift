import Foundation
import Workers

/// The map file, format version 2 (version 1, the same without labels, is still read). All
/// numbers little-endian; offsets in bytes.
///
///     0   8  magic "TSNEMAP\0"
///     8   4  format version (UInt32) = 2
///    12   4  embedding dimensions `dims` (UInt32): 2 or 3
///    16   8  reference points `n` (UInt64)
///    24   8  input columns `d` (UInt64)
///    32   8  feature columns `f` (UInt64)
///    40   8  flags (UInt64): bit 0 = PCA mean and basis stored (else features are the inputs),
///            bit 1 = labels stored (version 2 only)
///    48   8  neighbours per point `k` (UInt64)
///    56   8  perplexity (Float64)
///    64   8  seed (UInt64)
///    72   8  file length in bytes, checksum included (UInt64)
///    80      embedding: n × dims Float64, row-major
///            PCA mean: d Float64, then PCA basis: d × f Float64 row-major (only if stored)
///            features: n × f Float64
///            kNN indices: n × k Int32, then kNN squared distances: n × k Float64
///            labels (only if stored): their byte length L (UInt64), then L bytes of UTF-8, each
///            point's label followed by a line feed ("" for an unlabelled point)
///   end−8 8  FNV-1a 64-bit hash of every byte before it (UInt64)
extension TSNEMap {
  public static let formatVersion: UInt32 = 2
  static let magic: [UInt8] = Array("TSNEMAP\0".utf8)
  static let headerLength = 80

  /// The file's bytes (see the layout above).
  public func encoded() -> [UInt8] {
    var bytes: [UInt8] = []
    let hasProjection = !projectionBasis.isEmpty
    let k = neighbors.k
    let labelBytes = labels.map { Array($0.map { $0 + "\n" }.joined().utf8) }
    var length = Self.headerLength + 8 * (embedding.count + features.count) + 12 * neighbors.indices.count + 8
    if hasProjection { length += 8 * (projectionMean.count + projectionBasis.count) }
    if let labelBytes { length += 8 + labelBytes.count }
    bytes.reserveCapacity(length)
    bytes += Self.magic
    append(Self.formatVersion, to: &bytes)
    append(UInt32(dims), to: &bytes)
    let flags = (hasProjection ? 1 : 0) | (labelBytes == nil ? 0 : 2)
    for value in [count, inputColumns, featureColumns, flags, k] { append(UInt64(value), to: &bytes) }
    append(perplexity.bitPattern, to: &bytes)
    append(seed, to: &bytes)
    append(UInt64(length), to: &bytes)
    for value in embedding { append(value.bitPattern, to: &bytes) }
    if hasProjection {
      for value in projectionMean { append(value.bitPattern, to: &bytes) }
      for value in projectionBasis { append(value.bitPattern, to: &bytes) }
    }
    for value in features { append(value.bitPattern, to: &bytes) }
    for value in neighbors.indices { append(UInt32(bitPattern: value), to: &bytes) }
    for value in neighbors.distances { append(value.bitPattern, to: &bytes) }
    if let labelBytes {
      append(UInt64(labelBytes.count), to: &bytes)
      bytes += labelBytes
    }
    append(fnv1a64(bytes), to: &bytes)
    precondition(bytes.count == length)
    return bytes
  }

  /// Writes the map to `path` (through a temporary file, so a crash never leaves half a map).
  public func write(to path: String) throws {
    let url = URL(fileURLWithPath: path)
    do {
      try Data(encoded()).write(to: url, options: .atomic)
    } catch {
      throw TSNEMapError.io(path: path, reason: "cannot write the map (\(error.localizedDescription))")
    }
  }

  /// Reads a map written by `write(to:)`, refusing anything that is not one, another version,
  /// truncated, corrupt, or inconsistent.
  public static func read(from path: String) throws -> TSNEMap {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TSNEMapError.io(path: path, reason: "cannot read the map (no such file, or not readable)")
    }
    return try decode([UInt8](data), path: path)
  }

  /// Parses the bytes of a map file; `path` names it in errors.
  public static func decode(_ bytes: [UInt8], path: String) throws -> TSNEMap {
    guard bytes.count >= 8, Array(bytes[0..<8]) == magic else { throw TSNEMapError.notAMap(path: path) }
    guard bytes.count >= headerLength + 8 else { throw TSNEMapError.truncated(path: path, expected: headerLength + 8, actual: bytes.count) }
    var reader = Reader(bytes: bytes)
    reader.offset = 8
    let version = reader.uint32()
    guard version == 1 || version == formatVersion else { throw TSNEMapError.unsupportedVersion(path: path, version: version) }
    let dims = Int(reader.uint32())
    let header = (0..<5).map { _ in reader.uint64() }
    let perplexity = Double(bitPattern: reader.uint64())
    let seed = reader.uint64()
    let announced = reader.uint64()
    guard announced == UInt64(bytes.count) else {
      throw announced > UInt64(bytes.count)
        ? TSNEMapError.truncated(path: path, expected: Int(clamping: announced), actual: bytes.count)
        : TSNEMapError.inconsistent("\(path) has \(bytes.count) bytes but its header announces \(announced)")
    }
    let stored = bytes.withUnsafeBufferPointer { UnsafeRawBufferPointer($0).loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self) }
    guard UInt64(littleEndian: stored) == fnv1a64(bytes[0..<(bytes.count - 8)]) else { throw TSNEMapError.checksumMismatch(path: path) }
    // the checksum holds, so the header was written by `encoded()`; still check sizes add up
    guard header.allSatisfy({ $0 < 1 << 40 }), dims == 2 || dims == 3, header[3] <= (version == 1 ? 1 : 3) else {
      throw TSNEMapError.inconsistent("\(path) has an impossible header")
    }
    let (n, d, f, projected, labelled, k) = (Int(header[0]), Int(header[1]), Int(header[2]), header[3] & 1 == 1, header[3] & 2 == 2, Int(header[4]))
    var expected = headerLength + 8 * (n * dims + n * f) + 12 * n * k + 8
    if projected { expected += 8 * (d + d * f) }
    var labelLength = 0
    if labelled {
      // the labels' length sits after the distances, just before where the checksum would be
      guard bytes.count >= expected + 8 else { throw TSNEMapError.inconsistent("\(path): the header's sizes do not add up to its length") }
      let stated = bytes.withUnsafeBufferPointer { UnsafeRawBufferPointer($0).loadUnaligned(fromByteOffset: expected - 8, as: UInt64.self) }
      guard UInt64(littleEndian: stated) <= UInt64(bytes.count) else { throw TSNEMapError.inconsistent("\(path): the labels' length is impossible") }
      labelLength = Int(UInt64(littleEndian: stated))
      expected += 8 + labelLength
    }
    guard expected == bytes.count, k >= 1 else { throw TSNEMapError.inconsistent("\(path): the header's sizes do not add up to its length") }
    let embedding = reader.doubles(n * dims)
    let mean = projected ? reader.doubles(d) : []
    let basis = projected ? reader.doubles(d * f) : []
    let features = reader.doubles(n * f)
    let indices = (0..<(n * k)).map { _ in Int32(bitPattern: reader.uint32()) }
    let distances = reader.doubles(n * k)
    var labels: [String]?
    if labelled {
      reader.offset += 8
      let text = String(decoding: bytes[reader.offset..<(reader.offset + labelLength)], as: UTF8.self)
      var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      guard lines.last == "", lines.count == n + 1 else { throw TSNEMapError.inconsistent("\(path): the labels do not hold one line per point") }
      lines.removeLast()
      labels = lines
    }
    return try TSNEMap(
      embedding: embedding, dims: dims, inputColumns: d, projectionMean: mean, projectionBasis: basis, features: features,
      featureColumns: f, neighbors: NearestNeighbors(k: k, indices: indices, distances: distances), perplexity: perplexity, seed: seed,
      labels: labels)
  }
}

private func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
  withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
}

private struct Reader {
  let bytes: [UInt8]
  var offset = 0
  mutating func load<T: FixedWidthInteger>(_: T.Type) -> T {
    let value = bytes.withUnsafeBufferPointer { UnsafeRawBufferPointer($0).loadUnaligned(fromByteOffset: offset, as: T.self) }
    offset += MemoryLayout<T>.size
    return T(littleEndian: value)
  }
  mutating func uint32() -> UInt32 { load(UInt32.self) }
  mutating func uint64() -> UInt64 { load(UInt64.self) }
  mutating func doubles(_ count: Int) -> [Double] { (0..<count).map { _ in Double(bitPattern: uint64()) } }
}
