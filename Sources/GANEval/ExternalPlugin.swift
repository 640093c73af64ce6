import EvalCore
import Foundation
import ImageIO
import Workers

/// An external plugin: an executable `gan-eval-<name>` speaking protocol 1 (docs/plugins.md).
/// gan-eval validates options against its `describe`, runs it in a temporary directory with a
/// time limit, checks what it wrote, and only then moves outputs into place.
public struct ExternalPlugin: Metric, Transform, Generator, FeatureExtractor {
  public static let protocolVersion = 1
  public static let prefix = "gan-eval-"
  /// `describe` must answer quickly: it runs whenever the plugin is looked up.
  static let describeTimeout = 30.0
  /// The most a plugin may print on stdout (describe) or write as one result file.
  static let maxJSONBytes = 4 << 20

  public let path: String
  public let entry: PluginEntry
  public let values: OptionValues

  // MARK: - Finding and describing

  /// The directories searched, in order: `GAN_EVAL_PLUGIN_PATH`, then `PATH`.
  static var searchDirectories: [String] {
    let environment = ProcessInfo.processInfo.environment
    return [environment["GAN_EVAL_PLUGIN_PATH"], environment["PATH"]].compactMap { $0 }
      .flatMap { $0.split(separator: ":").map(String.init) }.filter { !$0.isEmpty }
  }

