/// How a convolution reads its input, as one or more *phases*: each phase is an ordinary strided
/// convolution with a `rows × columns` window whose results land on every `factor`-th output
/// pixel starting at (`rowPhase`, `columnPhase`).
///
/// A plain convolution is one phase with its own kernel. A nearest-neighbour ×f upsampling
/// followed by a stride-1 "same" k×k convolution is f² phases on the small input (sub-pixel
/// decomposition): upsampled row f·y + py + ky − p is small-input row y + ⌊(py + ky − p)/f⌋, so
/// taps that read the same small-input pixel are summed into one weight. For ×2 and 3×3 that is
/// four 2×2 windows: 4/9 of the multiply-adds, and the upsampled image is never formed.
struct ConvolutionPhase: Sendable {
  /// Window size in input pixels.
  var rows: Int
  var columns: Int
  /// Input pixel (oy·stride + a − top, ox·stride + b − left) feeds window tap (a, b).
  var top: Int
  var left: Int
  /// Output pixel of phase-grid position (oy, ox): (oy·factor + rowPhase, ox·factor + columnPhase).
  var rowPhase: Int
  var columnPhase: Int
  /// For window row a (column b), the kernel rows (columns) summed into it.
  var rowTaps: [[Int]]
  var columnTaps: [[Int]]

  var window: Int { rows * columns }
}

/// The phases, grid and sizes of one convolution call.
struct ConvolutionGeometry: Sendable, Equatable {
  var batch: Int
  /// Input planes as the layer reads them (the small image when an upsampling is absorbed).
  var height: Int
  var width: Int
  /// Output positions per phase.
  var gridHeight: Int
  var gridWidth: Int
  var stride: Int
  var factor: Int

  var outputHeight: Int { gridHeight * factor }
  var outputWidth: Int { gridWidth * factor }
  var outputPositions: Int { batch * outputHeight * outputWidth }
}

