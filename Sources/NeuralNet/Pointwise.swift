import Foundation
import Workers

/// Element-wise activation functions.
public final class Activation: Layer {
  public enum Function: Sendable, Equatable {
    case relu, tanh, sigmoid
    case leakyRelu(Float)
  }
  public let function: Function
  private var output: [Float] = []
  private var input: [Float] = []

  public init(_ function: Function) { self.function = function }

  public var spec: LayerSpec {
    switch function {
    case .relu: return LayerSpec("relu")
    case .tanh: return LayerSpec("tanh")
    case .sigmoid: return LayerSpec("sigmoid")
    case .leakyRelu(let slope): return LayerSpec("leaky_relu", [("slope", "\(slope)")])
    }
  }

  public func outputShape(_ shape: Shape) throws -> Shape { shape }

  public func forward(_ x: Tensor, _ pass: inout Pass) -> Tensor {
    let function = function
    let out = elementwise(x.data, threads: pass.threads) { xs, ys, range in
      switch function {
      case .relu: for i in range { ys[i] = max(xs[i], 0) }
      case .leakyRelu(let slope): for i in range { ys[i] = xs[i] > 0 ? xs[i] : slope * xs[i] }
      case .tanh: for i in range { ys[i] = Foundation.tanh(xs[i]) }
      case .sigmoid: for i in range { ys[i] = 1 / (1 + exp(-xs[i])) }
      }
    }
    if pass.training {
      input = x.data
      output = out
    }
    return x.with(out)
  }

  public func backward(_ dy: Tensor, _ pass: Pass) -> Tensor {
    let function = function
    return input.withUnsafeBufferPointer { input in
      output.withUnsafeBufferPointer { output in
        let (input, output) = (input.baseAddress!, output.baseAddress!)
        return dy.with(
          elementwise(dy.data, threads: pass.threads) { dy, dx, range in
            switch function {
            case .relu: for i in range { dx[i] = input[i] > 0 ? dy[i] : 0 }
            case .leakyRelu(let slope): for i in range { dx[i] = dy[i] * (input[i] > 0 ? 1 : slope) }
            case .tanh: for i in range { dx[i] = dy[i] * (1 - output[i] * output[i]) }
            case .sigmoid: for i in range { dx[i] = dy[i] * (output[i] * (1 - output[i])) }
            }
          })
      }
    }
  }
}

/// Inverted dropout: in training each value is zeroed with probability `rate` and the rest
/// scaled by 1/(1−rate); at inference it is the identity.
public final class Dropout: Layer {
  public let rate: Float
  /// The last training forward's mask (0 or 1/(1−rate) per value); empty after an inference forward.
  private var mask: [Float] = []

  public init(_ rate: Float) { self.rate = rate }
  public var spec: LayerSpec { LayerSpec("dropout", [("rate", "\(rate)")]) }
  public func outputShape(_ shape: Shape) throws -> Shape { shape }

  /// mask[i] is 0 when the i-th 16-bit uniform of the pass's stream (four per 64-bit draw, low
  /// bits first) is below rate·65536, else 1/(1−rate): the rate is honoured to 1/65536.
  public func forward(_ x: Tensor, _ pass: inout Pass) -> Tensor {
    guard pass.training && rate > 0 else {
      mask = []  // the identity, whose gradient is the identity
      return x
    }
    let keep = 1 / (1 - rate)
    let threshold = UInt32((Double(rate) * 65536).rounded())
    let count = x.data.count
    let random = pass.random
    var out = [Float](unsafeUninitializedCapacity: count) { _, initialised in initialised = count }
    mask = [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
      x.data.withUnsafeBufferPointer { xs in
        out.withUnsafeMutableBufferPointer { ys in
          guard count > 0 else { return }
          let (xs, ys, ms) = (xs.baseAddress!, ys.baseAddress!, buffer.baseAddress!)
          // parts start on a draw boundary (4 values per draw) and jump the generator ahead to it,
          // so every value gets the draw the single-threaded loop would give it
          let draws = (count + 3) / 4
          forEachElementPart(draws, threads: pass.threads) { part in
            var random = random  // a local copy: the draws stay in registers
            random.skip(UInt64(part.lowerBound))
            let end = min(count, part.upperBound * 4)
            // blocks of draws into a small buffer, then read as 16-bit uniforms (four per draw,
            // low bits first: the little-endian order), so the masking loop vectorises
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 256) { block in
              var i = part.lowerBound * 4
              while i < end {
                let values = min(end - i, 4 * 256)
                for d in 0..<(values + 3) / 4 { block[d] = random.next().littleEndian }
                UnsafeRawPointer(block.baseAddress!).withMemoryRebound(to: UInt16.self, capacity: 4 * 256) { uniforms in
                  let (xs, ys, ms) = (xs + i, ys + i, ms + i)
                  for j in 0..<values {
                    let m: Float = UInt32(UInt16(littleEndian: uniforms[j])) < threshold ? 0 : keep
                    ms[j] = m
                    ys[j] = xs[j] * m
                  }
                }
                i += values
              }
            }
          }
        }
      }
      initialised = count
    }
    pass.random.skip(UInt64((count + 3) / 4))
    return x.with(out)
  }

  public func backward(_ dy: Tensor, _ pass: Pass) -> Tensor {
    guard !mask.isEmpty else { return dy }
    precondition(mask.count == dy.data.count, "dropout gradient does not match the last training forward")
    return mask.withUnsafeBufferPointer { mask in
      let mask = mask.baseAddress!
      return dy.with(elementwise(dy.data, threads: pass.threads) { dy, dx, range in for i in range { dx[i] = dy[i] * mask[i] } })
    }
  }
}

