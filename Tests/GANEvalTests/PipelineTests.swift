import Foundation
@testable import GANEval
import ImageIO
import TestSupport
import XCTest

final class PipelineTests: XCTestCase {
  func write(_ text: String, _ name: String = "p.yaml") throws -> String {
    let directory = temporaryDirectory("pipeline")
    try makeDirectory(directory)
    let path = directory + "/" + name
    try writeTextAtomically(path, text)
    return path
  }

  func small(out: String, sigma: String = "1") -> String {
    """
    out: \(out)
    seed: 3
    variables: {digits: \(Repo.digitsCSV)}
    steps:
      - import: {name: real, source: "${digits}", limit: 300}
      - filter: {name: smoothed, transform: gaussian, input: real, options: {sigma: \(sigma)}}
      - evaluate:
          name: evaluate
          metrics:
            - {metric: entropy, sets: [real, smoothed]}
            - {metric: histogram, sets: [real, smoothed], options: {bins: 32}}
            - {metric: tsne, sets: [real, smoothed], options: {iterations: 300}}
    """
  }

  func testErrorsAreFoundBeforeRunningAndNameTheLine() throws {
    try Repo.requireData()
    let cases: [(String, String)] = [
      ("steps:\n  - import: {name: a, source: \(Repo.digitsCSV)}\n  - evaluate:\n      name: e\n      metrics:\n        - {metric: entropi, sets: [a]}\n", ":6"),
      ("steps:\n  - import: {name: a, source: \(Repo.digitsCSV)}\n  - filter: {name: b, input: a, options: {sigma: -2}}\n", ":3"),
      ("steps:\n  - import: {name: a, source: /nonexistent/x.csv}\n", ":2"),
      ("steps:\n  - import: {name: a, source: \(Repo.digitsCSV)}\n  - sample: {name: s, run: a, n: 10}\n", ":3"),
      ("steps:\n  - impart: {name: a}\n", ":2"),
      ("variables: {x: 1}\nsteps:\n  - import: {name: a, source: \"${y}\"}\n", ":3"),
      ("steps:\n  - train: {name: g, input: nowhere, options: {g-norm: layer}}\n", ":2"),
    ]
    for (text, line) in cases {
      let path = try write(text)
      XCTAssertThrowsError(try PipelineFile.load(path), text) { error in
        XCTAssertTrue("\(error)".contains("p.yaml" + line), "expected line \(line): \(error)")
      }
    }
  }

