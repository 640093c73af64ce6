import Foundation
import ImageIO
import EvalCore

/// Writes a report to an output directory: tables as CSV, figures as SVG, and summary.json.
/// Every file goes to a temporary name first and is renamed into place.
public enum OutputWriter {
  /// Writes the report; returns the paths written, summary.json last.
  @discardableResult
  public static func write(
    _ report: Report, command: String, parameters: JSON, sets: [SetInfo], context: RunContext
  ) throws -> [String] {
    let directory = context.outputDirectory
    try makeDirectory(directory)
    var written: [String] = []
    for table in report.tables {
      let path = directory + "/" + table.name + ".csv"
      try writeFileAtomically(path) { try table.write(into: $0) }
      written.append(path)
    }
    for figure in report.figures {
      let path = directory + "/" + figure.name + ".svg"
      try writeTextAtomically(path, figure.svg)
      written.append(path)
    }
    if !report.records.isEmpty {
      var table = Table(name: "scalars", columns: ScalarRecord.columns)
      table.rows = report.records.map(\.row)
      let path = directory + "/scalars.csv"
      try writeTextAtomically(path, table.csv())
      written.append(path)
    }
    for attachment in report.attachments {
      let path = directory + "/" + attachment.name
      try writeFileAtomically(path, attachment.bytes)
      written.append(path)
    }
    let summaryPath = directory + "/summary.json"
    let summary = summaryJSON(report, command: command, parameters: parameters, sets: sets, context: context, files: written)
    try writeTextAtomically(summaryPath, summary.render() + "\n")
    written.append(summaryPath)
    return written
  }

  public static func summaryJSON(
    _ report: Report, command: String, parameters: JSON, sets: [SetInfo], context: RunContext, files: [String]
  ) -> JSON {
    .object([
      ("tool", .string("gan-eval")),
      ("version", .string(toolVersion)),
      ("command", .string(command)),
      ("seed", .int(Int(truncatingIfNeeded: context.seed))),
      ("threads", .int(context.threads)),
      ("parameters", parameters),
      ("sets", .array(sets.map(setJSON))),
      ("results", .object(report.scalars)),
      ("scalars", .array(report.records.map(\.json))),
      ("files", .array(files.map { .string(($0 as NSString).lastPathComponent) })),
    ])
  }

  public static func setJSON(_ set: ImageSet) -> JSON { setJSON(set.info) }

  public static func setJSON(_ set: SetInfo) -> JSON {
    .object([
      ("name", .string(set.name)),
      ("source", .string(set.source)),
      ("n", .int(set.count)),
      ("width", .int(set.width)),
      ("height", .int(set.height)),
      ("labelled", .bool(set.isLabelled)),
      ("classes", .array(set.classes.map { .string($0) })),
      ("skipped", .array(set.skipped.map { .string($0.description) })),
    ])
  }

  /// The one-screen text summary: the report's lines, skipped files, and where outputs went.
  public static func screenSummary(_ report: Report, sets: [SetInfo], written: [String]) -> String {
    var lines = report.lines
    for set in sets where !set.skipped.isEmpty {
      lines.append("\(set.name): skipped \(set.skipped.count) bad file(s):")
      lines += set.skipped.prefix(10).map { "  " + $0.description }
      if set.skipped.count > 10 { lines.append("  … and \(set.skipped.count - 10) more (see summary.json)") }
    }
    lines.append("wrote " + written.joined(separator: ", "))
    return lines.joined(separator: "\n")
  }
}
