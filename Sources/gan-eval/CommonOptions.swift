import ArgumentParser
import GANEval

/// Options every command shares, declared once and pulled in with `@OptionGroup`.
struct CommonOptions: ParsableArguments {
  @Option(help: "Output directory (default: gan-eval-out/<command>).")
  var out: String?

  @Flag(help: "Also write SVG figures.")
  var svg = false

  @Option(help: "Random seed; the same seed and input give the same output (default: 0).")
  var seed: UInt64?

  @Option(help: "Worker threads (results do not depend on it).")
  var threads: Int = defaultThreadCount

  @Flag(help: "No progress output on stderr.")
  var quiet = false

  @Flag(help: "Print summary.json to stdout instead of the text summary.")
  var json = false

  @Option(name: .customLong("name"), help: "A display name for each set, in order (default: each directory's base name).")
  var names: [String] = []

  @Flag(help: "Skip unreadable or corrupt images, listing them in the summary, instead of failing.")
  var skipBad = false

  @Flag(help: "Resample images whose size differs from the first image instead of failing.")
  var resize = false

  @Option(help: "Channels: auto (RGB files stay RGB, gray stay gray), rgb, or luma (ITU-R 601 luminance, as Pillow's convert(\"L\")).")
  var color: String = "auto"

  @Option(help: "Seconds an external plugin may run before it is stopped.")
  var pluginTimeout: Double = 3600

  func validate() throws {
    guard threads >= 1 && threads <= 256 else { throw ValidationError("--threads must be from 1 to 256, got \(threads)") }
    guard pluginTimeout > 0 && pluginTimeout.isFinite else { throw ValidationError("--plugin-timeout must be a positive number of seconds") }
    guard ColorMode(rawValue: color) != nil else { throw ValidationError("--color must be auto, rgb or luma, got \(color)") }
  }

  /// The run context of a command; `--json` implies quiet progress.
  func context(command: String) -> RunContext {
    var context = RunContext(outputDirectory: out ?? "gan-eval-out/\(command)", seed: seed ?? 0, threads: threads, quiet: quiet || json, makeFigures: svg)
    context.setNames = names
    context.skipBad = skipBad
    context.resize = resize
    context.pluginTimeout = pluginTimeout
    context.color = ColorMode(rawValue: color) ?? .auto
    return context
  }

  /// Prints a run's summary: summary.json with --json, else the report's lines and the files written.
  func printSummary(_ outcome: Evaluation.Outcome) {
    print(json ? outcome.summary.render() : OutputWriter.screenSummary(outcome.report, sets: outcome.sets, written: outcome.written))
  }
}

/// Runs a metric by name over the directories and options in `words`: what `evaluate` and every
/// named metric command do.
func runMetric(_ name: String, words: [String], common: CommonOptions) throws {
  let entry = try Catalogue.find(name, kind: .metric)
  let (directories, pairs) = try splitArguments(words, specs: entry.options)
  let outcome = try Evaluation.run(metric: name, options: pairs, directories: directories, context: common.context(command: entry.name))
  common.printSummary(outcome)
}

/// The `--help` discussion of a named command: its text, then the plugin's declared options.
func pluginHelp(_ kind: PluginKind, _ name: String, _ text: String) -> String {
  let options = Catalogue.builtins.first { $0.kind == kind && $0.name == name }?.optionsHelp ?? ""
  return text + (options.isEmpty ? "" : "\n\n" + options)
}
