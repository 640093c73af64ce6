import Foundation
import NeuralNet
import Workers
import XCTest

/// The chunked, phase-decomposed convolution against a direct loop in Float64: forward values and
/// the gradients of L = Σ r·y for a fixed random r, with shapes large enough that every run of
/// images is cut into several chunks.
final class ConvolutionTests: XCTestCase {
  struct Case {
    var inputs, outputs, kernel, stride, padding, upsample, batch, size: Int
  }

  /// y = conv(upsample(x)) and ∂L/∂x, ∂L/∂W, ∂L/∂b for L = Σ r·y, by direct loops.
  func reference(_ c: Case, x: [Float], w: [Float], b: [Float], r: [Float]) -> (y: [Double], dx: [Double], dw: [Double], db: [Double]) {
    let (n, s) = (c.batch, c.size)
    let big = s * c.upsample
    let out = (big + 2 * c.padding - c.kernel) / c.stride + 1
    var y = [Double](repeating: 0, count: c.outputs * n * out * out)
    var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count), db = [Double](repeating: 0, count: b.count)
    for o in 0..<c.outputs {
      for i in 0..<n {
        for oy in 0..<out {
          for ox in 0..<out {
            let at = ((o * n + i) * out + oy) * out + ox
            var sum = Double(b[o])
            db[o] += Double(r[at])
            for ch in 0..<c.inputs {
              for ky in 0..<c.kernel {
                for kx in 0..<c.kernel {
                  let (yy, xx) = (oy * c.stride + ky - c.padding, ox * c.stride + kx - c.padding)
                  guard yy >= 0, yy < big, xx >= 0, xx < big else { continue }
                  let source = ((ch * n + i) * s + yy / c.upsample) * s + xx / c.upsample
                  let tap = ((o * c.inputs + ch) * c.kernel + ky) * c.kernel + kx
                  sum += Double(w[tap]) * Double(x[source])
                  dx[source] += Double(w[tap]) * Double(r[at])
                  dw[tap] += Double(x[source]) * Double(r[at])
                }
              }
            }
            y[at] = sum
          }
        }
      }
    }
    return (y, dx, dw, db)
  }

  func gaussians(_ count: Int, seed: UInt64) -> [Float] {
    var random = SplitMix64(seed: seed)
    return (0..<count).map { _ in Float(random.nextGaussian()) }
  }

  func assertClose(_ a: [Float], _ b: [Double], _ what: String, _ c: Case, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, what, file: file, line: line)
    let scale = max(1, b.map(abs).max() ?? 1)
    let worst = zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
    XCTAssertLessThan(worst / scale, 1e-5, "\(what) of \(c)", file: file, line: line)
  }

  /// Runs the layer (through a network, so an upsampling is absorbed): x, W, b, r and the results
  /// y, ∂L/∂x, ∂L/∂W, ∂L/∂b.
  func run(_ c: Case, threads: Int) throws -> (inputs: [[Float]], results: [[Float]]) {
    var random = SplitMix64(seed: 5)
    let conv = Convolution(c.inputs, c.outputs, kernel: c.kernel, stride: c.stride, padding: c.padding, random: &random)
    conv.bias.value = gaussians(c.outputs, seed: 6)
    let layers: [any Layer] = c.upsample > 1 ? [Upsample(c.upsample), conv] : [conv]
    let network = try Network(input: Shape(channels: c.inputs, height: c.size, width: c.size), layers: layers)
    let x = gaussians(c.inputs * c.batch * c.size * c.size, seed: 7)
    var pass = Pass(training: true, threads: threads)
    let y = network.forward(Tensor(planes: c.inputs, batch: c.batch, height: c.size, width: c.size, data: x), &pass)
    let r = gaussians(y.data.count, seed: 8)
    let dx = network.backward(y.with(r), pass)
    return ([x, conv.weight.value, conv.bias.value, r], [y.data, dx.data, conv.weight.gradient, conv.bias.gradient])
  }

  func check(_ c: Case) throws {
    let (inputs, results) = try run(c, threads: 2)
    let expected = reference(c, x: inputs[0], w: inputs[1], b: inputs[2], r: inputs[3])
    assertClose(results[0], expected.y, "output", c)
    assertClose(results[1], expected.dx, "input gradient", c)
    assertClose(results[2], expected.dw, "weight gradient", c)
    assertClose(results[3], expected.db, "bias gradient", c)
  }

  let cases = [
    // a critic's strided 4×4 convolutions, and a classifier's 5×5 "same" one
    Case(inputs: 11, outputs: 16, kernel: 4, stride: 2, padding: 1, upsample: 1, batch: 40, size: 28),
    Case(inputs: 64, outputs: 8, kernel: 4, stride: 2, padding: 1, upsample: 1, batch: 24, size: 14),
    Case(inputs: 3, outputs: 5, kernel: 5, stride: 1, padding: 2, upsample: 1, batch: 10, size: 9),
    // windows that never reach the last row and column, and a border wider than the stride
    Case(inputs: 3, outputs: 4, kernel: 3, stride: 2, padding: 0, upsample: 1, batch: 6, size: 8),
    Case(inputs: 2, outputs: 3, kernel: 3, stride: 3, padding: 2, upsample: 1, batch: 4, size: 7),
    // a generator's upsampling ×2 then 3×3 (absorbed: four 2×2 phases), by shift-and-add (outputs
    // ≤ inputs/4) and by im2col in two chunks per run, also into 1 and 3 planes
    Case(inputs: 128, outputs: 8, kernel: 3, stride: 1, padding: 1, upsample: 2, batch: 40, size: 7),
    Case(inputs: 64, outputs: 17, kernel: 3, stride: 1, padding: 1, upsample: 2, batch: 48, size: 14),
    Case(inputs: 16, outputs: 1, kernel: 3, stride: 1, padding: 1, upsample: 2, batch: 20, size: 14),
    Case(inputs: 16, outputs: 3, kernel: 3, stride: 1, padding: 1, upsample: 2, batch: 9, size: 14),
    // other absorbed shapes: ×3 with 5×5, ×2 with 5×5 and 1×1
    Case(inputs: 4, outputs: 3, kernel: 5, stride: 1, padding: 2, upsample: 3, batch: 5, size: 5),
    Case(inputs: 4, outputs: 3, kernel: 5, stride: 1, padding: 2, upsample: 2, batch: 5, size: 6),
    Case(inputs: 4, outputs: 3, kernel: 1, stride: 1, padding: 0, upsample: 2, batch: 5, size: 6),
    // an upsampling that cannot be absorbed (stride 2) runs as two layers
    Case(inputs: 4, outputs: 3, kernel: 3, stride: 2, padding: 1, upsample: 2, batch: 5, size: 6),
  ]

  func testMatchesDirectConvolutionForwardAndBackward() throws {
    for c in cases { try check(c) }
  }

  func testResultsDoNotDependOnTheThreadCount() throws {
    for c in cases {
      XCTAssertTrue(try run(c, threads: 1).results == run(c, threads: 2).results, "\(c)")
    }
  }
}

