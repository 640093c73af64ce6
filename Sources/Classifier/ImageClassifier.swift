import Foundation
import ImageIO
import NeuralNet
import Workers

/// A trained image classifier: the network, its class names, and which layer's output serves as
/// the feature vector for feature-space metrics (the penultimate dense layer, after ReLU).
public final class ImageClassifier {
  public let network: Network
  public let classes: [String]
  public let featureLayer: Int

  public var height: Int { network.input.height }
  public var width: Int { network.input.width }
  /// 1 (gray) or 3 (RGB): the channels of the images it reads, from the model's input line.
  public var channels: Int { network.input.channels }
  public var featureDimension: Int { network.outputShape(through: featureLayer).count }

  public init(network: Network, classes: [String], featureLayer: Int) {
    (self.network, self.classes, self.featureLayer) = (network, classes, featureLayer)
  }

  /// A LeNet-style CNN on C input channels: conv 5×5 (16 filters for gray, 32 for RGB) → ReLU →
  /// max-pool 2 → conv 5×5 (32) → ReLU → max-pool 2 → dense 128 → ReLU → dropout 0.3 → dense
  /// (classes). Features: the 128 values after ReLU. The first layer is wider for colour: it must
  /// find hue as well as stroke detectors. A gray network draws exactly the weights it always did.
  public static func leNet(classes: [String], height: Int, width: Int, channels: Int = 1, seed: UInt64) throws -> ImageClassifier {
    var random = SplitMix64(seed: seed)
    let pooled = (height / 2 / 2) * (width / 2 / 2) * 32
    let first = channels == 1 ? 16 : 32
    let network = try Network(
      input: Shape(channels: channels, height: height, width: width),
      layers: [
        Convolution(channels, first, kernel: 5, padding: 2, random: &random), Activation(.relu), MaxPool(2),
        Convolution(first, 32, kernel: 5, padding: 2, random: &random), Activation(.relu), MaxPool(2),
        Flatten(), Dense(pooled, 128, random: &random), Activation(.relu), Dropout(0.3), Dense(128, classes.count, random: &random),
      ])
    return ImageClassifier(network: network, classes: classes, featureLayer: 8)
  }

  // MARK: - Inference

  /// Class probabilities (`count × classes`) and features (`count × featureDimension`) of a set.
  public func evaluate(_ set: ImageSet, threads: Int, progress: ProgressReporter? = nil) throws -> (probabilities: [Double], features: [Float]) {
    try checkSize(set)
    useSingleThreadedBLAS()
    let batchSize = 256
    var probabilities: [Double] = [], features: [Float] = []
    probabilities.reserveCapacity(set.count * classes.count)
    features.reserveCapacity(set.count * featureDimension)
    for start in stride(from: 0, to: set.count, by: batchSize) {
      let end = min(set.count, start + batchSize)
      var x = Tensor(
        images: Array(set.pixels[(start * set.valuesPerImage)..<(end * set.valuesPerImage)]), batch: end - start, height: height, width: width,
        channels: channels)
      var pass = Pass(training: false, threads: threads)
      for (index, layer) in network.layers.enumerated() {
        x = layer.forward(x, &pass)
        if index == featureLayer { features += x.asRows().data }
      }
      probabilities += softmax(x).joined()
      progress?.advance(by: end - start)
    }
    return (probabilities, features)
  }

  public func checkSize(_ set: ImageSet) throws {
    guard set.channels == channels else {
      throw EvalError.badParameter(
        name: set.source,
        reason: set.isColor
          ? "is an RGB set but the classifier was trained on gray images: load the sets with --color luma, or train a classifier on colour"
          : "is a gray set but the classifier was trained on RGB images: load the sets with --color rgb, or train a classifier on gray images")
    }
    guard set.width == width && set.height == height else {
      throw EvalError.badParameter(
        name: set.source,
        reason: "images are \(set.width)×\(set.height) but the classifier was trained on \(width)×\(height); resize the set or train a classifier on this size")
    }
  }

  /// Class indices of a labelled set in this classifier's class order; unknown labels are an error.
  public func labelIndices(_ set: ImageSet) throws -> [Int] {
    let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    return try set.labels.enumerated().map { i, label in
      guard let label, let k = index[label] else {
        throw EvalError.badParameter(
          name: set.source, reason: "\(set.files[i]) has label '\(set.labels[i] ?? "none")', not one of the classifier's classes: \(classes.joined(separator: ", "))")
      }
      return k
    }
  }

  // MARK: - Files

  /// The model file inside a model directory.
  public static func modelPath(_ directory: String) -> String { directory.hasSuffix(".ganet") ? directory : directory + "/classifier.ganet" }

  public func encoded() -> [UInt8] {
    network.metadata = [
      ("kind", "classifier"), ("classes", classes.joined(separator: "\t")), ("feature_layer", "\(featureLayer)"),
    ] + network.metadata.filter { !["kind", "classes", "feature_layer"].contains($0.0) }
    return ModelFile.encode(network)
  }

  public static func load(_ directory: String) throws -> (classifier: ImageClassifier, bytes: [UInt8]) {
    let path = modelPath(directory)
    guard FileManager.default.fileExists(atPath: path) else {
      throw EvalError.badParameter(name: "--model", reason: "\(path) does not exist; train one with `gan-eval classifier train REAL --out \(directory)`")
    }
    let bytes = try readFile(path)
    let network: Network
    do { network = try ModelFile.decode(bytes, path: path) } catch let error as NetworkError {
      throw EvalError.badParameter(name: "--model", reason: error.description)
    }
    guard network.metadata("kind") == "classifier", let names = network.metadata("classes"),
      let layerText = network.metadata("feature_layer"), let layer = Int(layerText), layer >= 0, layer < network.layers.count
    else { throw EvalError.badParameter(name: "--model", reason: "\(path) is a gan-eval model but not a classifier") }
    let classes = names.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    guard classes.count == network.outputShape().count else {
      throw EvalError.badParameter(name: "--model", reason: "\(path): \(classes.count) class names for \(network.outputShape().count) outputs")
    }
    return (ImageClassifier(network: network, classes: classes, featureLayer: layer), bytes)
  }
}

/// The most probable class of each row of a `count × classes` probability matrix.
public func predictedClasses(_ probabilities: [Double], classes: Int) -> [Int] {
  stride(from: 0, to: probabilities.count, by: classes).map { start in
    var best = 0
    for c in 1..<classes where probabilities[start + c] > probabilities[start + best] { best = c }
    return best
  }
}
