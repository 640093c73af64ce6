import Foundation
import Workers

/// Fully connected: y = x·Wᵀ + b, W is `outputs × inputs`. He-uniform initialisation.
public final class Dense: Layer {
  public let inputs: Int
  public let outputs: Int
  public let weight: Parameter
  public let bias: Parameter
  /// With spectral normalisation: the power-iteration vector (saved, not trained).
  public let spectralVector: Parameter?
  private var normalizer: SpectralNormalizer?
  private var weightInUse: [Float] = []
  private var input = Tensor(rows: 0, features: 0, data: [])

  public init(_ inputs: Int, _ outputs: Int, spectralNorm: Bool = false, random: inout SplitMix64) {
    (self.inputs, self.outputs) = (inputs, outputs)
    let bound = Float((6.0 / Double(inputs)).squareRoot())
    weight = Parameter("weight", (0..<(inputs * outputs)).map { _ in uniform(&random, bound) })
    bias = Parameter("bias", [Float](repeating: 0, count: outputs))
    spectralVector = spectralNorm ? Parameter("u", SpectralNormalizer.initialVector(outputs, random: &random)) : nil
    normalizer = spectralNorm ? SpectralNormalizer(rows: outputs, columns: inputs) : nil
  }

  public var spec: LayerSpec {
    LayerSpec("dense", [("in", "\(inputs)"), ("out", "\(outputs)")] + (spectralVector == nil ? [] : [("spectral_norm", "1")]))
  }
  public var parameters: [Parameter] { [weight, bias] }
  public var state: [Parameter] { spectralVector.map { [$0] } ?? [] }

  public func outputShape(_ shape: Shape) throws -> Shape {
    guard shape.count == inputs else { throw NetworkError.shape("dense layer takes \(inputs) inputs, got \(shape)") }
    return Shape(channels: outputs)
  }

  public func forward(_ x: Tensor, _ pass: inout Pass) -> Tensor {
    let x = x.asRows()
    if pass.training { input = x }
    let batch = x.batch
    if let u = spectralVector { weightInUse = normalizer!.normalise(weight.value, u: u, training: pass.training) }
    let weights = spectralVector == nil ? weight.value : weightInUse
    var out = [Float](repeating: 0, count: batch * outputs)
    x.data.withUnsafeBufferPointer { xs in
      weights.withUnsafeBufferPointer { w in
        out.withUnsafeMutableBufferPointer { y in
          let (xs, w, y) = (xs.baseAddress!, w.baseAddress!, y.baseAddress!)
          forEachPart(batch, threads: pass.threads, parts: partCount(batch)) { rows in
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
    let parts = partCount(batch), size = outputs * inputs
    var partial = [Float](repeating: 0, count: parts * size)
    var weightGradient = [Float](repeating: 0, count: size)
    let weights = spectralVector == nil ? weight.value : weightInUse
    dy.data.withUnsafeBufferPointer { g in
      input.data.withUnsafeBufferPointer { xs in
        weights.withUnsafeBufferPointer { w in
          weightGradient.withUnsafeMutableBufferPointer { dw in
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
              forEachPart(batch, threads: pass.threads, parts: partCount(batch)) { rows in
                sgemm(false, false, rows.count, inputs, outputs, g + rows.lowerBound * outputs, outputs, w, inputs, 0, dxs + rows.lowerBound * inputs, inputs)
              }
             }
            }
          }
        }
      }
    }
    if let u = spectralVector {
      normalizer!.addWeightGradient(weightGradient, u: u, into: &weight.gradient)
    } else {
      weight.gradient.withUnsafeMutableBufferPointer { dw in for i in 0..<size { dw[i] += weightGradient[i] } }
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
