/// Stride-1 convolution with few output planes by *shift and add* (kn2row) instead of im2col:
/// Z = S·X, one sgemm straight on the input planes, where S stacks every phase's weights as rows
/// (phase, o, a, b) by input channel c; then y[o](gy, gx) = b[o] + Σ_(a,b) Z[(o,a,b)](gy + a − top,
/// gx + b − left). Its memory traffic is outputs·taps per position instead of inputs·taps, so it
/// pays when outputs ≪ inputs (a generator's last layer into 1 or 3 planes). Backward: dZ is dY
/// shifted back per tap, dS = dZ·Xᵀ and dX = Sᵀ·dZ, again without columns.
struct ShiftAddConvolution {
  let inputs: Int
  let outputs: Int
  let phases: [ConvolutionPhase]
  let g: ConvolutionGeometry
  /// First stacked row of each phase.
  let rowOffsets: [Int]
  var rows: Int { rowOffsets.last! }

  init(inputs: Int, outputs: Int, phases: [ConvolutionPhase], geometry: ConvolutionGeometry) {
    (self.inputs, self.outputs, self.phases, self.g) = (inputs, outputs, phases, geometry)
    rowOffsets = phases.reduce(into: [0]) { $0.append($0.last! + outputs * $1.window) }
  }

  /// Used for stride 1 when the output planes are at most a quarter of the input planes.
  static func suits(inputs: Int, outputs: Int, geometry: ConvolutionGeometry) -> Bool { geometry.stride == 1 && outputs * 4 <= inputs }

  /// S (rows × inputs) from the phases' weights (`outputs × (inputs·window)` each).
  func stack(_ phaseWeights: [[Float]]) -> [Float] {
    var s = [Float](repeating: 0, count: rows * inputs)
    for (p, phase) in phases.enumerated() {
      for o in 0..<outputs {
        for c in 0..<inputs {
          for t in 0..<phase.window { s[(rowOffsets[p] + o * phase.window + t) * inputs + c] = phaseWeights[p][(o * inputs + c) * phase.window + t] }
        }
      }
    }
    return s
  }

  /// The phases' weight gradients (concatenated, `outputs × (inputs·window)` each) from dS.
  func unstack(_ ds: [Float]) -> [Float] {
    var out: [Float] = []
    for (p, phase) in phases.enumerated() {
      var block = [Float](repeating: 0, count: outputs * inputs * phase.window)
      for o in 0..<outputs {
        for c in 0..<inputs {
          for t in 0..<phase.window { block[(o * inputs + c) * phase.window + t] = ds[(rowOffsets[p] + o * phase.window + t) * inputs + c] }
        }
      }
      out += block
    }
    return out
  }

  /// Scratch values one chunk of `images` needs: Z (or dZ) and one row accumulator.
  func scratch(images: Int) -> Int { rows * images * g.height * g.width + g.gridWidth }

  /// Output planes for `images` (whose Z = S·X is in `z`), bias included.
  func add(_ z: UnsafePointer<Float>, images: Range<Int>, bias: [Float], row acc: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>) {
    let (h, w, gh, gw, f) = (g.height, g.width, g.gridHeight, g.gridWidth, g.factor)
    let (hw, n) = (h * w, images.count * h * w)
    for (p, phase) in phases.enumerated() {
      for o in 0..<outputs {
        for i in images {
          let zi = z + (i - images.lowerBound) * hw
          let plane = y + (o * g.batch + i) * g.outputHeight * g.outputWidth
          for gy in 0..<gh {
            acc.update(repeating: bias[o], count: gw)
            for a in 0..<phase.rows {
              let yy = gy + a - phase.top
              if yy < 0 || yy >= h { continue }
              for b in 0..<phase.columns {
                let zrow = zi + (rowOffsets[p] + o * phase.window + a * phase.columns + b) * n + yy * w + b - phase.left
                let (first, last) = phase.validColumns(b, g)
                for gx in first..<last { acc[gx] += zrow[gx] }
              }
            }
            let row = plane + (gy * f + phase.rowPhase) * g.outputWidth + phase.columnPhase
            for gx in 0..<gw { row[gx * f] = acc[gx] }
          }
        }
      }
    }
  }

  /// dZ for `images`: each tap's rows hold dY's phase pixels shifted back to the input they read.
  func shiftBack(_ dy: UnsafePointer<Float>, images: Range<Int>, into dz: UnsafeMutablePointer<Float>) {
    let (h, w, gh, gw, f) = (g.height, g.width, g.gridHeight, g.gridWidth, g.factor)
    var out = dz
    for (_, phase) in phases.enumerated() {
      for o in 0..<outputs {
        for a in 0..<phase.rows {
          for b in 0..<phase.columns {
            // input column xx reads grid column gx = xx − b + left
            let first = max(0, b - phase.left), last = max(first, min(w, gw + b - phase.left))
            for i in images {
              let plane = dy + (o * g.batch + i) * g.outputHeight * g.outputWidth
              for yy in 0..<h {
                let gy = yy - a + phase.top
                if gy < 0 || gy >= gh {
                  out.update(repeating: 0, count: w)
                } else {
                  let row = plane + (gy * f + phase.rowPhase) * g.outputWidth + phase.columnPhase
                  for xx in 0..<first { out[xx] = 0 }
                  for xx in first..<last { out[xx] = row[(xx - b + phase.left) * f] }
                  for xx in last..<w { out[xx] = 0 }
                }
                out += w
              }
            }
          }
        }
      }
    }
  }
}
