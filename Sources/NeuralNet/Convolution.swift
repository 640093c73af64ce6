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
  private var columns: [Float] = []
  private var inputGeometry = (batch: 0, height: 0, width: 0)

  public init(_ inputs: Int, _ outputs: Int, kernel: Int, stride: Int = 1, padding: Int = 0, random: inout SplitMix64) {
    (self.inputs, self.outputs, self.kernel, self.stride, self.padding) = (inputs, outputs, kernel, stride, padding)
    let fanIn = inputs * kernel * kernel
    let bound = Float((6.0 / Double(fanIn)).squareRoot())
    weight = Parameter("weight", (0..<(outputs * fanIn)).map { _ in uniform(&random, bound) })
    bias = Parameter("bias", [Float](repeating: 0, count: outputs))
  }

  public var spec: LayerSpec {
    LayerSpec("conv2d", [("in", "\(inputs)"), ("out", "\(outputs)"), ("kernel", "\(kernel)"), ("stride", "\(stride)"), ("padding", "\(padding)")])
  }
  public var parameters: [Parameter] { [weight, bias] }

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
    var cols = [Float](repeating: 0, count: k * n)
    imageToColumns(x, into: &cols, threads: pass.threads)
    var out = [Float](repeating: 0, count: outputs * n)
    cols.withUnsafeBufferPointer { c in
      weight.value.withUnsafeBufferPointer { w in
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
    if pass.training {
      columns = cols
      inputGeometry = (batch, x.height, x.width)
    }
    return Tensor(planes: outputs, batch: batch, height: oh, width: ow, data: out)
  }

  public func backward(_ dy: Tensor, _ pass: Pass) -> Tensor {
    let (batch, height, width) = inputGeometry
    let n = dy.batch * dy.height * dy.width, k = inputs * kernel * kernel
    var dcols = [Float](repeating: 0, count: k * n)
    dy.data.withUnsafeBufferPointer { g in
      columns.withUnsafeBufferPointer { c in
        weight.value.withUnsafeBufferPointer { w in
          weight.gradient.withUnsafeMutableBufferPointer { dw in
            dcols.withUnsafeMutableBufferPointer { dc in
              let (g, c, w, dw, dc) = (g.baseAddress!, c.baseAddress!, w.baseAddress!, dw.baseAddress!, dc.baseAddress!)
              forEachPart(outputs, threads: pass.threads) { rows in  // dW += dY·colsᵀ
                sgemm(false, true, rows.count, k, n, g + rows.lowerBound * n, n, c, n, 1, dw + rows.lowerBound * k, k)
              }
              forEachPart(n, threads: pass.threads) { part in  // dcols = Wᵀ·dY
                sgemm(true, false, k, part.count, outputs, w, k, g + part.lowerBound, n, 0, dc + part.lowerBound, n)
              }
            }
          }
        }
      }
    }
    for o in 0..<outputs {
      var sum: Float = 0
      for j in 0..<n { sum += dy.data[o * n + j] }
      bias.gradient[o] += sum
    }
    var dx = [Float](repeating: 0, count: inputs * batch * height * width)
    columnsToImage(dcols, into: &dx, batch: batch, height: height, width: width, threads: pass.threads)
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
            for b in 0..<batch {
              let plane = xs + (c * batch + b) * h * w
              for oy in 0..<oh {
                let y = oy * stride + ky - padding
                if y < 0 || y >= h {
                  j += ow
                  continue
                }
                for ox in 0..<ow {
                  let xx = ox * stride + kx - padding
                  if xx >= 0 && xx < w { cs[j] = plane[y * w + xx] }
                  j += 1
                }
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
                for b in 0..<batch {
                  let plane = xs + (c * batch + b) * h * w
                  for oy in 0..<oh {
                    let y = oy * stride + ky - padding
                    if y < 0 || y >= h {
                      j += ow
                      continue
                    }
                    for ox in 0..<ow {
                      let xx = ox * stride + kx - padding
                      if xx >= 0 && xx < w { plane[y * w + xx] += cs[j] }
                      j += 1
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
}
