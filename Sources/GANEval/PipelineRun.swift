import Classifier
import Foundation
import EvalCore
import ImageIO
import Workers

/// Runs a checked pipeline step by step into `out/<step>/`, skipping steps whose inputs and
/// parameters are unchanged, and writes `out/report.md` and `out/report.html` at the end (also
/// after an error or Ctrl-C, with the unfinished step marked).
public enum PipelineRun {
  public enum Status: String, Sendable { case ran, skipped, failed, interrupted, notRun = "not run" }

  public struct StepResult: Sendable {
    public var step: PipelineFile.Step
    public var status: Status
    public var seconds: Double
    public var lines: [String]
  }

  /// The file in a step's directory that records the hash it was made from; written last.
  static let stampFile = ".gan-eval-step"

  public static func run(
    _ file: PipelineFile, from: String?, context settings: RunContext, shouldStop: @escaping @Sendable () -> Bool
  ) throws -> (results: [StepResult], report: [String], failure: Error?) {
    if let from, !file.steps.contains(where: { $0.name == from }) {
      throw EvalError.badParameter(name: "--from", reason: "'\(from)' is not a step of \(file.path); steps: " + file.steps.map(\.name).joined(separator: ", "))
    }
    try makeDirectory(file.out)
    var hashes: [String: UInt64] = [:]
    var results: [StepResult] = []
    var forced = false
    var failure: Error?
    for step in file.steps {
      if step.name == from { forced = true }
      let directory = file.out + "/" + step.name
      if failure == nil && shouldStop() {
        failure = EvalError.badParameter(name: "pipeline", reason: "interrupted before step \(step.name)")
      }
      if failure != nil {
        results.append(StepResult(step: step, status: .notRun, seconds: 0, lines: []))
        continue
      }
      let hash = try stepHash(step, file: file, hashes: hashes)
      hashes[step.name] = hash
      let stamp = String(format: "%016llx", hash)
      if !forced, let previous = try? String(contentsOfFile: directory + "/" + stampFile, encoding: .utf8), previous == stamp {
        let lines = (try? String(contentsOfFile: directory + "/lines.txt", encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        let made = (try? String(contentsOfFile: directory + "/.gan-eval-seconds", encoding: .utf8)).flatMap(Double.init) ?? 0
        results.append(StepResult(step: step, status: .skipped, seconds: made, lines: lines))
        if !settings.quiet { FileHandle.standardError.write(Data("step \(step.name): unchanged, skipped\n".utf8)) }
        continue
      }
      if !settings.quiet { FileHandle.standardError.write(Data("step \(step.name) (\(step.kind.rawValue))\n".utf8)) }
      try? FileManager.default.removeItem(atPath: directory + "/" + stampFile)
      let started = Date()
      do {
        let (lines, interrupted) = try execute(step, file: file, directory: directory, settings: settings, shouldStop: shouldStop)
        let seconds = Date().timeIntervalSince(started)
        try writeTextAtomically(directory + "/lines.txt", lines.joined(separator: "\n") + "\n")
        if interrupted {
          results.append(StepResult(step: step, status: .interrupted, seconds: seconds, lines: lines))
          failure = EvalError.badParameter(name: "pipeline", reason: "interrupted in step \(step.name)")
          continue
        }
        try writeTextAtomically(directory + "/.gan-eval-seconds", "\(seconds)")
        try writeTextAtomically(directory + "/" + stampFile, stamp)
        results.append(StepResult(step: step, status: .ran, seconds: seconds, lines: lines))
      } catch {
        results.append(StepResult(step: step, status: shouldStop() ? .interrupted : .failed, seconds: Date().timeIntervalSince(started), lines: ["\(error)"]))
        failure = error
      }
    }
    let report = try PipelineReport.write(file: file, results: results)
    return (results, report, failure)
  }

  /// Where a set, run or model named in a step lives: an earlier step's directory, else the path.
  static func resolve(_ name: String, file: PipelineFile) -> String {
    file.steps.contains(where: { $0.name == name }) ? file.out + "/" + name : name
  }

  /// The directory of each metric of an evaluate step: the metric's name, then `-2`, `-3` … for
  /// later runs of the same metric.
  static func evaluationDirectories(_ step: PipelineFile.Step) -> [String] {
    var used: [String: Int] = [:]
    return step.evaluations.map { evaluation in
      let name = (try? Catalogue.find(evaluation.metric, kind: .metric))?.name ?? evaluation.metric
      used[name, default: 0] += 1
      return name + (used[name]! > 1 ? "-\(used[name]!)" : "")
    }
  }

  /// The classifier step's options as it runs: unless it says `holdout:`, a classifier whose
  /// input set a later metric compares in its features holds 40% of that set out (seeded), so
  /// the judge never trains on the real images it judges; `fid` then compares only those.
  static func classifierOptions(_ step: PipelineFile.Step, file: PipelineFile) -> (options: [String: String], note: String?) {
    var options = step.options
    guard options["holdout"] == nil, let input = step.fields["input"] else { return (options, nil) }
    let compared = file.steps.filter { $0.kind == .evaluate }.flatMap(\.evaluations).contains { evaluation in
      evaluation.options.values.contains(step.name) && (evaluation.sets.contains(input) || evaluation.options.values.contains(input))
    }
    guard compared else { return (options, nil) }
    options["holdout"] = "0.4"
    return (options, "holding out 40% of \(input) from this classifier (seeded): later metrics judge \(input) in its features; say holdout: 0 to train on all of it")
  }

  /// The step's definition, the pipeline seed, and what it reads: earlier steps by their hash,
  /// files and directories by content.
  static func stepHash(_ step: PipelineFile.Step, file: PipelineFile, hashes: [String: UInt64]) throws -> UInt64 {
    var text = "\(step.kind.rawValue)\n\(file.seed)\n"
    for (key, value) in step.fields.sorted(by: { $0.key < $1.key }) { text += "\(key)=\(value)\n" }
    let options = step.kind == .classifier ? classifierOptions(step, file: file).options : step.options
    for (key, value) in options.sorted(by: { $0.key < $1.key }) { text += "option \(key)=\(value)\n" }
    for evaluation in step.evaluations {
      text += "metric \(evaluation.metric) \(evaluation.sets.joined(separator: ","))\n"
      for (key, value) in evaluation.options.sorted(by: { $0.key < $1.key }) { text += "  \(key)=\(value)\n" }
    }
    var hash = fnv1a64(Array(text.utf8))
    let references = Array(step.fields.values) + Array(step.options.values) + step.evaluations.flatMap { $0.sets + Array($0.options.values) }
    for reference in references.sorted() {
      if let upstream = hashes[reference] {
        hash = fnv1a64(Array("\(reference):\(upstream)".utf8), seed: hash)
      } else if FileManager.default.fileExists(atPath: reference) {
        hash = try contentHash(reference, seed: hash)
      }
    }
    return hash
  }

  /// FNV-1a over a file's bytes, or over every file below a directory (sorted relative paths and contents).
  static func contentHash(_ path: String, seed: UInt64) throws -> UInt64 {
    var isDirectory: ObjCBool = false
    _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
    guard isDirectory.boolValue else { return fnv1a64(try readFile(path), seed: seed) }
    var hash = seed
    let files = (FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []).filter { !$0.hasPrefix(".") }.sorted()
    for relative in files {
      var isDir: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: path + "/" + relative, isDirectory: &isDir)
      if isDir.boolValue { continue }
      hash = fnv1a64(Array(relative.utf8), seed: hash)
      hash = fnv1a64(try readFile(path + "/" + relative), seed: hash)
    }
    return hash
  }

  static func execute(
    _ step: PipelineFile.Step, file: PipelineFile, directory: String, settings base: RunContext, shouldStop: @escaping @Sendable () -> Bool
  ) throws -> (lines: [String], interrupted: Bool) {
    var context = base
    context.outputDirectory = directory
    context.seed = file.seed
    context.makeFigures = true
    context.setNames = []
    context.shouldStop = shouldStop
    let resolve = { (name: String) in PipelineRun.resolve(name, file: file) }
    /// Step names given to path options (a model, a set) mean that step's directory.
    func resolved(_ options: [String: String], specs: [OptionSpec]) -> [String: String] {
      var out = options
      for spec in specs where spec.type == .path { if let value = out[spec.name] { out[spec.name] = resolve(value) } }
      return out
    }
    switch step.kind {
    case .import:
      let (_, line) = try ImportRun.run(
        source: step.fields["source"]!, labels: step.fields["labels"],
        keys: ImportKeys(images: step.fields["images-key"], labels: step.fields["labels-key"]), color: context.color,
        limit: step.fields["limit"].flatMap(Int.init), output: directory, overwrite: true, threads: context.threads)
      return ([line], false)
    case .train:
      let name = step.fields["generator"] ?? "gan"
      let entry = try Catalogue.find(name, kind: .generator)
      context.resume = step.fields["resume"] == "true"
      let (outcome, _) = try GeneratorRun.train(
        name, options: resolved(step.options, specs: entry.options), directory: resolve(step.fields["input"]!), context: context)
      return (outcome.lines, outcome.interrupted)
    case .sample:
      let n = Int(step.fields["n"]!)!
      context.seed = step.fields["seed"].flatMap(UInt64.init) ?? file.seed
      let set = try GeneratorRun.sample(
        run: resolve(step.fields["run"]!), count: n, labels: step.fields["labels"] ?? "balanced", output: directory, overwrite: true,
        context: context)
      return (["sampled \(set.count) images of \(set.width)x\(set.height) (labels \(step.fields["labels"] ?? "balanced"), seed \(context.seed))"], false)
    case .filter:
      let name = step.fields["transform"] ?? "gaussian"
      let entry = try Catalogue.find(name, kind: .transform)
      let (input, output, _) = try Evaluation.transform(
        name, options: resolved(step.options, specs: entry.options), directory: resolve(step.fields["input"]!), output: directory,
        overwrite: true, context: context)
      return (["\(entry.name) filter of \(input.count) images (\(step.options.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))) → \(output.count) images"], false)
    case .classifier:
      let (options, note) = classifierOptions(step, file: file)
      let values = try ClassifierRun.values(resolved(options, specs: ClassifierRun.options).sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
      let outcome = try ClassifierRun.train(directory: resolve(step.fields["input"]!), options: values, context: context)
      return ((note.map { [$0] } ?? []) + outcome.report.lines, false)
    case .evaluate:
      try makeDirectory(directory)
      var lines: [String] = []
      for (evaluation, name) in zip(step.evaluations, evaluationDirectories(step)) {
        if shouldStop() { return (lines, true) }
        let entry = try Catalogue.find(evaluation.metric, kind: .metric)
        var sub = context
        sub.outputDirectory = directory + "/" + name
        let outcome = try Evaluation.run(
          metric: evaluation.metric, options: resolved(evaluation.options, specs: entry.options), directories: evaluation.sets.map(resolve), context: sub)
        lines += outcome.report.lines.map { "[\(name)] " + $0 }
      }
      return (lines, false)
    }
  }
}
