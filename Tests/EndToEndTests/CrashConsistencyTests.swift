import Foundation
import TestSupport
import XCTest

/// kill -9 at seeded random moments, a full disk, a read-only output and a read-only input: every
/// output path is absent, the complete previous version or the complete new version, and errors
/// name the path and the reason.
final class CrashConsistencyTests: XCTestCase {
  /// Every file below a directory (hidden ones too) with its bytes, by relative path.
  func contents(_ path: String) -> [String: Data]? {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
    guard isDirectory.boolValue else { return ["": (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()] }
    var out: [String: Data] = [:]
    for relative in FileManager.default.enumerator(atPath: path)?.compactMap({ $0 as? String }) ?? [] {
      var dir: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: path + "/" + relative, isDirectory: &dir)
      if !dir.boolValue { out[relative] = try? Data(contentsOf: URL(fileURLWithPath: path + "/" + relative)) }
    }
    return out
  }

  func start(_ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
    process.arguments = arguments + ["--quiet"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  /// Runs `make(version)` to completion for versions 0 and 1 (the two complete outputs), then 20
  /// times starts it with alternating versions and kills it with SIGKILL after a seeded random
  /// delay; after every kill the output is absent or one of the two complete versions. A final
  /// run succeeds and leaves no staging files behind.
  func checkKills(_ name: String, out: String, seed: UInt64, make: (Int) -> [String]) throws {
    var versions: [[String: Data]] = []
    var seconds: [Double] = []
    for version in 0..<2 {
      try? FileManager.default.removeItem(atPath: out)
      let started = Date()
      try ganEval(make(version) + ["--quiet"])
      seconds.append(Date().timeIntervalSince(started))
      versions.append(try XCTUnwrap(contents(out), name))
    }
    XCTAssertNotEqual(versions[0], versions[1], "\(name): the two versions must differ to tell them apart")
    var random = SeededRandom(seed)
    var seen: Set<String> = []
    for kill in 0..<20 {
      let process = try start(make(kill % 2))
      let delay = random.uniform() * 1.2 * seconds.max()!
      Thread.sleep(forTimeInterval: delay)
      if process.isRunning { killNow(process.processIdentifier) }
      process.waitUntilExit()
      let now = contents(out)
      if let now {
        let which = versions.firstIndex(of: now)
        XCTAssertNotNil(which, "\(name): after a kill at \(String(format: "%.3f", delay)) s the output is neither complete version (\(now.count) files)")
        seen.insert(which.map { "version \($0)" } ?? "broken")
      } else {
        seen.insert("absent")
      }
    }
    try ganEval(make(1) + ["--quiet"])
    XCTAssertEqual(contents(out), versions[1], "\(name): a re-run after the kills succeeds")
    let parent = (out as NSString).deletingLastPathComponent
    let staging = try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.contains(".partial-") }
    XCTAssertEqual(staging, [], "\(name): a later run removes what killed runs left beside the output")
    print("\(name): after 20 kills the output was \(seen.sorted().joined(separator: ", "))")
  }

  func testKilledImportFilterAndSampleLeaveCompleteOrNoOutput() throws {
    try Repo.requireData()
    let work = temporaryDirectory("kill")
    try checkKills("import", out: work + "/imported", seed: 1) { version in
      ["import", Repo.digitsCSV, "--limit", version == 0 ? "1500" : "2000", "--out", work + "/imported", "--overwrite"]
    }
    try checkKills("filter", out: work + "/filtered", seed: 2) { version in
      ["filter", CommandLineTests.digits, "--sigma", version == 0 ? "1" : "2", "--out", work + "/filtered", "--overwrite"]
    }
    try ganEval(["train", "memorizer", CommandLineTests.digits, "--out", work + "/run", "--quiet"])
    try checkKills("sample", out: work + "/sampled", seed: 3) { version in
      ["sample", work + "/run", "-n", "3000", "--seed", "\(version)", "--out", work + "/sampled", "--overwrite"]
    }
  }

  func testKilledPipelineResumesSkippingOnlyFinishedSteps() throws {
    try Repo.requireData()
    let work = temporaryDirectory("kill-pipeline")
    let file = work + "/p.yaml"
    try """
      out: \(work)/out
      seed: 0
      steps:
        - import: {name: real, source: \(Repo.digitsCSV), limit: 500}
        - filter: {name: smoothed, transform: gaussian, input: real, options: {sigma: 1}}
        - train: {name: copier, generator: memorizer, input: real}
        - sample: {name: copies, run: copier, n: 500}
        - evaluate:
            name: evaluate
            metrics:
              - {metric: entropy, sets: [real, smoothed, copies]}
              - {metric: histogram, sets: [real, smoothed, copies], options: {bins: 64}}
      """.write(toFile: file, atomically: true, encoding: .utf8)
    let started = Date()
    try ganEval(["pipeline", file, "--quiet"])
    let total = Date().timeIntervalSince(started)
    let reference = ["real", "smoothed", "copies"].reduce(into: [String: [String: Data]]()) { $0[$1] = contents(work + "/out/" + $1) }
    var random = SeededRandom(7)
    for _ in 0..<20 {
      try FileManager.default.removeItem(atPath: work + "/out")
      let process = try start(["pipeline", file])
      Thread.sleep(forTimeInterval: random.uniform() * total)
      if process.isRunning { killNow(process.processIdentifier) }
      process.waitUntilExit()
      // a step with its stamp is complete; the sets it made equal the uninterrupted run's
      var finished: [String] = []
      for step in ["real", "smoothed", "copier", "copies", "evaluate"] where FileManager.default.fileExists(atPath: work + "/out/\(step)/.gan-eval-step") {
        finished.append(step)
        if let expected = reference[step] {
          XCTAssertEqual(contents(work + "/out/" + step)?.filter { !$0.key.hasPrefix(".") && $0.key != "lines.txt" }, expected.filter { !$0.key.hasPrefix(".") && $0.key != "lines.txt" }, step)
        }
      }
      let rerun = try ganEval(["pipeline", file, "--quiet"])
      for line in rerun.stdout.split(separator: "\n") where !line.hasPrefix("report:") {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        XCTAssertEqual(String(parts[1]), finished.contains(String(parts[0])) ? "skipped" : "ran", "after finishing \(finished): \(line)")
      }
    }
  }

  /// A tmpfs the test mounts: 1 MiB for a full disk, or read-only.
  func mountTmpfs(_ path: String, size: String, readOnly: Bool = false) throws -> Bool {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let mount = Process()
    mount.executableURL = URL(fileURLWithPath: "/bin/mount")
    mount.arguments = ["-t", "tmpfs", "-o", "size=\(size)" + (readOnly ? ",ro" : ""), "tmpfs", path]
    mount.standardError = FileHandle.nullDevice
    try mount.run()
    mount.waitUntilExit()
    if mount.terminationStatus != 0 { print("CrashConsistencyTests: cannot mount a tmpfs here (not root, or no mount namespace); skipping the disk tests") }
    return mount.terminationStatus == 0
  }

  func unmount(_ path: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/umount")
    process.arguments = [path]
    try? process.run()
    process.waitUntilExit()
  }

  func testFullDiskReadOnlyOutputAndReadOnlyInput() throws {
    try Repo.requireData()
    let work = temporaryDirectory("disk")
    let full = work + "/full"
    guard try mountTmpfs(full, size: "1m") else { throw XCTSkip("tmpfs cannot be mounted on this machine") }
    defer { unmount(full) }
    let failed = try ganEval(["import", Repo.digitsCSV, "--out", full + "/digits", "--quiet"], expect: 1)
    XCTAssertTrue(failed.stderr.contains(full + "/digits") && failed.stderr.lowercased().contains("no space left"), failed.stderr)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: full), [], "no partial output on a full disk")

