import Foundation
import Workers

/// Writes an image set as a sample directory of 8-bit gray PNGs.
public enum ImageSetWriter {
  /// Writes `set` to `directory`, built aside and renamed into place.
  ///
  /// Files keep their relative names. Labels that are not already implied by a class
  /// subdirectory are written to `labels.csv`, so every label survives the round trip.
  public static func write(
    _ set: ImageSet, to directory: String, overwrite: Bool = false, threads: Int = defaultThreadCount,
    progress: ProgressReporter? = nil
  ) throws {
    try buildDirectoryAtomically(directory, overwrite: overwrite) { staging in
      try writeImages(set, into: staging, reportAs: directory, threads: threads, progress: progress)
      try writeLabels(files: set.files, labels: set.labels, into: staging)
    }
  }

  /// Writes the set's images as PNGs under `staging` (a directory being built, shown to the user
  /// as `directory`), creating their class folders: one call per chunk when streaming.
  public static func writeImages(
    _ set: ImageSet, into staging: String, reportAs directory: String, threads: Int = defaultThreadCount, progress: ProgressReporter? = nil
  ) throws {
    let folders = Set(set.files.compactMap { file -> String? in
      let parent = (file as NSString).deletingLastPathComponent
      return parent.isEmpty ? nil : parent
    })
    for folder in folders.sorted() { try makeDirectory(staging + "/" + folder) }
    try parallelFor(set.count, threads: threads) { index in
      let bytes = try set.pixels.withUnsafeBufferPointer { all in
        try PNG.encode8(
          UnsafeBufferPointer(rebasing: all[(index * set.valuesPerImage)..<((index + 1) * set.valuesPerImage)]),
          width: set.width, height: set.height, channels: set.channels)
      }
      try writeFile(staging + "/" + set.files[index], bytes, reportAs: directory + "/" + set.files[index])
      progress?.advance()
    }
  }

  /// Writes `labels.csv` under `staging` unless every label is already the file's class folder.
  public static func writeLabels(files: [String], labels: [String?], into staging: String) throws {
    let impliedByFolder = zip(files, labels).allSatisfy { file, label in
      label == nil || file.split(separator: "/").first.map(String.init) == label && file.contains("/")
    }
    if !impliedByFolder {
      var text = CSV.record(["file", "label"])
      for (file, label) in zip(files, labels) { text += CSV.record([file, label ?? ""]) }
      try writeFile(staging + "/" + SampleDirectory.labelFileName, Array(text.utf8))
    }
  }

  /// File names for `count` new images: class subdirectories when labelled, zero-padded indices.
  public static func generatedNames(count: Int, labels: [String?]) -> [String] {
    let digits = max(5, String(max(count - 1, 0)).count)
    return (0..<count).map { index in
      let name = String(repeating: "0", count: max(0, digits - String(index).count)) + String(index) + ".png"
      if let label = labels[index] { return label + "/" + name }
      return name
    }
  }
}
