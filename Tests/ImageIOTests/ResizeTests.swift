import Foundation
import ImageIO
import TestSupport
import XCTest

/// `--resize` against Pillow's `Image.resize(size, BILINEAR)` (fixtures/make_resize_goldens.py:
/// real digits and crops of scikit-image's photographs, shrunk, enlarged, mixed, non-square).
/// Where Pillow 13's one call runs the height pass first, the exact golden is Pillow's width-then-
/// height composition and the one-call result must stay within one level.
final class ResizeTests: XCTestCase {
  /// Loads `source` into a set whose first image is `width`×`height`, so --resize resamples it.
  func resized(_ source: String, width: Int, height: Int, channels: Int) throws -> [Float] {
    let dir = temporaryDirectory("resize")
    try writeFile(dir + "/a-size.png", PNG.encode([UInt8](repeating: 0, count: width * height * channels), width: width, height: height, channels: channels))
    try writeFile(dir + "/b-source.png", readFile(source))
    var options = LoadOptions(threads: 2)
    options.resize = true
    let set = try SampleDirectory.load(dir, options: options)
    XCTAssertEqual(set.channels, channels)
    return Array(set.image(set.files.firstIndex(of: "b-source.png")!))
  }

  func testResizeIsPixelIdenticalToPillowsBilinear() throws {
    let rows = try goldenRows("resize/cases.csv")
    XCTAssertEqual(rows.count, 10)
    var shrinks = 0, enlargements = 0
    for row in rows {
      let name = row["name"]!, channels = row["mode"] == "RGB" ? 3 : 1
      let (w, h) = (Int(row["width"]!)!, Int(row["height"]!)!)
      let (tw, th) = (Int(row["target_width"]!)!, Int(row["target_height"]!)!)
      if tw < w || th < h { shrinks += 1 }
      if tw > w || th > h { enlargements += 1 }
      let expected = try NPY.read(Repo.fixtures + "/resize/\(name).npy").values.map { UInt8($0) }
      let got = try resized(Repo.fixtures + "/resize/\(name).png", width: tw, height: th, channels: channels).map(toGrayLevel)
      XCTAssertEqual(got.count, expected.count, name)
      let differing = zip(got, expected).filter { $0 != $1 }.count
      XCTAssertEqual(differing, 0, "\(name): \(differing) of \(expected.count) values differ from Pillow")
      if row["order"] == "width-then-height" {
        let oneCall = try NPY.read(Repo.fixtures + "/resize/\(name)_one_call.npy").values.map { UInt8($0) }
        let gaps = zip(got, oneCall).map { abs(Int($0) - Int($1)) }
        print("resize \(name): \(gaps.filter { $0 > 0 }.count) of \(gaps.count) values one level from Pillow 13's one-call order")
        XCTAssertLessThanOrEqual(gaps.max() ?? 0, 1, name)
      }
    }
    XCTAssertEqual(rows.filter { $0["order"] == "one-call" }.count, 8)
    XCTAssertGreaterThanOrEqual(shrinks, 7)
    XCTAssertGreaterThanOrEqual(enlargements, 3)
  }

  /// Shrinking averages every input pixel under the widened triangle: one-pixel stripes shrunk ×3
  /// come out within 0.06 of mid-gray (exactly 4/9 or 5/9 inside the image), where sampling at
  /// the output centres without antialiasing would keep only the stripes it hits (0 or 1).
  func testShrinkingAntialiases() throws {
    let dir = temporaryDirectory("stripes")
    let (w, h) = (33, 3)
    let stripes = (0..<(w * h)).map { UInt8(($0 % w) % 2 == 0 ? 255 : 0) }
    try writeFile(dir + "/stripes.png", PNG.encode(stripes, width: w, height: h))
    let small = try resized(dir + "/stripes.png", width: 11, height: 1, channels: 1)
    XCTAssertEqual(small.count, 11)
    for x in 1..<10 { XCTAssertEqual(Double(small[x]), x % 2 == 0 ? 4.0 / 9 : 5.0 / 9, accuracy: 1.0 / 255, "column \(x)") }
  }
}
