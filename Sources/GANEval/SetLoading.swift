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

/// The first image shape a run read, which later chunks and sets must match (or are resized to).
private final class RunShape: @unchecked Sendable {
  var first: (source: String, file: String, width: Int, height: Int, channels: Int)?
}

/// The sample directories of a run as streamed sets, read `StatsRun.defaultChunkSize` images at
/// a time by a `StreamingMetric`: the same names, size, colour and `--skip-bad` rules as
/// `loadSets`, with one chunk of pixels held at a time. The file list is not held either: each
/// directory is counted, then walked in its sorted order as it is read.
public func streamSets(_ directories: [String], chunkSize: Int = StatsRun.defaultChunkSize, context: RunContext) throws -> [StreamedSet] {
  precondition(chunkSize > 0, "a chunk holds at least one image")
  if !context.setNames.isEmpty && context.setNames.count != directories.count {
    throw EvalError.badParameter(
      name: "--name", reason: "give one name per directory (\(directories.count)), or none to use the directory names")
  }
  let shape = RunShape()
  var names: [String] = []
  var sets: [StreamedSet] = []
  for (index, directory) in directories.enumerated() {
    let total = try SampleDirectory.countImages(in: directory)
    guard total > 0 else {
      throw EvalError.badFile(path: directory, reason: "contains no PNG images nor JPEGs (looked in all subdirectories)")
    }
    let labelMap = try SampleDirectory.readLabelFile(in: directory)
    var name = context.setNames.isEmpty ? URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent : context.setNames[index]
    if names.contains(name) { name += "#\(index + 1)" }
    names.append(name)
    sets.append(StreamedSet(name: name, source: directory, listedCount: total) { [name] body in
      try readInChunks(directory, count: total, labelMap: labelMap, name: name, shape: shape, chunkSize: chunkSize, context: context, body)
    })
  }
  return sets
}

/// Reads the `count` images of `directory` in its sorted order, `chunkSize` at a time, giving
/// `body` each chunk and its images' positions in that order (`labelMap`: its labels.csv, if
/// any). The first chunk read in the run fixes the size (later images must match or, with
/// `--resize`, are resized) and the channels (a set or chunk that differs is refused, naming two
/// files). Checks for Ctrl-C between chunks.
func readInChunks(
  _ directory: String, count: Int, labelMap: [String: String]?, name: String, chunkSize: Int = StatsRun.defaultChunkSize,
  verb: String = "loading", context: RunContext, _ body: (ImageSet, [Int]) throws -> Void
) throws -> SetInfo {
  try readInChunks(
    directory, count: count, labelMap: labelMap, name: name, shape: RunShape(), chunkSize: chunkSize, verb: verb, context: context, body)
}

private func readInChunks(
  _ directory: String, count total: Int, labelMap: [String: String]?, name: String, shape: RunShape, chunkSize: Int = StatsRun.defaultChunkSize,
  verb: String = "loading", context: RunContext, _ body: (ImageSet, [Int]) throws -> Void
) throws -> SetInfo {
  var options = LoadOptions(skipBad: context.skipBad, resize: context.resize, threads: context.threads)
  options.color = context.color
  let progress = ProgressReporter("\(verb) \(directory)", total: total, quiet: context.quiet)
  var info = SetInfo(name: name, source: directory, count: 0, width: 0, height: 0, channels: 0, classes: [], isLabelled: true, skipped: [])
  var classes = Set<String>()
  var kinds = Set<String>()
  func read(_ files: [String], from start: Int) throws {
    if context.shouldStop() { throw EvalError.badParameter(name: directory, reason: "stopped before the end; nothing written") }
    kinds.insert(SampleDirectory.kind(of: files))
    let labels = SampleDirectory.labelsOf(files, labelMap: labelMap)
    if let first = shape.first { options.targetSize = (first.width, first.height) }
    options.progress = progress
    var chunk: ImageSet
    do {
      chunk = try SampleDirectory.load(directory, files: files, labels: labels, name: name, options: options)
    } catch let error as EvalError where context.skipBad {
      // every file of this chunk is bad: skip each with its own reason and go on
      _ = error
      var one = options
      one.progress = nil
      for (file, label) in zip(files, labels) {
        do {
          _ = try SampleDirectory.load(directory, files: [file], labels: [label], options: one)
        } catch let reason as EvalError { info.skipped.append(reason) }
      }
      return
    }
    if let first = shape.first, first.channels != chunk.channels {
      let kind = { (channels: Int) in channels == 3 ? "RGB" : "gray" }
      throw EvalError.badParameter(
        name: "--color",
        reason: "images compared with each other must agree: \(first.source)/\(first.file) is \(kind(first.channels)) but \(directory)/\(chunk.files.first ?? "") is \(kind(chunk.channels)); pass --color luma to compare luminance, or --color rgb")
    }
    if shape.first == nil { shape.first = (directory, chunk.files.first ?? "", chunk.width, chunk.height, chunk.channels) }
    // the positions of the images read: the chunk keeps the files' order, skipping bad ones
    var positions: [Int] = []
    positions.reserveCapacity(chunk.count)
    var next = 0
    for file in chunk.files {
      while files[next] != file { next += 1 }
      positions.append(start + next)
      next += 1
    }
    info.count += chunk.count
    (info.width, info.height, info.channels) = (chunk.width, chunk.height, chunk.channels)
    for label in chunk.labels {
      if let label { classes.insert(label) } else { info.isLabelled = false }
    }
    info.skipped += chunk.skipped
    try body(chunk, positions)
  }
  var (pending, start, seen) = ([String](), 0, 0)
  pending.reserveCapacity(chunkSize)
  try SampleDirectory.forEachImage(in: directory) { file in
    pending.append(file)
    seen += 1
    if pending.count == chunkSize {
      try read(pending, from: start)
      start += pending.count
      pending.removeAll(keepingCapacity: true)
    }
  }
  if !pending.isEmpty { try read(pending, from: start) }
  guard seen == total else {
    throw EvalError.badFile(path: directory, reason: "changed while it was read (\(total) images, then \(seen)); run the command again")
  }
  progress.finish()
  guard info.count > 0 else {
    let kind = kinds.count == 1 ? kinds.first! : "image"
    throw EvalError.badFile(path: directory, reason: "none of its \(total) \(kind) files could be read")
  }
  info.classes = classes.sorted(by: naturalOrder)
  return info
}
