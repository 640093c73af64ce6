import Foundation
import ImageIO
import TestSupport
import XCTest

final class SampleDirectoryTests: XCTestCase {
  private func smallDigits(_ count: Int = 40) throws -> ImageSet {
    let digits = try RealData.digits()
    return digits.subset((0..<count).map { $0 * (5000 / count) })
  }

  func testWriteThenLoadKeepsPixelsFilesAndLabels() throws {
    let set = try smallDigits()
    let dir = temporaryDirectory("roundtrip") + "/digits"
    try writeSampleDirectory(set, dir)
    let loaded = try SampleDirectory.load(dir, options: LoadOptions(threads: 2))
    XCTAssertEqual(loaded.count, set.count)
    XCTAssertEqual(loaded.name, "digits")
    let order = loaded.files.map { set.files.firstIndex(of: $0)! }
    XCTAssertEqual(loaded.labels, order.map { set.labels[$0] })
    for (i, j) in order.enumerated() { XCTAssertEqual(loaded.grayLevels(i), set.grayLevels(j)) }
    XCTAssertEqual(loaded.files, loaded.files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, "stable sorted order")
  }

  func testLabelsFileWinsAndUnlabelledSetsAreAllowed() throws {
    let set = try smallDigits(6)
    let flat = ImageSet(
      name: "flat", source: "", width: 28, height: 28, files: (0..<6).map { "img\($0).png" },
      labels: [String?](repeating: nil, count: 6), pixels: set.pixels)
    let dir = temporaryDirectory("labels")
    try writeSampleDirectory(flat, dir + "/flat")
    let unlabelled = try SampleDirectory.load(dir + "/flat")
    XCTAssertFalse(unlabelled.isLabelled)
    XCTAssertEqual(unlabelled.labels, [String?](repeating: nil, count: 6))
    try writeTextAtomically(dir + "/flat/labels.csv", "file,label\nimg0.png,cat\nimg1.png,dog\n")
    let labelled = try SampleDirectory.load(dir + "/flat")
    XCTAssertEqual(labelled.labels[0], "cat")
    XCTAssertEqual(labelled.labels[1], "dog")
    XCTAssertNil(labelled.labels[2])
  }

  func testBadInputsFailNamingTheFileAndSkipBadListsThem() throws {
    let set = try smallDigits(8)
    let dir = temporaryDirectory("bad") + "/set"
    try writeSampleDirectory(set, dir)
    let good = try readFile(dir + "/" + set.files[0])
    try writeFile(dir + "/0/zz-truncated.png", Array(good.prefix(good.count / 2)))
    try writeFile(dir + "/0/zz-notes.png", Array("not an image".utf8))
    try writeFile(dir + "/0/zz-bomb.png", pngClaimingSize(width: 60_000, height: 60_000))
    symlink(dir + "/does-not-exist.png", dir + "/0/zz-dangling.png")
    mkfifo(dir + "/0/zz-fifo.png", 0o644)
    XCTAssertThrowsError(try SampleDirectory.load(dir)) { error in
      XCTAssertTrue(String(describing: error).contains("/0/zz-"), "names a bad file: \(error)")
    }
    let loaded = try SampleDirectory.load(dir, options: LoadOptions(skipBad: true, threads: 2))
    XCTAssertEqual(loaded.count, set.count)
    let reasons = loaded.skipped.map(\.description).sorted()
    XCTAssertEqual(reasons.count, 5, "\(reasons)")
    XCTAssertTrue(reasons[0].contains("zz-bomb.png") && reasons[0].contains("above the limit"), reasons[0])
    XCTAssertTrue(reasons[1].contains("zz-dangling.png") && reasons[1].contains("cannot open"), reasons[1])
    XCTAssertTrue(reasons[2].contains("zz-fifo.png") && reasons[2].contains("not a regular file"), reasons[2])
    XCTAssertTrue(reasons[3].contains("zz-notes.png") && reasons[3].contains("bad signature"), reasons[3])
    XCTAssertTrue(reasons[4].contains("zz-truncated.png") && reasons[4].contains("truncated"), reasons[4])
  }

  func testEmptyDirectoryMissingDirectoryAndOtherImageFormats() throws {
    let dir = temporaryDirectory("empty")
    XCTAssertThrowsError(try SampleDirectory.load(dir)) { XCTAssertTrue(String(describing: $0).contains("contains no PNG images")) }
    XCTAssertThrowsError(try SampleDirectory.load(dir + "/nope")) { XCTAssertTrue(String(describing: $0).contains("no such directory")) }
    // .jpg/.jpeg are read since JPEG support (JPEGDecodingTests); other image formats still are not
    try writeFile(dir + "/photo.webp", [0x52, 0x49, 0x46, 0x46])
    XCTAssertThrowsError(try SampleDirectory.load(dir)) { XCTAssertTrue(String(describing: $0).contains("photo.webp: is a .webp image")) }
  }

  func testMixedSizesNameTwoFilesUnlessResized() throws {
    let set = try smallDigits(4)
    let dir = temporaryDirectory("sizes") + "/set"
    try writeSampleDirectory(set, dir)
    try writeFile(dir + "/0/zz-wide.png", PNG.encode([UInt8](repeating: 128, count: 30 * 20), width: 30, height: 20))
    XCTAssertThrowsError(try SampleDirectory.load(dir)) { error in
      let text = String(describing: error)
      XCTAssertTrue(text.contains("zz-wide.png") && text.contains(set.files.sorted()[0]) && text.contains("--resize"), text)
    }
    var options = LoadOptions(threads: 2)
    options.resize = true
    let resized = try SampleDirectory.load(dir, options: options)
    XCTAssertEqual(resized.count, 5)
    XCTAssertEqual(resized.width, 28)
    let wide = resized.files.firstIndex(of: "0/zz-wide.png")!
    XCTAssertTrue(resized.image(wide).allSatisfy { abs($0 - 128 / 255) < 1e-6 })
  }

  func testLoadingDoesNotDependOnThreadCount() throws {
    let set = try smallDigits(100)
    let dir = temporaryDirectory("threads") + "/set"
    try writeSampleDirectory(set, dir)
    let one = try SampleDirectory.load(dir, options: LoadOptions(threads: 1))
    let three = try SampleDirectory.load(dir, options: LoadOptions(threads: 3))
    XCTAssertEqual(one.pixels, three.pixels)
    XCTAssertEqual(one.files, three.files)
  }

  func testOutputDirectoryIsReplacedOnlyWhenAsked() throws {
    let set = try smallDigits(4)
    let dir = temporaryDirectory("overwrite") + "/out"
    try writeSampleDirectory(set, dir)
    XCTAssertThrowsError(try ImageSetWriter.write(set, to: dir)) { XCTAssertTrue(String(describing: $0).contains("--overwrite")) }
    try ImageSetWriter.write(set, to: dir, overwrite: true)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: (dir as NSString).deletingLastPathComponent)
    XCTAssertEqual(leftovers, ["out"], "no partial or backup directories remain")
  }
}
