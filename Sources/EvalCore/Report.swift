import Foundation
import ImageIO

/// A tidy table: one observation per row, written as one RFC 4180 CSV file.
public struct Table: Sendable {
  /// The file stem: `histogram` becomes `histogram.csv`.
  public var name: String
  public var columns: [String]
  public var rows: [[String]]

  public init(name: String, columns: [String], rows: [[String]] = []) {
    self.name = name
    self.columns = columns
    self.rows = rows
  }

  public func csv() -> String {
    var text = CSV.record(columns)
    for row in rows { text += CSV.record(row) }
    return text
  }
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

  public init(metric: String) { self.metric = metric }
}

/// Formats a number for CSV: the shortest text that reads back as the same Double.
public func csvNumber(_ value: Double) -> String { value.isFinite ? shortest(value) : (value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf")) }

/// Four decimals for the terminal summary.
public func format4(_ value: Double) -> String { String(format: "%.4f", value) }
