import Foundation
import GANEval
import ImageIO
import NeuralNet
import SetStatistics
import TSNE

/// The body of each fuzz target: feed the bytes to one parser through the path the command line
/// uses. Errors are the expected outcome for most inputs and are ignored; a crash, a hang, a leak
/// or an allocation past libFuzzer's limits is what the fuzzer reports.
public enum FuzzTargets {
  /// PNG through the sample-set loader: a directory holding the input as its one image.
  public static func png(_ data: UnsafeBufferPointer<UInt8>) {
    _ = Scratch.write("png-set/a.png", data, makingDirectory: true)
    attempt { _ = try SampleDirectory.load(Scratch.directory + "/png-set", options: LoadOptions(threads: 1)) }
  }

  /// labels.csv beside one valid PNG in a sample directory.
  public static func labels(_ data: UnsafeBufferPointer<UInt8>) {
    _ = validPNG.withUnsafeBufferPointer { Scratch.write("label-set/0/a.png", $0, makingDirectory: true) }
    _ = Scratch.write("label-set/" + SampleDirectory.labelFileName, data, makingDirectory: true)
    attempt { _ = try SampleDirectory.load(Scratch.directory + "/label-set", options: LoadOptions(threads: 1)) }
  }

  /// MNIST IDX images, plus a label file when the input holds the separator line.
  public static func idx(_ data: UnsafeBufferPointer<UInt8>) {
    let (images, labels) = split(data, at: labelSeparator)
    let imagePath = Scratch.write("images-idx3-ubyte", images)
    let labelPath = labels.map { Scratch.write("labels-idx1-ubyte", $0) }
    attempt { _ = try Importers.readIDX(images: imagePath, labels: labelPath) }
  }

  /// CSV import (plain or gzip: the reader tells by the magic bytes).
  public static func csv(_ data: UnsafeBufferPointer<UInt8>) {
    let path = Scratch.write("images.csv", data)
    attempt { _ = try Importers.readCSV(path) }
  }

  /// NumPy .npy images, plus a labels .npy when the input holds the separator line.
  public static func npy(_ data: UnsafeBufferPointer<UInt8>) {
    let (images, labels) = split(data, at: labelSeparator)
    let imagePath = Scratch.write("x.npy", images)
    let labelPath = labels.map { Scratch.write("y.npy", $0) }
    attempt { _ = try Importers.readNPY(imagePath, labels: labelPath) }
  }

  /// A `.ganet` model file, read from memory as `classifier` and `sample` read it.
  public static func model(_ data: UnsafeBufferPointer<UInt8>) {
    attempt { _ = try ModelFile.decode(Array(data), path: "fuzz.ganet") }
  }

  /// A pipeline file: parsed and checked, never run.
  public static func pipeline(_ data: UnsafeBufferPointer<UInt8>) {
    attempt { _ = try PipelineFile.parse(String(decoding: data, as: UTF8.self), path: "fuzz.yaml") }
  }

  /// JPEG through the sample-set loader, as `.jpg` files are read beside PNGs.
  public static func jpeg(_ data: UnsafeBufferPointer<UInt8>) {
    _ = Scratch.write("jpeg-set/a.jpg", data, makingDirectory: true)
    attempt { _ = try SampleDirectory.load(Scratch.directory + "/jpeg-set", options: LoadOptions(threads: 1)) }
  }

  /// A CIFAR-10/100 "python version" batch: a pickle read by `import`.
  public static func cifar(_ data: UnsafeBufferPointer<UInt8>) {
    let path = Scratch.write("data_batch_1", data)
    attempt { _ = try Importers.readCIFAR(path) }
  }

  /// A NumPy .npz archive (a zip of .npy members, stored or deflated) read by `import`.
  public static func npz(_ data: UnsafeBufferPointer<UInt8>) {
    let path = Scratch.write("arrays.npz", data)
    attempt { _ = try Importers.readNPZ(path) }
  }

  /// A `.gestats` stats file, read from memory as `merge` and `fid` read it.
  public static func gestats(_ data: UnsafeBufferPointer<UInt8>) {
    attempt { _ = try SetStats.decode(Array(data), path: "fuzz.gestats") }
  }

  /// A `.tsnemap` saved t-SNE map, read from memory as `tsne --map` reads it.
  public static func tsnemap(_ data: UnsafeBufferPointer<UInt8>) {
    attempt { _ = try TSNEMap.decode(Array(data), path: "fuzz.tsnemap") }
  }

  /// An external plugin's JSON: what `describe` prints, or (after the separator line) the
  /// result.json of an `evaluate` run; inputs without the separator go to both readers.
  public static func plugin(_ data: UnsafeBufferPointer<UInt8>) {
    let (describe, result) = split(data, at: resultSeparator)
    attempt { _ = try ExternalPlugin.parseDescribe(Array(describe), path: "fuzz-plugin") }
    attempt { _ = try ExternalPlugin.parseResult(Array(result ?? describe), metric: "fuzz", plugin: "fuzz-plugin") }
  }

  /// Runs one parse; with GAN_EVAL_FUZZ_VERBOSE=1 prints its outcome (for checking a corpus).
  static func attempt(_ body: () throws -> Void) {
    do {
      try body()
      if verbose { print("parsed") }
    } catch {
      if verbose { print("refused: \(error)") }
    }
  }

  static let verbose = ProcessInfo.processInfo.environment["GAN_EVAL_FUZZ_VERBOSE"] == "1"

  /// Between an image file and its labels in a two-file input.
  static let labelSeparator = Array("\n--labels--\n".utf8)

  /// Between a plugin's `describe` output and its result.json in a plugin input.
  static let resultSeparator = Array("\n--result--\n".utf8)

  /// A 2×2 gray PNG, the one good image of the labels target's directory.
  static let validPNG: [UInt8] = (try? PNG.encode([0, 64, 128, 255], width: 2, height: 2)) ?? []
}
