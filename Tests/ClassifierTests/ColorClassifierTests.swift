import Classifier
import Foundation
import ImageIO
import TestSupport
import XCTest

/// The judge on colour: a task only colour can solve. Real digits of all ten shapes are painted in
/// one of two foreground colours of equal luma (0.299·R + 0.587·G + 0.114·B: 102.94 and 102.87
/// levels) on black; the class is the colour, so a gray (luma) view holds no trace of the class.
final class ColorClassifierTests: XCTestCase {
  static let colours: [String: [Double]] = ["magenta": [220, 40, 120], "teal": [24, 130, 170]]

  /// Digits taken ten at a time, one per digit class, each ten painted in the next colour: every
  /// digit shape appears in both classes, so only the colour tells them apart.
  func task(_ count: Int, from first: Int) throws -> ImageSet {
    var digits = try RealData.digits().subset((0..<count).map { ($0 % 10) * 500 + first + $0 / 10 })
    digits.labels = digits.labels.indices.map { ($0 / 10) % 2 == 0 ? "magenta" : "teal" }
    return painted(digits, foreground: Self.colours)
  }

  func testRGBClassifierLearnsClassesThatLumaCannotSeparate() throws {
    let train = try task(600, from: 0)
    let test = try task(300, from: 100)
    // the luma of a magenta digit and of the same digit in teal differ by at most one level
    let digit = try RealData.digits().subset([42])
    let magenta = painted(digit, foreground: [digit.labels[0]!: Self.colours["magenta"]!])
    let teal = painted(digit, foreground: [digit.labels[0]!: Self.colours["teal"]!])
    XCTAssertLessThanOrEqual(zip(magenta.lumaLevels(0), teal.lumaLevels(0)).map { abs(Int($0) - Int($1)) }.max()!, 1)
    XCTAssertNotEqual(magenta.pixels, teal.pixels)

    var training = ClassifierTraining()
    (training.epochs, training.validationFraction, training.seed, training.quiet) = (3, 0, 5, true)
    let result = try training.train(train)
    let classifier = result.classifier
    XCTAssertEqual(classifier.channels, 3)
    XCTAssertEqual(classifier.network.layers[0].spec.description.contains("in=3"), true, classifier.network.layers[0].spec.description)
    let accuracy = try Classifier.accuracy(of: classifier, on: test, threads: 2)
    print("colour-only task: RGB classifier accuracy \(accuracy) on \(test.count) unseen images (trained on \(train.count), 3 epochs)")
    XCTAssertGreaterThanOrEqual(accuracy, 0.95)

    // the same images seen as luma: the classes overlap, a gray classifier stays near chance
    let lumaTrain = try toLuma(train), lumaTest = try toLuma(test)
    let gray = try training.train(lumaTrain).classifier
    XCTAssertEqual(gray.channels, 1)
    let grayAccuracy = try Classifier.accuracy(of: gray, on: lumaTest, threads: 2)
    print("colour-only task: gray (luma) classifier accuracy \(grayAccuracy) on the same \(test.count) images")
    XCTAssertLessThan(grayAccuracy, 0.7)
  }

  func testModelRecordsItsChannelsAndRefusesTheOtherKindOfSet() throws {
    let train = try task(200, from: 300)
    var training = ClassifierTraining()
    (training.epochs, training.validationFraction, training.quiet) = (1, 0, true)
    let classifier = try training.train(train).classifier
    let directory = temporaryDirectory("color-model")
    try writeFile(ImageClassifier.modelPath(directory), classifier.encoded())
    let text = String(decoding: try readFile(ImageClassifier.modelPath(directory)).prefix(200), as: UTF8.self)
    XCTAssertTrue(text.contains("\ninput 3 28 28\n"), text)
    let (loaded, _) = try ImageClassifier.load(directory)
    XCTAssertEqual(loaded.channels, 3)
    XCTAssertEqual(try loaded.evaluate(train, threads: 1).probabilities, try classifier.evaluate(train, threads: 2).probabilities)
    XCTAssertThrowsError(try loaded.evaluate(try toLuma(train), threads: 1)) {
      XCTAssertTrue("\($0)".contains("gray set") && "\($0)".contains("--color rgb"), "\($0)")
    }
    let gray = try RealData.digits().subset((0..<300).map { ($0 % 10) * 500 + $0 / 10 })
    var grayTraining = ClassifierTraining()
    (grayTraining.epochs, grayTraining.validationFraction, grayTraining.quiet) = (1, 0, true)
    let grayClassifier = try grayTraining.train(gray).classifier
    XCTAssertThrowsError(try grayClassifier.evaluate(train, threads: 1)) {
      XCTAssertTrue("\($0)".contains("RGB set") && "\($0)".contains("--color luma"), "\($0)")
    }
  }

  func toLuma(_ set: ImageSet) throws -> ImageSet { set.converted(to: .luma) }
}
