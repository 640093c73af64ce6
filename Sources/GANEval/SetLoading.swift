import EvalCore
import ImageIO
import Workers

/// Loads the sample directories of a run, checking they can be compared: one size (or
/// `resize`), distinct names, bad files skipped only when asked.
public func loadSets(_ directories: [String], context: RunContext) throws -> [ImageSet] {
  if !context.setNames.isEmpty && context.setNames.count != directories.count {
    throw EvalError.badParameter(
      name: "--name", reason: "give one name per directory (\(directories.count)), or none to use the directory names")
  }
  var sets: [ImageSet] = []
  for (index, directory) in directories.enumerated() {
    var options = LoadOptions(skipBad: context.skipBad, resize: context.resize, threads: context.threads)
    options.color = context.color
    if let first = sets.first { options.targetSize = (first.width, first.height) }
    let files = try SampleDirectory.listImages(in: directory)
    let progress = ProgressReporter("loading \(directory)", total: files.count, quiet: context.quiet)
    options.progress = progress
    var set = try SampleDirectory.load(
      directory, name: context.setNames.isEmpty ? nil : context.setNames[index], options: options)
    progress.finish()
    if sets.contains(where: { $0.name == set.name }) { set.name += "#\(index + 1)" }
    if let first = sets.first, first.channels != set.channels {
      let describe = { (s: ImageSet) in "\(s.source)/\(s.files.first ?? "") is \(s.isColor ? "RGB" : "gray")" }
      throw EvalError.badParameter(
        name: "--color",
        reason: "sets compared with each other must agree: \(describe(first)) but \(describe(set)); pass --color luma to compare luminance, or --color rgb")
    }
    sets.append(set)
  }
  return sets
}
