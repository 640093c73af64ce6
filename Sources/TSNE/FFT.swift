import Foundation
import Workers

/// Complex FFT of one size 2^a·3^b, on split real/imaginary arrays: Stockham autosort stages
/// (no bit-reversal pass) of radix 4, 2 and 3, each reading one buffer and writing the other.
/// Sizes with factors of 3 let the interpolation grid stay close to the size it needs (1,536
/// instead of 2,048, say), which matters more than the per-point speed of each radix.
struct MixedRadixFFT: Sendable {
  let size: Int
  private let radices: [Int]
  /// Per stage, the twiddles w_n^{p·k} (n the stage's length, p < n/r, 1 ≤ k < r) at p·(r−1) + k − 1.
  private let cosines: [[Double]]
  private let sines: [[Double]]

  /// The smallest 2^a·3^b that is at least `n`.
  static func size(atLeast n: Int) -> Int {
    var best = Int.max, three = 1
    while three < 2 * max(n, 1) {
      var value = three
      while value < n { value *= 2 }
      best = min(best, value)
      three *= 3
    }
    return best
  }

  /// The largest 2^a·3^b that is at most `n` (1 for n < 1).
  static func size(atMost n: Int) -> Int {
    var best = 1, three = 1
    while three <= n {
      var value = three
      while value * 2 <= n { value *= 2 }
      best = max(best, value)
      three *= 3
    }
    return best
  }

  init(size: Int) {
    var rest = size, radices: [Int] = []
    while rest % 4 == 0 { radices.append(4); rest /= 4 }
    while rest % 2 == 0 { radices.append(2); rest /= 2 }
    while rest % 3 == 0 { radices.append(3); rest /= 3 }
    precondition(size >= 1 && rest == 1, "FFT size must be 2^a·3^b, got \(size)")
    self.size = size
    self.radices = radices
    var cosines: [[Double]] = [], sines: [[Double]] = []
    var n = size
    for r in radices {
      let m = n / r
      var c = [Double](), s = [Double]()
      c.reserveCapacity(m * (r - 1))
      s.reserveCapacity(m * (r - 1))
      for p in 0..<m {
        for k in 1..<r {
          let angle = -2 * Double.pi * Double(p * k) / Double(n)
          c.append(cos(angle))
          s.append(sin(angle))
        }
      }
      cosines.append(c)
      sines.append(s)
      n = m
    }
    self.cosines = cosines
    self.sines = sines
  }

  /// Transforms the `size` values at `re`/`im` in place, using `scratch` (2·size values) as the
  /// other buffer; `inverse` uses e^{+2πi/N} and does not scale. With SIMD4 values it transforms
  /// four interleaved lines at once (lane c of value t = line c's t-th value), each lane with
  /// exactly the arithmetic of a one-line transform, so every line gets the same bits either way.
  @_specialize(where V == Double)
  @_specialize(where V == SIMD4<Double>)
  func transform<V: FFTValue>(
    _ re: UnsafeMutablePointer<V>, _ im: UnsafeMutablePointer<V>, scratch: UnsafeMutablePointer<V>, inverse: Bool
  ) {
    var (xr, xi) = (re, im)
    var (yr, yi) = (scratch, scratch + size)
    let sign: Double = inverse ? -1 : 1
    var n = size, s = 1
    for (stage, r) in radices.enumerated() {
      let m = n / r
      cosines[stage].withUnsafeBufferPointer { wc in
        sines[stage].withUnsafeBufferPointer { ws in
          switch r {
          case 4: Self.radix4(xr, xi, yr, yi, m: m, s: s, wc: wc, ws: ws, sign: sign)
          case 2: Self.radix2(xr, xi, yr, yi, m: m, s: s, wc: wc, ws: ws, sign: sign)
          default: Self.radix3(xr, xi, yr, yi, m: m, s: s, wc: wc, ws: ws, sign: sign)
          }
        }
      }
      swap(&xr, &yr)
      swap(&xi, &yi)
      n = m
      s *= r
    }
    if xr != re {
      re.update(from: xr, count: size)
      im.update(from: xi, count: size)
    }
  }