/// Floor division (rounds towards −∞ for negative numerators).
@inline(__always)
func floorDivide(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

extension ConvolutionPhase {
  /// A plain convolution's single phase.
  static func plain(kernel: Int, padding: Int) -> ConvolutionPhase {
    let taps = (0..<kernel).map { [$0] }
    return ConvolutionPhase(rows: kernel, columns: kernel, top: padding, left: padding, rowPhase: 0, columnPhase: 0, rowTaps: taps, columnTaps: taps)
  }

  /// The f² phases of ×f nearest upsampling then a stride-1 k×k convolution with padding p.
  static func upsampled(factor f: Int, kernel k: Int, padding p: Int) -> [ConvolutionPhase] {
    func taps(_ phase: Int) -> (offset: Int, taps: [[Int]]) {
      let offsets = (0..<k).map { floorDivide(phase + $0 - p, f) }
      let low = offsets.min()!, high = offsets.max()!
      var taps = [[Int]](repeating: [], count: high - low + 1)
      for (tap, offset) in offsets.enumerated() { taps[offset - low].append(tap) }
      return (low, taps)
    }
    var phases: [ConvolutionPhase] = []
    for py in 0..<f {
      for px in 0..<f {
        let (r, c) = (taps(py), taps(px))
        phases.append(
          ConvolutionPhase(
            rows: r.taps.count, columns: c.taps.count, top: -r.offset, left: -c.offset, rowPhase: py, columnPhase: px, rowTaps: r.taps,
            columnTaps: c.taps))
      }
    }
    return phases
  }

  /// The phase's weight matrix `outputs × (inputs·rows·columns)` from the kernel
  /// `outputs × (inputs·k·k)`: each window tap is the sum of the kernel taps it stands for.
  func weights(_ w: [Float], outputs: Int, inputs: Int, kernel k: Int) -> [Float] {
    var out = [Float](repeating: 0, count: outputs * inputs * window)
    for o in 0..<outputs {
      for c in 0..<inputs {
        let source = (o * inputs + c) * k * k, target = (o * inputs + c) * window
        for a in 0..<rows {
          for b in 0..<columns {
            var sum: Float = 0
            for ky in rowTaps[a] { for kx in columnTaps[b] { sum += w[source + ky * k + kx] } }
            out[target + a * columns + b] = sum
          }
        }
      }
    }
    return out
  }

  /// Adds the phase's weight gradient `outputs × (inputs·rows·columns)` to the kernel's: each
  /// kernel tap receives the gradient of the window tap it was summed into.
  func addKernelGradient(_ g: UnsafePointer<Float>, into dw: inout [Float], outputs: Int, inputs: Int, kernel k: Int) {
    for o in 0..<outputs {
      for c in 0..<inputs {
        let source = (o * inputs + c) * window, target = (o * inputs + c) * k * k
        for a in 0..<rows {
          for b in 0..<columns {
            let value = g[source + a * columns + b]
            for ky in rowTaps[a] { for kx in columnTaps[b] { dw[target + ky * k + kx] += value } }
          }
        }
      }
    }
  }

  /// The output columns `first..<last` of the grid whose window column `b` lies inside the image.
  @inline(__always)
  func validColumns(_ b: Int, _ g: ConvolutionGeometry) -> (first: Int, last: Int) {
    let shift = b - left  // input x = ox·stride + shift
    let first = min(g.gridWidth, max(0, (-shift + g.stride - 1) / g.stride))
    let reach = g.width - 1 - shift
    let last = reach < 0 ? first : max(first, min(g.gridWidth, reach / g.stride + 1))
    return (first, last)
  }

  /// Values of the zero-padded copy of one image plane that `gather` reads: every input pixel
  /// any window tap of the grid touches, at (row + top, column + left).
  func paddedPlane(_ g: ConvolutionGeometry) -> (rows: Int, columns: Int) {
    ((g.gridHeight - 1) * g.stride + rows, (g.gridWidth - 1) * g.stride + columns)
  }

  /// im2col for images `images` of planes `x` (`[c][sample][y][x]`):
  /// cols[(c,a,b)][(i,oy,ox)] = x[c][i][oy·s + a − top][ox·s + b − left], zero outside the image.
  /// The images' planes are first copied with their zero border into `padded` (channels ·
  /// images · `paddedPlane` values), so that each output row is one plain strided read.
  func gather(
    _ x: UnsafePointer<Float>, _ g: ConvolutionGeometry, channels: Int, images: Range<Int>, into cols: UnsafeMutablePointer<Float>,
    padded: UnsafeMutablePointer<Float>
  ) {
    let (gh, gw, s) = (g.gridHeight, g.gridWidth, g.stride)
    let n = images.count * gh * gw
    let (ph, pw) = paddedPlane(g)
    fillPadded(from: x, g, channels: channels, images: images, into: padded)
    for c in 0..<channels {
      for a in 0..<rows {
        for b in 0..<columns {
          var out = cols + ((c * rows + a) * columns + b) * n
          for i in 0..<images.count {
            var source = UnsafePointer(padded) + ((c * images.count + i) * ph + a) * pw + b
            for _ in 0..<gh {
              if s == 1 {
                for ox in 0..<gw { out[ox] = source[ox] }
              } else {
                for ox in 0..<gw { out[ox] = source[ox * s] }
              }
              out += gw
              source += s * pw
            }
          }
        }
      }
    }
  }

  /// The adjoint of `gather`: adds each column entry to its input pixel (images `images` only).
  /// The images' planes of `dx` are copied into `padded` inside a border (as `gather` lays them
  /// out), the columns are added there with no bound checks, and the inside is copied back. Each
  /// pixel receives its terms in the same order as adding them to `dx` directly, so the result is
  /// the same to the bit; terms that fall on the border belong to no pixel and are dropped.
  func scatter(
    _ cols: UnsafePointer<Float>, _ g: ConvolutionGeometry, channels: Int, images: Range<Int>, into dx: UnsafeMutablePointer<Float>,
    padded: UnsafeMutablePointer<Float>
  ) {
    let (gh, gw, s) = (g.gridHeight, g.gridWidth, g.stride)
    let n = images.count * gh * gw
    let (ph, pw) = paddedPlane(g)
    fillPadded(from: dx, g, channels: channels, images: images, into: padded)
    for c in 0..<channels {
      for a in 0..<rows {
        for b in 0..<columns {
          var source = cols + ((c * rows + a) * columns + b) * n
          for k in 0..<images.count {
            var target = padded + ((c * images.count + k) * ph + a) * pw + b
            for _ in 0..<gh {
              if s == 1 {
                for ox in 0..<gw { target[ox] += source[ox] }
              } else {
                for ox in 0..<gw { target[ox * s] += source[ox] }
              }
              source += gw
              target += s * pw
            }
          }
        }
      }
    }
    forEachPaddedRow(g, channels: channels, images: images, planes: dx, padded: padded) { image, pad, columns in
      if let image { (image + columns.lowerBound - left).update(from: pad + columns.lowerBound, count: columns.count) }
    }
  }

  /// Visits every row of the padded planes of `images` (laid out as `gather` reads them: channel,
  /// image, row) with the image row it holds (nil for a border row) and the padded columns that
  /// hold image columns; the image row pointer is at image column 0.
  private func forEachPaddedRow(
    _ g: ConvolutionGeometry, channels: Int, images: Range<Int>, planes: UnsafePointer<Float>, padded: UnsafeMutablePointer<Float>,
    _ body: (_ image: UnsafeMutablePointer<Float>?, _ pad: UnsafeMutablePointer<Float>, _ columns: Range<Int>) -> Void
  ) {
    let (h, w) = (g.height, g.width)
    let (ph, pw) = paddedPlane(g)
    let inside = max(0, left)..<max(max(0, left), min(pw, w + left))
    var pad = padded
    for c in 0..<channels {
      for i in images {
        let plane = UnsafeMutablePointer(mutating: planes) + (c * g.batch + i) * h * w
        for row in 0..<ph {
          let y = row - top
          body(y < 0 || y >= h || inside.isEmpty ? nil : plane + y * w, pad, inside)
          pad += pw
        }
      }
    }
  }

  /// The planes of `images` copied into `padded` with their zero border.
  private func fillPadded(
    from planes: UnsafePointer<Float>, _ g: ConvolutionGeometry, channels: Int, images: Range<Int>, into padded: UnsafeMutablePointer<Float>
  ) {
    let pw = paddedPlane(g).columns
    forEachPaddedRow(g, channels: channels, images: images, planes: planes, padded: padded) { image, pad, columns in
      guard let image else {
        pad.update(repeating: 0, count: pw)
        return
      }
      pad.update(repeating: 0, count: columns.lowerBound)
      (pad + columns.lowerBound).update(from: image + columns.lowerBound - left, count: columns.count)
      (pad + columns.upperBound).update(repeating: 0, count: pw - columns.upperBound)
    }
  }

  /// Moves a phase's `outputs × (i,oy,ox)` block (plus `bias`) to its pixels of the output planes.
  func place(_ block: UnsafePointer<Float>, _ g: ConvolutionGeometry, outputs: Int, images: Range<Int>, bias: [Float], into y: UnsafeMutablePointer<Float>) {
    let (gh, gw, f, oh, ow) = (g.gridHeight, g.gridWidth, g.factor, g.outputHeight, g.outputWidth)
    var source = block
    for o in 0..<outputs {
      let b = bias[o]
      for i in images {
        let plane = y + (o * g.batch + i) * oh * ow
        for oy in 0..<gh {
          let row = plane + (oy * f + rowPhase) * ow + columnPhase
          for ox in 0..<gw { row[ox * f] = source[ox] + b }
          source += gw
        }
      }
    }
  }

  /// The adjoint of `place`: reads the phase's pixels of the output gradient as a block.
  func pick(_ dy: UnsafePointer<Float>, _ g: ConvolutionGeometry, outputs: Int, images: Range<Int>, into block: UnsafeMutablePointer<Float>) {
    let (gh, gw, f, oh, ow) = (g.gridHeight, g.gridWidth, g.factor, g.outputHeight, g.outputWidth)
    var target = block
    for o in 0..<outputs {
      for i in images {
        let plane = dy + (o * g.batch + i) * oh * ow
        for oy in 0..<gh {
          let row = plane + (oy * f + rowPhase) * ow + columnPhase
          for ox in 0..<gw { target[ox] = row[ox * f] }
          target += gw
        }
      }
    }
  }
}
