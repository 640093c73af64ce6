import Foundation

/// Reports the progress of a long step on standard error: a redrawn bar on a terminal, a plain
/// line every few seconds otherwise, nothing when quiet. Safe to call from several threads.
public final class ProgressReporter: @unchecked Sendable {
  public let label: String
  public let total: Int
  private let quiet: Bool
  private let isTerminal: Bool
  private let lock = NSLock()
  private var done = 0
  private let started = Date()
  private lazy var lastDraw = started
  private var drawnAtTotal = false
  private var detail = ""

  /// Seconds between plain progress lines when stderr is not a terminal: 5, or
  /// `GAN_EVAL_PROGRESS_SECONDS` (for logs that want more, or tests that wait for a line).
  static let lineInterval: Double = {
    guard let text = ProcessInfo.processInfo.environment["GAN_EVAL_PROGRESS_SECONDS"], let value = Double(text), value >= 0 else { return 5 }
    return value
  }()

  public init(_ label: String, total: Int, quiet: Bool) {
    self.label = label
    self.total = max(total, 0)
    self.quiet = quiet
    self.isTerminal = isatty(STDERR_FILENO) == 1
  }

  /// Adds `count` finished units and redraws when enough time has passed.
  public func advance(by count: Int = 1) {
    if quiet { return }
    lock.withLock {
      done += count
      let now = Date()
      let interval = isTerminal ? 0.1 : ProgressReporter.lineInterval
      if now.timeIntervalSince(lastDraw) >= interval {
        lastDraw = now
        draw(final: false)
      }
    }
  }

  /// Text shown after the counts (e.g. the current losses); drawn with the next update.
  public func setDetail(_ text: String) {
    if quiet { return }
    lock.withLock { detail = text }
  }

  /// Draws the last state and ends the line.
  public func finish() {
    if quiet { return }
    lock.withLock {
      done = max(done, total)
      if !drawnAtTotal { draw(final: true) }
      drawnAtTotal = true
    }
  }

  private func draw(final: Bool) {
    let elapsed = Date().timeIntervalSince(started)
    let fraction = total > 0 ? Double(done) / Double(total) : 1
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    let stats = "\(done)/\(total) \(String(format: "%.1f", elapsed)) s, \(Int(rate.rounded()))/s" + (detail.isEmpty ? "" : "  " + detail)
    var line: String
    if isTerminal {
      let width = 30
      let filled = Int((fraction * Double(width)).rounded(.down))
      line = "\r\u{1B}[2K\(label) [" + String(repeating: "#", count: filled)
        + String(repeating: "-", count: width - filled) + "] \(stats)"
      if final { line += "\n" }
    } else {
      line = "\(label): \(stats)\n"
    }
    FileHandle.standardError.write(Data(line.utf8))
  }
}
