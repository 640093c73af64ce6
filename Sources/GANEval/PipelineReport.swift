import Foundation
import ImageIO
import EvalCore
import Plot

/// `report.md` and `report.html` for a pipeline run: per step its status, time, key numbers,
/// parameters, set sizes and seed, and every figure inline (the HTML links the SVG files next to
/// it, so the folder reads offline as one page plus its assets).
enum PipelineReport {
  struct Section {
    var title: String
    var status: String
    var lines: [String]
    var facts: [String]
    var figures: [String]  // paths relative to out/
  }

  static func write(file: PipelineFile, results: [PipelineRun.StepResult]) throws -> [String] {
    let sections = results.map { section($0, file: file) }
    let markdown = renderMarkdown(file: file, sections: sections)
    let html = renderHTML(file: file, sections: sections)
    try writeTextAtomically(file.out + "/report.md", markdown)
    try writeTextAtomically(file.out + "/report.html", html)
    return [file.out + "/report.md", file.out + "/report.html"]
  }

  static func section(_ result: PipelineRun.StepResult, file: PipelineFile) -> Section {
    let step = result.step
    let directory = file.out + "/" + step.name
    var facts: [String] = []
    var figures: [String] = []
    // every summary.json below the step: its parameters, set sizes and seed
    let manager = FileManager.default
    let entries = (manager.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []).sorted()
    for relative in entries where relative.hasSuffix("summary.json") {
      guard let data = manager.contents(atPath: directory + "/" + relative),
        let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
      else { continue }
      let command = json["command"] as? String ?? relative
      var parts: [String] = []
      if let sets = json["sets"] as? [[String: Any]] {
        parts.append("N: " + sets.map { "\($0["name"] ?? "?") \($0["n"] ?? "?")" }.joined(separator: ", "))
      }
      if let seed = json["seed"] { parts.append("seed \(seed)") }
      if let parameters = json["parameters"] as? [String: Any], !parameters.isEmpty {
        parts.append("parameters: " + parameters.keys.sorted().map { "\($0)=\(describe(parameters[$0]!))" }.joined(separator: ", "))
      }
      facts.append("`\(command)` — " + parts.joined(separator: "; "))
    }
    for relative in entries where relative.hasSuffix(".svg") {
      // of the per-epoch GAN grids, only the last
      if relative.hasPrefix("samples/"), relative != entries.last(where: { $0.hasPrefix("samples/") && $0.hasSuffix(".svg") }) { continue }
      figures.append(step.name + "/" + relative)
    }
    let status: String
    switch result.status {
    case .ran: status = "ran in \(String(format: "%.1f", result.seconds)) s"
    case .skipped: status = "unchanged, kept" + (result.seconds > 0 ? " (made in \(String(format: "%.1f", result.seconds)) s)" : "")
    default: status = result.status.rawValue
    }
    return Section(title: "\(step.name) (\(step.kind.rawValue))", status: status, lines: result.lines, facts: facts, figures: figures)
  }

  /// A JSON value from summary.json as short text (JSONSerialization traps on a bare scalar, so
  /// only containers go through it).
  static func describe(_ value: Any) -> String {
    if value is NSNull { return "null" }
    if let number = value as? NSNumber { return number.stringValue }
    if let text = value as? String { return text }
    if JSONSerialization.isValidJSONObject(value), let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) {
      return String(decoding: data, as: UTF8.self)
    }
    return "\(value)"
  }

  static func renderMarkdown(file: PipelineFile, sections: [Section]) -> String {
    var out = "# gan-eval report: \(file.path)\n\nOutputs in `\(file.out)/`, seed \(file.seed), gan-eval \(toolVersion).\n\n"
    for s in sections {
      out += "## \(s.title) — \(s.status)\n\n"
      for line in s.lines { out += "    \(line)\n" }
      if !s.lines.isEmpty { out += "\n" }
      for fact in s.facts { out += "- \(fact)\n" }
      if !s.facts.isEmpty { out += "\n" }
      for figure in s.figures { out += "![\(figure)](\(figure))\n\n" }
    }
    return out
  }

  static func renderHTML(file: PipelineFile, sections: [Section]) -> String {
    var out = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>gan-eval report: \(escapeXML(file.path))</title>
      <style>
      body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
      h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em} .status{font-weight:normal;color:#666;font-size:.8em}
      pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.85em} li{font-size:.85em;margin:.2em 0}
      img{max-width:100%;border:1px solid #eee;margin:.5em 0;display:block} .interrupted,.failed{color:#b00}
      </style></head><body>
      <h1>gan-eval report</h1>
      <p>Pipeline <code>\(escapeXML(file.path))</code>, outputs in <code>\(escapeXML(file.out))/</code>, seed \(file.seed), gan-eval \(toolVersion).</p>

      """
    for s in sections {
      let statusClass = s.status.replacingOccurrences(of: " ", with: "-")
      out += "<h2>\(escapeXML(s.title)) <span class=\"status \(statusClass)\">\(escapeXML(s.status))</span></h2>\n"
      if !s.lines.isEmpty { out += "<pre>" + s.lines.map(escapeXML).joined(separator: "\n") + "</pre>\n" }
      if !s.facts.isEmpty { out += "<ul>" + s.facts.map { "<li>\(escapeXML($0))</li>" }.joined() + "</ul>\n" }
      for figure in s.figures { out += "<img src=\"\(escapeXML(figure))\" alt=\"\(escapeXML(figure))\">\n" }
    }
    return out + "</body></html>\n"
  }
}
