import Foundation
import Workers

/// Instance normalisation (Ulyanov et al. 2016): each sample normalised on its own, per channel
/// over the spatial positions for planes, over all its features for rows; then a learned scale
/// and shift per channel (per feature for rows). ε = 1e-5; no running statistics.
public final class InstanceNorm: Layer {
  public let channels: Int
  public let epsilon: Float
  public let scale: Parameter
  public let shift: Parameter
  private var normalised: [Float] = []
  private var inverseStd: [Float] = []

  public init(_ channels: Int, epsilon: Float = 1e-5) {
    (self.channels, self.epsilon) = (channels, epsilon)
    scale = Parameter("scale", [Float](repeating: 1, count: channels))
    shift = Parameter("shift", [Float](repeating: 0, count: channels))
  }

  public var spec: LayerSpec { LayerSpec("instancenorm", [("channels", "\(channels)"), ("epsilon", "\(epsilon)")]) }
  public var parameters: [Parameter] { [scale, shift] }

  public func outputShape(_ shape: Shape) throws -> Shape {
    guard shape.channels == channels else { throw NetworkError.shape("instancenorm has \(channels) channels, got \(shape)") }
    return shape
  }

  /// The groups normalised together: `count` runs of `size` contiguous values; `perValue` when
  /// the affine index is the position in the group (rows), else it is the group's channel.
  private func groups(_ x: Tensor) -> (count: Int, size: Int, perValue: Bool) {
    if x.layout == .rows { return (x.batch, x.features, true) }
    return (x.channels * x.batch, x.height * x.width, false)  // planes: group (c, b) at (c·batch + b)·plane
  }

  public func forward(_ x: Tensor, _ pass: inout Pass) -> Tensor {
    let (count, size, perValue) = groups(x)
    let batch = x.batch, total = x.data.count
    // every value is written below; groups are independent, so they run in parallel parts
    var out = [Float](unsafeUninitializedCapacity: total) { _, initialised in initialised = total }
    var xhat = [Float](unsafeUninitializedCapacity: total) { _, initialised in initialised = total }
    var inverse = [Float](repeating: 0, count: count)
    let (gamma, beta, epsilon) = (scale.value, shift.value, epsilon)
    x.data.withUnsafeBufferPointer { xs in
      out.withUnsafeMutableBufferPointer { ys in
        xhat.withUnsafeMutableBufferPointer { hs in
          inverse.withUnsafeMutableBufferPointer { inverse in
            let (xs, ys, hs, inverse) = (xs.baseAddress!, ys.baseAddress!, hs.baseAddress!, inverse.baseAddress!)
            forEachPart(count, threads: total < 1 << 15 ? 1 : pass.threads) { range in
              for g in range {
                let base = g * size
                var sum = 0.0
                for i in 0..<size { sum += Double(xs[base + i]) }
                let mean = sum / Double(size)
                var squares = 0.0
                for i in 0..<size { let d = Double(xs[base + i]) - mean; squares += d * d }
                let invStd = Float(1 / (squares / Double(size) + Double(epsilon)).squareRoot())
                inverse[g] = invStd
                let (m, channel) = (Float(mean), g / batch)
                for i in 0..<size {
                  let h = (xs[base + i] - m) * invStd
                  hs[base + i] = h
                  let a = perValue ? i : channel
                  ys[base + i] = h * gamma[a] + beta[a]
                }
              }
            }
          }
        }
      }
    }
    if pass.training { (normalised, inverseStd) = (xhat, inverse) }
    return x.with(out)
  }

