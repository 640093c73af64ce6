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
    var out = [Float](unsafeUninitializedCapacity: batch * outputs) { _, count in count = batch * outputs }  // beta 0 writes all
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
    let (batch, inputs, outputs) = (dy.batch, inputs, outputs)
    var dx = [Float](unsafeUninitializedCapacity: batch * inputs) { _, count in count = batch * inputs }
    let weights = spectralVector == nil ? weight.value : weightInUse
    // Without spectral norm, dYᵀ·X is added straight into the gradient (beta 1); with it, the
    // gradient of W/σ is formed first and then mapped back to W.
    var normalisedGradient = spectralVector == nil || !pass.weightGradients ? [] : [Float](repeating: 0, count: outputs * inputs)
    dy.data.withUnsafeBufferPointer { g in
      input.data.withUnsafeBufferPointer { xs in
        weights.withUnsafeBufferPointer { w in
          weight.gradient.withUnsafeMutableBufferPointer { gradient in
            normalisedGradient.withUnsafeMutableBufferPointer { normalised in
              dx.withUnsafeMutableBufferPointer { dxs in
                let (g, xs, w, dxs) = (g.baseAddress!, xs.baseAddress!, w.baseAddress!, dxs.baseAddress!)
                let dw = normalised.isEmpty ? gradient.baseAddress! : normalised.baseAddress!
                // dW += dYᵀ·X split over output rows (each part owns its rows of dW: the sum over
                // the batch is one sgemm, so the result does not depend on threads); dX = dY·W
                // split over samples.
                if pass.weightGradients {
                  forEachPart(outputs, threads: pass.threads, parts: partCount(outputs)) { rows in
                    sgemm(true, false, rows.count, inputs, batch, g + rows.lowerBound, outputs, xs, inputs, 1, dw + rows.lowerBound * inputs, inputs)
                  }
                }
                forEachPart(batch, threads: pass.threads, parts: partCount(batch)) { rows in
                  sgemm(false, false, rows.count, inputs, outputs, g + rows.lowerBound * outputs, outputs, w, inputs, 0, dxs + rows.lowerBound * inputs, inputs)
                }
              }
            }
          }
        }
      }
    }
    guard pass.weightGradients else { return Tensor(rows: batch, features: inputs, data: dx) }
    if let u = spectralVector {
      normalizer!.addWeightGradient(normalisedGradient, weight: weight.value, u: u, into: &weight.gradient)
    }
    dy.data.withUnsafeBufferPointer { g in
      bias.gradient.withUnsafeMutableBufferPointer { b in
        for r in 0..<batch { for o in 0..<outputs { b[o] += g[r * outputs + o] } }
      }
    }
    return Tensor(rows: batch, features: inputs, data: dx)
  }
}

/// A uniform draw in [−bound, bound).
func uniform(_ random: inout SplitMix64, _ bound: Float) -> Float {
  Float(Double(random.next() >> 11) / Double(1 << 53) * 2 - 1) * bound
}
