import Foundation
import Workers

/// 2D convolution (cross-correlation, as PyTorch's Conv2d); W is `outputs × (inputs·k·k)`; zero
/// padding; He-uniform initialisation.
///
/// The batch is split into `fixedParts` runs of images; each run is worked through in chunks whose
/// im2col matrix fits in a core's L2 cache (`columnBudget` values): im2col, one sgemm, and in
/// the backward pass the same columns again for dW += dY·colsᵀ and dcols = Wᵀ·dY, col2im. Every
/// run adds its own dW partial, and the partials are summed in run order, so the result does not
/// depend on the thread count. A preceding nearest-neighbour upsampling can be absorbed
/// (`forward(_:upsampledBy:_:)`, see `ConvolutionPhase`).
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
  /// The weights of the last forward, per phase (W or W/σ, taps summed for an absorbed upsampling).
  private var phaseWeights: [[Float]] = []
  private var phases: [ConvolutionPhase] = []
  private var geometry = ConvolutionGeometry(batch: 0, height: 0, width: 0, gridHeight: 0, gridWidth: 0, stride: 1, factor: 1)
  private var input: [Float] = []
  /// Per-run scratch: columns, their gradient and one phase's output block (or Z for shift-add).
  private var scratch: [Float] = []
  /// Set when the last forward used shift-and-add, with its stacked weights S.
  private var shiftAdd: ShiftAddConvolution?
  private var stacked: [Float] = []

  /// Values of one chunk's im2col matrix (1 MiB of Float32: it stays in L2 between the gather and
  /// the two sgemms that read it).
  static let columnBudget = 1 << 18

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

  /// Whether ×`factor` nearest upsampling then this layer keeps the size ×`factor` (stride 1,
  /// "same" padding), so that the two can run as one (`forward(_:upsampledBy:_:)`).
  public func canAbsorbUpsampling(by factor: Int) -> Bool { factor >= 1 && stride == 1 && 2 * padding == kernel - 1 }

  public func forward(_ x: Tensor, _ pass: inout Pass) -> Tensor { forward(x, upsampledBy: 1, &pass) }

  /// This layer applied to x upsampled ×`factor` (nearest neighbour), computed on x itself;
  /// `backward` then returns the gradient of x. Equal to `Upsample(factor)` then `forward`, up to
  /// rounding (taps reading the same pixel are summed before the product).
  public func forward(_ x: Tensor, upsampledBy factor: Int, _ pass: inout Pass) -> Tensor {
    precondition(x.layout == .planes && x.channels == inputs, "conv2d input must be planes of \(inputs) channels")
    precondition(factor == 1 || canAbsorbUpsampling(by: factor), "conv2d cannot absorb a ×\(factor) upsampling")
    let g =
      factor == 1
      ? ConvolutionGeometry(
        batch: x.batch, height: x.height, width: x.width, gridHeight: outputSize(x.height), gridWidth: outputSize(x.width), stride: stride, factor: 1)
      : ConvolutionGeometry(batch: x.batch, height: x.height, width: x.width, gridHeight: x.height, gridWidth: x.width, stride: 1, factor: factor)
    if g.factor != geometry.factor || phases.isEmpty {
      phases = factor == 1 ? [.plain(kernel: kernel, padding: padding)] : ConvolutionPhase.upsampled(factor: factor, kernel: kernel, padding: padding)
    }
    geometry = g
    var weights = weight.value
    if let u = spectralVector { weights = normalizer!.normalise(weight.value, u: u, training: pass.training) }
    phaseWeights = factor == 1 ? [weights] : phases.map { $0.weights(weights, outputs: self.outputs, inputs: self.inputs, kernel: self.kernel) }
    shiftAdd =
      ShiftAddConvolution.suits(inputs: inputs, outputs: outputs, geometry: g)
      ? ShiftAddConvolution(inputs: inputs, outputs: outputs, phases: phases, geometry: g) : nil
    stacked = shiftAdd?.stack(phaseWeights) ?? []
    input = x.data

    let total = g.outputPositions
    let size = outputs * total
    var out = [Float](unsafeUninitializedCapacity: size) { _, count in count = size }  // every value is written
    let (runs, perChunk, span) = plan(g)
    let (inputs, outputs, phases, phaseWeights, bias, shiftAdd, stacked) = (inputs, outputs, phases, phaseWeights, bias.value, shiftAdd, stacked)
    let columns = maxColumns(g, perChunk), plane = g.height * g.width
    x.data.withUnsafeBufferPointer { xs in
      out.withUnsafeMutableBufferPointer { ys in
        scratch.withUnsafeMutableBufferPointer { scratch in
          let (xs, ys, scratch) = (xs.baseAddress!, ys.baseAddress!, scratch.baseAddress!)
          try? parallelFor(runs, threads: pass.threads) { run in
            let cols = scratch + run * span, block = cols + 2 * columns, padded = block + outputs * perChunk * g.gridHeight * g.gridWidth
            let owned = chunk(run, of: runs, count: g.batch)
            for start in Swift.stride(from: owned.lowerBound, to: owned.upperBound, by: perChunk) {
              let images = start..<min(start + perChunk, owned.upperBound)
              if let shiftAdd {
                // Z = S·X on the chunk's input planes, then the shifted sums
                let n = images.count * plane
                stacked.withUnsafeBufferPointer { s in
                  sgemm(false, false, shiftAdd.rows, n, inputs, s.baseAddress!, inputs, xs + start * plane, g.batch * plane, 0, cols, n)
                }
                shiftAdd.add(cols, images: images, bias: bias, row: cols + shiftAdd.rows * n, into: ys)
                continue
              }
              let n = images.count * g.gridHeight * g.gridWidth
              for (p, phase) in phases.enumerated() {
                let k = inputs * phase.window
                phase.gather(xs, g, channels: inputs, images: images, into: cols, padded: padded)
                phaseWeights[p].withUnsafeBufferPointer { w in
                  if g.factor == 1 {
                    // the chunk's outputs are contiguous in each output plane row: write them in place
                    let y = ys + start * g.gridHeight * g.gridWidth
                    sgemm(false, false, outputs, n, k, w.baseAddress!, k, cols, n, 0, y, total)
                    for o in 0..<outputs {
                      let (row, b) = (y + o * total, bias[o])
                      for j in 0..<n { row[j] += b }
                    }
                  } else {
                    sgemm(false, false, outputs, n, k, w.baseAddress!, k, cols, n, 0, block, n)
                    phase.place(block, g, outputs: outputs, images: images, bias: bias, into: ys)
                  }
                }
              }
            }
          }
        }
      }
    }
    return Tensor(planes: outputs, batch: g.batch, height: g.outputHeight, width: g.outputWidth, data: out)
  }

  /// Runs, images per chunk, and scratch values per run for a call; grows the scratch.
  private func plan(_ g: ConvolutionGeometry) -> (runs: Int, perChunk: Int, stride: Int) {
    let runs = max(1, min(fixedParts, g.batch))
    let perRun = (g.batch + runs - 1) / runs
    if let shiftAdd {
      let perChunk = max(1, min(perRun, Self.columnBudget / max(1, shiftAdd.rows * g.height * g.width)))
      let stride = shiftAdd.scratch(images: perChunk)
      if scratch.count < runs * stride { scratch = [Float](repeating: 0, count: runs * stride) }
      return (runs, perChunk, stride)
    }
    let widest = inputs * (phases.map(\.window).max() ?? 1)
    let perImage = g.gridHeight * g.gridWidth
    let perChunk = max(1, min(perRun, Self.columnBudget / max(1, widest * perImage)))
    let padded = phases.map { let (r, c) = $0.paddedPlane(g); return inputs * perChunk * r * c }.max() ?? 0
    let stride = 2 * maxColumns(g, perChunk) + outputs * perChunk * perImage + padded
    if scratch.count < runs * stride { scratch = [Float](repeating: 0, count: runs * stride) }
    return (runs, perChunk, stride)
  }

  private func maxColumns(_ g: ConvolutionGeometry, _ perChunk: Int) -> Int {
    inputs * (phases.map(\.window).max() ?? 1) * perChunk * g.gridHeight * g.gridWidth
  }

  public func backward(_ dy: Tensor, _ pass: Pass) -> Tensor {
    let g = geometry
    let total = g.outputPositions
    precondition(dy.data.count == outputs * total, "conv2d gradient does not match the last forward")
    let (runs, perChunk, span) = plan(g)
    let (inputs, outputs, phases, phaseWeights, shiftAdd, stacked) = (inputs, outputs, phases, phaseWeights, shiftAdd, stacked)
    // per run, the partial dW of every phase's weights (or of S)
    let offsets = phases.reduce(into: [0]) { $0.append($0.last! + outputs * inputs * $1.window) }
    let perRun = offsets.last!
    let weightGradients = pass.weightGradients
    var partial = [Float](repeating: 0, count: weightGradients ? runs * perRun : 1)
    // each run zeroes its own images' planes before adding to them (shift-add overwrites them)
    let dxCount = inputs * g.batch * g.height * g.width
    var dx = [Float](unsafeUninitializedCapacity: dxCount) { _, count in count = dxCount }
    let columns = maxColumns(g, perChunk), plane = g.height * g.width
    input.withUnsafeBufferPointer { xs in
      dy.data.withUnsafeBufferPointer { dys in
        dx.withUnsafeMutableBufferPointer { dxs in
          partial.withUnsafeMutableBufferPointer { ps in
            scratch.withUnsafeMutableBufferPointer { scratch in
              let (xs, dys, dxs, ps, scratch) = (xs.baseAddress!, dys.baseAddress!, dxs.baseAddress!, ps.baseAddress!, scratch.baseAddress!)
              try? parallelFor(runs, threads: pass.threads) { run in
                let cols = scratch + run * span, dcols = cols + columns, block = dcols + columns
                let padded = block + outputs * perChunk * g.gridHeight * g.gridWidth
                let owned = chunk(run, of: runs, count: g.batch)
                if shiftAdd == nil {
                  for c in 0..<inputs { (dxs + (c * g.batch + owned.lowerBound) * plane).update(repeating: 0, count: owned.count * plane) }
                }
                for start in Swift.stride(from: owned.lowerBound, to: owned.upperBound, by: perChunk) {
                  let images = start..<min(start + perChunk, owned.upperBound)
                  if let shiftAdd {
                    // dS += dZ·Xᵀ and dX = Sᵀ·dZ, X and dX read and written in place
                    let (n, dz) = (images.count * plane, cols)
                    shiftAdd.shiftBack(dys, images: images, into: dz)
                    if weightGradients {
                      sgemm(false, true, shiftAdd.rows, inputs, n, dz, n, xs + start * plane, g.batch * plane, 1, ps + run * perRun, inputs)
                    }
                    stacked.withUnsafeBufferPointer { s in
                      sgemm(true, false, inputs, n, shiftAdd.rows, s.baseAddress!, inputs, dz, n, 0, dxs + start * plane, g.batch * plane)
                    }
                    continue
                  }
                  let n = images.count * g.gridHeight * g.gridWidth
                  for (p, phase) in phases.enumerated() {
                    let k = inputs * phase.window
                    let gradient: UnsafePointer<Float>, ld: Int
                    if g.factor == 1 {
                      (gradient, ld) = (dys + start * g.gridHeight * g.gridWidth, total)
                    } else {
                      phase.pick(dys, g, outputs: outputs, images: images, into: block)
                      (gradient, ld) = (UnsafePointer(block), n)
                    }
                    if weightGradients {
                      phase.gather(xs, g, channels: inputs, images: images, into: cols, padded: padded)
                      sgemm(false, true, outputs, k, n, gradient, ld, cols, n, 1, ps + run * perRun + offsets[p], k)  // dW += dY·colsᵀ
                    }
                    phaseWeights[p].withUnsafeBufferPointer { w in
                      sgemm(true, false, k, n, outputs, w.baseAddress!, k, gradient, ld, 0, dcols, n)  // dcols = Wᵀ·dY
                    }
                    phase.scatter(dcols, g, channels: inputs, images: images, into: dxs, padded: padded)
                  }
                }
              }
            }
          }
        }
      }
    }
    guard weightGradients else { return Tensor(planes: inputs, batch: g.batch, height: g.height, width: g.width, data: dx) }
    // the runs' partials in run order, then back from phase weights to the kernel
    var phaseGradient = [Float](repeating: 0, count: perRun)
    for run in 0..<runs { for i in 0..<perRun { phaseGradient[i] += partial[run * perRun + i] } }
    if let shiftAdd { phaseGradient = shiftAdd.unstack(phaseGradient) }
    var kernelGradient: [Float]
    if g.factor == 1 {
      kernelGradient = phaseGradient
    } else {
      kernelGradient = [Float](repeating: 0, count: weight.value.count)
      phaseGradient.withUnsafeBufferPointer { pg in
        for (p, phase) in phases.enumerated() {
          phase.addKernelGradient(pg.baseAddress! + offsets[p], into: &kernelGradient, outputs: outputs, inputs: inputs, kernel: kernel)
        }
      }
    }
    if let u = spectralVector {
      normalizer!.addWeightGradient(kernelGradient, weight: weight.value, u: u, into: &weight.gradient)
    } else {
      weight.gradient.withUnsafeMutableBufferPointer { dw in for i in 0..<dw.count { dw[i] += kernelGradient[i] } }
    }
    // one sequential sum per output channel (the same at any thread count), channels in parallel
    var sums = [Float](repeating: 0, count: outputs)
    dy.data.withUnsafeBufferPointer { dys in
      sums.withUnsafeMutableBufferPointer { sums in
        let (dys, sums) = (dys.baseAddress!, sums.baseAddress!)
        forEachPart(outputs, threads: pass.threads) { channels in
          for o in channels {
            var sum: Float = 0
            let row = dys + o * total
            for j in 0..<total { sum += row[j] }
            sums[o] = sum
          }
        }
      }
    }
    for o in 0..<outputs { bias.gradient[o] += sums[o] }
    return Tensor(planes: inputs, batch: g.batch, height: g.height, width: g.width, data: dx)
  }
}