  /// Aliases that expand past the limit are refused before Yams builds the tree. The fuzzer found
  /// the mapping-key form: Yams hashes every key in full, so `? [*i]` over nine levels of nine
  /// aliases took 14 s of CPU and then failed on an unknown key. Anchors in ordinary use still parse.
  func testBillionLaughsIsRefusedBeforeParsingAndAnchorsStillWork() throws {
    let regressions = Repo.root + "/fuzz/regressions/pipeline/"
    for name in ["timeout-billion-laughs-in-a-mapping-key.yaml", "timeout-found-by-fuzzing.yaml"] {
      XCTAssertThrowsError(try PipelineFile.load(regressions + name), name) { error in
        XCTAssertTrue("\(error)".contains("billion laughs"), "\(name): \(error)")
        XCTAssertTrue("\(error)".contains(name + ":"), "the error names the file and line: \(error)")
      }
    }
    let laughs = try String(contentsOfFile: Repo.root + "/fuzz/corpus/pipeline/billion_laughs.yaml", encoding: .utf8)
    XCTAssertThrowsError(try PipelineFile.parse(laughs, path: "laughs.yaml")) { error in
      XCTAssertTrue("\(error)".contains("laughs.yaml:") && "\(error)".contains("billion laughs"), "\(error)")
    }
    // nesting past libyaml's 1,000 levels is a syntax error, and its one-line document is not quoted whole
    let deep = "steps: " + String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)
    XCTAssertThrowsError(try PipelineFile.parse(deep, path: "deep.yaml")) { error in
      XCTAssertTrue("\(error)".contains("not valid YAML") && "\(error)".contains("nesting"), "\(error)")
      XCTAssertLessThan("\(error)".utf8.count, 2_000)
    }
    // just under the limit is allowed: 10 levels would be refused, 5 levels of 9 (59,049) pass the guard
    var lines = ["a: &a [" + Array(repeating: "x", count: 9).joined(separator: ",") + "]"]
    for (from, to) in zip("abcd", "bcde") { lines.append("\(to): &\(to) [" + Array(repeating: "*\(from)", count: 9).joined(separator: ",") + "]") }
    XCTAssertNoThrow(try YAMLAliasLimit.check(lines.joined(separator: "\n"), path: "ok.yaml"))
    XCTAssertThrowsError(try YAMLAliasLimit.check(lines.joined(separator: "\n") + "\nf: [*e, *e]", path: "over.yaml"))
    try Repo.requireData()
    let anchors = """
      variables: &v {sigma: "2"}
      steps:
        - import: {name: real, source: \(Repo.digitsCSV)}
        - filter: {name: f, transform: gaussian, input: real, options: *v}
        - filter: {name: g, transform: gaussian, input: real, options: *v}
      """
    let file = try PipelineFile.parse(anchors, path: "anchors.yaml")
    XCTAssertEqual(file.steps.map(\.name), ["real", "f", "g"])
    XCTAssertEqual(file.steps[2].options, ["sigma": "2"])
  }

  /// `${out}` is the output directory, unless the file defines a variable of that name.
  func testOutVariableIsTheOutputDirectory() throws {
    try Repo.requireData()
    let steps = "steps:\n  - import: {name: a, source: \(Repo.digitsCSV)}\n  - evaluate:\n      name: e\n      metrics:\n"
      + "        - {metric: tsne, sets: [a], options: {save-map: \"${out}/a.tsnemap\"}}\n"
    let file = try PipelineFile.load(try write("out: results/study\n" + steps))
    XCTAssertEqual(file.steps[1].evaluations[0].options["save-map"], "results/study/a.tsnemap")
    let own = try PipelineFile.load(try write("out: results/study\nvariables: {out: elsewhere}\n" + steps))
    XCTAssertEqual(own.steps[1].evaluations[0].options["save-map"], "elsewhere/a.tsnemap")
  }

  func testReRunSkipsUnchangedStepsAndFromForcesThem() throws {
    try Repo.requireData()
    let out = temporaryDirectory("pipeline-out")
    var settings = RunContext(outputDirectory: out)
    settings.quiet = true
    func run(_ text: String, from: String? = nil) throws -> [String] {
      let file = try PipelineFile.load(try write(text))
      let (results, _, failure) = try PipelineRun.run(file, from: from, context: settings, shouldStop: { false })
      XCTAssertNil(failure)
      return results.map(\.status.rawValue)
    }
    XCTAssertEqual(try run(small(out: out)), ["ran", "ran", "ran"])  // tsne's parameters hold null and bool values
    let entropy = try String(contentsOfFile: out + "/evaluate/entropy/entropy.csv", encoding: .utf8)
    XCTAssertEqual(try run(small(out: out)), ["skipped", "skipped", "skipped"])
    XCTAssertEqual(try run(small(out: out, sigma: "2")), ["skipped", "ran", "ran"], "a changed option re-runs that step and what reads it")
    XCTAssertEqual(try run(small(out: out, sigma: "2"), from: "real"), ["ran", "ran", "ran"])
    XCTAssertEqual(try run(small(out: out)), ["skipped", "ran", "ran"])
    XCTAssertEqual(try String(contentsOfFile: out + "/evaluate/entropy/entropy.csv", encoding: .utf8), entropy, "same inputs, same output")
  }

  func testInterruptionKeepsFinishedStepsAndMarksTheRest() throws {
    try Repo.requireData()
    let out = temporaryDirectory("pipeline-stop")
    var settings = RunContext(outputDirectory: out)
    settings.quiet = true
    let file = try PipelineFile.load(try write(small(out: out)))
    let flag = StopAfterFirst()
    let (results, _, failure) = try PipelineRun.run(file, from: nil, context: settings, shouldStop: { flag.check() })
    XCTAssertNotNil(failure)
    XCTAssertEqual(results.map(\.status.rawValue), ["ran", "not run", "not run"])
    let markdown = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
    XCTAssertTrue(markdown.contains("## smoothed (filter) — not run"), markdown)
  }

  final class StopAfterFirst: @unchecked Sendable {
    private var calls = 0
    private let lock = NSLock()
    func check() -> Bool { lock.withLock { calls += 1; return calls > 1 } }
  }

  func testReportShowsFiguresAndNumbersAndRendersInChromium() throws {
    try Repo.requireData()
    let out = temporaryDirectory("pipeline-report")
    var settings = RunContext(outputDirectory: out)
    settings.quiet = true
    let file = try PipelineFile.load(try write(small(out: out)))
    _ = try PipelineRun.run(file, from: nil, context: settings, shouldStop: { false })
    let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    XCTAssertTrue(html.contains("<img src=\"evaluate/entropy/entropy.svg\""), html)
    XCTAssertTrue(html.contains("<img src=\"evaluate/histogram/histogram.svg\""))
    XCTAssertTrue(html.contains("entropy mean"), "the key numbers")
    XCTAssertTrue(html.contains("seed 3"))
    XCTAssertTrue(html.contains("real 300"), "N of each set")
    // Headless Chromium (Debian's chromium, installed by scripts/setup.sh) renders it to a PNG.
    let browser = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.fileExists(atPath: $0) }
    let chromium = try XCTUnwrap(browser, "chromium is missing: run scripts/setup.sh (make test does)")
    let shot = out + "/report.png"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: chromium)
    process.arguments = [
      "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,2400", "--screenshot=\(shot)",
      "file://" + out + "/report.html",
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0)
    let png = try readFile(shot)
    let image = try PNG.decode(png, path: shot)
    XCTAssertEqual(image.width, 1200)
    // not a blank page: the figures put many distinct gray levels on it
    XCTAssertGreaterThan(Set(image.luma.map { Int($0 * 255) }).count, 20)
    if let keep = ProcessInfo.processInfo.environment["GAN_EVAL_KEEP_SCREENSHOT"] { try? FileManager.default.copyItem(atPath: shot, toPath: keep) }
    // every figure loaded: Chromium's own reading of each img (naturalWidth) and object (its document)
    let loaded = try figureCheck(out + "/report.html", chromium: chromium)
    XCTAssertGreaterThanOrEqual(loaded.figures, 3, "the report shows its figures (entropy, histogram, t-SNE)")
    XCTAssertEqual(loaded.broken, [], "figures that did not load")
    // the check fails on a broken report: one figure missing, one not an image
    try FileManager.default.removeItem(atPath: out + "/evaluate/entropy/entropy.svg")
    try writeTextAtomically(out + "/evaluate/histogram/histogram.svg", "<svg this is not an image")
    let broken = try figureCheck(out + "/report.html", chromium: chromium)
    XCTAssertEqual(broken.figures, loaded.figures)
    XCTAssertEqual(broken.broken, ["evaluate/entropy/entropy.svg", "evaluate/histogram/histogram.svg"])
  }

  /// Loads a copy of `html` (beside it, so relative figure paths hold) with a script that lists
  /// every img whose naturalWidth is 0 and every object without a document, in headless
  /// Chromium, and reads the list back from the dumped DOM.
  func figureCheck(_ html: String, chromium: String) throws -> (figures: Int, broken: [String]) {
    let probe = (html as NSString).deletingLastPathComponent + "/figure-check.html"
    let script = """
      <script>
      window.addEventListener('load', function () {
        var broken = [], n = 0;
        document.querySelectorAll('img').forEach(function (i) { n++; if (!(i.complete && i.naturalWidth > 0)) broken.push(i.getAttribute('src')); });
        document.querySelectorAll('object').forEach(function (o) { n++; if (!(o.contentDocument && o.contentDocument.documentElement)) broken.push(o.getAttribute('data')); });
        var p = document.createElement('pre'); p.id = 'figure-check';
        p.textContent = 'FIGURES ' + n + ' BROKEN ' + broken.join('|') + ' END';
        document.body.appendChild(p);
      });
      </script>
      """
    try writeTextAtomically(probe, try String(contentsOfFile: html, encoding: .utf8).replacingOccurrences(of: "</body>", with: script + "</body>"))
    defer { try? FileManager.default.removeItem(atPath: probe) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: chromium)
    process.arguments = [
      "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files", "--virtual-time-budget=10000", "--dump-dom", "file://" + probe,
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let dom = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0)
    guard let start = dom.range(of: "id=\"figure-check\">FIGURES "), let end = dom.range(of: " END", range: start.upperBound..<dom.endIndex) else {
      XCTFail("the figure check did not run in Chromium: \(dom.prefix(300))")
      return (0, ["(check did not run)"])
    }
    let parts = dom[start.upperBound..<end.lowerBound].components(separatedBy: " BROKEN ")
    let broken = parts.count > 1 ? parts[1].split(separator: "|").map(String.init) : []
    return (Int(parts[0]) ?? 0, broken.sorted())
  }
}
