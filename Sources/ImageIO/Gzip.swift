import Foundation
import PNGCodec

/// What inflating a gzip stream under a size limit gave.
public enum Inflated {
  /// The whole stream, which held at most the limit.
  case complete([UInt8])
  /// The first `limit` bytes of a stream that holds more.
  case exceeded([UInt8])
}

/// Inflates gzip (one or more members, RFC 1952) or zlib data, never holding more than
/// `maxOutput` + 1 bytes whatever the stream claims: a decompression bomb costs at most that.
///
/// - Parameter maxLineLength: when set, fails as soon as a run of more bytes than this appears
///   without a line feed, so a one-line text bomb is refused after `maxLineLength` bytes.
public func inflate(_ bytes: [UInt8], path: String, maxOutput: Int, maxLineLength: Int? = nil) throws -> Inflated {
  var output: UnsafeMutablePointer<UInt8>?
  var length = 0
  var message = [CChar](repeating: 0, count: 256)
  let status = bytes.withUnsafeBufferPointer { buffer in
    gepng_gunzip(buffer.baseAddress, buffer.count, max(0, maxOutput), max(0, maxLineLength ?? 0), &output, &length, &message, message.count)
  }
  if status == -2 { throw EvalError.badFile(path: path, reason: lineTooLong(length, limit: maxLineLength ?? 0)) }
  guard status >= 0, let output else {
    throw EvalError.badFile(path: path, reason: cMessage(message))
  }
  defer { gepng_free_buffer(output) }
  let data = Array(UnsafeBufferPointer(start: output, count: length))
  return status == 0 ? .complete(data) : .exceeded(data)
}

/// Inflates gzip or zlib data, refusing outputs above `maxOutput` bytes.
public func gunzip(_ bytes: [UInt8], path: String, maxOutput: Int = 1 << 32) throws -> [UInt8] {
  switch try inflate(bytes, path: path, maxOutput: maxOutput) {
  case .complete(let data): return data
  case .exceeded:
    throw EvalError.badFile(
      path: path, reason: "decompresses to more than \(byteCount(maxOutput)); refused as a possible decompression bomb")
  }
}

/// Compresses bytes as one gzip member (zlib level 0–9).
public func gzip(_ bytes: [UInt8], level: Int = 6) throws -> [UInt8] {
  var output: UnsafeMutablePointer<UInt8>?
  var length = 0
  var message = [CChar](repeating: 0, count: 256)
  let status = bytes.withUnsafeBufferPointer { buffer in
    gepng_gzip(buffer.baseAddress, buffer.count, Int32(level), &output, &length, &message, message.count)
  }
  guard status == 0, let output else { throw EvalError.cannotWrite(path: "gzip stream", reason: cMessage(message)) }
  defer { gepng_free_buffer(output) }
  return Array(UnsafeBufferPointer(start: output, count: length))
}

/// True for data that starts with the gzip magic bytes.
public func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b }

/// A byte count as people read it: "16 MiB", "1.5 GiB", "700 bytes".
func byteCount(_ bytes: Int) -> String {
  let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
  var value = Double(bytes)
  var unit = 0
  while value >= 1024 && unit < units.count - 1 {
    value /= 1024
    unit += 1
  }
  if unit == 0 { return "\(bytes) bytes" }
  return value == value.rounded() ? "\(Int(value)) \(units[unit])" : String(format: "%.1f", value) + " " + units[unit]
}
