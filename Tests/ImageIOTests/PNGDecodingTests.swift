import Foundation
import ImageIO
import TestSupport
import XCTest

final class PNGDecodingTests: XCTestCase {
  /// Every colour type, depth and interlacing decodes to the golden luminance (Pillow's "L" for
  /// 8-bit and below; full-precision ITU-R 601 for 16-bit), made by fixtures/make_goldens.py.
  func testEveryPNGFormatMatchesGolden() throws {
    let rows = try goldenRows("png_golden.csv")
    XCTAssertEqual(rows.count, 11, "one golden row per fixture PNG")
    for row in rows {
      let file = row["file"]!
      let expected = row["luma"]!.split(separator: " ").map { Double($0)! }
      let image = try PNG.decode(readFile(Repo.fixtures + "/png/" + file), path: file)
      XCTAssertEqual(image.width, Int(row["width"]!), file)
      XCTAssertEqual(image.height, Int(row["height"]!), file)
      XCTAssertEqual(image.luma.count, expected.count, file)
      let worst = zip(image.luma, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
      XCTAssertLessThan(worst, 1e-6, "\(file): worst luminance error \(worst)")
    }
  }

  func testEncodeThenDecodeIsExactForGrayLevels() throws {
    let levels = (0..<(31 * 17)).map { UInt8($0 % 256) }
    let png = try PNG.encode(levels, width: 31, height: 17)
    let image = try PNG.decode(png, path: "roundtrip")
    XCTAssertEqual(image.luma.map(toGrayLevel), levels)
  }

  func testCorruptTruncatedAndForeignBytesAreErrorsNamingTheFile() throws {
    let good = try readFile(Repo.fixtures + "/png/gray8.png")
    let cases: [(String, [UInt8], String)] = [
      ("truncated.png", Array(good.prefix(good.count / 2)), "truncated"),
      ("corrupt.png", Array(good.prefix(33)) + [UInt8](repeating: 0x5a, count: 200), "PNG"),
      ("text.png", Array("hello, I am not an image\n".utf8), "bad signature"),
      ("empty.png", [], "bad signature"),
    ]
    for (name, bytes, reason) in cases {
      XCTAssertThrowsError(try PNG.decode(bytes, path: name), name) { error in
        let text = String(describing: error)
        XCTAssertTrue(text.hasPrefix(name + ":"), "message names the file: \(text)")
        XCTAssertTrue(text.contains(reason), "message gives the reason: \(text)")
      }
    }
  }

  func testDecompressionBombIsRefusedBeforeAllocating() throws {
    let bomb = try pngClaimingSize(width: 100_000, height: 100_000)
    XCTAssertThrowsError(try PNG.decode(bomb, path: "bomb.png")) { error in
      XCTAssertTrue(String(describing: error).contains("above the limit"), String(describing: error))
    }
  }
}
