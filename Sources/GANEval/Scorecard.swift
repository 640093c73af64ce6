import EvalCore
import Foundation
import ImageIO
import Plot

/// The table a pipeline report opens with: a row per headline metric (metric · feature space),
/// a column per generated set, and in each cell one line: the value, its 95% interval, the
/// real-vs-real floor and what they say together, e.g. "0.8300 (0.8100–0.8500); floor 0.5000: above it".
/// The numbers are the `scalars` records of every evaluate step's summary.json.
struct Scorecard {
  struct Cell {
    var record: [String: Any]
    var reading: String
  }

  var columns: [String] = []
  /// Column headings: the set and what made it ("generated (gan)").
  var headings: [String: String] = [:]
  var rows: [String] = []
  var cells: [String: [String: Cell]] = [:]
  var methods: [String: String] = [:]

  var isEmpty: Bool { rows.isEmpty }

  /// Reads the records of every evaluate step that ran or was kept.
  init(file: PipelineFile, results: [PipelineRun.StepResult]) {
    for result in results where result.step.kind == .evaluate && (result.status == .ran || result.status == .skipped) {
      for (evaluation, name) in zip(result.step.evaluations, PipelineRun.evaluationDirectories(result.step)) {
        let path = file.out + "/" + result.step.name + "/" + name + "/summary.json"
        guard let data = FileManager.default.contents(atPath: path),
          let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let records = json["scalars"] as? [[String: Any]]
        else { continue }
        for record in records { add(record, evaluation: evaluation, file: file) }
      }
    }
  }

  /// The generated set a record is about: a set named in its `set` field (before " vs " or " − "),
  /// or for "fake …" records the evaluation's last set; nil for records about the real set itself.
  static func column(of record: [String: Any], evaluation: PipelineFile.Evaluation) -> String? {
    let set = record["set"] as? String ?? ""
    let head = set.components(separatedBy: " vs ").first!.components(separatedBy: " − ").first!
    if head == "fake" { return evaluation.sets.count > 1 ? evaluation.sets.last : nil }
    guard evaluation.sets.contains(head) else { return nil }
    // the first set is the reference (real) in every multi-set metric
    return head == evaluation.sets.first && evaluation.sets.count > 1 ? nil : head
  }

  mutating func add(_ record: [String: Any], evaluation: PipelineFile.Evaluation, file: PipelineFile) {
    guard let column = Self.column(of: record, evaluation: evaluation), let metric = record["metric"] as? String else { return }
    let space = record["space"] as? String ?? ""
    let row = space.isEmpty ? metric : "\(metric) · \(space)"
    if !rows.contains(row) { rows.append(row) }
    if !columns.contains(column) {
      columns.append(column)
      headings[column] = Self.heading(column, file: file)
    }
    if cells[row]?[column] == nil {  // the first evaluation of a (metric, set) wins
      cells[row, default: [:]][column] = Cell(record: record, reading: Self.reading(record))
    }
    if let method = record["method"] as? String, methods[row] == nil { methods[row] = method }
  }

  /// "generated (gan)", "smoothed (gaussian filter of generated)".
  static func heading(_ set: String, file: PipelineFile) -> String {
    guard let step = file.steps.first(where: { $0.name == set }) else { return set }
    switch step.kind {
    case .sample:
      let run = step.fields["run"] ?? ""
      let generator = file.steps.first { $0.name == run }?.fields["generator"] ?? "gan"
      return "\(set) (\(generator))"
    case .filter: return "\(set) (\(step.fields["transform"] ?? "gaussian") filter of \(step.fields["input"] ?? "?"))"
    default: return set
    }
  }

  static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

  static func short(_ x: Double) -> String {
    if !x.isFinite { return "\(x)" }
    let magnitude = abs(x)
    if magnitude != 0 && (magnitude < 0.001 || magnitude >= 100_000) { return String(format: "%.3g", x) }
    return String(format: magnitude >= 100 ? "%.1f" : "%.4f", x)
  }

  /// "0.8300 (0.8100–0.8500); floor 0.5000: above the floor".
  static func reading(_ record: [String: Any]) -> String {
    guard let value = number(record["value"]) else { return "—" }
    var text = short(value)
    let low = number(record["ci_low"]), high = number(record["ci_high"])
    if let low, let high { text += " (\(short(low))–\(short(high)))" }
    guard let floor = number(record["floor"]) else { return text + "; no floor" }
    let reference = (record["metric"] as? String) == "neighbour_mixing" ? "perfect mixing" : "the floor"
    text += "; \(reference == "the floor" ? "floor" : reference) \(short(floor))"
    let (lo, hi) = (low ?? value, high ?? value)
    if lo <= floor && floor <= hi {
      text += ": at \(reference)"
    } else {
      text += lo > floor ? ": above it" : ": below it"
    }
    return text
  }

  func markdown() -> String {
    guard !isEmpty else { return "" }
    var out = "| metric | " + columns.map { headings[$0] ?? $0 }.joined(separator: " | ") + " |\n"
    out += "|---|" + columns.map { _ in "---" }.joined(separator: "|") + "|\n"
    for row in rows {
      out += "| \(row) | " + columns.map { cells[row]?[$0]?.reading ?? "" }.joined(separator: " | ") + " |\n"
    }
    return out
  }

  func html() -> String {
    guard !isEmpty else { return "" }
    var out = "<table class=\"scorecard\"><thead><tr><th>metric</th>"
    out += columns.map { "<th>\(escapeXML(headings[$0] ?? $0))</th>" }.joined() + "</tr></thead><tbody>\n"
    for row in rows {
      out += "<tr><th title=\"\(escapeXML(methods[row] ?? ""))\">\(escapeXML(row))</th>"
      for column in columns {
        let reading = cells[row]?[column]?.reading ?? ""
        let verdict = reading.hasSuffix("at the floor") || reading.hasSuffix("at perfect mixing") ? " class=\"at-floor\"" : ""
        out += "<td\(verdict)>\(escapeXML(reading))</td>"
      }
      out += "</tr>\n"
    }
    return out + "</tbody></table>\n"
  }
}
