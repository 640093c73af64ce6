import Foundation
import EvalCore
import ImageIO
import Yams

/// A pipeline file, parsed and checked before anything runs.
///
///     out: gan-eval-out/study          # default: gan-eval-out/<file name>
///     seed: 0
///     variables: {digits: data/mnist_5k.csv.gz, epochs: 200}
///     steps:
///       - import: {name: real, source: ${digits}}
///       - train: {name: gan, generator: gan, input: real, options: {epochs: ${epochs}}}
///       - sample: {name: generated, run: gan, n: 4800, labels: balanced}
///       - filter: {name: smoothed, transform: gaussian, input: generated, options: {sigma: 1}}
///       - classifier: {name: judge, input: real, options: {epochs: 15}}
///       - evaluate:
///           name: evaluate
///           metrics:
///             - {metric: entropy, sets: [real, generated, smoothed]}
///             - {metric: tsne, sets: [real, generated], options: {dims: 3}}
///             - {metric: fid, sets: [real, generated], options: {model: judge}}
///
/// A set or run named by an earlier step means that step's output directory (`out/<step>/`);
/// anything else is a path. `${name}` is replaced by a variable; `${out}` is the output directory
/// (unless a variable of that name is defined). Errors name the line.
public struct PipelineFile: Sendable {
  public enum Kind: String, CaseIterable, Sendable { case `import`, train, sample, filter, classifier, evaluate }

  public struct Evaluation: Sendable {
    public var metric: String
    public var sets: [String]
    public var options: [String: String]
    public var line: Int
  }

  public struct Step: Sendable {
    public var name: String
    public var kind: Kind
    public var line: Int
    /// Scalar fields other than name and options (source, input, run, n, labels, generator, transform).
    public var fields: [String: String]
    public var options: [String: String]
    public var evaluations: [Evaluation]
  }

  public var path: String
  public var out: String
  public var seed: UInt64
  public var steps: [Step]

  public static func load(_ path: String) throws -> PipelineFile {
    let text: String
    do { text = String(decoding: try readFile(path), as: UTF8.self) } catch { throw EvalError.badFile(path: path, reason: "cannot read the pipeline file") }
    return try parse(text, path: path)
  }