extension GradientTests {
  /// Central differences through an absorbed upsampling (the generator path), with spectral norm,
  /// and through shift-and-add (8 input planes into 2 output planes).
  func testAbsorbedUpsamplingGradients() throws {
    try checkGradients({ random in
      try Network(
        input: Shape(channels: 2, height: 3, width: 3),
        layers: [Upsample(2), Convolution(2, 3, kernel: 3, padding: 1, spectralNorm: true, random: &random), Activation(.tanh)])
    }, input: randomImages(2, 2, 3))
    try checkGradients({ random in
      try Network(
        input: Shape(channels: 8, height: 4, width: 4),
        layers: [Upsample(2), Convolution(8, 2, kernel: 3, padding: 1, random: &random), Activation(.tanh)])
    }, input: randomImages(3, 8, 4))
  }
}

/// Colour (C-channel) images through the generator and critic layers.
final class ColourImageTests: XCTestCase {
  func testInterleavedPixelsRoundTripThroughPlanes() {
    // two 2×3 RGB images: pixel value = 100·sample + 10·(y·3 + x) + channel
    var pixels: [Float] = []
    for i in 0..<2 { for p in 0..<6 { for c in 0..<3 { pixels.append(Float(100 * i + 10 * p + c)) } } }
    let planes = Tensor(images: pixels, batch: 2, height: 2, width: 3, channels: 3)
    XCTAssertEqual(planes.shape, Shape(channels: 3, height: 2, width: 3))
    // plane c, sample i, position p sits at (c·2 + i)·6 + p
    XCTAssertEqual(planes.data[(2 * 2 + 1) * 6 + 4], 100 + 40 + 2)
    XCTAssertEqual(planes.interleavedImages(), pixels)
    let gray = Tensor(images: [1, 2, 3, 4], batch: 1, height: 2, width: 2, channels: 1)
    XCTAssertEqual(gray, Tensor(images: [1, 2, 3, 4], batch: 1, height: 2, width: 2))
    // rows of a colour image are [c][y][x] per sample, as Flatten gives them
    XCTAssertEqual(Array(planes.asRows().data[0..<7]), [0, 10, 20, 30, 40, 50, 1])
  }

  /// A DCGAN-style generator into RGB and a conditional critic on RGB + 2 class planes.
  func networks() throws -> (generator: Network, critic: Network) {
    var random = SplitMix64(seed: 1)
    let generator = try Network(
      input: Shape(channels: 8),
      layers: [
        Dense(8, 16 * 4 * 4, random: &random), Activation(.relu), Reshape(Shape(channels: 16, height: 4, width: 4)), Upsample(2),
        Convolution(16, 8, kernel: 3, padding: 1, random: &random), InstanceNorm(8), Activation(.relu), Upsample(2),
        Convolution(8, 3, kernel: 3, padding: 1, random: &random), Activation(.tanh),
      ])
    let critic = try Network(
      input: Shape(channels: 5, height: 16, width: 16),
      layers: [
        Convolution(5, 8, kernel: 4, stride: 2, padding: 1, spectralNorm: true, random: &random), Activation(.leakyRelu(0.2)),
        Convolution(8, 16, kernel: 4, stride: 2, padding: 1, spectralNorm: true, random: &random), Activation(.leakyRelu(0.2)),
        Flatten(), Dense(16 * 4 * 4, 1, spectralNorm: true, random: &random),
      ])
    return (generator, critic)
  }

