import ImageIO
import Metrics
import Workers

/// The options every command shares, independent of the command-line parser.
public struct RunSettings: Sendable {
  public var outputDirectory: String
  public var makeFigures = false
  public var seed: UInt64 = 0
  public var threads = defaultThreadCount
  public var quiet = false
  public var printJSON = false
  public var setNames: [String] = []
  public var skipBad = false
  public var resize = false

  public init(outputDirectory: String) { self.outputDirectory = outputDirectory }

  public var context: EvaluationContext {
    EvaluationContext(seed: seed, threads: threads, makeFigures: makeFigures, quiet: quiet)
  }
}

/// Loads the sample directories named on the command line, checking they can be compared.
public func loadSets(_ directories: [String], settings: RunSettings) throws -> [ImageSet] {
  if !settings.setNames.isEmpty && settings.setNames.count != directories.count {
    throw EvalError.badParameter(
      name: "--name", reason: "give one name per directory (\(directories.count)), or none to use the directory names")
  }
  var sets: [ImageSet] = []
  for (index, directory) in directories.enumerated() {
    var options = LoadOptions(skipBad: settings.skipBad, resize: settings.resize, threads: settings.threads)
    if let first = sets.first { options.targetSize = (first.width, first.height) }
    let files = try SampleDirectory.listImages(in: directory)
    let progress = ProgressReporter("loading \(directory)", total: files.count, quiet: settings.quiet)
    options.progress = progress
    var set = try SampleDirectory.load(
      directory, name: settings.setNames.isEmpty ? nil : settings.setNames[index], options: options)
    progress.finish()
    if sets.contains(where: { $0.name == set.name }) { set.name += "#\(index + 1)" }
    sets.append(set)
  }
  return sets
}
