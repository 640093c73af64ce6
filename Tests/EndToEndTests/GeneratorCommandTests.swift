import Foundation
import TestSupport
import XCTest

/// `train gan`, Ctrl-C, `--resume` and `sample`, run as a user would.
final class GeneratorCommandTests: XCTestCase {
  func testCtrlCSavesACheckpointAndResumeFinishesThenSampleAndClassify() throws {
    try Repo.requireData()
    let work = temporaryDirectory("e2e-gan")
    let run = work + "/run"
    let arguments = ["train", "gan", CommandLineTests.digits, "--epochs", "6", "--checkpoint-every", "100", "--out", run, "--quiet"]
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
    process.arguments = Array(arguments.dropLast())  // not quiet: the progress line shows training is under way
    process.standardOutput = Pipe()
    // a progress line every 0.2 s, so the first one comes early in the first epoch, whatever the load
    process.environment = ProcessInfo.processInfo.environment.merging(["GAN_EVAL_PROGRESS_SECONDS": "0.2"]) { $1 }
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    // Wait for the first progress line (drawn once steps are done), not a fixed time; a watchdog
    // ends the run if none comes, so a hang fails the test instead of blocking it.
    let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + 600, execute: watchdog)
    var stderr = ""
    while !stderr.contains("training gan: ") {
      let chunk = errors.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      stderr += String(decoding: chunk, as: UTF8.self)
    }
    watchdog.cancel()
    XCTAssertTrue(stderr.contains("training gan: "), "a progress line before Ctrl-C; stderr: \(stderr)")
    process.interrupt()  // SIGINT, as Ctrl-C
    _ = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 130, "Ctrl-C exits with 130 after saving")
    let state = try String(contentsOfFile: run + "/checkpoint/state.txt", encoding: .utf8)
    XCTAssertTrue(state.hasPrefix("epoch "), state)
    let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/summary.json"))) as! [String: Any]
    XCTAssertEqual((summary["results"] as! [String: Any])["interrupted"] as? Bool, true)

    let resumed = try ganEval(arguments + ["--resume"])
    XCTAssertTrue(resumed.stdout.contains("for 6 epochs"), resumed.stdout)
    let losses = try String(contentsOfFile: run + "/losses.csv", encoding: .utf8).split(separator: "\r\n")
    XCTAssertEqual(losses.first, "epoch,step,d_loss,g_loss,d_real,d_fake")
    XCTAssertEqual(losses.count, 1 + 6 * 39, "every step once, across the interruption")
    XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/samples/epoch-005.png"))

    try ganEval(["sample", run, "-n", "200", "--out", work + "/a", "--seed", "4"])
    try ganEval(["sample", run, "-n", "200", "--out", work + "/b", "--seed", "4"])
    for name in ["0/000.png", "9/199.png"] {
      XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: work + "/a/" + name)), try Data(contentsOf: URL(fileURLWithPath: work + "/b/" + name)))
    }
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: work + "/a/3").count, 20, "balanced: 20 per digit")
    let entropy = try ganEval(["entropy", work + "/a", "--out", work + "/entropy", "--quiet"])
    XCTAssertTrue(entropy.stdout.contains("a: n=200"), entropy.stdout)
  }

  func testBadGeneratorInputIsAClearError() throws {
    try Repo.requireData()
    let work = temporaryDirectory("e2e-gan-bad")
    let unknown = try ganEval(["train", "vae", CommandLineTests.digits, "--out", work + "/x"], expect: 1)
    XCTAssertTrue(unknown.stderr.contains("not a known generator"), unknown.stderr)
    let option = try ganEval(["train", "gan", CommandLineTests.digits, "--g-norm", "layer", "--out", work + "/y"], expect: 1)
    XCTAssertTrue(option.stderr.contains("--g-norm") && option.stderr.contains("instance"), option.stderr)
    let resume = try ganEval(["train", "gan", CommandLineTests.digits, "--resume", "--out", work + "/z"], expect: 1)
    XCTAssertTrue(resume.stderr.contains("no checkpoint"), resume.stderr)
    let sample = try ganEval(["sample", work + "/nothing", "-n", "5", "--out", work + "/s"], expect: 1)
    XCTAssertTrue(sample.stderr.contains("generator.ganet"), sample.stderr)
  }
}
