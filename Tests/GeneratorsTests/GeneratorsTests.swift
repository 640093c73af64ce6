import Foundation
import Generators
import ImageIO
import EvalCore
import NeuralNet
import TestSupport
import XCTest

final class GANTrainingTests: XCTestCase {
  /// 512 real digits (classes 0–9 interleaved), 4 steps per epoch at batch 128.
  func smallSet() throws -> ImageSet {
    let digits = try RealData.digits()
    return digits.subset((0..<512).map { ($0 % 10) * 500 + $0 / 10 })
  }

  func options(_ extra: [String: String] = [:]) throws -> GAN {
    try GAN.make(["epochs": "4", "sample-every": "2", "checkpoint-every": "1"].merging(extra) { $1 })
  }

  func weights(_ directory: String) throws -> [Float] {
    let network = try ModelFile.decode(try readFile(directory + "/generator.ganet"), path: directory)
    return network.layers.flatMap { $0.parameters + $0.state }.flatMap(\.value)
  }

  func context(_ directory: String, resume: Bool = false, stopAfter: Int? = nil) -> RunContext {
    var context = RunContext(outputDirectory: directory, makeFigures: true)
    (context.seed, context.threads, context.quiet, context.resume) = (7, 2, true, resume)
    if let stopAfter {
      let counter = Counter()
      context.shouldStop = { counter.next() > stopAfter }
    }
    return context
  }

  final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int { lock.withLock { value += 1; return value } }
  }

  func testInterruptedAndResumedRunEqualsAnUninterruptedOne() throws {
    let set = try smallSet()
    let straight = temporaryDirectory("gan-straight"), broken = temporaryDirectory("gan-broken")
    let full = try options().train(on: set, context: context(straight))
    XCTAssertFalse(full.interrupted)
    XCTAssertEqual(full.stepsDone, 16)
    // Stop in the middle of epoch 2 (after 6 steps), as Ctrl-C would; then resume.
    let first = try options().train(on: set, context: context(broken, stopAfter: 6))
    XCTAssertTrue(first.interrupted)
    XCTAssertEqual(first.stepsDone, 6)
    let state = String(decoding: try readFile(broken + "/checkpoint/state.txt"), as: UTF8.self)
    XCTAssertTrue(state.contains("epoch 2\nstep 2\n"), state)
    let second = try options().train(on: set, context: context(broken, resume: true))
    XCTAssertFalse(second.interrupted)
    XCTAssertEqual(second.stepsDone, 16)
    XCTAssertEqual(try weights(straight), try weights(broken), "resumed weights must equal the uninterrupted run's")
    XCTAssertEqual(
      try String(contentsOfFile: straight + "/losses.csv", encoding: .utf8), try String(contentsOfFile: broken + "/losses.csv", encoding: .utf8))
    for file in ["losses.svg", "samples/epoch-002.png", "samples/epoch-004.svg", "checkpoint/optimizer.bin"] {
      XCTAssertTrue(FileManager.default.fileExists(atPath: straight + "/" + file), file)
    }
  }

  func testResumeRefusesAMissingOrMismatchedCheckpoint() throws {
    let set = try smallSet()
    let directory = temporaryDirectory("gan-mismatch")
    XCTAssertThrowsError(try options().train(on: set, context: context(directory, resume: true))) {
      XCTAssertTrue("\($0)".contains("no checkpoint"), "\($0)")
    }
    _ = try options(["epochs": "1"]).train(on: set, context: context(directory))
    XCTAssertThrowsError(try options(["noise": "64"]).train(on: set, context: context(directory, resume: true))) {
      XCTAssertTrue("\($0)".contains("differ"), "\($0)")
    }
  }

  func testEveryArchitectureAndOptionTrainsAndSamplesDeterministically() throws {
    let set = try smallSet()
    let variants: [[String: String]] = [
      ["arch": "dcgan", "g-norm": "instance", "spectral-norm": "true", "epochs": "1"],
      ["g-norm": "none", "schedule": "cosine", "progressive": "true", "real-label": "1", "epochs": "2", "conditional": "no"],
      ["schedule": "step", "dropout": "0", "leaky": "0.1", "batch": "256", "epochs": "1"],
    ]
    for variant in variants {
      let directory = temporaryDirectory("gan-variant")
      let outcome = try options(variant).train(on: set, context: context(directory))
      XCTAssertFalse(outcome.interrupted)
      let model = try GAN.loadModel(run: directory)
      XCTAssertEqual(model.isConditional, variant["conditional"] != "no")
      let labels: [Int]? = model.isConditional ? (0..<20).map { $0 % 10 } : nil
      let a = try model.sample(count: 20, labels: labels, seed: 3, threads: 1)
      let b = try model.sample(count: 20, labels: labels, seed: 3, threads: 2)
      XCTAssertEqual(a.pixels, b.pixels, "\(variant)")
      XCTAssertTrue(a.pixels.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
      XCTAssertEqual(a.labels.first ?? nil, model.isConditional ? "0" : nil)
    }
  }

  func testBadOptionsAndUnlabelledConditionalAreClearErrors() throws {
    XCTAssertThrowsError(try GAN.make(["arch": "resnet"])) { XCTAssertTrue("\($0)".contains("mlp, dcgan"), "\($0)") }
    XCTAssertThrowsError(try GAN.make(["lr": "-1"])) { XCTAssertTrue("\($0)".contains("--lr"), "\($0)") }
    XCTAssertThrowsError(try GAN.make(["epoch": "3"])) { XCTAssertTrue("\($0)".contains("epoch"), "\($0)") }
    var unlabelled = try smallSet()
    unlabelled.labels = unlabelled.labels.map { _ in nil }
    XCTAssertThrowsError(try options(["conditional": "yes"]).train(on: unlabelled, context: context(temporaryDirectory("gan-bad")))) {
      XCTAssertTrue("\($0)".contains("needs labels"), "\($0)")
    }
  }
}
