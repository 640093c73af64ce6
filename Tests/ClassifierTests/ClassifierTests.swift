import Classifier
import FeatureSpace
import Foundation
import ImageIO
import TestSupport
import Workers
import XCTest

/// One classifier trained on the 5,000 real digits (4,000 train, 1,000 held out), shared by the tests.
enum TrainedDigits {
  nonisolated(unsafe) static var cached: (ClassifierTraining.Result, ImageSet)?
  static let lock = NSLock()

  static func get() throws -> (ClassifierTraining.Result, ImageSet) {
    try lock.withLock {
      if let cached { return cached }
      let digits = try RealData.digits()
      var training = ClassifierTraining()
      training.validationFraction = 0.2
      training.seed = 1
      training.quiet = true
      let result = try training.train(digits)
      cached = (result, digits)
      return (result, digits)
    }
  }
}

final class ClassifierAccuracyTests: XCTestCase {
  func testDigitsHeldOutAccuracyIsAtLeast97Percent() throws {
    let (result, _) = try TrainedDigits.get()
    XCTAssertEqual(result.validationCount, 1000)
    let accuracy = try XCTUnwrap(result.keptValidationAccuracy)
    print("digits classifier: held-out accuracy \(accuracy) on \(result.validationCount) images, \(result.seconds) s, kept epoch \(result.keptEpoch)")
    XCTAssertGreaterThanOrEqual(accuracy, 0.97)
  }

  func testSavedModelPredictsTheSameAndRejectsForeignFiles() throws {
    let (result, digits) = try TrainedDigits.get()
    let directory = temporaryDirectory("model")
    try makeDirectory(directory)
    try writeFileAtomically(ImageClassifier.modelPath(directory), result.classifier.encoded())
    let (loaded, _) = try ImageClassifier.load(directory)
    XCTAssertEqual(loaded.classes, result.classifier.classes)
    let sample = digits.subset(Array(0..<300))
    let a = try result.classifier.evaluate(sample, threads: 1), b = try loaded.evaluate(sample, threads: 2)
    XCTAssertEqual(a.probabilities, b.probabilities)
    XCTAssertEqual(a.features, b.features)
    try writeFileAtomically(directory + "/classifier.ganet", Array("hello".utf8))
    XCTAssertThrowsError(try ImageClassifier.load(directory)) { XCTAssertTrue("\($0)".contains("classifier.ganet"), "\($0)") }
  }
}

/// Fréchet distance and 1-NN sanity checks in the trained classifier's feature space.
final class FeatureSanityTests: XCTestCase {
  func features(_ classifier: ImageClassifier, _ set: ImageSet) throws -> FeatureMatrix {
    FeatureMatrix(try classifier.evaluate(set, threads: 2).features, columns: classifier.featureDimension)
  }

  func noisy(_ set: ImageSet, sigma: Double, seed: UInt64) -> ImageSet {
    var random = SplitMix64(seed: seed)
    var copy = set
    copy.pixels = set.pixels.map { Float(min(1, max(0, Double($0) + sigma * random.nextGaussian()))) }
    return copy
  }

  func boxBlurred(_ set: ImageSet) -> ImageSet {
    var copy = set
    let (w, h) = (set.width, set.height)
    for n in 0..<set.count {
      let base = n * w * h
      for y in 0..<h {
        for x in 0..<w {
          var sum: Float = 0, count: Float = 0
          for dy in -1...1 { for dx in -1...1 where (0..<h).contains(y + dy) && (0..<w).contains(x + dx) { sum += set.pixels[base + (y + dy) * w + x + dx]; count += 1 } }
          copy.pixels[base + y * w + x] = sum / count
        }
      }
    }
    return copy
  }

  func testFrechetDistanceSeparatesRealFromDegradedAndGrowsWithNoise() throws {
    let (result, digits) = try TrainedDigits.get()
    let classifier = result.classifier
    let train = digits.subset(Array(stride(from: 0, to: digits.count, by: 2)))
    let test = digits.subset(Array(stride(from: 1, to: digits.count, by: 2)))
    let trainStats = GaussianStatistics(try features(classifier, train))
    let realFD = frechetDistance(GaussianStatistics(try features(classifier, test)), trainStats)
    let blurFD = frechetDistance(GaussianStatistics(try features(classifier, boxBlurred(train))), trainStats)
    var noiseFD: [Double] = []
    for (i, sigma) in [0.05, 0.1, 0.2, 0.4].enumerated() {
      noiseFD.append(frechetDistance(GaussianStatistics(try features(classifier, noisy(train, sigma: sigma, seed: UInt64(i)))), trainStats))
    }
    print("FD test-vs-train \(realFD), blurred \(blurFD), noise σ 0.05/0.1/0.2/0.4: \(noiseFD)")
    XCTAssertLessThan(realFD * 5, blurFD, "real-vs-real must be far below real-vs-blurred")
    XCTAssertLessThan(realFD * 5, noiseFD[1])
    for i in 1..<noiseFD.count { XCTAssertGreaterThan(noiseFD[i], noiseFD[i - 1], "FD must grow with the noise level") }
  }

  func testOneNearestNeighbourIsHalfForRealHalvesAndOneForNoise() throws {
    let (result, digits) = try TrainedDigits.get()
    let classifier = result.classifier
    let a = try features(classifier, digits.subset(Array(stride(from: 0, to: 2000, by: 2))))
    let b = try features(classifier, digits.subset(Array(stride(from: 1, to: 2000, by: 2))))
    let halves = OneNearestNeighbour(real: a, fake: b, threads: 2)
    var random = SplitMix64(seed: 4)
    var noise = digits.subset(Array(0..<1000))
    noise.pixels = noise.pixels.map { _ in Float(Double(random.next() >> 11) / Double(1 << 53)) }
    let againstNoise = OneNearestNeighbour(real: a, fake: try features(classifier, noise), threads: 2)
    print("1-NN accuracy: real halves \(halves.accuracy), real vs noise \(againstNoise.accuracy)")
    XCTAssertEqual(halves.accuracy, 0.5, accuracy: 0.05)
    XCTAssertGreaterThan(againstNoise.accuracy, 0.99)
  }
}
