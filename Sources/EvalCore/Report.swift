import Foundation
import ImageIO

/// A tidy table: one observation per row, written as one RFC 4180 CSV file.
public struct Table: Sendable {
  /// The file stem: `histogram` becomes `histogram.csv`.
  public var name: String
  public var columns: [String]
  public var rows: [[String]]
  /// More rows, after `rows`, kept in a temporary file (a row per image of a set of any size).
  public var spool: TableSpool?

  public init(name: String, columns: [String], rows: [[String]] = []) {
    self.name = name
    self.columns = columns
    self.rows = rows
  }

  public func csv() -> String {
    var text = CSV.record(columns)
    for row in rows { text += CSV.record(row) }
    if let spool { try? spool.forEachPiece { text += String(decoding: $0, as: UTF8.self) } }
    return text
  }

  /// Writes the CSV text piece by piece (the spooled rows are never held whole).
  public func write(into file: FileAppender) throws {
    var text = CSV.record(columns)
    for row in rows { text += CSV.record(row) }
    try file.append(text)
    try spool?.forEachPiece { try file.append($0) }
  }
}

/// Table rows written to a temporary file as they are made, so a table with a row per image of
/// millions of images does not sit in memory; the output writer copies them into place. The file
/// is unlinked as soon as it is made (only the open descriptor keeps it), so nothing is left
/// behind however the process ends.
public final class TableSpool: @unchecked Sendable {
  private let file: FileAppender
  public private(set) var count = 0

  public init() throws {
    var template = Array((NSTemporaryDirectory() + "/gan-eval-rows-XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    if fd < 0 {
      throw EvalError.cannotWrite(path: NSTemporaryDirectory(), reason: "cannot create a temporary file (\(String(cString: strerror(errno)))); set TMPDIR to a writable directory")
    }
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    file = FileAppender(descriptor: fd, reportAs: "a temporary file in \(NSTemporaryDirectory())")
  }

  public func append(_ rows: [[String]]) throws {
    var text = ""
    for row in rows { text += CSV.record(row) }
    try file.append(text)
    count += rows.count
  }

  /// The spooled CSV text, in pieces of up to 1 MiB.
  public func forEachPiece(_ body: ([UInt8]) throws -> Void) throws {
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    var offset: off_t = 0
    while true {
      let got = buffer.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress!, $0.count, offset) }
      if got < 0 {
        if errno == EINTR { continue }
        throw EvalError.badFile(path: NSTemporaryDirectory(), reason: "cannot read back the spooled table rows (\(String(cString: strerror(errno))))")
      }
      if got == 0 { return }
      offset += off_t(got)
      try body(Array(buffer[0..<got]))
    }
  }

  deinit { try? file.close() }
}

/// One SVG figure; `name` is the file stem.
public struct Figure: Sendable {
  public var name: String
  public var svg: String
  public init(name: String, svg: String) {
    self.name = name
    self.svg = svg
  }
}

/// What a metric returns: tables (CSV), figures (SVG), scalars (summary.json) and a few lines
/// for the terminal.
public struct Report: Sendable {
  public var metric: String
  public var tables: [Table] = []
  public var figures: [Figure] = []
  /// Ordered key/value pairs for summary.json.
  public var scalars: [(String, JSON)] = []
  /// The one-screen summary printed after a run.
  public var lines: [String] = []
  /// Files carried into the output as they are (an external plugin's CSV and SVG files).
  public var attachments: [(name: String, bytes: [UInt8])] = []
  /// The headline numbers with their intervals (scalars.csv).
  public var records: [ScalarRecord] = []

  public init(metric: String) { self.metric = metric }
}

/// Formats a number for CSV: the shortest text that reads back as the same Double.
public func csvNumber(_ value: Double) -> String { value.isFinite ? shortest(value) : (value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf")) }

/// Four decimals for the terminal summary.
public func format4(_ value: Double) -> String { String(format: "%.4f", value) }

/// One headline number with its 95% interval, as `scalars.csv` and summary.json's `scalars`
/// carry it: `metric,space,set,value,ci_low,ci_high,n_real,n_fake,method,floor`.
public struct ScalarRecord: Sendable {
  public var metric: String
  /// The feature space ("classifier", "pixels", …) or "" where none applies.
  public var space: String
  /// The set (or "fake vs real" pair) the number is about.
  public var set: String
  public var value: Double
  public var low: Double
  public var high: Double
  public var nReal: Int
  public var nFake: Int
  /// How the interval was made: bootstrap-percentile-bias-shifted, poisson-bootstrap-percentile-bias-shifted, wilson, t, welch-t, none.
  public var method: String
  /// The same metric between two halves of the real set (what a perfect generator scores), when computed.
  public var floor: Double?

  public init(
    metric: String, space: String = "", set: String, value: Double, low: Double = .nan, high: Double = .nan, nReal: Int, nFake: Int,
    method: String, floor: Double? = nil
  ) {
    (self.metric, self.space, self.set, self.value, self.low, self.high) = (metric, space, set, value, low, high)
    (self.nReal, self.nFake, self.method, self.floor) = (nReal, nFake, method, floor)
  }

  public static let columns = ["metric", "space", "set", "value", "ci_low", "ci_high", "n_real", "n_fake", "method", "floor"]

  public var row: [String] {
    [metric, space, set, csvNumber(value), low.isNaN ? "" : csvNumber(low), high.isNaN ? "" : csvNumber(high), "\(nReal)", "\(nFake)", method,
     floor.map(csvNumber) ?? ""]
  }

  public var json: JSON {
    .object([
      ("metric", .string(metric)), ("space", .string(space)), ("set", .string(set)), ("value", .number(value)),
      ("ci_low", low.isNaN ? .null : .number(low)), ("ci_high", high.isNaN ? .null : .number(high)), ("n_real", .int(nReal)),
      ("n_fake", .int(nFake)), ("method", .string(method)), ("floor", floor.map(JSON.number) ?? .null),
    ])
  }

  /// "0.83 (0.81–0.85)".
  public var reading: String {
    low.isNaN ? format4(value) : "\(format4(value)) (\(format4(low))–\(format4(high)))"
  }
}