  // Each stage: for p < m and q < s, the r inputs x[q + s(p + j·m)] go through an r-point DFT and
  // the k-th output, times w_n^{pk}, lands at y[q + s(r·p + k)].

  @inline(__always)
  private static func radix2<V: FFTValue>(
    _ xr: UnsafeMutablePointer<V>, _ xi: UnsafeMutablePointer<V>, _ yr: UnsafeMutablePointer<V>,
    _ yi: UnsafeMutablePointer<V>, m: Int, s: Int, wc: UnsafeBufferPointer<Double>, ws: UnsafeBufferPointer<Double>, sign: Double
  ) {
    for p in 0..<m {
      let w1r = wc[p], w1i = sign * ws[p]
      let a = s * p, b = s * (p + m), out = s * 2 * p
      for q in 0..<s {
        let ar = xr[a + q], ai = xi[a + q], br = xr[b + q], bi = xi[b + q]
        yr[out + q] = ar + br; yi[out + q] = ai + bi
        let dr = ar - br, di = ai - bi
        yr[out + s + q] = dr * w1r - di * w1i; yi[out + s + q] = dr * w1i + di * w1r
      }
    }
  }

  @inline(__always)
  private static func radix4<V: FFTValue>(
    _ xr: UnsafeMutablePointer<V>, _ xi: UnsafeMutablePointer<V>, _ yr: UnsafeMutablePointer<V>,
    _ yi: UnsafeMutablePointer<V>, m: Int, s: Int, wc: UnsafeBufferPointer<Double>, ws: UnsafeBufferPointer<Double>, sign: Double
  ) {
    for p in 0..<m {
      let w1r = wc[3 * p], w1i = sign * ws[3 * p]
      let w2r = wc[3 * p + 1], w2i = sign * ws[3 * p + 1]
      let w3r = wc[3 * p + 2], w3i = sign * ws[3 * p + 2]
      let i0 = s * p, i1 = s * (p + m), i2 = s * (p + 2 * m), i3 = s * (p + 3 * m), out = s * 4 * p
      for q in 0..<s {
        let ar = xr[i0 + q], ai = xi[i0 + q], br = xr[i1 + q], bi = xi[i1 + q]
        let cr = xr[i2 + q], ci = xi[i2 + q], dr = xr[i3 + q], di = xi[i3 + q]
        let apcR = ar + cr, apcI = ai + ci, amcR = ar - cr, amcI = ai - ci
        let bpdR = br + dr, bpdI = bi + di
        // −i·sign·(b − d): forward multiplies by −i, inverse by +i
        let jR = (bi - di) * sign, jI = (br - dr) * -sign
        yr[out + q] = apcR + bpdR; yi[out + q] = apcI + bpdI
        let x1r = amcR + jR, x1i = amcI + jI
        yr[out + s + q] = x1r * w1r - x1i * w1i; yi[out + s + q] = x1r * w1i + x1i * w1r
        let x2r = apcR - bpdR, x2i = apcI - bpdI
        yr[out + 2 * s + q] = x2r * w2r - x2i * w2i; yi[out + 2 * s + q] = x2r * w2i + x2i * w2r
        let x3r = amcR - jR, x3i = amcI - jI
        yr[out + 3 * s + q] = x3r * w3r - x3i * w3i; yi[out + 3 * s + q] = x3r * w3i + x3i * w3r
      }
    }
  }

