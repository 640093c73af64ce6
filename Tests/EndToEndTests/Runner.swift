import Foundation
import XCTest

/// What a run of the built binary printed and returned.
struct Result {
  var status: Int32
  var stdout: String
  var stderr: String
}

extension XCTestCase {
  /// Runs the built `gan-eval` with arguments and checks its exit status.
  @discardableResult
  func ganEval(
    _ arguments: [String], expect status: Int32 = 0, environment: [String: String] = [:], directory: String? = nil,
    file: StaticString = #filePath, line: UInt = #line
  ) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // both pipes are drained at once: reading one to its end first would deadlock once the child
    // fills the other's buffer (64 KiB; a sanitizer report on stderr does)
    let drained = DispatchGroup(), errors = Box()
    DispatchQueue.global().async(group: drained) { errors.data = err.fileHandleForReading.readDataToEndOfFile() }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    drained.wait()
    let stderr = errors.data
    process.waitUntilExit()
    let result = Result(
      status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    XCTAssertEqual(result.status, status, "gan-eval \(arguments.joined(separator: " "))\n\(result.stderr)", file: file, line: line)
    return result
  }
}

/// What the stderr reader collected (written by its thread before the group is left).
private final class Box: @unchecked Sendable {
  var data = Data()
}
