import Foundation
import Workers

/// 2D convolution (cross-correlation, as PyTorch's Conv2d) by im2col and one sgemm per part.
/// W is `outputs × (inputs·k·k)`; zero padding; He-uniform initialisation.
public final class Convolution: Layer {
  public let inputs: Int
  public let outputs: Int
  public let kernel: Int
  public let stride: Int
  public let padding: Int
  public let weight: Parameter
  public let bias: Parameter
  /// With spectral normalisation: the power-iteration vector (saved, not trained).
  public let spectralVector: Parameter?
  private var normalizer: SpectralNormalizer?
  private var weightInUse: [Float] = []
  // Reused between calls: the im2col matrix of the last forward, and its gradient.
  private var columns: [Float] = []
  private var columnGradient: [Float] = []
  private var inputGeometry = (batch: 0, height: 0, width: 0)

  public init(
    _ inputs: Int, _ outputs: Int, kernel: Int, stride: Int = 1, padding: Int = 0, spectralNorm: Bool = false, random: inout SplitMix64
  ) {
    (self.inputs, self.outputs, self.kernel, self.stride, self.padding) = (inputs, outputs, kernel, stride, padding)
    let fanIn = inputs * kernel * kernel
    let bound = Float((6.0 / Double(fanIn)).squareRoot())
    weight = Parameter("weight", (0..<(outputs * fanIn)).map { _ in uniform(&random, bound) })
    bias = Parameter("bias", [Float](repeating: 0, count: outputs))
    spectralVector = spectralNorm ? Parameter("u", SpectralNormalizer.initialVector(outputs, random: &random)) : nil
    normalizer = spectralNorm ? SpectralNormalizer(rows: outputs, columns: fanIn) : nil
  }

  public var spec: LayerSpec {
    LayerSpec(
      "conv2d",
      [("in", "\(inputs)"), ("out", "\(outputs)"), ("kernel", "\(kernel)"), ("stride", "\(stride)"), ("padding", "\(padding)")]
        + (spectralVector == nil ? [] : [("spectral_norm", "1")]))
  }
  public var parameters: [Parameter] { [weight, bias] }
  public var state: [Parameter] { spectralVector.map { [$0] } ?? [] }

