import Foundation
import ImageIO
import TestSupport
import XCTest

/// JPEG decoding against Pillow's pixels (fixtures/make_jpeg_goldens.py: real digits painted in
/// colour and crops of scikit-image's photographs, baseline and progressive, 4:4:4/4:2:2/4:2:0).
final class JPEGDecodingTests: XCTestCase {
  struct Case {
    let name: String, mode: String, width: Int, height: Int, progressive: Bool
    var path: String { Repo.fixtures + "/jpeg/" + name + ".jpg" }
    func expected(_ suffix: String = "") throws -> [UInt8] {
      try NPY.read(Repo.fixtures + "/jpeg/expected/" + name + suffix + ".npy").values.map { UInt8($0) }
    }
  }

  func cases() throws -> [Case] {
    let rows = try goldenRows("jpeg/cases.csv")
    XCTAssertEqual(rows.count, 11)
    return rows.map {
      Case(name: $0["name"]!, mode: $0["mode"]!, width: Int($0["width"]!)!, height: Int($0["height"]!)!, progressive: $0["progressive"] == "1")
    }
  }

  func testEveryCaseDecodesPixelIdenticalToPillow() throws {
    let all = try cases()
    XCTAssertEqual(all.filter(\.progressive).count, 5)
    XCTAssertEqual(all.filter { $0.mode == "L" }.count, 2)
    for c in all {
      let bytes = try readFile(c.path)
      let rgb = try JPEG.decode8(bytes, path: c.path, keepColor: true)
      XCTAssertEqual(rgb.width, c.width, c.name)
      XCTAssertEqual(rgb.height, c.height, c.name)
      XCTAssertEqual(rgb.channels, c.mode == "RGB" ? 3 : 1, c.name)
      let expected = try c.expected()
      XCTAssertEqual(rgb.samples.count, expected.count, c.name)
      let differing = zip(rgb.samples, expected).filter { $0 != $1 }.count
      XCTAssertEqual(differing, 0, "\(c.name): \(differing) of \(expected.count) samples differ from Pillow's")
      let luma = try JPEG.decode8(bytes, path: c.path, keepColor: false)
      XCTAssertEqual(luma.channels, 1, c.name)
      XCTAssertEqual(luma.samples, try c.expected("_luma"), "\(c.name): luma differs from Pillow's convert(\"L\")")
    }
  }

  func testSampleDirectoryOfJPEGsKeepsColourOrLuma() throws {
    let dir = temporaryDirectory("jpeg-set")
    let names = ["digits_baseline_420", "digits_progressive_420"]
    for (i, name) in names.enumerated() {
      try makeDirectory(dir + "/\(i)")
      try writeFile(dir + "/\(i)/\(name)" + (i == 0 ? ".jpg" : ".JPEG"), readFile(Repo.fixtures + "/jpeg/\(name).jpg"))
    }
    let files = try SampleDirectory.listImages(in: dir)
    XCTAssertEqual(files, ["0/digits_baseline_420.jpg", "1/digits_progressive_420.JPEG"])
    let colour = try SampleDirectory.load(dir, options: LoadOptions(threads: 2))
    XCTAssertEqual(colour.channels, 3)
    XCTAssertEqual(colour.labels, ["0", "1"])
    XCTAssertEqual(colour.bitDepth, 8)
    var options = LoadOptions(threads: 2)
    options.color = .luma
    let luma = try SampleDirectory.load(dir, options: options)
    XCTAssertEqual(luma.channels, 1)
    for (i, name) in names.enumerated() {
      let c = try cases().first { $0.name == name }!
      XCTAssertEqual(colour.grayLevels(i), try c.expected(), name)
      XCTAssertEqual(colour.image(i).map { $0 }, try c.expected().map { Float($0) / 255 }, name)
      XCTAssertEqual(luma.grayLevels(i), try c.expected("_luma"), name)
    }
  }

  func testGrayJPEGStaysGrayAndJoinsAColourSetAsEqualChannels() throws {
    let dir = temporaryDirectory("jpeg-mixed")
    try writeFile(dir + "/a.jpg", readFile(Repo.fixtures + "/jpeg/digit_gray_baseline.jpg"))
    let gray = try SampleDirectory.load(dir, options: LoadOptions(threads: 1))
    XCTAssertEqual(gray.channels, 1)
    let grayExpected = try Case(name: "digit_gray_baseline", mode: "L", width: 28, height: 28, progressive: false).expected()
    XCTAssertEqual(gray.grayLevels(0), grayExpected)
    // a colour JPEG of the same size makes the set RGB; the gray file becomes R = G = B
    try writeFile(dir + "/b.jpg", readFile(Repo.fixtures + "/jpeg/digit_baseline_444.jpg"))
    let mixed = try SampleDirectory.load(dir, options: LoadOptions(threads: 2))
    XCTAssertEqual(mixed.channels, 3)
    XCTAssertEqual(mixed.grayLevels(0), grayExpected.flatMap { [$0, $0, $0] })
    XCTAssertEqual(mixed.grayLevels(1), try Case(name: "digit_baseline_444", mode: "RGB", width: 28, height: 28, progressive: false).expected())
  }