    // fill the disk to the last block, then ask for a CSV
    let filler = FileHandle(forWritingAtPath: { FileManager.default.createFile(atPath: full + "/filler", contents: nil); return full + "/filler" }())!
    while (try? filler.write(contentsOf: Data(count: 4096))) != nil {}
    try? filler.close()
    let csv = try ganEval(["entropy", CommandLineTests.digits, "--out", full + "/entropy", "--quiet"], expect: 1)
    XCTAssertTrue(csv.stderr.lowercased().contains("no space left"), csv.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: full + "/entropy/entropy.csv"))
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: full + "/entropy").filter { $0.contains("partial") }, [], "no temporary file remains")

    let readOnly = work + "/ro"
    guard try mountTmpfs(readOnly, size: "1m", readOnly: true) else { throw XCTSkip("tmpfs cannot be mounted on this machine") }
    defer { unmount(readOnly) }
    let refused = try ganEval(["filter", CommandLineTests.digits, "--sigma", "1", "--out", readOnly + "/blurred", "--quiet"], expect: 1)
    XCTAssertTrue(refused.stderr.contains(readOnly + "/blurred") && refused.stderr.lowercased().contains("read-only"), refused.stderr)

    // a read-only input works: copy 300 digits onto a tmpfs, remount it read-only, evaluate
    let input = work + "/input"
    guard try mountTmpfs(input, size: "8m") else { throw XCTSkip("tmpfs cannot be mounted on this machine") }
    defer { unmount(input) }
    try ganEval(["import", Repo.digitsCSV, "--limit", "300", "--out", input + "/digits", "--quiet"])
    let remount = Process()
    remount.executableURL = URL(fileURLWithPath: "/bin/mount")
    remount.arguments = ["-o", "remount,ro", input]
    try remount.run()
    remount.waitUntilExit()
    XCTAssertEqual(remount.terminationStatus, 0)
    let entropy = try ganEval(["entropy", input + "/digits", "--out", work + "/entropy-ro", "--quiet"])
    XCTAssertTrue(entropy.stdout.contains("digits: n=300"), entropy.stdout)
  }
}

/// SplitMix64 for seeded delays.
struct SeededRandom {
  var state: UInt64
  init(_ seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

func killNow(_ pid: Int32) { kill(pid, SIGKILL) }
