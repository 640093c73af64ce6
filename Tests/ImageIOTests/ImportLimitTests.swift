import Foundation
import ImageIO
import TestSupport
import XCTest

/// Inputs that claim far more than they hold, or hold far more than an import can use, must be
/// refused early with their specific reason. Each input is small in memory and on disk (gzip
/// members of zeros repeated), yet an unbounded reader would allocate tens of gigabytes for it.
final class ImportLimitTests: XCTestCase {
  /// `megabytes` MiB of `pattern` repeated, as that many concatenated gzip members (RFC 1952):
  /// about 1 KiB per MiB.
  private func repeatedMembers(_ pattern: [UInt8], megabytes: Int) throws -> [UInt8] {
    var chunk = [UInt8]()
    chunk.reserveCapacity(1 << 20)
    while chunk.count < 1 << 20 { chunk.append(contentsOf: pattern) }
    let member = try gzip(Array(chunk.prefix(1 << 20)), level: 9)
    var out = [UInt8]()
    out.reserveCapacity(member.count * megabytes)
    for _ in 0..<megabytes { out.append(contentsOf: member) }
    return out
  }

  private func idxHeader(count: UInt32, rows: UInt32, cols: UInt32) -> [UInt8] {
    [0, 0, 8, 3] + [count, rows, cols].flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }
  }

  private func assertRefused(
    _ body: @autoclosure () throws -> ImageSet, path: String, saying reasons: [String], file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
      let text = String(describing: error)
      XCTAssertTrue(text.hasPrefix(path + ":"), "names the file: \(text)", file: file, line: line)
      for reason in reasons { XCTAssertTrue(text.contains(reason), "says '\(reason)': \(text)", file: file, line: line) }
    }
  }

  /// The case: 3 MB of gzip posing as MNIST, a header claiming 4 million images, then
  /// 3 GiB of zeros. Unbounded, that is 3 GiB inflated plus 12.5 GB of Float32 pixels.
  func testGzipIDXClaimingMillionsOfImagesIsRefusedFromItsHeader() throws {
    let dir = temporaryDirectory("idx-bomb")
    let bomb = try gzip(idxHeader(count: 4_000_000, rows: 28, cols: 28)) + repeatedMembers([0], megabytes: 3072)
    XCTAssertLessThan(bomb.count, 4 << 20, "the bomb is small on disk")
    try writeFile(dir + "/train-images-idx3-ubyte.gz", bomb)
    assertRefused(
      try Importers.readIDX(images: dir + "/train-images-idx3-ubyte.gz", labels: nil), path: dir + "/train-images-idx3-ubyte.gz",
      saying: ["header declares 4,000,000 images of 28x28", "3,136,000,000 pixels", "above the import limit", ImportLimits.pixelVariable])
  }

  /// With the limit raised, a header claiming more than the stream holds is caught by the stream
  /// running out, having inflated only what is there (64 MiB), not the 3 GB declared.
  func testGzipIDXHoldingLessThanItsHeaderIsTruncated() throws {
    let dir = temporaryDirectory("idx-short")
    let short = try gzip(idxHeader(count: 4_000_000, rows: 28, cols: 28)) + repeatedMembers([0], megabytes: 64)
    try writeFile(dir + "/short.gz", short)
    assertRefused(
      try Importers.readIDX(images: dir + "/short.gz", labels: nil, limits: ImportLimits(maxPixels: 4_000_000 * 784)),
      path: dir + "/short.gz", saying: ["is truncated", "header says 4,000,000 images", "decompressed stream has 67,108,880 bytes"])
  }

  /// Sizes near 2^32 must not overflow the size arithmetic.
  func testIDXWithHugeDimensionsIsRefused() throws {
    let dir = temporaryDirectory("idx-dims")
    try writeFile(dir + "/huge", idxHeader(count: .max, rows: .max, cols: .max))
    assertRefused(try Importers.readIDX(images: dir + "/huge", labels: nil), path: dir + "/huge", saying: ["image size 4294967295x4294967295 is not usable"])
    try writeFile(dir + "/many", idxHeader(count: .max, rows: 4096, cols: 4096))
    assertRefused(try Importers.readIDX(images: dir + "/many", labels: nil), path: dir + "/many", saying: ["above the import limit"])
  }

  /// An IDX label file in gzip that claims more labels than it holds.
  func testGzipIDXLabelsAreInflatedOnlyAsFarAsTheImagesNeed() throws {
    let dir = temporaryDirectory("idx-labels")
    try writeFile(dir + "/images", idxHeader(count: 3, rows: 2, cols: 2) + [UInt8](repeating: 7, count: 12))
    let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]
    try writeFile(dir + "/labels.gz", try gzip(labels) + repeatedMembers([9], megabytes: 256))
    let set = try Importers.readIDX(images: dir + "/images", labels: dir + "/labels.gz")
    XCTAssertEqual(set.labels, ["1", "2", "3"])
    try writeFile(dir + "/short-labels.gz", try gzip([0, 0, 8, 1, 0, 0, 0, 3, 1]))
    assertRefused(
      try Importers.readIDX(images: dir + "/images", labels: dir + "/short-labels.gz"), path: dir + "/short-labels.gz",
      saying: ["holds 1 labels for 3 images"])
  }

  /// The case: one 100 MB line was read whole, split into 50 million substrings and then
  /// reported as "a header but no data rows". Here the line is 1 GiB (unbounded: ~25 GB) and
  /// must be refused after 16 MiB of it have been inflated, naming the line.
  func testCSVWithOneHugeLineIsRefusedWhileInflating() throws {
    let dir = temporaryDirectory("csv-line")
    try writeFile(dir + "/wide.csv.gz", try repeatedMembers(Array("0,".utf8), megabytes: 1024))
    assertRefused(
      try Importers.readCSV(dir + "/wide.csv.gz"), path: dir + "/wide.csv.gz",
      saying: ["line 1 is longer than 16 MiB", "one image per line"])
  }

  /// The same limit on a plain file, checked before any field is split.
  func testPlainCSVLineLongerThanTheLimitIsRefused() throws {
    let dir = temporaryDirectory("csv-plain-line")
    let short = Array(repeating: "1", count: 16).joined(separator: ",")
    let long = Array(repeating: "1", count: 3000).joined(separator: ",")
    try writeTextAtomically(dir + "/x.csv", short + "\n" + short + "\n" + long + "\n")
    assertRefused(
      try Importers.readCSV(dir + "/x.csv", limits: ImportLimits(maxLineBytes: 4096)), path: dir + "/x.csv",
      saying: ["line 3 is longer than 4 KiB"])
  }

  /// A gzip bomb of short lines: inflation stops at the text cap.
  func testCSVGzipBombIsRefusedAtTheTextCap() throws {
    let dir = temporaryDirectory("csv-bomb")
    try writeFile(dir + "/bomb.csv.gz", try repeatedMembers(Array("0,0,0,0\n".utf8), megabytes: 1024))
    assertRefused(
      try Importers.readCSV(dir + "/bomb.csv.gz", limits: ImportLimits(maxTextBytes: 64 << 20)), path: dir + "/bomb.csv.gz",
      saying: ["decompresses to more than 64 MiB of text", "decompression bomb"])
  }

  /// More numbers than the pixel cap are refused while parsing, before the set is built.
  func testCSVWithMoreValuesThanThePixelCapIsRefused() throws {
    let dir = temporaryDirectory("csv-values")
    let row = Array(repeating: "3", count: 16).joined(separator: ",")
    try writeTextAtomically(dir + "/x.csv", Array(repeating: row, count: 400).joined(separator: "\n"))
    assertRefused(
      try Importers.readCSV(dir + "/x.csv", labelColumn: .none, limits: ImportLimits(maxPixels: 1000)), path: dir + "/x.csv",
      saying: ["more than 1,125 numbers", "above the import limit"])
    XCTAssertEqual(try Importers.readCSV(dir + "/x.csv", labelColumn: .none, limits: ImportLimits(maxPixels: 6400)).count, 400)
  }

  /// Found by fuzzing (fuzz/regressions/csv): 425 bytes of gzip holding one 400 KB line of 200,000
  /// fields ending in a comma, so a header. Every field of it used to become a trimmed String (a
  /// 2 s timeout under the fuzzer); now only the first and last names are made.
  func testFuzzRegressionCSVHeaderOf200000Fields() throws {
    let path = Repo.root + "/fuzz/regressions/csv/timeout-header-of-200000-fields.csv.gz"
    assertRefused(try Importers.readCSV(path), path: path, saying: ["has a header but no data rows"])
    let dir = temporaryDirectory("csv-wide-header")
    let names = (0..<200_000).map { "p\($0)" }
    try writeTextAtomically(dir + "/x.csv", "label," + names.joined(separator: ",") + "\n")
    assertRefused(try Importers.readCSV(dir + "/x.csv"), path: dir + "/x.csv", saying: ["has a header but no data rows"])
  }

  /// NPY headers claiming absurd shapes: overflowing, negative, above the cap, or more than the data.
  func testNPYHeadersWithAbsurdShapesAreRefused() throws {
    let dir = temporaryDirectory("npy-shape")
    func npy(_ shape: String, data: Int = 64) -> [UInt8] {
      var header = "{'descr': '|u1', 'fortran_order': False, 'shape': \(shape), }"
      header += String(repeating: " ", count: (64 - (11 + header.utf8.count) % 64) % 64) + "\n"
      let length = header.utf8.count
      return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)] + Array(header.utf8)
        + [UInt8](repeating: 1, count: data)
    }
    let cases: [(String, String)] = [
      ("(4000000000, 4000000000, 4000000000)", "holds more than 1,073,741,824 values"),
      ("(9223372036854775807, 2)", "holds more than"),
      ("(-1, 28, 28)", "is not a tuple of sizes ≥ 0"),
      ("(4000000, 28, 28)", "above the import limit"),
      ("(100, 28, 28)", "is truncated: shape [100, 28, 28] needs 78,400 data bytes, the file has 64"),
      ("28", "is not a tuple of sizes"),
      // no images, so the element count is 0, but sizes whose product overflows
      ("(0, 4294967296, 4294967296)", "image size 4294967296x4294967296 is not usable"),
      ("(0, 9223372036854775807)", "is not a square image"),
    ]
    for (index, (shape, reason)) in cases.enumerated() {
      let path = dir + "/case\(index).npy"
      try writeFile(path, npy(shape))
      assertRefused(try Importers.readNPY(path, labels: nil), path: path, saying: [reason])
    }
    try writeFile(dir + "/ok.npy", npy("(4, 4, 4)"))
    XCTAssertEqual(try Importers.readNPY(dir + "/ok.npy", labels: nil).count, 4)
  }

  /// Several gzip members read as their concatenation, as `gzip -d` does.
  func testMultiMemberGzipIsTheConcatenation() throws {
    let a: [UInt8] = Array("1,2,3,4\n".utf8), b: [UInt8] = Array("5,6,7,8\n".utf8)
    XCTAssertEqual(try gunzip(try gzip(a) + gzip(b), path: "two.gz"), a + b)
  }
}