  /// The start-of-frame marker's height and width fields, rewritten to claim a huge image.
  func withClaimedSize(_ bytes: [UInt8], width: UInt16, height: UInt16) -> [UInt8] {
    var out = bytes
    var i = 2
    while i + 9 < out.count {
      precondition(out[i] == 0xFF, "marker expected")
      let marker = out[i + 1]
      let length = Int(out[i + 2]) << 8 | Int(out[i + 3])
      if marker == 0xC0 || marker == 0xC2 {
        out[i + 5] = UInt8(height >> 8)
        out[i + 6] = UInt8(height & 0xff)
        out[i + 7] = UInt8(width >> 8)
        out[i + 8] = UInt8(width & 0xff)
        return out
      }
      i += 2 + length
    }
    preconditionFailure("no start-of-frame marker")
  }

  func testBombHeaderIsRefusedBeforeDecoding() throws {
    let dir = temporaryDirectory("jpeg-bomb")
    for name in ["astronaut_baseline_420", "astronaut_progressive_444"] {
      let bomb = withClaimedSize(try readFile(Repo.fixtures + "/jpeg/\(name).jpg"), width: 60000, height: 60000)
      try writeFile(dir + "/\(name)-bomb.jpg", bomb)
      XCTAssertThrowsError(try JPEG.decode8(bomb, path: dir + "/\(name)-bomb.jpg")) { error in
        XCTAssertEqual(
          String(describing: error),
          dir + "/\(name)-bomb.jpg: not a readable JPEG: image is 60000x60000 pixels, above the limit of 16777216 pixels")
      }
    }
    // The loader's limit applies to JPEGs as to PNGs.
    var options = LoadOptions(threads: 1)
    options.maxPixels = 48 * 64 - 1
    let single = temporaryDirectory("jpeg-limit")
    try writeFile(single + "/a.jpg", readFile(Repo.fixtures + "/jpeg/astronaut_baseline_420.jpg"))
    XCTAssertThrowsError(try SampleDirectory.load(single, options: options)) { error in
      XCTAssertTrue(String(describing: error).contains("a.jpg: not a readable JPEG: image is 48x64 pixels, above the limit of 3071"), "\(error)")
    }
  }

  func testDamagedJPEGsAreClearErrorsNamingTheFile() throws {
    let dir = temporaryDirectory("jpeg-bad")
    let good = try readFile(Repo.fixtures + "/jpeg/chelsea_baseline_420_q50.jpg")
    try writeFile(dir + "/a-good.jpg", good)
    // cut halfway through the entropy-coded data after the start-of-scan marker
    let scan = (2..<good.count).first { good[$0 - 1] == 0xFF && good[$0] == 0xDA }!
    try writeFile(dir + "/b-truncated.jpg", Array(good.prefix((scan + good.count) / 2)))
    try writeFile(dir + "/c-notes.jpg", Array("not an image".utf8))
    try writeFile(dir + "/d-cmyk.jpg", readFile(Repo.fixtures + "/jpeg/chelsea_cmyk.jpg"))
    try writeFile(dir + "/e-header-only.jpg", Array(good.prefix(4)))
    let progressive = try readFile(Repo.fixtures + "/jpeg/chelsea_progressive_422.jpg")
    try writeFile(dir + "/f-progressive-truncated.jpg", Array(progressive.prefix(progressive.count * 2 / 3)))
    XCTAssertThrowsError(try SampleDirectory.load(dir, options: LoadOptions(threads: 2))) { error in
      XCTAssertTrue(String(describing: error).hasPrefix(dir + "/b-truncated.jpg: not a readable JPEG: "), "\(error)")
    }
    let loaded = try SampleDirectory.load(dir, options: LoadOptions(skipBad: true, threads: 2))
    XCTAssertEqual(loaded.files, ["a-good.jpg"])
    let reasons = loaded.skipped.map(\.description).sorted()
    XCTAssertEqual(reasons.count, 5, "\(reasons)")
    XCTAssertTrue(reasons[0].hasPrefix(dir + "/b-truncated.jpg: not a readable JPEG: "), reasons[0])
    XCTAssertTrue(reasons[0].lowercased().contains("premature end"), reasons[0])
    XCTAssertTrue(reasons[1].hasPrefix(dir + "/c-notes.jpg: not a readable JPEG: not a JPEG file"), reasons[1])
    XCTAssertTrue(reasons[2].hasPrefix(dir + "/d-cmyk.jpg: not a readable JPEG: it is a CMYK/YCCK JPEG"), reasons[2])
    XCTAssertTrue(reasons[3].hasPrefix(dir + "/e-header-only.jpg: not a readable JPEG: "), reasons[3])
    XCTAssertTrue(reasons[4].hasPrefix(dir + "/f-progressive-truncated.jpg: not a readable JPEG: "), reasons[4])
  }
}