  @inline(__always)
  private static func radix3<V: FFTValue>(
    _ xr: UnsafeMutablePointer<V>, _ xi: UnsafeMutablePointer<V>, _ yr: UnsafeMutablePointer<V>,
    _ yi: UnsafeMutablePointer<V>, m: Int, s: Int, wc: UnsafeBufferPointer<Double>, ws: UnsafeBufferPointer<Double>, sign: Double
  ) {
    let h = sign * 0.75.squareRoot()  // ω₃ = −1/2 − i·h (forward)
    for p in 0..<m {
      let w1r = wc[2 * p], w1i = sign * ws[2 * p]
      let w2r = wc[2 * p + 1], w2i = sign * ws[2 * p + 1]
      let i0 = s * p, i1 = s * (p + m), i2 = s * (p + 2 * m), out = s * 3 * p
      for q in 0..<s {
        let ar = xr[i0 + q], ai = xi[i0 + q], br = xr[i1 + q], bi = xi[i1 + q], cr = xr[i2 + q], ci = xi[i2 + q]
        let tr = br + cr, ti = bi + ci, dr = br - cr, di = bi - ci
        yr[out + q] = ar + tr; yi[out + q] = ai + ti
        let mr = ar - tr * 0.5, mi = ai - ti * 0.5
        // X1 = m − i·h·d, X2 = m + i·h·d
        let x1r = mr + di * h, x1i = mi - dr * h
        let x2r = mr - di * h, x2i = mi + dr * h
        yr[out + s + q] = x1r * w1r - x1i * w1i; yi[out + s + q] = x1r * w1i + x1i * w1r
        yr[out + 2 * s + q] = x2r * w2r - x2i * w2i; yi[out + 2 * s + q] = x2r * w2i + x2i * w2r
      }
    }
  }
}

/// What an FFT stage computes with: one line's Double, or SIMD4<Double> holding four lines (see
/// `MixedRadixFFT.transform`).
protocol FFTValue {
  static func + (a: Self, b: Self) -> Self
  static func - (a: Self, b: Self) -> Self
  static func * (a: Self, b: Double) -> Self
}

extension Double: FFTValue {}
extension SIMD4: FFTValue where Scalar == Double {}

/// The storage of split complex arrays, for writes at disjoint or serial offsets.
func withSplitPointers<R>(
  _ re: inout [Double], _ im: inout [Double], _ body: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> R
) -> R {
  re.withUnsafeMutableBufferPointer { rb in im.withUnsafeMutableBufferPointer { ib in body(rb.baseAddress!, ib.baseAddress!) } }
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

  /// The storage, for writes at disjoint offsets.
  mutating func withPointers<R>(_ body: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> R) -> R { withSplitPointers(&re, &im, body) }

  /// Sets every value to zero, rows split among threads.
  mutating func clear(threads: Int) {
    let side = self.side
    withPointers { r, i in
      let r = SharedBuffer(r), i = SharedBuffer(i)
      try? parallelFor(side, threads: threads) { row in
        (r.base + row * side).update(repeating: 0, count: side)
        (i.base + row * side).update(repeating: 0, count: side)
      }
    }
  }

  /// Multiplies every value by the real `factors` (same layout), rows split among threads.
  mutating func scale(by factors: [Double], threads: Int) {
    let side = self.side, factors = UncheckedBox(factors)
    withPointers { r, i in
      let r = SharedBuffer(r), i = SharedBuffer(i)
      try? parallelFor(side, threads: threads) { row in
        for m in (row * side)..<((row + 1) * side) {
          r[m] *= factors.value[m]
          i[m] *= factors.value[m]
        }
      }
    }
  }

  /// Transforms each row in `rows` along its length.
  mutating func transformRows(_ rows: Range<Int>, fft: MixedRadixFFT, inverse: Bool, threads: Int) {
    let side = self.side
    re.withUnsafeMutableBufferPointer { rb in
      im.withUnsafeMutableBufferPointer { ib in
        fft.transformLines(rb.baseAddress!, ib.baseAddress!, starts: rows.map { $0 * side }, inverse: inverse, threads: threads)
      }
    }
  }

  /// Transforms each column in `columns` along its length, in blocks of adjacent columns.
  mutating func transformColumns(_ columns: Range<Int>, fft: MixedRadixFFT, inverse: Bool, threads: Int) {
    let side = self.side
    re.withUnsafeMutableBufferPointer { rb in
      im.withUnsafeMutableBufferPointer { ib in
        fft.transformStridedLines(
          rb.baseAddress!, ib.baseAddress!, groups: MixedRadixFFT.groups(columns), stride: side, inverse: inverse, threads: threads)
      }
    }
  }
}
