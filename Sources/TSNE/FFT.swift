import Foundation
import Workers

/// In-place radix-2 complex FFT of one size (a power of two), on split real/imaginary arrays.
/// Twiddles (stored per stage, contiguous) and the bit-reversal permutation are computed once.
/// Rows and columns have separate butterfly loops on purpose: a row runs along one contiguous
/// array, a column block runs the same butterfly across many columns at once so the inner loop
/// is contiguous and vectorises; one shared loop would be slow for one of the two.
struct RadixTwoFFT: Sendable {
  let size: Int
  /// For the stage of length L = 2^s, twiddles e^{−2πik/L}, k < L/2, start at offset L/2 − 1.
  private let cosines: [Double]
  private let sines: [Double]
  private let reversed: [Int32]

  init(size: Int) {
    precondition(size >= 2 && size & (size - 1) == 0, "FFT size must be a power of two")
    self.size = size
    var cosines: [Double] = [], sines: [Double] = []
    var length = 2
    while length <= size {
      for k in 0..<(length / 2) {
        let angle = -2 * Double.pi * Double(k) / Double(length)
        cosines.append(cos(angle))
        sines.append(sin(angle))
      }
      length *= 2
    }
    self.cosines = cosines
    self.sines = sines
    let bits = size.trailingZeroBitCount
    reversed = (0..<size).map { i in
      var r = 0, v = i
      for _ in 0..<bits { r = (r << 1) | (v & 1); v >>= 1 }
      return Int32(r)
    }
  }

  /// Transforms the `size` values at `re`/`im`; `inverse` uses e^{+2πi/N} and does not scale.
  func transform(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, inverse: Bool) {
    for i in 0..<size {
      let j = Int(reversed[i])
      if j > i {
        swap(&re[i], &re[j])
        swap(&im[i], &im[j])
      }
    }
    // length-2 stage: no multiplications
    var a = 0
    while a < size {
      let (r, i) = (re[a + 1], im[a + 1])
      re[a + 1] = re[a] - r; im[a + 1] = im[a] - i
      re[a] += r; im[a] += i
      a += 2
    }
    let sign: Double = inverse ? -1 : 1
    cosines.withUnsafeBufferPointer { c in
      sines.withUnsafeBufferPointer { s in
        var length = 4
        while length <= size {
          let half = length / 2, offset = half - 1
          var start = 0
          while start < size {
            let x = re + start, y = im + start
            for k in 0..<half {
              let wr = c[offset + k], wi = sign * s[offset + k]
              let tr = x[k + half] * wr - y[k + half] * wi
              let ti = x[k + half] * wi + y[k + half] * wr
              x[k + half] = x[k] - tr; y[k + half] = y[k] - ti
              x[k] += tr; y[k] += ti
            }
            start += length
          }
          length *= 2
        }
      }
    }
  }

  /// Transforms the columns `columns` of a `size`-row matrix with row stride `stride`, all
  /// columns at once (the inner loops run along rows' contiguous memory).
  func transformColumns(
    _ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, stride: Int, columns: Range<Int>, inverse: Bool
  ) {
    let c0 = columns.lowerBound, width = columns.count
    guard width > 0 else { return }
    for i in 0..<size {
      let j = Int(reversed[i])
      if j > i {
        for c in 0..<width {
          swap(&re[i * stride + c0 + c], &re[j * stride + c0 + c])
          swap(&im[i * stride + c0 + c], &im[j * stride + c0 + c])
        }
      }
    }
    let sign: Double = inverse ? -1 : 1
    cosines.withUnsafeBufferPointer { cs in
      sines.withUnsafeBufferPointer { ss in
        var length = 2
        while length <= size {
          let half = length / 2, offset = half - 1
          var start = 0
          while start < size {
            for k in 0..<half {
              let wr = cs[offset + k], wi = sign * ss[offset + k]
              let xa = re + (start + k) * stride + c0, ya = im + (start + k) * stride + c0
              let xb = xa + half * stride, yb = ya + half * stride
              for c in 0..<width {
                let tr = xb[c] * wr - yb[c] * wi
                let ti = xb[c] * wi + yb[c] * wr
                xb[c] = xa[c] - tr; yb[c] = ya[c] - ti
                xa[c] += tr; ya[c] += ti
              }
            }
            start += length
          }
          length *= 2
        }
      }
    }
  }
}

/// A square complex grid (side × side, row-major, split real/imaginary) with the row and column
/// passes of a 2D FFT. Rows, and blocks of columns, go to workers in a fixed partition of the
/// data (each row or column is transformed alone), so results do not depend on the thread count.
struct ComplexGrid {
  let side: Int
  var re: [Double]
  var im: [Double]

  init(side: Int) {
    self.side = side
    re = [Double](repeating: 0, count: side * side)
    im = [Double](repeating: 0, count: side * side)
  }

  /// Transforms each row in `rows` along its length.
  mutating func transformRows(_ rows: Range<Int>, fft: RadixTwoFFT, inverse: Bool, threads: Int) {
    let side = self.side
    re.withUnsafeMutableBufferPointer { rb in
      im.withUnsafeMutableBufferPointer { ib in
        let r = SharedBuffer(rb.baseAddress!), i = SharedBuffer(ib.baseAddress!)
        try? parallelFor(rows.count, threads: threads) { k in
          let row = rows.lowerBound + k
          fft.transform(r.base + row * side, i.base + row * side, inverse: inverse)
        }
      }
    }
  }

  /// Transforms each column in `columns` along its length, in blocks of 16 columns.
  mutating func transformColumns(_ columns: Range<Int>, fft: RadixTwoFFT, inverse: Bool, threads: Int) {
    let side = self.side, block = 16
    let blocks = (columns.count + block - 1) / block
    re.withUnsafeMutableBufferPointer { rb in
      im.withUnsafeMutableBufferPointer { ib in
        let r = SharedBuffer(rb.baseAddress!), i = SharedBuffer(ib.baseAddress!)
        try? parallelFor(blocks, threads: threads) { b in
          let start = columns.lowerBound + b * block
          fft.transformColumns(r.base, i.base, stride: side, columns: start..<min(start + block, columns.upperBound), inverse: inverse)
        }
      }
    }
  }
}
