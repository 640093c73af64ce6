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
      // garbage where the next chunk's length should be: it claims 0x5a5a5a5a bytes
      ("corrupt.png", Array(good.prefix(33)) + [UInt8](repeating: 0x5a, count: 200), "at offset 41, 192 remain"),
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

  /// Real damaged files (fixtures/make_bad_pngs.py, checked there with Python's zlib): each fault
  /// is reported by its own reason, which no other decode error carries.
  func testCRCErrorAndWrongAdler32AreReportedByName() throws {
    let cases = [
      ("crc_error.png", "IDAT: CRC error", "CRC-32"),
      ("bad_adler32.png", "incorrect data check", "Adler-32"),
      // the bad trailer in its own chunk, read after the last row: still refused
      ("bad_adler32_split.png", "incorrect data check", "Adler-32"),
    ]
    for (file, reason, checksum) in cases {
      let path = Repo.fixtures + "/png/bad/" + file
      XCTAssertThrowsError(try PNG.decode(readFile(path), path: path), file) { error in
        let text = String(describing: error)
        XCTAssertTrue(text.hasPrefix(path + ": "), text)
        XCTAssertTrue(text.contains(reason), "\(file) gives '\(reason)': \(text)")
        XCTAssertTrue(text.contains(checksum), "\(file) names the \(checksum) check: \(text)")
      }
    }
    // The other fault's words never appear: the reasons tell the two apart.
    let crc = String(describing: try XCTUnwrap(decodeError(Repo.fixtures + "/png/bad/crc_error.png")))
    let adler = String(describing: try XCTUnwrap(decodeError(Repo.fixtures + "/png/bad/bad_adler32.png")))
    XCTAssertFalse(crc.contains("Adler-32"), crc)
    XCTAssertFalse(adler.contains("CRC"), adler)
  }

  private func decodeError(_ path: String) -> Error? {
    do {
      _ = try PNG.decode(readFile(path), path: path)
      return nil
    } catch { return error }
  }

  func testDecompressionBombIsRefusedBeforeAllocating() throws {
    let bomb = try pngClaimingSize(width: 100_000, height: 100_000)
    XCTAssertThrowsError(try PNG.decode(bomb, path: "bomb.png")) { error in
      XCTAssertTrue(String(describing: error).contains("above the limit"), String(describing: error))
    }
  }
}