  func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernel) / stride + 1 }

  public func outputShape(_ shape: Shape) throws -> Shape {
    guard shape.channels == inputs, !shape.isFlat || shape.count == inputs else {
      throw NetworkError.shape("conv2d takes \(inputs) channels, got \(shape)")
    }
    let (h, w) = (outputSize(shape.height), outputSize(shape.width))
    guard h >= 1 && w >= 1 else { throw NetworkError.shape("conv2d kernel \(kernel) does not fit \(shape)") }
    return Shape(channels: outputs, height: h, width: w)
  }

  public func forward(_ x: Tensor, _ pass: inout Pass) -> Tensor {
    precondition(x.layout == .planes && x.channels == inputs, "conv2d input must be planes of \(inputs) channels")
    let (batch, oh, ow) = (x.batch, outputSize(x.height), outputSize(x.width))
    let n = batch * oh * ow, k = inputs * kernel * kernel
    if columns.count != k * n { columns = [Float](repeating: 0, count: k * n) }
    imageToColumns(x, into: &columns, threads: pass.threads)
    var out = [Float](unsafeUninitializedCapacity: outputs * n) { _, count in count = outputs * n }
    if let u = spectralVector { weightInUse = normalizer!.normalise(weight.value, u: u, training: pass.training) }
    let weights = spectralVector == nil ? weight.value : weightInUse
    columns.withUnsafeBufferPointer { c in
      weights.withUnsafeBufferPointer { w in
        out.withUnsafeMutableBufferPointer { y in
          let (c, w, y) = (c.baseAddress!, w.baseAddress!, y.baseAddress!)
          forEachPart(n, threads: pass.threads) { part in
            sgemm(false, false, outputs, part.count, k, w, k, c + part.lowerBound, n, 0, y + part.lowerBound, n)
            for o in 0..<outputs {
              let b = bias.value[o]
              for j in part { y[o * n + j] += b }
            }
          }
        }
      }
    }
    inputGeometry = (batch, x.height, x.width)
    return Tensor(planes: outputs, batch: batch, height: oh, width: ow, data: out)
  }

  public func backward(_ dy: Tensor, _ pass: Pass) -> Tensor {
    let (batch, height, width) = inputGeometry
    let n = dy.batch * dy.height * dy.width, k = inputs * kernel * kernel
    if columnGradient.count != k * n { columnGradient = [Float](repeating: 0, count: k * n) }
    let parts = max(1, min(fixedParts, n))
    var partial = [Float](repeating: 0, count: parts * outputs * k)
    var weightGradient = [Float](repeating: 0, count: outputs * k)
    let weights = spectralVector == nil ? weight.value : weightInUse
    dy.data.withUnsafeBufferPointer { g in
      columns.withUnsafeBufferPointer { c in
        weights.withUnsafeBufferPointer { w in
          weightGradient.withUnsafeMutableBufferPointer { dw in
            columnGradient.withUnsafeMutableBufferPointer { dc in
             partial.withUnsafeMutableBufferPointer { ps in
              let (g, c, w, dw, dc, ps) = (g.baseAddress!, c.baseAddress!, w.baseAddress!, dw.baseAddress!, dc.baseAddress!, ps.baseAddress!)
              // dW += dY·colsᵀ: one partial product per fixed part of the positions, added in order
              try? parallelFor(parts, threads: pass.threads) { part in
                let range = chunk(part, of: parts, count: n)
                sgemm(false, true, outputs, k, range.count, g + range.lowerBound, n, c + range.lowerBound, n, 0, ps + part * outputs * k, k)
              }
              for part in 0..<parts { for i in 0..<(outputs * k) { dw[i] += ps[part * outputs * k + i] } }
              forEachPart(n, threads: pass.threads) { part in  // dcols = Wᵀ·dY
                sgemm(true, false, k, part.count, outputs, w, k, g + part.lowerBound, n, 0, dc + part.lowerBound, n)
              }
             }
            }
          }
        }
      }
    }
    if let u = spectralVector {
      normalizer!.addWeightGradient(weightGradient, weight: weight.value, u: u, into: &weight.gradient)
    } else {
      weight.gradient.withUnsafeMutableBufferPointer { dw in for i in 0..<dw.count { dw[i] += weightGradient[i] } }
    }
    for o in 0..<outputs {
      var sum: Float = 0
      for j in 0..<n { sum += dy.data[o * n + j] }
      bias.gradient[o] += sum
    }
    var dx = [Float](repeating: 0, count: inputs * batch * height * width)
    columnsToImage(columnGradient, into: &dx, batch: batch, height: height, width: width, threads: pass.threads)
    return Tensor(planes: inputs, batch: batch, height: height, width: width, data: dx)
  }

  /// cols[(c,ky,kx)][(b,oy,ox)] = x[c][b][oy·s+ky−p][ox·s+kx−p], zero outside.
  func imageToColumns(_ x: Tensor, into cols: inout [Float], threads: Int) {
    let (batch, h, w) = (x.batch, x.height, x.width)
    let (oh, ow) = (outputSize(h), outputSize(w))
    let n = batch * oh * ow
    let (kernel, stride, padding) = (kernel, stride, padding)
    x.data.withUnsafeBufferPointer { xs in
      cols.withUnsafeMutableBufferPointer { cs in
        let (xs, cs) = (xs.baseAddress!, cs.baseAddress!)
        forEachPart(inputs * kernel * kernel, threads: threads) { rows in
          for row in rows {
            let c = row / (kernel * kernel), ky = (row / kernel) % kernel, kx = row % kernel
            var j = row * n
            // the output columns whose source x is inside the image
            let first = min(ow, max(0, (padding - kx + stride - 1) / stride))
            let reach = w - 1 + padding - kx, last = reach < 0 ? first : max(first, min(ow, reach / stride + 1))
            for b in 0..<batch {
              let plane = xs + (c * batch + b) * h * w
              for oy in 0..<oh {
                let y = oy * stride + ky - padding
                let out = cs + j
                j += ow
                if y < 0 || y >= h {
                  out.update(repeating: 0, count: ow)
                  continue
                }
                out.update(repeating: 0, count: first)
                let source = plane + y * w + first * stride + kx - padding
                if stride == 1 {
                  (out + first).update(from: source, count: last - first)
                } else {
                  for ox in first..<last { out[ox] = source[(ox - first) * stride] }
                }
                (out + last).update(repeating: 0, count: ow - last)
              }
            }
          }
        }
      }
    }
  }

  /// The adjoint of `imageToColumns`: adds each column entry back to its pixel. Parts own whole
  /// input channels, so no two parts write the same pixel.
  func columnsToImage(_ cols: [Float], into dx: inout [Float], batch: Int, height h: Int, width w: Int, threads: Int) {
    let (oh, ow) = (outputSize(h), outputSize(w))
    let n = batch * oh * ow
    let (kernel, stride, padding) = (kernel, stride, padding)
    cols.withUnsafeBufferPointer { cs in
      dx.withUnsafeMutableBufferPointer { xs in
        let (cs, xs) = (cs.baseAddress!, xs.baseAddress!)
        forEachPart(inputs, threads: threads) { channels in
          for c in channels {
            for ky in 0..<kernel {
              for kx in 0..<kernel {
                var j = ((c * kernel + ky) * kernel + kx) * n
                let first = min(ow, max(0, (padding - kx + stride - 1) / stride))
                let reach = w - 1 + padding - kx, last = reach < 0 ? first : max(first, min(ow, reach / stride + 1))
                for b in 0..<batch {
                  let plane = xs + (c * batch + b) * h * w
                  for oy in 0..<oh {
                    let y = oy * stride + ky - padding
                    let source = cs + j
                    j += ow
                    if y < 0 || y >= h { continue }
                    let target = plane + y * w + kx - padding
                    for ox in first..<last { target[ox * stride] += source[ox] }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