/// Non-overlapping max pooling over `size × size` windows (stride = size); odd edges are dropped.
public final class MaxPool: Layer {
  public let size: Int
  private var argmax: [Int32] = []
  private var inputGeometry = (channels: 0, batch: 0, height: 0, width: 0)

  public init(_ size: Int = 2) { self.size = size }
  public var spec: LayerSpec { LayerSpec("maxpool", [("size", "\(size)")]) }

  public func outputShape(_ shape: Shape) throws -> Shape {
    guard !shape.isFlat, shape.height >= size, shape.width >= size else { throw NetworkError.shape("maxpool \(size) does not fit \(shape)") }
    return Shape(channels: shape.channels, height: shape.height / size, width: shape.width / size)
  }

  public func forward(_ x: Tensor, _ pass: inout Pass) -> Tensor {
    let (h, w, oh, ow) = (x.height, x.width, x.height / size, x.width / size)
    let planes = x.channels * x.batch
    var out = [Float](repeating: 0, count: planes * oh * ow)
    var arg = [Int32](repeating: 0, count: out.count)
    let size = size
    x.data.withUnsafeBufferPointer { xs in
      out.withUnsafeMutableBufferPointer { ys in
        arg.withUnsafeMutableBufferPointer { args in
          let (xs, ys, args) = (xs.baseAddress!, ys.baseAddress!, args.baseAddress!)
          forEachPart(planes, threads: pass.threads) { range in
            for p in range {
              for oy in 0..<oh {
                for ox in 0..<ow {
                  var best = -Float.infinity, at = 0
                  for dy in 0..<size {
                    for dx in 0..<size {
                      let i = p * h * w + (oy * size + dy) * w + ox * size + dx
                      if xs[i] > best || (dy == 0 && dx == 0) { (best, at) = (xs[i], i) }
                    }
                  }
                  let o = (p * oh + oy) * ow + ox
                  ys[o] = best
                  args[o] = Int32(at)
                }
              }
            }
          }
        }
      }
    }
    if pass.training {
      argmax = arg
      inputGeometry = (x.channels, x.batch, h, w)
    }
    return Tensor(planes: x.channels, batch: x.batch, height: oh, width: ow, data: out)
  }

  public func backward(_ dy: Tensor, _ pass: Pass) -> Tensor {
    let (c, b, h, w) = inputGeometry
    var dx = [Float](repeating: 0, count: c * b * h * w)
    for (o, g) in dy.data.enumerated() { dx[Int(argmax[o])] += g }
    return Tensor(planes: c, batch: b, height: h, width: w, data: dx)
  }
}

/// Planes to rows (`[c][y][x]` per sample), before dense layers.
public final class Flatten: Layer {
  private var shape = Shape(channels: 0)
  public init() {}
  public var spec: LayerSpec { LayerSpec("flatten") }
  public func outputShape(_ shape: Shape) throws -> Shape { Shape(channels: shape.count) }
  public func forward(_ x: Tensor, _ pass: inout Pass) -> Tensor {
    shape = x.shape
    return x.asRows()
  }
  public func backward(_ dy: Tensor, _ pass: Pass) -> Tensor { dy.asPlanes(shape) }
}

/// Rows to planes of a given shape, after dense layers (a generator's first layer).
public final class Reshape: Layer {
  public let target: Shape
  public init(_ target: Shape) { self.target = target }
  public var spec: LayerSpec {
    LayerSpec("reshape", [("channels", "\(target.channels)"), ("height", "\(target.height)"), ("width", "\(target.width)")])
  }
  public func outputShape(_ shape: Shape) throws -> Shape {
    guard shape.count == target.count else { throw NetworkError.shape("reshape to \(target) needs \(target.count) values, got \(shape)") }
    return target
  }
  public func forward(_ x: Tensor, _ pass: inout Pass) -> Tensor { x.asRows().asPlanes(target) }
  public func backward(_ dy: Tensor, _ pass: Pass) -> Tensor { dy.asRows() }
}