  /// Every `gan-eval-<name>` executable on the search path; the first of each name wins.
  public static func executables() -> [String] {
    var seen: Set<String> = [], found: [String] = []
    for directory in searchDirectories {
      let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix(prefix) && $0.count > prefix.count }
      for name in names.sorted() where !seen.contains(name) {
        let path = directory + "/" + name
        guard isExecutableFile(path) else { continue }
        seen.insert(name)
        found.append(path)
      }
    }
    return found
  }

  static func isExecutableFile(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
      && FileManager.default.isExecutableFile(atPath: path)
  }

  /// The executable for plugin `name`, if one is on the search path.
  public static func executable(named name: String) -> String? {
    executables().first { ($0 as NSString).lastPathComponent == prefix + name }
  }

  /// Describes every executable on the search path (`executables()` order).
  public static func discover() -> [Result<PluginEntry, Error>] {
    executables().map { path in Result { try describe(executable: path) } }
  }

  private static let described = Described()

  /// Runs `EXECUTABLE describe` and reads its declaration; the error names the file and the fix.
  public static func describe(executable path: String) throws -> PluginEntry {
    if let entry = described.get(path) { return entry }
    guard isExecutableFile(path) else {
      throw EvalError.badFile(path: path, reason: "is not an executable file; an external plugin is an executable (chmod +x) speaking docs/plugins.md")
    }
    let run = try PluginProcess.run(path, arguments: ["describe"], directory: nil, timeout: describeTimeout, quiet: true, label: path)
    guard run.status == 0 else {
      throw EvalError.badFile(path: path, reason: "`describe` failed (\(run.ending)): \(run.tail)")
    }
    let entry = try parseDescribe(run.stdout, path: path)
    described.set(path, entry)
    return entry
  }

  /// Reads what `describe` printed: one JSON object, checked by `entry(from:path:)`.
  public static func parseDescribe(_ bytes: [UInt8], path: String) throws -> PluginEntry {
    let json: JSON
    do { json = try JSON.parse(bytes) } catch {
      throw EvalError.badFile(path: path, reason: "`describe` printed malformed JSON (\(error)); it must print one JSON object")
    }
    return try entry(from: json, path: path)
  }

  /// Checks a `describe` object: protocol 1, a kind, a kebab-case name, options as declared.
  static func entry(from json: JSON, path: String) throws -> PluginEntry {
    func fail(_ reason: String) -> EvalError { .badFile(path: path, reason: "describe: " + reason) }
    guard case .object = json else { throw fail("must print a JSON object") }
    guard json["protocol"]?.intValue == protocolVersion else {
      throw fail("speaks protocol \(json["protocol"]?.render() ?? "none"), but gan-eval speaks protocol \(protocolVersion); add \"protocol\": 1")
    }
    guard let kindText = json["kind"]?.stringValue, let kind = PluginKind(rawValue: kindText) else {
      throw fail("kind is \(json["kind"]?.render() ?? "missing"); give one of metric, transform, generator, features")
    }
    guard let name = json["name"]?.stringValue, OptionSpec.isValidName(name) else {
      throw fail("name is \(json["name"]?.render() ?? "missing"); give a kebab-case name (a-z, 0-9, -)")
    }
    let options: [OptionSpec]
    switch json["options"] {
    case nil, .null?: options = []
    case .array(let items)?: options = try items.map { try OptionSpec(json: $0, plugin: path) }
    default: throw fail("options must be a list of option objects")
    }
    var names: Set<String> = []
    for spec in options {
      guard names.insert(spec.name).inserted else { throw fail("option '\(spec.name)' is declared twice") }
      guard !Catalogue.reservedNames.contains(spec.name) else {
        throw fail("option '\(spec.name)' is one of gan-eval's own options (\(Catalogue.reservedNames.sorted().joined(separator: ", "))); rename it")
      }
    }
    return PluginEntry(kind: kind, name: name, summary: json["summary"]?.stringValue ?? "", options: options, origin: .external(path: path))
  }

  // MARK: - The five verbs

  public func evaluate(_ sets: [ImageSet], context: RunContext) throws -> Report {
    let work = try run(verb: "evaluate", sets: sets, extra: [], context: context)
    defer { work.remove() }
    let resultPath = work.out + "/result.json"
    guard let bytes = try? readFile(resultPath), bytes.count <= Self.maxJSONBytes else {
      throw failure("wrote no result.json (or one over \(Self.maxJSONBytes >> 20) MiB) in its output directory")
    }
    var report = try Self.parseResult(bytes, metric: entry.name, plugin: entry.displayName)
    for name in try FileManager.default.contentsOfDirectory(atPath: work.out).sorted() where name.hasSuffix(".csv") || name.hasSuffix(".svg") {
      report.attachments.append((name, try readFile(work.out + "/" + name)))
    }
    return report
  }

  /// Reads an `evaluate` run's result.json: `{"scalars": {"name": number, ...}, "lines": [...]}`.
  public static func parseResult(_ bytes: [UInt8], metric: String, plugin: String) throws -> Report {
    func failure(_ reason: String) -> EvalError { .badParameter(name: plugin, reason: reason) }
    let json: JSON
    do { json = try JSON.parse(bytes) } catch { throw failure("wrote malformed result.json: \(error)") }
    guard case .object(let scalarPairs)? = json["scalars"] else {
      throw failure("result.json must hold {\"scalars\": {\"name\": number, ...}}")
    }
    var report = Report(metric: metric)
    for (key, value) in scalarPairs {
      guard value.doubleValue != nil else { throw failure("result.json scalar '\(key)' is \(value.render()), not a number") }
      report.scalars.append((key, value))
    }
    if case .array(let lines)? = json["lines"] { report.lines = lines.compactMap(\.stringValue) }
    if report.lines.isEmpty {
      report.lines = scalarPairs.map { "\(metric): \($0.0) \($0.1.render())" }
    }
    return report
  }

  public func apply(_ set: ImageSet, context: RunContext) throws -> ImageSet {
    let work = try run(verb: "apply", sets: [set], extra: [], context: context)
    defer { work.remove() }
    return try Self.loadOutputSet(work.out + "/set", expected: set.count, what: "out/set/", threads: context.threads, plugin: entry.displayName)
  }

  public func features(of set: ImageSet, reference: ImageSet?, context: RunContext) throws -> Features {
    let sets = [set] + (reference.map { $0.source == set.source ? [] : [$0] } ?? [])
    let work = try run(verb: "features", sets: sets, extra: [], context: context)
    defer { work.remove() }
    let path = work.out + "/features.npy"
    guard FileManager.default.fileExists(atPath: path) else { throw failure("wrote no features.npy in its output directory") }
    let array: NPY.Array
    do { array = try NPY.read(path) } catch { throw failure("wrote an unreadable features.npy: \(error)") }
    guard array.descr == "<f4" else { throw failure("features.npy has dtype \(array.descr); it must be float32 ('<f4')") }
    guard array.shape.count == 2, array.shape[0] == set.count, array.shape[1] >= 1 else {
      throw failure("features.npy has shape \(array.shape); it must be N×D with N = \(set.count) (the images of \(set.name), in sorted file order)")
    }
    guard array.values.allSatisfy(\.isFinite) else { throw failure("features.npy holds NaN or infinite values") }
    return Features(rows: array.shape[0], columns: array.shape[1], values: array.values.map(Float.init))
  }

  public func identity() throws -> String {
    // the executable's bytes: a changed plugin must not reuse cached features
    String(format: "external %016llx", fnv1a64(try readFile(path)))
  }

  public func train(on real: ImageSet, context: RunContext) throws -> TrainingOutcome {
    let started = Date()
    let work = try run(verb: "train", sets: [real], extra: [], context: context)
    defer { work.remove() }
    let names = try FileManager.default.contentsOfDirectory(atPath: work.out).sorted()
    guard !names.isEmpty else { throw failure("wrote nothing into its run directory") }
    try makeDirectory(context.outputDirectory)
    for name in names {
      let target = context.outputDirectory + "/" + name
      try? FileManager.default.removeItem(atPath: target)
      try FileManager.default.moveItem(atPath: work.out + "/" + name, toPath: target)
    }
    let seconds = Date().timeIntervalSince(started)
    return TrainingOutcome(
      epochsDone: 0, stepsDone: 0, interrupted: false, seconds: seconds, imagesPerSecond: Double(real.count) / max(seconds, 1e-9),
      files: names.map { context.outputDirectory + "/" + $0 },
      lines: ["trained \(entry.name) (external, \(path)) on \(real.count) images of \(real.name) in \(String(format: "%.1f", seconds)) s; run: \(context.outputDirectory)"],
      scalars: [("seconds", .number(seconds))])
  }

  // MARK: - Running

  struct Work {
    var directory: String
    var out: String { directory + "/out" }
    func remove() { try? FileManager.default.removeItem(atPath: directory) }
  }

  func failure(_ reason: String) -> EvalError { .badParameter(name: entry.displayName, reason: reason) }

  /// Writes the request (each set also as float32 N×H×W .npy), runs `EXECUTABLE run REQUEST`, and
  /// returns the work directory; the plugin's output is in `out/`.
  func run(verb: String, sets: [ImageSet], extra: [(String, JSON)], context: RunContext) throws -> Work {
    try ExternalPlugin.runRequest(path: path, entry: entry, values: values, verb: verb, sets: sets, extra: extra, context: context)
  }

  static func runRequest(
    path: String, entry: PluginEntry, values: OptionValues?, verb: String, sets: [ImageSet], extra: [(String, JSON)], context: RunContext
  ) throws -> Work {
    let template = FileManager.default.temporaryDirectory.path + "/gan-eval-plugin-XXXXXX"
    var buffer = Array(template.utf8CString)
    guard let made = mkdtemp(&buffer) else { throw EvalError.cannotWrite(path: template, reason: "cannot make a temporary directory") }
    let work = Work(directory: String(cString: made))
    do {
      try makeDirectory(work.out)
      var setEntries: [JSON] = []
      for (index, set) in sets.enumerated() {
        let npy = work.directory + "/set-\(index).npy"
        try NPY.writeFloat32(npy, shape: [set.count, set.height, set.width], values: set.pixels)
        setEntries.append(.object([
          ("name", .string(set.name)), ("path", .string(absolute(set.source))), ("count", .int(set.count)),
          ("width", .int(set.width)), ("height", .int(set.height)), ("npy", .string(npy)),
          ("files", .array(set.files.map(JSON.string))), ("labels", .array(set.labels.map { $0.map(JSON.string) ?? .null })),
        ]))
      }
      let options: JSON = values.map { $0.json } ?? .object([])
      let request = JSON.object(
        [
          ("protocol", .int(protocolVersion)), ("verb", .string(verb)), ("sets", .array(setEntries)), ("options", options),
          ("seed", .int(Int(truncatingIfNeeded: context.seed))), ("threads", .int(context.threads)), ("out", .string(work.out)),
        ] + extra)
      let requestPath = work.directory + "/request.json"
      try writeTextAtomically(requestPath, request.render() + "\n")
      let run = try PluginProcess.run(
        path, arguments: ["run", requestPath], directory: work.directory, timeout: context.pluginTimeout, quiet: context.quiet, label: entry.name)
      guard run.status == 0 else {
        throw EvalError.badParameter(name: entry.displayName, reason: "`run` \(verb) failed (\(run.ending))" + (run.tail.isEmpty ? "" : ": " + run.tail))
      }
      return work
    } catch {
      work.remove()
      throw error
    }
  }

  /// Loads the sample set a plugin wrote and checks its size.
  static func loadOutputSet(_ directory: String, expected: Int, what: String, threads: Int, plugin: String) throws -> ImageSet {
    func failure(_ reason: String) -> EvalError { .badParameter(name: plugin, reason: reason) }
    guard FileManager.default.fileExists(atPath: directory) else { throw failure("wrote no \(what) sample set") }
    let set: ImageSet
    do { set = try SampleDirectory.load(directory, options: LoadOptions(threads: threads)) } catch {
      throw failure("wrote a sample set gan-eval cannot read: \(error)")
    }
    guard set.count == expected else { throw failure("wrote \(set.count) images in \(what); \(expected) were asked for") }
    return set
  }
}