  public static func parse(_ text: String, path: String) throws -> PipelineFile {
    func fail(_ node: Node?, _ reason: String) -> EvalError {
      .badFile(path: path + (node?.mark.map { ":\($0.line)" } ?? ""), reason: reason)
    }
    try YAMLAliasLimit.check(text, path: path)
    let root: Node
    do {
      guard let node = try Yams.compose(yaml: text) else { throw fail(nil, "the pipeline file is empty") }
      root = node
    } catch let error as EvalError { throw error } catch {
      // Yams quotes the offending line; a one-line document would be quoted whole
      let quoted = "\(error)".split(separator: "\n", omittingEmptySubsequences: false)
        .map { $0.count > 160 ? String($0.prefix(160)) + "…" : String($0) }.joined(separator: "\n")
      throw EvalError.badFile(path: path, reason: "not valid YAML: \(quoted)")
    }
    guard let top = root.mapping else { throw fail(root, "the top level must be a mapping with steps:") }
    for key in top.keys where !["out", "seed", "variables", "steps"].contains(key.string ?? "") {
      throw fail(key, "unknown key '\(key.string ?? "?")' (known: out, seed, variables, steps)")
    }
    var variables: [String: String] = [:]
    if let node = root["variables"] {
      guard let mapping = node.mapping else { throw fail(node, "variables: must be a mapping of names to values") }
      for (key, value) in mapping {
        guard let name = key.string, let text = value.string else { throw fail(value, "a variable must be a name and a scalar value") }
        variables[name] = text
      }
    }
    func scalar(_ node: Node) throws -> String {
      guard let text = node.string else { throw fail(node, "expected a single value here") }
      var out = text
      while let open = out.range(of: "${") {
        guard let close = out.range(of: "}", range: open.upperBound..<out.endIndex) else { throw fail(node, "unclosed ${ in '\(text)'") }
        let name = String(out[open.upperBound..<close.lowerBound])
        guard let value = variables[name] else {
          throw fail(node, "unknown variable '\(name)'; define it under variables:")
        }
        out.replaceSubrange(open.lowerBound..<close.upperBound, with: value)
      }
      return out
    }
    func options(_ node: Node?) throws -> [String: String] {
      guard let node else { return [:] }
      guard let mapping = node.mapping else { throw fail(node, "options: must be a mapping") }
      var out: [String: String] = [:]
      for (key, value) in mapping { out[try scalar(key)] = try scalar(value) }
      return out
    }

    let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    var file = PipelineFile(path: path, out: "gan-eval-out/" + stem, seed: 0, steps: [])
    if let node = root["out"] { file.out = try scalar(node) }
    // `${out}`: the pipeline's output directory, e.g. for a map file a later step reads
    if variables["out"] == nil { variables["out"] = file.out }
    if let node = root["seed"] {
      guard let seed = UInt64(try scalar(node)) else { throw fail(node, "seed: must be a whole number ≥ 0") }
      file.seed = seed
    }
    guard let stepsNode = root["steps"], let steps = stepsNode.sequence, !steps.isEmpty else {
      throw fail(root["steps"] ?? root, "steps: must be a non-empty list")
    }
    var names: Set<String> = []
    for node in steps {
      guard let mapping = node.mapping, mapping.count == 1, let (kindNode, body) = mapping.first.map({ ($0.key, $0.value) }) else {
        throw fail(node, "each step is one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")) with its fields, e.g. `- import: {name: real, source: data.csv}`")
      }
      guard let kind = Kind(rawValue: kindNode.string ?? "") else {
        throw fail(kindNode, "unknown step '\(kindNode.string ?? "?")'; known: \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      guard let fieldsMapping = body.mapping else { throw fail(body, "\(kind.rawValue): needs a mapping of fields") }
      var step = Step(name: "", kind: kind, line: kindNode.mark?.line ?? 0, fields: [:], options: [:], evaluations: [])
      let allowed: [Kind: Set<String>] = [
        .import: ["name", "source", "labels", "limit", "images-key", "labels-key"], .train: ["name", "generator", "plugin", "input", "options", "resume"],
        .sample: ["name", "run", "n", "labels", "seed"], .filter: ["name", "transform", "plugin", "input", "options"], .evaluate: ["name", "metrics"],
        .classifier: ["name", "input", "options"],
      ]
      for (key, value) in fieldsMapping {
        let field = key.string ?? ""
        guard allowed[kind]!.contains(field) else {
          throw fail(key, "\(kind.rawValue) has no field '\(field)'; fields: \(allowed[kind]!.sorted().joined(separator: ", "))")
        }
        switch field {
        case "options": step.options = try options(value)
        case "metrics":
          guard let list = value.sequence, !list.isEmpty else { throw fail(value, "metrics: must be a non-empty list") }
          for item in list {
            guard let itemMapping = item.mapping, let metricNode = item["metric"] ?? item["plugin"] else {
              throw fail(item, "each metric needs metric: NAME (or plugin: PATH) and sets: [...]")
            }
            for key in itemMapping.keys where !["metric", "plugin", "sets", "options"].contains(key.string ?? "") {
              throw fail(key, "a metric has no field '\(key.string ?? "?")'; fields: metric (or plugin), sets, options")
            }
            guard let setsNode = item["sets"], let sets = setsNode.sequence, !sets.isEmpty else { throw fail(item, "sets: must list the sets to compare") }
            var evaluation = Evaluation(
              metric: try scalar(metricNode), sets: try sets.map(scalar), options: try options(item["options"]), line: item.mark?.line ?? 0)
            evaluation.upgradeLegacyClassify()
            step.evaluations.append(evaluation)
          }
        case "plugin":
          let kindField = kind == .train ? "generator" : "transform"
          guard fieldsMapping[Node(kindField)] == nil else { throw fail(key, "give \(kindField): or plugin:, not both") }
          step.fields[kindField] = try scalar(value)
        default: step.fields[field] = try scalar(value)
        }
      }
      if kind == .classifier { step.upgradeLegacyClassifierOptions() }
      guard let name = step.fields.removeValue(forKey: "name"), !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
        throw fail(body, "every step needs a name: (a directory name under out/)")
      }
      guard names.insert(name).inserted else { throw fail(body, "step name '\(name)' is used twice") }
      step.name = name
      file.steps.append(step)
    }
    try file.check(fail: { line, reason in EvalError.badFile(path: path + ":\(line)", reason: reason) })
    return file
  }

