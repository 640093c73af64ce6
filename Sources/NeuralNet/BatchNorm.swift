import Foundation
import Workers

/// Batch normalisation over the batch (and the spatial positions, for planes), per feature or
/// channel, as PyTorch's BatchNorm1d/2d: biased variance to normalise, unbiased for the running
/// variance, momentum 0.1, ε = 1e-5. Statistics are summed in Float64 in a fixed order.
public final class BatchNorm: Layer {
  public let features: Int
  public let momentum: Float
  public let epsilon: Float
  public let scale: Parameter
  public let shift: Parameter
  public let runningMean: Parameter
  public let runningVariance: Parameter
  private var normalised: [Float] = []
  private var inverseStd: [Float] = []

  public init(_ features: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
    (self.features, self.momentum, self.epsilon) = (features, momentum, epsilon)
    scale = Parameter("scale", [Float](repeating: 1, count: features))
    shift = Parameter("shift", [Float](repeating: 0, count: features))
    runningMean = Parameter("running_mean", [Float](repeating: 0, count: features))
    runningVariance = Parameter("running_variance", [Float](repeating: 1, count: features))
  }

  public var spec: LayerSpec { LayerSpec("batchnorm", [("features", "\(features)"), ("momentum", "\(momentum)"), ("epsilon", "\(epsilon)")]) }
  public var parameters: [Parameter] { [scale, shift] }
  public var state: [Parameter] { [runningMean, runningVariance] }

  public func outputShape(_ shape: Shape) throws -> Shape {
    guard (shape.isFlat ? shape.channels : shape.channels) == features else {
      throw NetworkError.shape("batchnorm has \(features) features, got \(shape)")
    }
    return shape
  }

  /// Where feature `f`'s values sit: `count` values from `start` spaced by `stride`, in `runs`
  /// contiguous runs of `run` values (rows: one value per sample; planes: one plane per sample).
  private func layout(_ x: Tensor) -> (runs: Int, run: Int, start: (Int) -> Int, step: Int) {
    if x.layout == .rows { return (x.batch, 1, { $0 }, x.features) }
    let plane = x.height * x.width
    return (1, x.batch * plane, { $0 * x.batch * plane }, 0)
  }

  private func forEachValue(_ x: Tensor, feature f: Int, _ body: (Int) -> Void) {
    let (runs, run, start, step) = layout(x)
    let base = start(f)
    for r in 0..<runs { for i in 0..<run { body(base + r * step + i) } }
  }

  public func forward(_ x: Tensor, _ pass: inout Pass) -> Tensor {
    let count = x.data.count / features
    // every value is written below (each feature's values, all features)
    let (total, normalisedCount) = (x.data.count, pass.training ? x.data.count : 0)
    var out = [Float](unsafeUninitializedCapacity: total) { _, initialised in initialised = total }
    var xhat = [Float](unsafeUninitializedCapacity: normalisedCount) { _, initialised in initialised = normalisedCount }
    let training = pass.training
    var inverse = [Float](repeating: 0, count: features)
    var means = [Float](repeating: 0, count: features), variances = [Float](repeating: 0, count: features)
    out.withUnsafeMutableBufferPointer { ys in
     xhat.withUnsafeMutableBufferPointer { hs in
      let (ys, hs) = (ys.baseAddress!, hs.baseAddress)
      inverse.withUnsafeMutableBufferPointer { inv in
        means.withUnsafeMutableBufferPointer { ms in
          variances.withUnsafeMutableBufferPointer { vs in
            let (inv, ms, vs) = (inv.baseAddress!, ms.baseAddress!, vs.baseAddress!)
            forEachPart(features, threads: pass.threads) { range in
              for f in range {
                var mean: Float, variance: Float
                if pass.training {
                  var sum = 0.0, squares = 0.0
                  forEachValue(x, feature: f) { sum += Double(x.data[$0]) }
                  let m = sum / Double(count)
                  forEachValue(x, feature: f) { let d = Double(x.data[$0]) - m; squares += d * d }
                  (mean, variance) = (Float(m), Float(squares / Double(count)))
                  ms[f] = mean
                  vs[f] = count > 1 ? Float(squares / Double(count - 1)) : variance
                } else {
                  (mean, variance) = (runningMean.value[f], runningVariance.value[f])
                }
                let invStd = 1 / (variance + epsilon).squareRoot()
                inv[f] = invStd
                let (g, b) = (scale.value[f], shift.value[f])
                forEachValue(x, feature: f) {
                  let h = (x.data[$0] - mean) * invStd
                  if training { hs![$0] = h }
                  ys[$0] = h * g + b
                }
              }
            }
          }
        }
      }
     }
    }
    if pass.training {
      for f in 0..<features {
        runningMean.value[f] = (1 - momentum) * runningMean.value[f] + momentum * means[f]
        runningVariance.value[f] = (1 - momentum) * runningVariance.value[f] + momentum * variances[f]
      }
      inverseStd = inverse
      normalised = xhat
    }
    return x.with(out)
  }

  public func backward(_ dy: Tensor, _ pass: Pass) -> Tensor {
    let count = Float(dy.data.count / features)
    let total = dy.data.count
    var dx = [Float](unsafeUninitializedCapacity: total) { _, initialised in initialised = total }  // every value is written
    var sums = [Double](repeating: 0, count: 2 * features)  // Σg and Σg·x̂ per feature
    dx.withUnsafeMutableBufferPointer { dxs in
      sums.withUnsafeMutableBufferPointer { sums in
        dy.data.withUnsafeBufferPointer { gs in
          normalised.withUnsafeBufferPointer { hs in
            let (dxs, sums, gs, hs) = (dxs.baseAddress!, sums.baseAddress!, gs.baseAddress!, hs.baseAddress!)
            // features are independent: each is summed in the same order whatever the parts
            forEachPart(features, threads: pass.threads) { range in
              for f in range {
                var sumG = 0.0, sumGX = 0.0
                forEachValue(dy, feature: f) {
                  sumG += Double(gs[$0])
                  sumGX += Double(gs[$0]) * Double(hs[$0])
                }
                (sums[2 * f], sums[2 * f + 1]) = (sumG, sumGX)
                let k = scale.value[f] * inverseStd[f] / count
                let (mg, mgx) = (Float(sumG), Float(sumGX))
                forEachValue(dy, feature: f) { dxs[$0] = k * (count * gs[$0] - mg - hs[$0] * mgx) }
              }
            }
          }
        }
      }
    }
    for f in 0..<features {
      scale.gradient[f] += Float(sums[2 * f + 1])
      shift.gradient[f] += Float(sums[2 * f])
    }
    return dy.with(dx)
  }
}