  func testGeneratorEmitsAndCriticReadsThreePlanes() throws {
    XCTAssertEqual(try networks().generator.outputShape(), Shape(channels: 3, height: 16, width: 16))
    var results: [[Float]] = []
    for threads in [1, 2] {
      let (generator, critic) = try networks()  // fresh: gradients accumulate and u moves in training
      var pass = Pass(training: true, threads: threads, seed: 4)
      let z = Tensor(rows: 6, features: 8, data: (0..<48).map { Float($0 % 7) / 7 - 0.5 })
      let images = generator.forward(z, &pass)
      XCTAssertEqual(images.shape, Shape(channels: 3, height: 16, width: 16))
      let pixels = images.interleavedImages()
      XCTAssertEqual(pixels.count, 6 * 16 * 16 * 3)
      // critic input: the three colour planes, then one constant plane per class
      var input = images.data + [Float](repeating: 0, count: 2 * 6 * 256)
      for i in 0..<6 { for p in 0..<256 { input[((3 + i % 2) * 6 + i) * 256 + p] = 1 } }
      let logits = critic.forward(Tensor(planes: 5, batch: 6, height: 16, width: 16, data: input), &pass)
      XCTAssertEqual(logits.data.count, 6)
      let dx = critic.backward(logits.with([Float](repeating: 1, count: 6)), pass)
      let colourGradient = Tensor(planes: 3, batch: 6, height: 16, width: 16, data: Array(dx.data[0..<(3 * 6 * 256)]))
      generator.backward(colourGradient, pass)
      XCTAssertTrue(generator.parameters.allSatisfy { $0.gradient.allSatisfy(\.isFinite) })
      XCTAssertTrue(generator.parameters[0].gradient.contains { $0 != 0 })
      results.append(pixels + logits.data + generator.parameters.flatMap(\.gradient))
    }
    XCTAssertTrue(results[0] == results[1], "colour generator and critic must not depend on the thread count")
  }
  /// A backward pass without weight gradients (the discriminator's in a generator update) returns
  /// the same input gradient, bit for bit, and leaves the convolutions' and dense layers'
  /// parameter gradients untouched: plain, strided, spectral-norm, absorbed-upsampling and
  /// shift-and-add convolutions (16 → 3 channels suits shift-and-add), dense with and without
  /// spectral norm.
  func testBackwardWithoutWeightGradientsGivesTheSameInputGradient() throws {
    func run(_ weightGradients: Bool) throws -> (dx: [Float], gradients: [[Float]]) {
      let (generator, critic) = try networks()
      var random = SplitMix64(seed: 2)
      let shiftAdd = try Network(
        input: Shape(channels: 16, height: 4, width: 4), layers: [Upsample(2), Convolution(16, 3, kernel: 3, padding: 1, random: &random)])
      var pass = Pass(training: true, threads: 2, seed: 4)
      let z = Tensor(rows: 6, features: 8, data: (0..<48).map { Float($0 % 7) / 7 - 0.5 })
      let images = generator.forward(z, &pass)
      let input = images.data + [Float](repeating: 0.5, count: 2 * 6 * 256)
      let logits = critic.forward(Tensor(planes: 5, batch: 6, height: 16, width: 16, data: input), &pass)
      let small = shiftAdd.forward(Tensor(planes: 16, batch: 6, height: 4, width: 4, data: (0..<1536).map { Float($0 % 11) / 11 - 0.5 }), &pass)
      pass.weightGradients = weightGradients
      let dx = critic.backward(logits.with([Float](repeating: 1, count: 6)), pass)
      let dz = generator.backward(Tensor(planes: 3, batch: 6, height: 16, width: 16, data: Array(dx.data[0..<(3 * 6 * 256)])), pass)
      let dSmall = shiftAdd.backward(small.with((0..<small.data.count).map { Float($0 % 5) - 2 }), pass)
      let products = (critic.layers + generator.layers + shiftAdd.layers).filter { $0 is Convolution || $0 is Dense }
      return (dx.data + dz.data + dSmall.data, products.flatMap(\.parameters).map(\.gradient))
    }
    let (with, without) = (try run(true), try run(false))
    XCTAssertTrue(with.dx == without.dx, "the input gradient does not depend on the weight gradients")
    XCTAssertTrue(with.dx.contains { $0 != 0 })
    XCTAssertEqual(with.gradients.count, 14, "7 product layers (2 convolutions and a dense layer per network, 1 shift-and-add): weights and biases")
    XCTAssertTrue(with.gradients.allSatisfy { $0.contains { $0 != 0 } }, "every product layer has a gradient when asked")
    XCTAssertTrue(without.gradients.allSatisfy { $0.allSatisfy { $0 == 0 } }, "none when not")
  }
}
