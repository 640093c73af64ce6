import EvalCore
import Foundation
import XCTest

/// The spool behind a table with a row per image: its rows come back whole, in order, with the
/// table's head rows first, and it leaves no file in the temporary directory at any moment (it
/// is unlinked as soon as it is made), so a killed run leaves nothing behind.
final class TableSpoolTests: XCTestCase {
  func testRowsComeBackInOrderAndNoFileIsLeftInTheTemporaryDirectory() throws {
    let directory = NSTemporaryDirectory() + "/spool-test-\(getpid())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let saved = ProcessInfo.processInfo.environment["TMPDIR"]
    setenv("TMPDIR", directory, 1)
    defer { if let saved { setenv("TMPDIR", saved, 1) } else { unsetenv("TMPDIR") } }

    var table = Table(name: "rows", columns: ["file", "value"], rows: [["head.png", "0"]])
    let spool = try TableSpool()
    table.spool = spool
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [], "the spool's file is unlinked at once")
    // more than one 1 MiB piece, with a row that spans a piece boundary
    var expected = "file,value\r\nhead.png,0\r\n"  // CSV records end in CRLF (RFC 4180)
    for chunk in 0..<40 {
      let rows = (0..<1000).map { i in ["images/\(chunk)-\(i).png", String(repeating: "x", count: 20 + (chunk * 1000 + i) % 13)] }
      try spool.append(rows)
      for row in rows { expected += row.joined(separator: ",") + "\r\n" }
    }
    XCTAssertGreaterThan(expected.utf8.count, 1 << 20)
    XCTAssertEqual(spool.count, 40_000)
    XCTAssertEqual(table.csv(), expected)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])
  }
}
