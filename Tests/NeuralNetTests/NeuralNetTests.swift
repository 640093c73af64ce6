import Foundation
import NeuralNet
import Workers
import XCTest

final class GradientTests: XCTestCase {
  /// Checks back-propagated input and parameter gradients against central differences of the
  /// scalar L = Σ w·y for fixed random w.
  func checkGradients(_ make: (inout SplitMix64) throws -> Network, input: Tensor, file: StaticString = #filePath, line: UInt = #line) throws {
    var random = SplitMix64(seed: 3)
    let network = try make(&random)
    var pass = Pass(training: true, threads: 2, seed: 9)
    // Spectral norm's power iteration moves u on every training pass: let it converge first.
    for _ in 0..<50 { _ = network.forward(input, &pass) }
    pass = Pass(training: true, threads: 2, seed: 9)
    let out = network.forward(input, &pass)
    let weights = (0..<out.data.count).map { _ in Float(random.nextGaussian()) }
    func loss(_ x: Tensor) -> Double {
      var p = Pass(training: true, threads: 1, seed: 9)  // same dropout mask as the analytic pass
      let y = network.forward(x, &p)
      return zip(y.data, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    for parameter in network.parameters { for i in parameter.gradient.indices { parameter.gradient[i] = 0 } }
    let dx = network.backward(out.with(weights), pass)
    let h: Float = 1e-2
    var worst = 0.0
    func compare(_ analytic: Float, _ numeric: Double) {
      let error = abs(Double(analytic) - numeric) / max(1, abs(numeric))
      worst = max(worst, error)
    }
    for i in stride(from: 0, to: input.data.count, by: max(1, input.data.count / 40)) {
      var plus = input, minus = input
      plus.data[i] += h
      minus.data[i] -= h
      compare(dx.data[i], (loss(plus) - loss(minus)) / Double(2 * h))
    }
    for parameter in network.parameters {
      let analytic = parameter.gradient
      for i in stride(from: 0, to: parameter.value.count, by: max(1, parameter.value.count / 20)) {
        let saved = parameter.value[i]
        parameter.value[i] = saved + h
        let up = loss(input)
        parameter.value[i] = saved - h
        let down = loss(input)
        parameter.value[i] = saved
        compare(analytic[i], (up - down) / Double(2 * h))
      }
    }
    XCTAssertLessThan(worst, 2e-2, "largest relative gradient error", file: file, line: line)
  }

  func randomImages(_ batch: Int, _ channels: Int, _ size: Int) -> Tensor {
    var random = SplitMix64(seed: 11)
    return Tensor(planes: channels, batch: batch, height: size, width: size, data: (0..<(batch * channels * size * size)).map { _ in Float(random.nextGaussian()) })
  }

  func testConvolutionPoolDenseGradients() throws {
    try checkGradients({ random in
      try Network(
        input: Shape(channels: 2, height: 8, width: 8),
        layers: [
          Convolution(2, 3, kernel: 3, padding: 1, random: &random), Activation(.leakyRelu(0.2)), MaxPool(2),
          Convolution(3, 4, kernel: 3, stride: 2, padding: 1, random: &random), Activation(.tanh),
          Flatten(), Dense(16, 5, random: &random), Activation(.sigmoid),
        ])
    }, input: randomImages(3, 2, 8))
  }

  func testBatchNormGradientsOnRowsAndPlanes() throws {
    try checkGradients({ random in
      try Network(
        input: Shape(channels: 2, height: 4, width: 4),
        layers: [
          Convolution(2, 3, kernel: 3, padding: 1, random: &random), BatchNorm(3), Activation(.tanh),
          Flatten(), Dense(48, 6, random: &random), BatchNorm(6), Dense(6, 2, random: &random),
        ])
    }, input: randomImages(5, 2, 4))
  }

  func testGeneratorAndCriticLayerGradients() throws {
    // generator-like: dense → reshape → instance norm → upsample → conv → tanh
    try checkGradients({ random in
      try Network(
        input: Shape(channels: 6),
        layers: [
          Dense(6, 2 * 3 * 3, random: &random), InstanceNorm(18), Reshape(Shape(channels: 2, height: 3, width: 3)),
          InstanceNorm(2), Upsample(2), Convolution(2, 1, kernel: 3, padding: 1, random: &random), Activation(.tanh),
        ])
    }, input: Tensor(rows: 3, features: 6, data: (0..<18).map { Float($0 % 5) / 5 - 0.3 }))
  }

  func testSpectralNormCriticGradients() throws {
    try checkGradients({ random in
      try Network(
        input: Shape(channels: 1, height: 6, width: 6),
        layers: [
          Convolution(1, 3, kernel: 3, stride: 2, padding: 1, spectralNorm: true, random: &random), Activation(.leakyRelu(0.2)),
          Flatten(), Dense(27, 1, spectralNorm: true, random: &random),
        ])
    }, input: randomImages(4, 1, 6))
  }

  func testSpectralNormBoundsTheLargestSingularValue() throws {
    var random = SplitMix64(seed: 2)
    let dense = Dense(20, 10, spectralNorm: true, random: &random)
    for i in dense.weight.value.indices { dense.weight.value[i] *= 7 }
    let network = try Network(input: Shape(channels: 20), layers: [dense])
    var pass = Pass(training: true)
    for _ in 0..<100 { _ = network.forward(Tensor(rows: 1, features: 20, data: [Float](repeating: 0.1, count: 20)), &pass) }
    // ‖W/σ · x‖ ≤ ‖x‖ for every x: try many random directions
    var worst: Float = 0
    for _ in 0..<200 {
      let x = (0..<20).map { _ in Float(random.nextGaussian()) }
      var p = Pass(training: false)
      let y = network.forward(Tensor(rows: 1, features: 20, data: x), &p).data
      worst = max(worst, y.reduce(0) { $0 + $1 * $1 }.squareRoot() / x.reduce(0) { $0 + $1 * $1 }.squareRoot())
    }
    XCTAssertLessThanOrEqual(worst, 1.001)
    XCTAssertGreaterThan(worst, 0.5)
  }

  func testDropoutGradientUsesTheSameMask() throws {
    try checkGradients({ random in
      try Network(input: Shape(channels: 12), layers: [Dense(12, 30, random: &random), Dropout(0.5), Dense(30, 3, random: &random)])
    }, input: Tensor(rows: 4, features: 12, data: (0..<48).map { Float($0 % 7) / 7 - 0.4 }))
  }

  func testLossGradients() {
    let logits = Tensor(rows: 2, features: 3, data: [1, 2, 0.5, -1, 0, 3])
    let (loss, gradient) = softmaxCrossEntropy(logits, labels: [1, 2])
    func ce(_ z: [Double], _ label: Int) -> Double { -z[label] + log(z.map(exp).reduce(0, +)) }
    XCTAssertEqual(loss, (ce([1, 2, 0.5], 1) + ce([-1, 0, 3], 2)) / 2, accuracy: 1e-12)
    XCTAssertEqual(gradient.data.reduce(0, +), 0, accuracy: 1e-6)
    let (bce, g) = binaryCrossEntropy(Tensor(rows: 2, features: 1, data: [0.3, -2]), targets: [0.9, 0])
    let s = { (z: Double) in 1 / (1 + exp(-z)) }
    XCTAssertEqual(bce, (-(0.9 * log(s(0.3)) + 0.1 * log(1 - s(0.3))) - log(1 - s(-2))) / 2, accuracy: 1e-6)
    XCTAssertEqual(Double(g.data[0]), (s(0.3) - 0.9) / 2, accuracy: 1e-6)
  }
}

final class TrainingTests: XCTestCase {
  func makeNetwork(seed: UInt64) throws -> Network {
    var random = SplitMix64(seed: seed)
    return try Network(
      input: Shape(channels: 1, height: 8, width: 8),
      layers: [
        Convolution(1, 4, kernel: 3, padding: 1, random: &random), BatchNorm(4), Activation(.relu), MaxPool(2),
        Flatten(), Dense(64, 16, random: &random), Activation(.relu), Dropout(0.25), Dense(16, 2, random: &random),
      ], metadata: [("classes", "left right")])
  }

  /// Two classes: a bright bar on the left or on the right half, plus noise.
  func bars(_ count: Int, seed: UInt64) -> (Tensor, [Int]) {
    var random = SplitMix64(seed: seed)
    var pixels: [Float] = [], labels: [Int] = []
    for i in 0..<count {
      let label = i % 2
      labels.append(label)
      for y in 0..<8 {
        for x in 0..<8 {
          let onBar = (x < 4) == (label == 0) && y > 1 && y < 6
          let noise = Float(random.nextGaussian()) * 0.2
          pixels.append((onBar ? 0.8 : 0) + noise)
        }
      }
    }
    return (Tensor(images: pixels, batch: count, height: 8, width: 8), labels)
  }

  func train(threads: Int) throws -> (Network, [Double]) {
    let network = try makeNetwork(seed: 1)
    let adam = Adam(network.parameters, learningRate: 1e-2)
    var losses: [Double] = []
    var pass = Pass(training: true, threads: threads, seed: 5)
    for step in 0..<30 {
      let (x, labels) = bars(32, seed: UInt64(step))
      let (loss, gradient) = softmaxCrossEntropy(network.forward(x, &pass), labels: labels)
      network.backward(gradient, pass)
      adam.step()
      losses.append(loss)
    }
    return (network, losses)
  }

  func testTrainingLearnsAndIsThreadCountInvariant() throws {
    let (one, lossesOne) = try train(threads: 1)
    let (two, lossesTwo) = try train(threads: 2)
    XCTAssertEqual(lossesOne, lossesTwo, "losses must be bit-identical for 1 and 2 threads")
    XCTAssertEqual(one.parameters.map(\.value), two.parameters.map(\.value))
    XCTAssertLessThan(lossesOne.suffix(5).reduce(0, +) / 5, 0.2, "training did not learn the bars: \(lossesOne)")
    let (test, labels) = bars(200, seed: 999)
    var pass = Pass(training: false)
    let predictions = softmax(one.forward(test, &pass)).map { $0[1] > $0[0] ? 1 : 0 }
    let accuracy = Double(zip(predictions, labels).filter { $0 == $1 }.count) / 200
    XCTAssertGreaterThan(accuracy, 0.95)
  }

  func testModelFileRoundTripAndCorruption() throws {
    let (network, _) = try train(threads: 2)
    let bytes = ModelFile.encode(network)
    let loaded = try ModelFile.decode(bytes, path: "m.ganet")
    XCTAssertEqual(loaded.layers.map(\.spec), network.layers.map(\.spec))
    XCTAssertEqual(loaded.metadata("classes"), "left right")
    func values(_ n: Network) -> [[Float]] {
      var all: [[Float]] = []
      for layer in n.layers { for slot in layer.parameters + layer.state { all.append(slot.value) } }
      return all
    }
    XCTAssertEqual(values(loaded), values(network))
    let (x, _) = bars(10, seed: 4)
    var p1 = Pass(training: false), p2 = Pass(training: false)
    XCTAssertEqual(network.forward(x, &p1).data, loaded.forward(x, &p2).data)

    var flipped = bytes
    flipped[bytes.count / 2] ^= 0x10
    XCTAssertThrowsError(try ModelFile.decode(flipped, path: "m.ganet")) { XCTAssertTrue("\($0)".contains("checksum"), "\($0)") }
    XCTAssertThrowsError(try ModelFile.decode(Array(bytes.prefix(bytes.count - 100)), path: "m.ganet")) { XCTAssertTrue("\($0)".contains("m.ganet")) }
    XCTAssertThrowsError(try ModelFile.decode(Array("\u{89}PNG not a model".utf8), path: "x.png")) { XCTAssertTrue("\($0)".contains("not a gan-eval model")) }
    // A newer format version is refused by name even with a valid checksum.
    var text = bytes
    let versionAt = ModelFile.magic.utf8.count + 1
    text[versionAt] = UInt8(ascii: "9")
    text.removeLast(8)
    withUnsafeBytes(of: fnv1a64(text).littleEndian) { text.append(contentsOf: $0) }
    XCTAssertThrowsError(try ModelFile.decode(text, path: "m.ganet")) { XCTAssertTrue("\($0)".contains("version 9"), "\($0)") }
    // A dropout rate outside [0, 1) is refused when read (it would trap when the mask is drawn).
    var random = SplitMix64(seed: 2)
    let dropout = try Network(input: Shape(channels: 4), layers: [Dense(4, 3, random: &random), Dropout(0.25)])
    let body = Array(ModelFile.encode(dropout).dropLast(8)), key = Array("rate=0.25".utf8)
    let at = try XCTUnwrap((0...(body.count - key.count)).first { Array(body[$0..<($0 + key.count)]) == key }, "the rate is not in the file")
    for bad in ["70000.0", "-0.5", "1.0"] {
      var edited = Array(body[..<at]) + Array("rate=\(bad)".utf8) + Array(body[(at + key.count)...])
      withUnsafeBytes(of: fnv1a64(edited).littleEndian) { edited.append(contentsOf: $0) }
      XCTAssertThrowsError(try ModelFile.decode(edited, path: "d.ganet")) { XCTAssertTrue("\($0)".contains("dropout rate"), "\($0)") }
    }
  }
}

/// The element-wise layers split large tensors over threads; every value must be what the
/// single-threaded loop gives, bit for bit, and the dropout mask the one the stream defines.
final class ElementwiseThreadingTests: XCTestCase {
  /// 16 channels × 32 images × 14 × 14 = 100,352 values: above the size that is split.
  let input: Tensor = {
    var random = SplitMix64(seed: 5)
    let data = (0..<(16 * 32 * 14 * 14)).map { _ in Float(random.nextGaussian()) }
    return Tensor(planes: 16, batch: 32, height: 14, width: 14, data: data)
  }()

  func gradient(like x: Tensor, seed: UInt64) -> Tensor {
    var random = SplitMix64(seed: seed)
    return x.with((0..<x.data.count).map { _ in Float(random.nextGaussian()) })
  }

  /// Forward, then backward, at 1, 2 and 3 threads: outputs, gradients, parameter gradients and
  /// the generator's state afterwards must all agree.
  func checkInvariant(_ make: () -> Layer, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
    var reference: ([Float], [Float], [[Float]], UInt64)?
    for threads in [1, 2, 3] {
      let layer = make()
      var pass = Pass(training: true, threads: threads, seed: 11)
      let y = layer.forward(input, &pass)
      let dx = layer.backward(gradient(like: y, seed: 3), pass)
      let outcome = (y.data, dx.data, layer.parameters.map(\.gradient), pass.random.next())
      if let reference {
        XCTAssertTrue(outcome.0 == reference.0, "\(name) forward differs at \(threads) threads", file: file, line: line)
        XCTAssertTrue(outcome.1 == reference.1, "\(name) backward differs at \(threads) threads", file: file, line: line)
        XCTAssertTrue(outcome.2 == reference.2, "\(name) parameter gradients differ at \(threads) threads", file: file, line: line)
        XCTAssertEqual(outcome.3, reference.3, "\(name) leaves the generator elsewhere at \(threads) threads", file: file, line: line)
      } else {
        reference = outcome
      }
    }
  }

  func testLayersAreThreadCountInvariant() {
    checkInvariant({ Activation(.relu) }, "relu")
    checkInvariant({ Activation(.leakyRelu(0.2)) }, "leaky relu")
    checkInvariant({ Activation(.tanh) }, "tanh")
    checkInvariant({ Activation(.sigmoid) }, "sigmoid")
    checkInvariant({ Dropout(0.3) }, "dropout")
    checkInvariant({ Upsample(2) }, "upsample")
    checkInvariant({ BatchNorm(16) }, "batch norm")
    checkInvariant({ InstanceNorm(16) }, "instance norm")
  }

  /// The mask is the stream's: value i is dropped when its 16-bit slice of draw i/4 is below
  /// rate·65536, and the generator moves on by one draw per four values.
  /// Also on a count that is not a whole number of draws (or of the layer's blocks of draws),
  /// large enough to be split, and on a small one; the gradient uses the same mask.
  func testDropoutMaskIsTheStreamsAtAnyThreadCount() {
    var random = SplitMix64(seed: 8)
    let odd = Tensor(rows: 131_075, features: 1, data: (0..<131_075).map { _ in Float(random.nextGaussian()) })
    let small = Tensor(rows: 7, features: 3, data: (0..<21).map { _ in Float(random.nextGaussian()) })
    for x in [input, odd, small] {
      let rate: Float = 0.3, threshold = UInt64((Double(rate) * 65536).rounded())
      var stream = SplitMix64(seed: 11)
      var expected = [Float](repeating: 0, count: x.data.count)
      var bits: UInt64 = 0
      for i in 0..<x.data.count {
        if i % 4 == 0 { bits = stream.next() }
        expected[i] = x.data[i] * ((bits >> (16 * UInt64(i % 4))) & 0xFFFF < threshold ? 0 : 1 / (1 - rate))
      }
      let dy = gradient(like: x, seed: 4)
      for threads in [1, 2] {
        var pass = Pass(training: true, threads: threads, seed: 11)
        let layer = Dropout(rate)
        let y = layer.forward(x, &pass)
        XCTAssertTrue(y.data == expected, "dropout of \(x.data.count) values at \(threads) threads is not the stream's mask")
        var after = stream
        XCTAssertEqual(pass.random.next(), after.next())
        let dx = layer.backward(dy, pass)
        XCTAssertTrue(dx.data == zip(dy.data, zip(x.data, expected)).map { g, p in p.1 == 0 ? 0 * g : g * (1 / (1 - rate)) })
      }
    }
  }

  /// Nearest upsampling and its gradient against the plain definition.
  func testUpsampleMatchesTheDefinition() {
    let x = input, f = 2
    var pass = Pass(training: true, threads: 2, seed: 1)
    let layer = Upsample(f)
    let y = layer.forward(x, &pass)
    let (h, w) = (x.height, x.width)
    for p in [0, 7, 511] {
      for yy in 0..<(h * f) { for xx in 0..<(w * f) { XCTAssertEqual(y.data[(p * h * f + yy) * w * f + xx], x.data[(p * h + yy / f) * w + xx / f]) } }
    }
    let dy = gradient(like: y, seed: 4)
    let dx = layer.backward(dy, pass)
    for p in [0, 300] {
      for yy in 0..<h {
        for xx in 0..<w {
          var sum: Float = 0
          for a in 0..<f { for b in 0..<f { sum += dy.data[(p * h * f + yy * f + a) * w * f + xx * f + b] } }
          XCTAssertEqual(dx.data[(p * h + yy) * w + xx], sum, accuracy: 1e-5)
        }
      }
    }
  }
}