  public func backward(_ dy: Tensor, _ pass: Pass) -> Tensor {
    let (count, size, perValue) = groups(dy)
    let batch = dy.batch, total = dy.data.count
    var dx = [Float](unsafeUninitializedCapacity: total) { _, initialised in initialised = total }  // every value is written
    let m = Float(size)
    let gamma = scale.value
    // the affine gradients are summed here, in group order, then added once. For planes a
    // channel's groups are contiguous and only they add to its sums, so channels run in parallel
    // parts with the same order; for rows every group adds to every sum, so it stays one part.
    var dScale = [Float](repeating: 0, count: channels), dShift = [Float](repeating: 0, count: channels)
    dy.data.withUnsafeBufferPointer { gs in
      normalised.withUnsafeBufferPointer { hs in
        inverseStd.withUnsafeBufferPointer { inverseStd in
          dx.withUnsafeMutableBufferPointer { dxs in
            dScale.withUnsafeMutableBufferPointer { dScale in
              dShift.withUnsafeMutableBufferPointer { dShift in
                let (gs, hs, inverseStd, dxs, dScale, dShift) = (
                  gs.baseAddress!, hs.baseAddress!, inverseStd.baseAddress!, dxs.baseAddress!, dScale.baseAddress!, dShift.baseAddress!
                )
                let parallel = !perValue && total >= 1 << 15
                forEachPart(perValue ? 1 : channels, threads: parallel ? pass.threads : 1) { part in
                  let groups = perValue ? 0..<count : (part.lowerBound * batch)..<(part.upperBound * batch)
                  for g in groups {
                    let (base, channel) = (g * size, g / batch)
                    var sumD = 0.0, sumDX = 0.0
                    if perValue {
                      for i in 0..<size {
                        let d = gs[base + i] * gamma[i]
                        dScale[i] += gs[base + i] * hs[base + i]
                        dShift[i] += gs[base + i]
                        sumD += Double(d)
                        sumDX += Double(d) * Double(hs[base + i])
                      }
                    } else {
                      // the channel's sums in registers (the same additions in the same order),
                      // stored once per group: parts writing neighbouring channels share a cache line
                      var (scaleSum, shiftSum) = (dScale[channel], dShift[channel])
                      let gain = gamma[channel]
                      for i in 0..<size {
                        let d = gs[base + i] * gain
                        scaleSum += gs[base + i] * hs[base + i]
                        shiftSum += gs[base + i]
                        sumD += Double(d)
                        sumDX += Double(d) * Double(hs[base + i])
                      }
                      (dScale[channel], dShift[channel]) = (scaleSum, shiftSum)
                    }
                    let k = inverseStd[g] / m
                    let (sd, sdx) = (Float(sumD), Float(sumDX))
                    for i in 0..<size {
                      let d = gs[base + i] * gamma[perValue ? i : channel]
                      dxs[base + i] = k * (m * d - sd - hs[base + i] * sdx)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    for a in 0..<channels {
      scale.gradient[a] += dScale[a]
      shift.gradient[a] += dShift[a]
    }
    return dy.with(dx)
  }
}

/// Nearest-neighbour upsampling of planes by an integer factor (a DCGAN-style generator's
/// alternative to transposed convolution, free of checkerboard artefacts).
public final class Upsample: Layer {
  public let factor: Int
  public init(_ factor: Int = 2) { self.factor = factor }
  public var spec: LayerSpec { LayerSpec("upsample", [("factor", "\(factor)")]) }

  public func outputShape(_ shape: Shape) throws -> Shape {
    guard !shape.isFlat else { throw NetworkError.shape("upsample needs planes, got \(shape)") }
    return Shape(channels: shape.channels, height: shape.height * factor, width: shape.width * factor)
  }

  public func forward(_ x: Tensor, _ pass: inout Pass) -> Tensor {
    let (h, w, f) = (x.height, x.width, factor)
    let (oh, ow) = (h * f, w * f)
    let planes = x.channels * x.batch
    let out = [Float](unsafeUninitializedCapacity: planes * oh * ow) { buffer, initialised in
      x.data.withUnsafeBufferPointer { xs in
        let (xs, ys) = (xs.baseAddress!, buffer.baseAddress!)
        forEachElementPart(planes * oh, threads: pass.threads) { rows in
          for row in rows {
            let (p, y) = row.quotientAndRemainder(dividingBy: oh)
            let (source, target) = (xs + (p * h + y / f) * w, ys + row * ow)
            for xx in 0..<ow { target[xx] = source[xx / f] }
          }
        }
      }
      initialised = planes * oh * ow
    }
    return Tensor(planes: x.channels, batch: x.batch, height: oh, width: ow, data: out)
  }

  public func backward(_ dy: Tensor, _ pass: Pass) -> Tensor {
    let f = factor
    let (h, w) = (dy.height / f, dy.width / f)
    let planes = dy.channels * dy.batch
    var dx = [Float](repeating: 0, count: planes * h * w)
    let (oh, ow) = (dy.height, dy.width)
    dx.withUnsafeMutableBufferPointer { dxs in
      dy.data.withUnsafeBufferPointer { dys in
        let (dxs, dys) = (dxs.baseAddress!, dys.baseAddress!)
        // each input row sums its f × f blocks in the same order as a plain loop over the output
        forEachElementPart(planes * h, threads: pass.threads) { rows in
          for row in rows {
            let (p, y) = row.quotientAndRemainder(dividingBy: h)
            let target = dxs + row * w
            for yy in (y * f)..<(y * f + f) {
              let source = dys + (p * oh + yy) * ow
              for xx in 0..<ow { target[xx / f] += source[xx] }
            }
          }
        }
      }
    }
    return Tensor(planes: dy.channels, batch: dy.batch, height: h, width: w, data: dx)
  }
}
