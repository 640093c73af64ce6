import Foundation
import ImageIO
import NeuralNet
import Workers

/// Trains the LeNet-style classifier with Adam on softmax cross-entropy, in seeded minibatches,
/// holding out a seeded validation split and keeping the weights of the best validation epoch.
public struct ClassifierTraining: Sendable {
  public var epochs = 15
  public var batchSize = 128
  public var learningRate: Float = 1e-3
  /// The share of the set held out for validation (0 trains on everything and keeps the last epoch).
  public var validationFraction = 0.2
  /// Each training image is shifted by a seeded random offset of up to this many pixels in x and y
  /// (zero fill): cheap augmentation that matters on small sets such as 4,000 digits.
  public var maxShift = 2
  public var seed: UInt64 = 0
  public var threads = defaultThreadCount
  public var quiet = false

  public init() {}

  public struct Epoch: Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    public var seconds: Double
  }

  public struct Result {
    public var classifier: ImageClassifier
    public var epochs: [Epoch]
    public var trainCount: Int
    public var validationCount: Int
    /// The epoch whose weights were kept.
    public var keptEpoch: Int
    public var seconds: Double
    public var keptValidationAccuracy: Double? { epochs[keptEpoch - 1].validationAccuracy }
  }

  /// Trains on a labelled set; `classes` fixes the class order (default: the set's classes).
  public func train(_ set: ImageSet, classes: [String]? = nil) throws -> Result {
    guard set.isLabelled else {
      throw EvalError.badParameter(name: set.source, reason: "training a classifier needs labels: class subdirectories (real/5/x.png) or a labels.csv")
    }
    let classes = classes ?? set.classes
    guard classes.count >= 2 else { throw EvalError.badParameter(name: set.source, reason: "needs at least two classes, found \(classes.count)") }
    let classifier = try ImageClassifier.leNet(classes: classes, height: set.height, width: set.width, channels: set.channels, seed: seed)
    let labels = try classifier.labelIndices(set)

    var random = SplitMix64(seed: seed ^ 0x5EED_C1A5)
    var order = Array(0..<set.count)
    order.shuffle(using: &random)
    let held = Int((Double(set.count) * validationFraction).rounded())
    guard set.count - held >= batchSize || set.count - held >= 2 else {
      throw EvalError.badParameter(name: set.source, reason: "too few images (\(set.count)) to train on")
    }
    let validation = Array(order[..<held]).sorted(), training = Array(order[held...])

    useSingleThreadedBLAS()
    let network = classifier.network
    let adam = Adam(network.parameters, learningRate: learningRate)
    adam.threads = threads
    var pass = Pass(training: true, threads: threads, seed: seed ^ 0xD0_0D)
    let started = Date()
    var history: [Epoch] = []
    var best: (accuracy: Double, epoch: Int, weights: [[Float]])? = nil
    let steps = (training.count + batchSize - 1) / batchSize
    let progress = ProgressReporter("training classifier", total: epochs * steps, quiet: quiet)
    for epoch in 1...max(1, epochs) {
      let epochStart = Date()
      // cosine decay from the learning rate to 5% of it over the epochs
      let progressShare = Double(epoch - 1) / Double(max(epochs, 1))
      adam.learningRate = learningRate * Float(0.05 + 0.95 * 0.5 * (1 + cos(Double.pi * progressShare)))
      var shuffled = training
      shuffled.shuffle(using: &random)
      var lossSum = 0.0, correct = 0
      for step in 0..<steps {
        let batch = Array(shuffled[(step * batchSize)..<min(shuffled.count, (step + 1) * batchSize)])
        let x = images(set, batch, classifier, shift: maxShift, random: &random)
        let y = batch.map { labels[$0] }
        let logits = network.forward(x, &pass)
        let (loss, gradient) = softmaxCrossEntropy(logits, labels: y)
        network.backward(gradient, pass)
        adam.step()
        lossSum += loss * Double(batch.count)
        correct += zip(predictedClasses(Array(softmax(logits).joined()), classes: classes.count), y).filter { $0 == $1 }.count
        progress.advance()
      }
      var record = Epoch(
        epoch: epoch, trainLoss: lossSum / Double(training.count), trainAccuracy: Double(correct) / Double(training.count),
        validationLoss: nil, validationAccuracy: nil, seconds: 0)
      if !validation.isEmpty {
        let (loss, accuracy) = score(classifier, set, validation, labels)
        (record.validationLoss, record.validationAccuracy) = (loss, accuracy)
        if best == nil || accuracy > best!.accuracy {
          best = (accuracy, epoch, network.layers.flatMap { $0.parameters + $0.state }.map(\.value))
        }
      }
      record.seconds = Date().timeIntervalSince(epochStart)
      history.append(record)
    }
    progress.finish()
    var kept = history.count
    if let best {
      for (slot, values) in zip(network.layers.flatMap { $0.parameters + $0.state }, best.weights) { slot.value = values }
      kept = best.epoch
    }
    return Result(
      classifier: classifier, epochs: history, trainCount: training.count, validationCount: validation.count, keptEpoch: kept,
      seconds: Date().timeIntervalSince(started))
  }

  func images(_ set: ImageSet, _ indices: [Int], _ classifier: ImageClassifier) -> Tensor {
    var pixels: [Float] = []
    pixels.reserveCapacity(indices.count * set.valuesPerImage)
    for i in indices { pixels += set.image(i) }
    return Tensor(images: pixels, batch: indices.count, height: set.height, width: set.width, channels: set.channels)
  }

  /// The images, each moved by a random (dx, dy) in −shift…shift, uncovered pixels 0 (black, in
  /// every channel).
  func images(_ set: ImageSet, _ indices: [Int], _ classifier: ImageClassifier, shift: Int, random: inout SplitMix64) -> Tensor {
    guard shift > 0 else { return images(set, indices, classifier) }
    let (w, h, c) = (set.width, set.height, set.channels)
    var pixels = [Float](repeating: 0, count: indices.count * w * h * c)
    for (n, i) in indices.enumerated() {
      let dx = Int(random.next() % UInt64(2 * shift + 1)) - shift, dy = Int(random.next() % UInt64(2 * shift + 1)) - shift
      let source = i * w * h * c, target = n * w * h * c
      for y in max(0, dy)..<min(h, h + dy) {
        for x in max(0, dx)..<min(w, w + dx) {
          for k in 0..<c { pixels[target + (y * w + x) * c + k] = set.pixels[source + ((y - dy) * w + x - dx) * c + k] }
        }
      }
    }
    return Tensor(images: pixels, batch: indices.count, height: h, width: w, channels: c)
  }

  /// Mean cross-entropy and accuracy on some images of a set, in inference mode.
  func score(_ classifier: ImageClassifier, _ set: ImageSet, _ indices: [Int], _ labels: [Int]) -> (loss: Double, accuracy: Double) {
    var lossSum = 0.0, correct = 0
    for start in stride(from: 0, to: indices.count, by: 256) {
      let batch = Array(indices[start..<min(indices.count, start + 256)])
      var pass = Pass(training: false, threads: threads)
      let logits = classifier.network.forward(images(set, batch, classifier), &pass)
      let y = batch.map { labels[$0] }
      lossSum += softmaxCrossEntropy(logits, labels: y).loss * Double(batch.count)
      correct += zip(predictedClasses(Array(softmax(logits).joined()), classes: classifier.classes.count), y).filter { $0 == $1 }.count
    }
    return (lossSum / Double(indices.count), Double(correct) / Double(indices.count))
  }
}

/// Accuracy of a classifier on a labelled set.
public func accuracy(of classifier: ImageClassifier, on set: ImageSet, threads: Int) throws -> Double {
  let labels = try classifier.labelIndices(set)
  let predicted = predictedClasses(try classifier.evaluate(set, threads: threads).probabilities, classes: classifier.classes.count)
  return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(max(set.count, 1))
}
