import Foundation
import ImageIO

/// Runs an external plugin's executable with a time limit: stdout is collected (bounded), each
/// stderr line is shown as progress (`[name] …`) unless quiet, and the last lines are kept for errors.
struct PluginProcess {
  var status: Int32
  /// "exit status 3", "killed by signal 9", "timed out after 5 s".
  var ending: String
  var stdout: [UInt8]
  /// The last stderr lines (for error messages).
  var tail: String

  static let maxStdout = 4 << 20

  static func run(_ executable: String, arguments: [String], directory: String?, timeout: Double, quiet: Bool, label: String) throws -> PluginProcess {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    let collected = Collected()
    let outDone = DispatchSemaphore(value: 0), errDone = DispatchSemaphore(value: 0)
    do { try process.run() } catch {
      throw EvalError.badFile(path: executable, reason: "cannot be started: \(error.localizedDescription)")
    }
    DispatchQueue.global().async {
      let handle = out.fileHandleForReading
      while true {
        let chunk = handle.availableData
        if chunk.isEmpty { break }
        collected.appendStdout(chunk)
      }
      outDone.signal()
    }
    DispatchQueue.global().async {
      let handle = err.fileHandleForReading
      var pending = Data()
      while true {
        let chunk = handle.availableData
        if chunk.isEmpty { break }
        pending.append(chunk)
        while let newline = pending.firstIndex(of: 0x0A) {
          let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
          pending.removeSubrange(pending.startIndex...newline)
          collected.appendLine(line)
          if !quiet { FileHandle.standardError.write(Data("[\(label)] \(line)\n".utf8)) }
        }
      }
      if !pending.isEmpty {
        let line = String(decoding: pending, as: UTF8.self)
        collected.appendLine(line)
        if !quiet { FileHandle.standardError.write(Data("[\(label)] \(line)\n".utf8)) }
      }
      errDone.signal()
    }
    let deadline = DispatchTime.now() + timeout
    let exited = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      process.waitUntilExit()
      exited.signal()
    }
    var timedOut = false
    if exited.wait(timeout: deadline) == .timedOut {
      timedOut = true
      kill(process.processIdentifier, SIGTERM)
      if exited.wait(timeout: .now() + 2) == .timedOut {
        kill(process.processIdentifier, SIGKILL)
        exited.wait()
      }
    }
    // a plugin's own children may hold the pipes open: do not wait for them forever
    _ = outDone.wait(timeout: .now() + 5)
    _ = errDone.wait(timeout: .now() + 5)
    let status = process.terminationStatus
    let ending: String
    if timedOut {
      ending = "timed out after \(shortestSeconds(timeout)) s (--plugin-timeout)"
    } else if process.terminationReason == .uncaughtSignal {
      ending = "killed by signal \(status)"
    } else {
      ending = "exit status \(status)"
    }
    return PluginProcess(
      status: timedOut ? -1 : (process.terminationReason == .uncaughtSignal ? -status : status), ending: ending,
      stdout: collected.stdoutBytes, tail: collected.tail)
  }
}

func shortestSeconds(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }

/// What the reader threads collect.
final class Collected: @unchecked Sendable {
  private let lock = NSLock()
  private var stdout: [UInt8] = []
  private var lines: [String] = []

  func appendStdout(_ data: Data) {
    lock.withLock {
      if stdout.count < PluginProcess.maxStdout { stdout += data.prefix(PluginProcess.maxStdout - stdout.count) }
    }
  }

  func appendLine(_ line: String) {
    lock.withLock {
      lines.append(String(line.prefix(500)))
      if lines.count > 8 { lines.removeFirst() }
    }
  }

  var stdoutBytes: [UInt8] { lock.withLock { stdout } }
  var tail: String { lock.withLock { lines.joined(separator: " | ") } }
}
