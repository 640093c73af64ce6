import Foundation

/// A CSV of numbers parsed straight from bytes (tens of millions of fields in seconds), with an
/// optional header row of names, of which the first and the last are kept (where a label
/// column's name can be).
///
/// One pass, in memory bounded by the limits: a line longer than `maxLineBytes` or more than
/// `maxValues` numbers in all are refused as soon as they are seen, before anything is stored.
struct NumericCSV {
  var header: (first: String, last: String)?
  var columns: Int
  /// rows × columns, row-major.
  var values: [Double]

  init(_ bytes: [UInt8], path: String, maxLineBytes: Int = 1 << 24, maxValues: Int = 1 << 30) throws {
    var header: (first: String, last: String)? = nil
    var columns = 0
    var values = [Double]()
    try bytes.withUnsafeBufferPointer { buffer in
      var lines = LineCursor(buffer: buffer, path: path, maxLineBytes: maxLineBytes)
      // The first line with content fixes the column count; it is a header if any field is not a number.
      var first: Range<Int>?
      while let line = try lines.next() {
        if !line.isEmpty {
          first = line
          break
        }
      }
      guard let first else { throw EvalError.badFile(path: path, reason: "is empty") }
      let firstLine = lines.number
      let fields = NumericCSV.fields(buffer, first)
      columns = fields.count
      let numbers = fields.map { NumericCSV.number(buffer, $0) }
      if numbers.contains(where: { $0 == nil }) {
        // only two names are made: a header of millions of fields costs no more than a data row
        func name(_ field: Range<Int>) -> String {
          String(decoding: buffer[field], as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
        }
        header = (name(fields[0]), name(fields[fields.count - 1]))
      } else {
        values.append(contentsOf: numbers.map { $0! })
      }
      // Room for the rows the file can hold at the first line's length, never more than the cap.
      let estimate = buffer.count / max(1, first.count + 1) * columns
      values.reserveCapacity(min(estimate + columns, maxValues))
      while let line = try lines.next() {
        if line.isEmpty { continue }
        guard values.count <= maxValues - columns else {
          throw EvalError.badFile(
            path: path, reason: "line \(lines.number): the file holds more than \(grouped(maxValues)) numbers, above the import limit; "
              + "import part of it, or raise the limit with \(ImportLimits.pixelVariable)=<pixels> if the machine has the memory")
        }
        var count = 0
        var fieldStart = line.lowerBound
        var i = line.lowerBound
        while i <= line.upperBound {
          if i == line.upperBound || buffer[i] == UInt8(ascii: ",") {
            guard let value = NumericCSV.number(buffer, fieldStart..<i) else {
              let text = String(decoding: buffer[fieldStart..<min(i, fieldStart + 40)], as: UTF8.self)
              throw EvalError.badFile(path: path, reason: "line \(lines.number), column \(count + 1): '\(text)' is not a number")
            }
            values.append(value)
            count += 1
            fieldStart = i + 1
          }
          i += 1
        }
        guard count == columns else {
          throw EvalError.badFile(path: path, reason: "line \(lines.number) has \(count) fields, line \(firstLine) has \(columns)")
        }
      }
    }
    guard header == nil || !values.isEmpty else { throw EvalError.badFile(path: path, reason: "has a header but no data rows") }
    self.header = header
    self.columns = columns
    self.values = values
  }

  /// The comma-separated field ranges of one line.
  private static func fields(_ buffer: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> [Range<Int>] {
    var out: [Range<Int>] = []
    var start = line.lowerBound
    for i in line where buffer[i] == UInt8(ascii: ",") {
      out.append(start..<i)
      start = i + 1
    }
    out.append(start..<line.upperBound)
    return out
  }

  /// Parses a field: whole numbers directly, anything else through strtod; nil if not a finite number.
  private static func number(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double? {
    var lo = range.lowerBound, hi = range.upperBound
    while lo < hi && (buffer[lo] == 0x20 || buffer[lo] == 0x09) { lo += 1 }
    while hi > lo && (buffer[hi - 1] == 0x20 || buffer[hi - 1] == 0x09) { hi -= 1 }
    guard lo < hi, hi - lo <= 64 else { return nil }
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

/// Walks the lines of a byte buffer (LF or CRLF), refusing a line longer than the limit before
/// anything is made of it.
struct LineCursor {
  let buffer: UnsafeBufferPointer<UInt8>
  let path: String
  let maxLineBytes: Int
  private var start = 0
  /// The 1-based number of the line last returned.
  private(set) var number = 0

  init(buffer: UnsafeBufferPointer<UInt8>, path: String, maxLineBytes: Int) {
    self.buffer = buffer
    self.path = path
    self.maxLineBytes = maxLineBytes
  }

  /// The next line without its line end, or nil at the end of the buffer.
  mutating func next() throws -> Range<Int>? {
    guard start < buffer.count else { return nil }
    number += 1
    let limit = min(buffer.count, start + maxLineBytes + 2)
    var end = start
    while end < limit && buffer[end] != UInt8(ascii: "\n") { end += 1 }
    var line = start..<end
    if line.count > 0 && buffer[line.upperBound - 1] == UInt8(ascii: "\r") { line = line.lowerBound..<(line.upperBound - 1) }
    guard line.count <= maxLineBytes else {
      throw EvalError.badFile(path: path, reason: lineTooLong(number, limit: maxLineBytes))
    }
    start = end + 1
    return line
  }
}

/// Why a line was refused: the same words whether it was seen while inflating or after.
func lineTooLong(_ line: Int, limit: Int) -> String {
  "line \(line) is longer than \(byteCount(limit)), the limit for one image per line; "
    + "a CSV of images holds one image per line (is this file a CSV of images?)"
}