  /// Checks plugins, options, inputs and required fields without running anything.
  func check(fail: (Int, String) -> EvalError) throws {
    var earlier: [String: Kind] = [:]
    func input(_ value: String?, _ step: Step, field: String, kinds: Set<Kind>) throws {
      guard let value, !value.isEmpty else { throw fail(step.line, "\(step.kind.rawValue) '\(step.name)' needs \(field):") }
      if let kind = earlier[value] {
        guard kinds.contains(kind) else { throw fail(step.line, "\(field): '\(value)' is a \(kind.rawValue) step, which does not make what \(step.kind.rawValue) needs") }
        return
      }
      guard FileManager.default.fileExists(atPath: value) else {
        throw fail(step.line, "\(field): '\(value)' is neither an earlier step nor an existing path")
      }
    }
    let setMakers: Set<Kind> = [.import, .sample, .filter]
    for step in steps {
      do {
        switch step.kind {
        case .import:
          try input(step.fields["source"], step, field: "source", kinds: [])
          if let limit = step.fields["limit"], (Int(limit) ?? 0) < 1 { throw fail(step.line, "limit: must be a whole number ≥ 1") }
        case .train:
          let entry = try Catalogue.find(step.fields["generator"] ?? "gan", kind: .generator)
          let values = try entry.values(step.options)
          try input(step.fields["input"], step, field: "input", kinds: setMakers)
          for spec in entry.options where spec.role == .artifact {
            if let value = values.string(spec.name) { try input(value, step, field: "options: \(spec.name)", kinds: [.classifier, .train]) }
          }
        case .sample:
          try input(step.fields["run"], step, field: "run", kinds: [.train])
          guard let n = Int(step.fields["n"] ?? ""), n >= 1 else { throw fail(step.line, "sample '\(step.name)' needs n: (a whole number ≥ 1)") }
          _ = n
        case .filter:
          let entry = try Catalogue.find(step.fields["transform"] ?? "gaussian", kind: .transform)
          _ = try entry.makeTransform(try entry.values(step.options))
          try input(step.fields["input"], step, field: "input", kinds: setMakers)
        case .classifier:
          try input(step.fields["input"], step, field: "input", kinds: setMakers)
          let values = try OptionValues(step.options, specs: ClassifierRun.options, plugin: "classifier step")
          if let test = values.string("test") { try input(test, step, field: "options: test", kinds: setMakers) }
        case .evaluate:
          for evaluation in step.evaluations {
            do {
              let entry = try Catalogue.find(evaluation.metric, kind: .metric)
              let values = try entry.values(evaluation.options)
              _ = try entry.makeMetric(values)
              for set in evaluation.sets { try input(set, step, field: "sets", kinds: setMakers) }
              for spec in entry.options where spec.role != .value {
                guard let value = values.string(spec.name) else { continue }
                try input(value, step, field: "options: \(spec.name)", kinds: spec.role == .set ? setMakers : [.classifier, .train])
              }
            } catch let error as EvalError {
              throw fail(evaluation.line, error.description)
            }
          }
        }
      } catch let error as EvalError {
        if case .badFile(let path, _) = error, path.hasPrefix(self.path + ":") { throw error }
        throw fail(step.line, error.description)
      }
      earlier[step.name] = step.kind
    }
  }
}

extension PipelineFile.Evaluation {
  /// Pipelines written before `classify` took its extra sets as options said `real: "yes"` and
  /// listed the set in `sets:`; read them the new way (`real: SET`).
  mutating func upgradeLegacyClassify() {
    guard metric == "classify" else { return }
    for key in ["tstr", "real"] where options[key] == "yes" && sets.count > 1 {
      options[key] = key == "tstr" ? sets.removeLast() : sets.remove(at: 1)
    }
    for key in ["tstr", "real"] where options[key] == "no" { options[key] = nil }
  }
}

extension PipelineFile.Step {
  /// The `classifier` step once spelled two options `batch` and `lr`; they are `batch-size` and
  /// `learning-rate`, as on the command line.
  mutating func upgradeLegacyClassifierOptions() {
    for (old, new) in [("batch", "batch-size"), ("lr", "learning-rate")] where options[old] != nil && options[new] == nil {
      options[new] = options.removeValue(forKey: old)
    }
  }
}
