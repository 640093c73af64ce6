import Foundation
import Generators
import ImageIO
import EvalCore
import NeuralNet
import TestSupport
import XCTest

/// The GAN on colour: 256 real digits painted with a colour per class train a few steps of each
/// architecture; the generator emits RGB, its sample grid and its sample directory are RGB PNGs.
final class ColorGANTests: XCTestCase {
  func colourSet() throws -> ImageSet {
    let digits = try RealData.digits().subset((0..<256).map { ($0 % 10) * 500 + $0 / 10 })
    var colours: [String: [Double]] = [:]
    for k in 0..<10 {
      let red = Double(25 * k), green = Double(255 - 20 * k), blue = Double((k * 97) % 256)
      colours["\(k)"] = [red, green, blue]
    }
    return painted(digits, foreground: colours, background: [30, 20, 90])
  }

  /// The PNG colour type in the IHDR chunk: 0 gray, 2 RGB.
  func colourType(_ path: String) throws -> UInt8 { try readFile(path)[25] }

  func testEveryArchitectureTrainsOnRGBAndWritesRGB() throws {
    let set = try colourSet()
    for arch in ["mlp", "dcgan"] {
      let directory = temporaryDirectory("gan-rgb-\(arch)")
      var context = RunContext(outputDirectory: directory, makeFigures: true)
      (context.seed, context.threads, context.quiet) = (3, 2, true)
      let gan = try GAN.make(["arch": arch, "epochs": "1", "batch": "64", "sample-every": "1"])
      let outcome = try gan.train(on: set, context: context)
      XCTAssertEqual(outcome.stepsDone, 4)
      let model = try GAN.loadModel(run: directory) as! GANModel
      XCTAssertEqual(model.channels, 3, arch)
      XCTAssertEqual(model.generator.outputShape(), Shape(channels: 3, height: 28, width: 28))
      let samples = try model.sample(count: 20, labels: (0..<20).map { $0 % 10 }, seed: 1, threads: 2)
      XCTAssertEqual(samples.channels, 3)
      XCTAssertEqual(samples.pixels.count, 20 * 28 * 28 * 3)
      XCTAssertEqual(samples.pixels, try model.sample(count: 20, labels: (0..<20).map { $0 % 10 }, seed: 1, threads: 1).pixels)
      // the channels differ somewhere: a colour image, not gray repeated three times
      XCTAssertTrue((0..<(20 * 784)).contains { samples.pixels[3 * $0] != samples.pixels[3 * $0 + 1] }, arch)
      XCTAssertEqual(try colourType(directory + "/samples/epoch-001.png"), 2, "the sample grid is RGB")
      let out = temporaryDirectory("gan-rgb-samples")
      try ImageSetWriter.write(samples, to: out + "/s", overwrite: true, threads: 2)
      XCTAssertEqual(try colourType(out + "/s/" + samples.files[0]), 2, "sampled PNGs are RGB")
      let reloaded = try SampleDirectory.load(out + "/s")
      XCTAssertEqual(reloaded.channels, 3)
    }
  }

  /// D sees the three channels: the discriminator's first layer takes 3 image planes + 10 class planes.
  func testDiscriminatorTakesTheChannelsAndClassPlanes() throws {
    let directory = temporaryDirectory("gan-rgb-d")
    var context = RunContext(outputDirectory: directory, makeFigures: false)
    (context.seed, context.threads, context.quiet) = (3, 1, true)
    _ = try GAN.make(["arch": "dcgan", "epochs": "1", "batch": "128", "checkpoint-every": "1"]).train(on: try colourSet(), context: context)
    let d = try ModelFile.decode(try readFile(directory + "/checkpoint/discriminator.ganet"), path: directory)
    XCTAssertEqual(d.input, Shape(channels: 13, height: 28, width: 28))
    let g = try ModelFile.decode(try readFile(directory + "/checkpoint/generator.ganet"), path: directory)
    XCTAssertEqual(g.outputShape().channels, 3)
  }

  /// The model handed to `epochEnded` (what `train --evaluate-every` samples) emits RGB like the
  /// saved one: it used to be built as gray (channels 1), and sampling it stopped the process
  /// on ImageSet's precondition.
  func testTheEpochHookGetsAnRGBModel() throws {
    let set = try colourSet()
    for arch in ["mlp", "dcgan"] {
      let directory = temporaryDirectory("gan-rgb-hook-\(arch)")
      var context = RunContext(outputDirectory: directory, makeFigures: false)
      (context.seed, context.threads, context.quiet) = (3, 2, true)
      let calls = HookCalls()
      context.epochEnded = { epoch, _, model in
        calls.add()
        let gan = try XCTUnwrap(model as? GANModel)
        XCTAssertEqual(gan.channels, 3, "\(arch), epoch \(epoch)")
        guard gan.channels == 3 else { return }
        let samples = try gan.sample(count: 10, labels: Array(0..<10), seed: 1, threads: 1)
        XCTAssertEqual(samples.channels, 3)
        XCTAssertEqual(samples.pixels.count, 10 * 28 * 28 * 3)
      }
      _ = try GAN.make(["arch": arch, "epochs": "2", "batch": "128", "sample-every": "0"]).train(on: set, context: context)
      XCTAssertEqual(calls.value, 2, arch)
    }
  }
}

/// A thread-safe call count for a @Sendable hook.
final class HookCalls: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0
  func add() { lock.withLock { count += 1 } }
  var value: Int { lock.withLock { count } }
}
