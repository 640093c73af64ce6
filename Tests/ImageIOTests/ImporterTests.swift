import Foundation
import ImageIO
import TestSupport
import XCTest

final class ImporterTests: XCTestCase {
  func testDigitsCSVHasLabelLastAnd500PerClass() throws {
    let auto = try Importers.readCSV(Repo.digitsCSV)  // auto-detects the label column
    XCTAssertEqual(auto.count, 5000)
    XCTAssertEqual(auto.width, 28)
    XCTAssertEqual(auto.classes, (0...9).map(String.init))
    for c in auto.classes { XCTAssertEqual(auto.labels.filter { $0 == c }.count, 500) }
    XCTAssertEqual(auto.pixels, try RealData.digits().pixels)
  }

  func testFashionIDXTrainAndTest() throws {
    try Repo.requireData()
    let train = try Importers.readIDX(
      images: Repo.fashion + "/train-images-idx3-ubyte.gz", labels: Repo.fashion + "/train-labels-idx1-ubyte.gz")
    XCTAssertEqual(train.count, 60_000)
    XCTAssertEqual(train.classes.count, 10)
    XCTAssertEqual(try RealData.fashionTest().count, 10_000)
  }

  func testLabelFirstCSVWithHeaderAndFloatPixels() throws {
    let dir = temporaryDirectory("csv")
    let digits = try RealData.digits().subset([0, 600, 1200])
    var text = "label," + (0..<784).map { "p\($0)" }.joined(separator: ",") + "\n"
    for i in 0..<3 {
      text += digits.labels[i]! + "," + digits.image(i).map { String(Double(toGrayLevel($0)) / 255) }.joined(separator: ",") + "\n"
    }
    try writeTextAtomically(dir + "/first.csv", text)
    let set = try Importers.readCSV(dir + "/first.csv")
    XCTAssertEqual(set.labels, digits.labels)
    for i in 0..<3 { XCTAssertEqual(set.grayLevels(i), digits.grayLevels(i)) }
  }

  func testNPYExportThenImportRoundTrips() throws {
    let digits = try RealData.digits().subset(Array(stride(from: 0, to: 5000, by: 250)))
    let dir = temporaryDirectory("npy")
    try exportNPY(digits, imagesPath: dir + "/x.npy", labelsPath: dir + "/y.npy")
    let back = try Importers.readNPY(dir + "/x.npy", labels: dir + "/y.npy")
    XCTAssertEqual(back.count, digits.count)
    XCTAssertEqual(back.labels, digits.labels)
    for i in 0..<digits.count { XCTAssertEqual(back.grayLevels(i), digits.grayLevels(i)) }
  }

  func testBrokenImportFilesAreClearErrors() throws {
    let dir = temporaryDirectory("broken")
    try writeFile(dir + "/bad.npy", Array("not numpy".utf8))
    XCTAssertThrowsError(try Importers.readNPY(dir + "/bad.npy", labels: nil)) {
      XCTAssertTrue(String(describing: $0).contains("bad.npy: not a NumPy .npy file"))
    }
    try writeFile(dir + "/bad-idx", [0, 0, 8, 3, 0, 0, 0, 9, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3])
    XCTAssertThrowsError(try Importers.readIDX(images: dir + "/bad-idx", labels: nil)) {
      XCTAssertTrue(String(describing: $0).contains("truncated"))
    }
    try writeFile(dir + "/bad.gz", [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2])
    XCTAssertThrowsError(try Importers.readIDX(images: dir + "/bad.gz", labels: nil)) {
      XCTAssertTrue(String(describing: $0).hasPrefix(dir + "/bad.gz:"), String(describing: $0))
    }
    try writeTextAtomically(dir + "/ragged.csv", "1,2,3\n4,5\n")
    XCTAssertThrowsError(try Importers.readCSV(dir + "/ragged.csv")) {
      XCTAssertTrue(String(describing: $0).contains("line 2 has 2 fields"))
    }
  }
}
