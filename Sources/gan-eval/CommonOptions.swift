import ArgumentParser
import GANEval
import Workers

/// Options every evaluation command shares.
struct CommonOptions: ParsableArguments {
  @Option(help: "Output directory (default: gan-eval-out/<command>).")
  var out: String?

  @Flag(help: "Also write SVG figures.")
  var svg = false

  @Option(help: "Random seed; the same seed and input give the same output.")
  var seed: UInt64 = 0

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

  func validate() throws {
    guard threads >= 1 && threads <= 256 else {
      throw ValidationError("--threads must be from 1 to 256, got \(threads)")
    }
  }

  func settings(command: String) -> RunSettings {
    var settings = RunSettings(outputDirectory: out ?? "gan-eval-out/\(command)")
    settings.makeFigures = svg
    settings.seed = seed
    settings.threads = threads
    settings.quiet = quiet || json
    settings.printJSON = json
    settings.setNames = names
    settings.skipBad = skipBad
    settings.resize = resize
    return settings
  }
}

/// Runs a metric by name and prints its summary: what every metric subcommand does.
func runMetric(_ name: String, options: [String: String], directories: [String], common: CommonOptions) throws {
  let settings = common.settings(command: name)
  let outcome = try Evaluation.run(metric: name, options: options, directories: directories, settings: settings)
  if settings.printJSON {
    print(outcome.summary.render())
  } else {
    print(OutputWriter.screenSummary(outcome.report, sets: outcome.sets, written: outcome.written))
  }
}
