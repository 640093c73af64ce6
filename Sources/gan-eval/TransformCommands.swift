import ArgumentParser
import GANEval

extension GanEval {
  /// `transform NAME SET --out DIR [--option value]`: any transform plugin.
  struct TransformCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "transform", abstract: "Apply any transform plugin (built-in or external) to a sample set; writes a new set to --out.",
      discussion: "gan-eval transform NAME SET --out DIR [--OPTION VALUE ...]; `gan-eval plugins NAME` lists the options.")

    @Argument(help: "The transform plugin (see `gan-eval plugins`), or a path to an external plugin.")
    var transform: String

    @Argument(parsing: .allUnrecognized, help: "The sample directory, then the transform's options.")
    var words: [String] = []

    @Flag(help: "Replace --out if it exists.")
    var overwrite = false

    @OptionGroup var common: CommonOptions

    func run() throws { try runTransform(transform, words: words, overwrite: overwrite, common: common) }
  }

  struct Filter: ParsableCommand {
    static var configuration: CommandConfiguration {
      CommandConfiguration(
        abstract: "Gaussian post-filter: write a smoothed copy of a sample set (same file names and labels).",
        discussion: pluginHelp(.transform, "gaussian", "Matches scipy.ndimage.gaussian_filter on the image as float64 gray levels, rounded to 8 bits."))
    }

    @Argument(parsing: .allUnrecognized, help: "The sample directory to filter, then options (--sigma is required).")
    var words: [String] = []

    @Flag(help: "Replace --out if it exists.")
    var overwrite = false

    @OptionGroup var common: CommonOptions

    func run() throws { try runTransform("gaussian", words: words, overwrite: overwrite, common: common) }
  }
}

/// Applies a transform by name: the set and options come from `words`; the default output is
/// the input directory's name with `-<transform>` appended.
func runTransform(_ name: String, words: [String], overwrite: Bool, common: CommonOptions) throws {
  let entry = try Catalogue.find(name, kind: .transform)
  let (positionals, pairs) = try splitArguments(words, specs: entry.options)
  guard positionals.count == 1 else {
    throw ValidationError("give exactly one sample directory to \(entry.name) (got \(positionals.count): \(positionals.joined(separator: " ")))")
  }
  let directory = positionals[0]
  var context = common.context(command: "transform")
  if common.out == nil { context.outputDirectory = directory.trimmingSlashes + "-" + entry.name }
  let (input, output, parameters) = try Evaluation.transform(
    name, options: pairs, directory: directory, output: context.outputDirectory, overwrite: overwrite, context: context)
  if common.json {
    print(parameters.render())
    return
  }
  if entry.name == "gaussian", case .object(let values) = parameters {
    let value = { (key: String) in values.first { $0.0 == key }?.1.doubleValue.map { "\($0)" } ?? "?" }
    print("filtered \(input.count) images of \(input.width)x\(input.height) with sigma \(value("sigma")) (\(values.first { $0.0 == "mode" }?.1.plainText ?? "?"), truncate \(value("truncate")))")
  } else {
    print("\(entry.name): \(input.count) images of \(input.width)x\(input.height) (\(parameters.plainOptions))")
  }
  print("wrote sample set \(context.outputDirectory) (\(output.count) images)")
}

extension String {
  var trimmingSlashes: String {
    var s = self
    while s.count > 1 && s.hasSuffix("/") { s.removeLast() }
    return s
  }
}

extension JSON {
  /// `sigma 1, mode reflect` for a parameters object.
  var plainOptions: String {
    guard case .object(let pairs) = self else { return plainText }
    return pairs.map { "\($0.0) \($0.1.plainText)" }.joined(separator: ", ")
  }
}
