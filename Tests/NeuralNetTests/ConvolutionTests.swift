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

  /// Runs the layer (through a network, so an upsampling is absorbed) and compares with `reference`.
  func check(_ c: Case, threads: Int) throws -> [[Float]] {
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
    let expected = reference(c, x: x, w: conv.weight.value, b: conv.bias.value, r: r)
    assertClose(y.data, expected.y, "output", c)
    assertClose(dx.data, expected.dx, "input gradient", c)
    assertClose(conv.weight.gradient, expected.dw, "weight gradient", c)
    assertClose(conv.bias.gradient, expected.db, "bias gradient", c)
    return [y.data, dx.data, conv.weight.gradient, conv.bias.gradient]
  }

  let cases = [
    // a critic's strided 4×4 convolutions, and a classifier's 5×5 "same" one
    Case(inputs: 11, outputs: 16, kernel: 4, stride: 2, padding: 1, upsample: 1, batch: 40, size: 28),
    Case(inputs: 64, outputs: 8, kernel: 4, stride: 2, padding: 1, upsample: 1, batch: 24, size: 14),
    Case(inputs: 3, outputs: 5, kernel: 5, stride: 1, padding: 2, upsample: 1, batch: 10, size: 9),
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
    for c in cases { _ = try check(c, threads: 2) }
  }

  func testResultsDoNotDependOnTheThreadCount() throws {
    for c in cases.prefix(5) {
      XCTAssertEqual(try check(c, threads: 1), try check(c, threads: 2), "\(c)")
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
