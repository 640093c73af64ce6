import Foundation
import ImageIO
import EvalCore
import Plot

/// `report.md` and `report.html` for a pipeline run. They open with the scorecard (a row per
/// headline metric, a column per generated set: value, 95% interval, real-vs-real floor and a
/// one-line reading); then per step its status, time, figures, parameters, set sizes and seed, and
/// the console lines folded in <details>. The HTML links the SVG files next to it, so the folder
/// reads offline as one page plus its assets, and prints (figures are not split across pages).
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
    let scorecard = Scorecard(file: file, results: results)
    let markdown = renderMarkdown(file: file, sections: sections, scorecard: scorecard)
    let html = renderHTML(file: file, sections: sections, scorecard: scorecard)
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

  static let scorecardNote =
    "Each cell: the value on the full sets, its 95% interval (the method is in scalars.csv: a seeded bootstrap over images, or Wilson/t/Welch where an analytic interval exists), and the floor: the same metric between two seeded halves of the real set at the compared n (what a perfect generator would score; for FD∞/KID∞ 0, for t-SNE mixing the share a perfectly mixed set has). \"at the floor\": the floor lies inside the interval."

  static func renderMarkdown(file: PipelineFile, sections: [Section], scorecard: Scorecard) -> String {
    var out = "# gan-eval report: \(file.path)\n\nOutputs in `\(file.out)/`, seed \(file.seed), gan-eval \(toolVersion).\n\n"
    if !scorecard.isEmpty { out += "## Scorecard\n\n" + scorecard.markdown() + "\n" + scorecardNote + "\n\n" }
    for s in sections {
      out += "## \(s.title) — \(s.status)\n\n"
      for figure in s.figures { out += "![\(figure)](\(figure))\n\n" }
      for fact in s.facts { out += "- \(fact)\n" }
      if !s.facts.isEmpty { out += "\n" }
      if !s.lines.isEmpty {
        out += "<details><summary>console output (\(s.lines.count) lines)</summary>\n\n"
        for line in s.lines { out += "    \(line)\n" }
        out += "\n</details>\n\n"
      }
    }
    return out
  }

  static func renderHTML(file: PipelineFile, sections: [Section], scorecard: Scorecard) -> String {
    var out = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>gan-eval report: \(escapeXML(file.path))</title>
      <style>
      body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
      h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em} .status{font-weight:normal;color:#666;font-size:.8em}
      pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.85em} li{font-size:.85em;margin:.2em 0}
      img{max-width:100%;border:1px solid #eee;margin:.5em 0;display:block} .interrupted,.failed{color:#b00}
      table.scorecard{border-collapse:collapse;font-size:.78em;width:100%} .scorecard th,.scorecard td{border:1px solid #ccc;padding:.25em .4em;text-align:left;vertical-align:top}
      .scorecard thead th{background:#f0f0f0} .scorecard td.at-floor{background:#eef7ee} .note{font-size:.8em;color:#555}
      details{margin:.5em 0} summary{cursor:pointer;color:#555;font-size:.85em}
      @media print{body{max-width:none;margin:0} img,table.scorecard tr{break-inside:avoid} h2{break-after:avoid} summary{display:none}}
      </style></head><body>
      <h1>gan-eval report</h1>
      <p>Pipeline <code>\(escapeXML(file.path))</code>, outputs in <code>\(escapeXML(file.out))/</code>, seed \(file.seed), gan-eval \(toolVersion).</p>

      """
    if !scorecard.isEmpty {
      out += "<h2>Scorecard</h2>\n" + scorecard.html() + "<p class=\"note\">\(escapeXML(scorecardNote))</p>\n"
    }
    for s in sections {
      let statusClass = s.status.replacingOccurrences(of: " ", with: "-")
      out += "<h2>\(escapeXML(s.title)) <span class=\"status \(statusClass)\">\(escapeXML(s.status))</span></h2>\n"
      for figure in s.figures { out += "<img src=\"\(escapeXML(figure))\" alt=\"\(escapeXML(figure))\">\n" }
      if !s.facts.isEmpty { out += "<ul>" + s.facts.map { "<li>\(escapeXML($0))</li>" }.joined() + "</ul>\n" }
      if !s.lines.isEmpty {
        out += "<details><summary>console output (\(s.lines.count) lines)</summary><pre>" + s.lines.map(escapeXML).joined(separator: "\n") + "</pre></details>\n"
      }
    }
    return out + "</body></html>\n"
  }
}
