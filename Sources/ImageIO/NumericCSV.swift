import Foundation

/// A CSV of numbers parsed straight from bytes (tens of millions of fields in seconds), with an
/// optional header row of names.
struct NumericCSV {
  var header: [String]?
  var columns: Int
  /// rows × columns, row-major.
  var values: [Double]

  init(_ bytes: [UInt8], path: String) throws {
    var lines: [Range<Int>] = []
    var start = 0
    for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
      lines.append(start..<i)
      start = i + 1
    }
    if start < bytes.count { lines.append(start..<bytes.count) }
    lines = lines.map { bytes[$0].last == UInt8(ascii: "\r") ? $0.lowerBound..<($0.upperBound - 1) : $0 }
      .filter { !$0.isEmpty }
    guard let first = lines.first else { throw EvalError.badFile(path: path, reason: "is empty") }
    let firstFields = String(decoding: bytes[first], as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
    columns = firstFields.count
    if firstFields.contains(where: { Double($0.trimmingCharacters(in: .whitespaces)) == nil }) {
      header = firstFields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
      lines.removeFirst()
    }
    guard !lines.isEmpty else { throw EvalError.badFile(path: path, reason: "has a header but no data rows") }
    var values = [Double]()
    values.reserveCapacity(lines.count * columns)
    let lineOffset = header == nil ? 1 : 2
    let columnCount = columns
    try bytes.withUnsafeBufferPointer { buffer in
      for (r, line) in lines.enumerated() {
        var fieldStart = line.lowerBound
        var count = 0
        var i = line.lowerBound
        while i <= line.upperBound {
          if i == line.upperBound || buffer[i] == UInt8(ascii: ",") {
            guard let value = NumericCSV.number(buffer, fieldStart..<i) else {
              let text = String(decoding: buffer[fieldStart..<i], as: UTF8.self)
              throw EvalError.badFile(path: path, reason: "line \(r + lineOffset), column \(count + 1): '\(text)' is not a number")
            }
            values.append(value)
            count += 1
            fieldStart = i + 1
          }
          i += 1
        }
        guard count == columnCount else {
          throw EvalError.badFile(path: path, reason: "line \(r + lineOffset) has \(count) fields, the first has \(columnCount)")
        }
      }
    }
    self.values = values
  }

  /// Parses a field: whole numbers directly, anything else through strtod; nil if not a finite number.
  private static func number(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double? {
    var lo = range.lowerBound, hi = range.upperBound
    while lo < hi && (buffer[lo] == 0x20 || buffer[lo] == 0x09) { lo += 1 }
    while hi > lo && (buffer[hi - 1] == 0x20 || buffer[hi - 1] == 0x09) { hi -= 1 }
    guard lo < hi else { return nil }
    var whole = 0
    var isWhole = hi - lo <= 15
    for i in lo..<hi where isWhole {
      let digit = Int(buffer[i]) - 48
      if digit < 0 || digit > 9 { isWhole = false } else { whole = whole * 10 + digit }
    }
    if isWhole { return Double(whole) }
    let text = String(decoding: buffer[lo..<hi], as: UTF8.self)
    guard let value = Double(text), value.isFinite else { return nil }
    return value
  }
}
