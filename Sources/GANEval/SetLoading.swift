import Foundation
import Metrics
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

/// Loads the sets of a run where some are stats files (`.gestats`) standing for sample
/// directories: the directories as `loadSets` does, the files read and checked against each
/// other, against the directories' image size, and against the metric's feature spaces (each
/// must be in the file, from the same extractor: e.g. the same classifier file, by its hash).
public func loadInputs(_ paths: [String], requests: [FeatureRequest], context: RunContext) throws -> [SetInput] {
  if !context.setNames.isEmpty && context.setNames.count != paths.count {
    throw EvalError.badParameter(name: "--name", reason: "give one name per set (\(paths.count)), or none to use the file and directory names")
  }
  let directories = paths.indices.filter { !StatsRun.isStatsFile(paths[$0]) }
  var directoryContext = context
  directoryContext.setNames = context.setNames.isEmpty ? [] : directories.map { context.setNames[$0] }
  var sets = try loadSets(directories.map { paths[$0] }, context: directoryContext)[...]
  let expected = try Dictionary(uniqueKeysWithValues: requests.map { ($0.name, try StatsRun.extractorIdentity([$0]).extractor) })
  var inputs: [SetInput] = []
  var shape: (path: String, width: Int, height: Int, channels: Int)? = sets.first.map { ($0.source, $0.width, $0.height, $0.channels) }
  for (index, path) in paths.enumerated() {
    guard StatsRun.isStatsFile(path) else {
      inputs.append(.images(sets.removeFirst()))
      continue
    }
    let stats = try StatsRun.read(path)
    let id = stats.identity
    if let shape, (shape.width, shape.height, shape.channels) != (id.width, id.height, id.channels) {
      throw EvalError.badFile(
        path: path, reason: "holds statistics of \(id.width)×\(id.height)×\(id.channels) images, but \(shape.path) has \(shape.width)×\(shape.height)×\(shape.channels)")
    }
    shape = shape ?? (path, id.width, id.height, id.channels)
    let stored = StatsRun.spaceIdentities(id)
    for request in requests {
      guard let have = stored[request.name] else {
        throw EvalError.badFile(
          path: path,
          reason: "holds no '\(request.name)' feature space (it holds: \(stored.keys.sorted().joined(separator: ", ")) ); rerun `gan-eval stats` with --features \(request.name), or pass --features with the spaces it holds")
      }
      if request.name + "=" + have != expected[request.name] {
        throw EvalError.badFile(
          path: path, reason: "its '\(request.name)' features come from \(have.isEmpty ? "another extractor" : "'\(have)'"), this run's from '\(expected[request.name]!.dropFirst(request.name.count + 1))': compare with the same extractor")
      }
    }
    if id.shards.count != id.shardCount {
      throw EvalError.badFile(path: path, reason: "covers shards \(id.shards.map(String.init).joined(separator: ",")) of \(id.shardCount) only; merge every shard first (`gan-eval merge`)")
    }
    let name = context.setNames.isEmpty ? ((path as NSString).lastPathComponent as NSString).deletingPathExtension : context.setNames[index]
    inputs.append(.stats(StatsInput(name: name, path: path, stats: stats)))
  }
  return inputs
}
