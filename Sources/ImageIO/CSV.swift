import Foundation

/// RFC 4180 CSV: fields with commas, quotes or line breaks are quoted, quotes doubled, CRLF ends.
public enum CSV {
  /// Formats one field.
  public static func field(_ text: String) -> String {
    if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
      return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return text
  }

  /// Formats one record, CRLF-terminated as RFC 4180 says.
  public static func record(_ fields: [String]) -> String {
    fields.map(field).joined(separator: ",") + "\r\n"
  }
}

/// Parses CSV text into rows of fields (quoted fields, doubled quotes, CRLF or LF line ends).
public func parseCSV(_ text: String, path: String) throws -> [[String]] {
  var rows: [[String]] = []
  var row: [String] = []
  var field = ""
  var inQuotes = false
  var justClosedQuote = false
  var line = 1
  var iterator = text.unicodeScalars.makeIterator()
  var pending: Unicode.Scalar? = nil
  func next() -> Unicode.Scalar? {
    if let p = pending { pending = nil; return p }
    return iterator.next()
  }
  while let c = next() {
    if inQuotes {
      if c == "\"" {
        if let following = next() {
          if following == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; justClosedQuote = true; pending = following }
        } else { inQuotes = false }
      } else {
        if c == "\n" { line += 1 }
        field.unicodeScalars.append(c)
      }
      continue
    }
    switch c {
    case ",":
      row.append(field); field = ""; justClosedQuote = false
    case "\r":
      continue
    case "\n":
      row.append(field); rows.append(row); row = []; field = ""; line += 1; justClosedQuote = false
    case "\"":
      if field.isEmpty && !justClosedQuote { inQuotes = true } else {
        throw EvalError.badFile(path: path, reason: "line \(line): a quote inside an unquoted field")
      }
    default:
      field.unicodeScalars.append(c)
    }
  }
  if inQuotes { throw EvalError.badFile(path: path, reason: "line \(line): a quoted field is never closed") }
  if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
  return rows
}