func absolute(_ path: String) -> String {
  path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}

/// Plugins described in this process, so a lookup does not run `describe` twice.
final class Described: @unchecked Sendable {
  private let lock = NSLock()
  private var entries: [String: PluginEntry] = [:]
  func get(_ path: String) -> PluginEntry? { lock.withLock { entries[path] } }
  func set(_ path: String, _ entry: PluginEntry) { lock.withLock { entries[path] = entry } }
}

/// A generator model that lives in an external plugin's run directory; `sample` runs the plugin.
struct ExternalGeneratorModel: GeneratorModel {
  let path: String
  let entry: PluginEntry
  let run: String
  let classes: [String]
  let quiet: Bool
  let timeout: Double
  var isConditional: Bool { !classes.isEmpty }

  init(path: String, entry: PluginEntry, run: String, quiet: Bool, timeout: Double) throws {
    (self.path, self.entry, self.run, self.quiet, self.timeout) = (path, entry, run, quiet, timeout)
    classes = (try? GeneratorRunRecord.read(run))?.classes ?? []
  }

  func sample(count: Int, labels: [Int]?, seed: UInt64, threads: Int) throws -> ImageSet {
    var context = RunContext(outputDirectory: run, seed: seed, threads: threads, quiet: quiet)
    context.pluginTimeout = timeout
    let names: JSON = .array((labels ?? []).map { .string(classes[$0]) })
    let work = try ExternalPlugin.runRequest(
      path: path, entry: entry, values: nil, verb: "sample", sets: [],
      extra: [("run", .string(absolute(run))), ("n", .int(count)), ("labels", names)], context: context)
    defer { work.remove() }
    return try ExternalPlugin.loadOutputSet(work.out, expected: count, what: "out/", threads: threads, plugin: entry.displayName)
  }
}
