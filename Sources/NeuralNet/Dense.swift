import Foundation
import Workers

/// Fully connected: y = x·Wᵀ + b, W is `outputs × inputs`. He-uniform initialisation.
public final class Dense: Layer {
  public let inputs: Int
  public let outputs: Int
  public let weight: Parameter
  public let bias: Parameter
  private var input = Tensor(rows: 0, features: 0, data: [])

  public init(_ inputs: Int, _ outputs: Int, random: inout SplitMix64) {
    (self.inputs, self.outputs) = (inputs, outputs)
    let bound = Float((6.0 / Double(inputs)).squareRoot())
    weight = Parameter("weight", (0..<(inputs * outputs)).map { _ in uniform(&random, bound) })
    bias = Parameter("bias", [Float](repeating: 0, count: outputs))
  }

  public var spec: LayerSpec { LayerSpec("dense", [("in", "\(inputs)"), ("out", "\(outputs)")]) }
  public var parameters: [Parameter] { [weight, bias] }

  public func outputShape(_ shape: Shape) throws -> Shape {
    guard shape.count == inputs else { throw NetworkError.shape("dense layer takes \(inputs) inputs, got \(shape)") }
    return Shape(channels: outputs)
  }

  public func forward(_ x: Tensor, _ pass: inout Pass) -> Tensor {
    let x = x.asRows()
    if pass.training { input = x }
    let batch = x.batch
    var out = [Float](repeating: 0, count: batch * outputs)
    x.data.withUnsafeBufferPointer { xs in
      weight.value.withUnsafeBufferPointer { w in
        out.withUnsafeMutableBufferPointer { y in
          let (xs, w, y) = (xs.baseAddress!, w.baseAddress!, y.baseAddress!)
          forEachPart(batch, threads: pass.threads) { rows in
            sgemm(false, true, rows.count, outputs, inputs, xs + rows.lowerBound * inputs, inputs, w, inputs, 0, y + rows.lowerBound * outputs, outputs)
            bias.value.withUnsafeBufferPointer { b in
              for r in rows { for o in 0..<outputs { y[r * outputs + o] += b[o] } }
            }
          }
        }
      }
    }
    return Tensor(rows: batch, features: outputs, data: out)
  }

  public func backward(_ dy: Tensor, _ pass: Pass) -> Tensor {
    let batch = dy.batch
    var dx = [Float](repeating: 0, count: batch * inputs)
    let parts = max(1, min(fixedParts, batch)), size = outputs * inputs
    var partial = [Float](repeating: 0, count: parts * size)
    dy.data.withUnsafeBufferPointer { g in
      input.data.withUnsafeBufferPointer { xs in
        weight.value.withUnsafeBufferPointer { w in
          weight.gradient.withUnsafeMutableBufferPointer { dw in
            dx.withUnsafeMutableBufferPointer { dxs in
             partial.withUnsafeMutableBufferPointer { ps in
              let (g, xs, w, dw, dxs, ps) = (g.baseAddress!, xs.baseAddress!, w.baseAddress!, dw.baseAddress!, dxs.baseAddress!, ps.baseAddress!)
              // dW += dYᵀ·X, split over output rows; dX = dY·W, split over samples.
              // one partial dYᵀ·X per fixed part of the batch, added in part order
              try? parallelFor(parts, threads: pass.threads) { part in
                let rows = chunk(part, of: parts, count: batch)
                sgemm(true, false, outputs, inputs, rows.count, g + rows.lowerBound * outputs, outputs, xs + rows.lowerBound * inputs, inputs, 0, ps + part * size, inputs)
              }
              for part in 0..<parts { for i in 0..<size { dw[i] += ps[part * size + i] } }
              forEachPart(batch, threads: pass.threads) { rows in
                sgemm(false, false, rows.count, inputs, outputs, g + rows.lowerBound * outputs, outputs, w, inputs, 0, dxs + rows.lowerBound * inputs, inputs)
              }
             }
            }
          }
        }
      }
    }
    for o in 0..<outputs {
      var sum: Float = 0
      for r in 0..<batch { sum += dy.data[r * outputs + o] }
      bias.gradient[o] += sum
    }
    return Tensor(rows: batch, features: inputs, data: dx)
  }
}

/// A uniform draw in [−bound, bound).
func uniform(_ random: inout SplitMix64, _ bound: Float) -> Float {
  Float(Double(random.next() >> 11) / Double(1 << 53) * 2 - 1) * bound
}
