import EvalCore
import Foundation
import ImageIO
import NeuralNet
import Workers

/// A trained GAN generator: noise (and a one-hot label) in, an image in [−1, 1] out, shown as [0, 1];
/// gray or RGB as the generator's last layer has 1 or 3 channels.
public final class GANModel: GeneratorModel {
  public let generator: Network
  public let noise: Int
  public let classes: [String]
  public let height: Int
  public let width: Int
  /// 1 (gray) or 3 (RGB).
  public let channels: Int
  public var isConditional: Bool { !classes.isEmpty }

  init(generator: Network, noise: Int, classes: [String], height: Int, width: Int, channels: Int = 1) {
    (self.generator, self.noise, self.classes, self.height, self.width, self.channels) = (generator, noise, classes, height, width, channels)
  }

  static func metadata(gan: GAN, conditional: Bool, classes: [String]) -> [(String, String)] {
    [
      ("kind", "gan-generator"), ("arch", gan.architecture.rawValue), ("noise", "\(gan.noise)"),
      ("conditional", conditional ? "yes" : "no"), ("classes", classes.joined(separator: "\t")),
    ]
  }

  /// Reads `generator.ganet` from a run directory (or the file itself).
  public static func load(_ directory: String) throws -> GANModel {
    let path = directory.hasSuffix(".ganet") ? directory : directory + "/generator.ganet"
    guard FileManager.default.fileExists(atPath: path) else {
      throw EvalError.badParameter(name: directory, reason: "no generator.ganet here; train one with `gan-eval train gan REAL --out \(directory)`")
    }
    let network: Network
    do { network = try ModelFile.decode(try readFile(path), path: path) } catch let error as NetworkError {
      throw EvalError.badFile(path: path, reason: error.description)
    }
    guard network.metadata("kind") == "gan-generator", let noiseText = network.metadata("noise"), let noise = Int(noiseText) else {
      throw EvalError.badFile(path: path, reason: "a gan-eval model, but not a GAN generator")
    }
    let conditional = network.metadata("conditional") == "yes"
    let classes = conditional ? (network.metadata("classes") ?? "").split(separator: "\t", omittingEmptySubsequences: false).map(String.init) : []
    let output = network.outputShape()
    guard network.input.count == noise + classes.count, output.channels == 1 || output.channels == 3 else {
      throw EvalError.badFile(path: path, reason: "the generator's input or output does not match its noise and classes")
    }
    return GANModel(generator: network, noise: noise, classes: classes, height: output.height, width: output.width, channels: output.channels)
  }

  /// `count` images named `<label>/<index>.png` (conditional) or `<index>.png`; deterministic in the seed.
  public func sample(count: Int, labels: [Int]?, seed: UInt64, threads: Int) throws -> ImageSet {
    if isConditional {
      guard let labels, labels.count == count, labels.allSatisfy({ classes.indices.contains($0) }) else {
        throw EvalError.badParameter(name: "--labels", reason: "a conditional generator needs one label in 0..<\(classes.count) per image")
      }
    }
    useSingleThreadedBLAS()
    var random = SplitMix64(seed: seed)
    var pixels: [Float] = []
    pixels.reserveCapacity(count * height * width * channels)
    let batchSize = 256
    for start in stride(from: 0, to: count, by: batchSize) {
      let n = min(batchSize, count - start)
      let widthIn = noise + classes.count
      var data = [Float](repeating: 0, count: n * widthIn)
      for r in 0..<n {
        for j in 0..<noise { data[r * widthIn + j] = Float(random.nextGaussian()) }
        if let labels, isConditional { data[r * widthIn + noise + labels[start + r]] = 1 }
      }
      var pass = Pass(training: false, threads: threads)
      let out = generator.forward(Tensor(rows: n, features: widthIn, data: data), &pass)
      pixels += out.interleavedImages().map { min(1, max(0, ($0 + 1) / 2)) }
    }
    let digits = String(count).count
    let files = (0..<count).map { i -> String in
      let name = String(repeating: "0", count: max(0, digits - String(i).count)) + "\(i).png"
      return labels.map { classes.isEmpty ? name : classes[$0[i]] + "/" + name } ?? name
    }
    let setLabels: [String?] = (0..<count).map { i in labels.flatMap { classes.isEmpty ? nil : classes[$0[i]] } }
    return ImageSet(name: "samples", source: "generator", width: width, height: height, files: files, labels: setLabels, pixels: pixels, channels: channels)
  }
}
