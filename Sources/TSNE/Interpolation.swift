import Foundation
import Workers

/// FFT-accelerated interpolation gradient (Linderman, Rachh, Hoskins, Steinerberger & Kluger
/// 2019), for 2D embeddings with one degree of freedom.
///
/// The repulsive sums Σⱼ K²ᵢⱼ·[1, yⱼ₁, yⱼ₂] and Σⱼ Kᵢⱼ, K = (1 + d²)⁻¹, are computed by
/// spreading the charges onto a regular grid with Lagrange interpolation (`nodesPerInterval`
/// nodes per square interval), convolving the grid with K² and K by FFT, and interpolating back.
/// The force is Σⱼ K²ᵢⱼ(yᵢ − yⱼ) = yᵢ·Σⱼ K²ᵢⱼ − Σⱼ K²ᵢⱼyⱼ and the normaliser Z = Σᵢ≠ⱼ Kᵢⱼ is
/// convolved directly (deriving it from K² sums, as FIt-SNE does, loses digits to cancellation
/// on wide embeddings). Attraction is exact over the sparse kNN P, as for Barnes-Hut. Every
/// reduction runs in a fixed order, so results do not depend on threads.
struct InterpolationGradient: GradientComputer {
  let p: SparseMatrix
  let threads: Int
  /// Interpolation nodes per interval and axis (openTSNE's default: 3).
  var nodesPerInterval = 3
  /// At least this many intervals per axis (openTSNE's default); the count is then raised to fill
  /// the FFT side.
  var minIntervals = 50
  /// Intervals are at most about this wide, in embedding units (openTSNE's default: 1). The
  /// kernel's interpolation error at this width is a few percent for pairs closer than ~2 units.
  var intervalWidth = 1.0
  /// The FFT side never exceeds this (intervals widen instead), bounding memory to ~300 MB
  /// (2,048 = 2^11 is a valid FFT size).
  var maxSide = 2048
  /// The grid square's side is the embedding's span rounded up to a power of this ratio, so the
  /// kernel's transform is reused while the span stays in one bucket.
  var spanBucket = 1.05
  /// The kernel transforms for the last grid, reused while side and node spacing stay the same.
  let cache = SpectrumCache()

  /// The grid for an embedding whose bounding square has side `span`: the FFT side (2^a·3^b, at
  /// least 2·nodes − 1 for a non-circular convolution) and the number of intervals, raised to
  /// fill that side.
  func grid(span: Double) -> (side: Int, intervals: Int) {
    let wanted = max(minIntervals, Int((span / intervalWidth).rounded(.up)))
    let side = min(MixedRadixFFT.size(atLeast: 2 * wanted * nodesPerInterval - 1), maxSide)
    return (side, max(1, (side + 1) / (2 * nodesPerInterval)))
  }

  func compute(
    _ y: UnsafeBufferPointer<Double>, exaggeration: Double, withError: Bool, into gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double? {
    let n = p.count, nodes = nodesPerInterval
    var low = (Double.infinity, Double.infinity), high = (-Double.infinity, -Double.infinity)
    for i in 0..<n {
      low = (min(low.0, y[2 * i]), min(low.1, y[2 * i + 1]))
      high = (max(high.0, y[2 * i]), max(high.1, y[2 * i + 1]))
    }
    let tight = max(high.0 - low.0, high.1 - low.1, 1e-12) * (1 + 1e-9)
    let span = pow(spanBucket, (log(tight) / log(spanBucket)).rounded(.up))
    let (side, intervals) = grid(span: span)
    let width = span / Double(intervals), spacing = width / Double(nodes), used = intervals * nodes
    // centre of the grid square: charges use coordinates relative to it, to limit cancellation
    let centre = (low.0 + span / 2, low.1 + span / 2)

    // Each point's first node index per axis and its Lagrange weights on the interval's nodes
    var first = [Int32](repeating: 0, count: 2 * n)
    var weights = [Double](repeating: 0, count: 2 * n * nodes)
    let nodePositions = (0..<nodes).map { (Double($0) + 0.5) / Double(nodes) }
    let denominators = (0..<nodes).map { a in
      (0..<nodes).filter { $0 != a }.reduce(1.0) { $0 * (nodePositions[a] - nodePositions[$1]) }
    }
    first.withUnsafeMutableBufferPointer { fb in
      weights.withUnsafeMutableBufferPointer { wb in
        let f = SharedBuffer(fb.baseAddress!), w = SharedBuffer(wb.baseAddress!)
        try? parallelFor(n, threads: threads) { i in
          for axis in 0..<2 {
            let scaled = (y[2 * i + axis] - (axis == 0 ? low.0 : low.1)) / width
            let box = min(max(Int(scaled), 0), intervals - 1)
            let s = scaled - Double(box)
            f[2 * i + axis] = Int32(box * nodes)
            for a in 0..<nodes {
              var product = 1.0
              for b in 0..<nodes where b != a { product *= s - nodePositions[b] }
              w[(2 * i + axis) * nodes + a] = product / denominators[a]
            }
          }
        }
      }
    }

    // Spread the charges: grid one holds (1, y₁) as (re, im) for K², grid two (y₂, 1) for K² and
    // K; serial, so the sums run in point order whatever the thread count.
    var one = ComplexGrid(side: side), two = ComplexGrid(side: side)
    for i in 0..<n {
      let c0 = y[2 * i] - centre.0, c1 = y[2 * i + 1] - centre.1
      let column = Int(first[2 * i]), row = Int(first[2 * i + 1])
      for b in 0..<nodes {
        let wy = weights[(2 * i + 1) * nodes + b], base = (row + b) * side + column
        for a in 0..<nodes {
          let w = wy * weights[2 * i * nodes + a]
          one.re[base + a] += w
          one.im[base + a] += w * c0
          two.re[base + a] += w * c1
          two.im[base + a] += w
        }
      }
    }

    let fft = MixedRadixFFT(size: side)
    let spectra = cache.spectra(side: side, used: used, spacing: spacing, fft: fft, threads: threads)
    // Convolve each grid in place: forward 2D transform, multiply by the kernels' spectra,
    // inverse. Only the first `used` columns hold charges, and only they are read back.
    func forward(_ grid: inout ComplexGrid) {
      grid.transformColumns(0..<used, fft: fft, inverse: false, threads: threads)
      grid.transformRows(0..<side, fft: fft, inverse: false, threads: threads)
    }
    func inverse(_ grid: inout ComplexGrid) {
      grid.transformRows(0..<side, fft: fft, inverse: true, threads: threads)
      grid.transformColumns(0..<used, fft: fft, inverse: true, threads: threads)
    }
    forward(&one)
    let squaredSpectrum = spectra.squared
    for m in 0..<(side * side) {
      one.re[m] *= squaredSpectrum[m]
      one.im[m] *= squaredSpectrum[m]
    }
    inverse(&one)
    forward(&two)
    // real part by K², imaginary part by K: with F the transform of a + ib, the wanted transform
    // is F[k]·(S²+S)/2 + conj(F[−k])·(S²−S)/2 (S², S real and even); F[−k] is read, so the
    // product goes to a new grid
    let half = spectra.half, difference = spectra.difference
    var product = ComplexGrid(side: side)
    for u in 0..<side {
      let mu = u == 0 ? 0 : side - u
      for v in 0..<side {
        let m = u * side + v, mirror = mu * side + (v == 0 ? 0 : side - v)
        let h = half[m], d = difference[m]
        product.re[m] = two.re[m] * h + two.re[mirror] * d
        product.im[m] = two.im[m] * h - two.im[mirror] * d
      }
    }
    two = product
    inverse(&two)

    // Interpolate the potentials back, then force and Z per point
    var repulsion = [Double](repeating: 0, count: 2 * n)
    var zParts = [Double](repeating: 0, count: n)
    let grids = UncheckedBox((one, two)), firstBox = UncheckedBox(first), weightBox = UncheckedBox(weights)
    let out = SharedBuffer(gradient.baseAddress!)
    let p = self.p
    repulsion.withUnsafeMutableBufferPointer { rb in
      zParts.withUnsafeMutableBufferPointer { zb in
        let rs = SharedBuffer(rb.baseAddress!), zs = SharedBuffer(zb.baseAddress!)
        try? parallelFor(n, threads: threads) { i in
          let (one, two) = grids.value, first = firstBox.value, weights = weightBox.value
          let column = Int(first[2 * i]), row = Int(first[2 * i + 1])
          var phi = (0.0, 0.0, 0.0, 0.0)
          for b in 0..<nodes {
            let wy = weights[(2 * i + 1) * nodes + b], base = (row + b) * side + column
            for a in 0..<nodes {
              let w = wy * weights[2 * i * nodes + a]
              phi.0 += w * one.re[base + a]
              phi.1 += w * one.im[base + a]
              phi.2 += w * two.re[base + a]
              phi.3 += w * two.im[base + a]
            }
          }
          let c0 = y[2 * i] - centre.0, c1 = y[2 * i + 1] - centre.1
          rs[2 * i] = c0 * phi.0 - phi.1
          rs[2 * i + 1] = c1 * phi.0 - phi.2
          zs[i] = phi.3
          let attraction = p.attraction(i, y, dims: 2, dof: 1)
          out[2 * i] = attraction.0
          out[2 * i + 1] = attraction.1
        }
      }
    }
    // the self terms (K = 1) are part of the grid sums of K
    let z = max(zParts.reduce(0, +) - Double(n), Double.leastNormalMagnitude)
    for k in 0..<(2 * n) { gradient[k] = 4 * (exaggeration * gradient[k] - repulsion[k] / z) }
    guard withError else { return nil }
    return p.klEstimate(y, dims: 2, dof: 1, z: z)
  }
}

/// The transforms of K² and K on one grid, scaled for the inverse transform, kept between
/// iterations (the optimiser calls the gradient from one thread at a time).
final class SpectrumCache: @unchecked Sendable {
  struct Spectra {
    /// K²'s transform; (K² + K)/2 and (K² − K)/2 for the grid that carries both kernels.
    var squared: [Double], half: [Double], difference: [Double]
  }
  private var key: (side: Int, used: Int, spacing: Double)?
  private var value: Spectra?

  func spectra(side: Int, used: Int, spacing: Double, fft: MixedRadixFFT, threads: Int) -> Spectra {
    if let key, let value, key.side == side, key.used == used, key.spacing == spacing { return value }
    // K² (re) and K (im) sampled at node offsets, laid out circularly; both are real and even, so
    // the real part of the transform is K²'s transform and the imaginary part K's
    var kernel = ComplexGrid(side: side)
    for r in 0..<side {
      let dr = r < used ? r : (r > side - used ? side - r : -1)
      guard dr >= 0 else { continue }
      for c in 0..<side {
        let dc = c < used ? c : (c > side - used ? side - c : -1)
        guard dc >= 0 else { continue }
        let d2 = Double(dr * dr + dc * dc) * spacing * spacing
        kernel.re[r * side + c] = 1 / ((1 + d2) * (1 + d2))
        kernel.im[r * side + c] = 1 / (1 + d2)
      }
    }
    kernel.transformColumns(0..<side, fft: fft, inverse: false, threads: threads)
    kernel.transformRows(0..<side, fft: fft, inverse: false, threads: threads)
    let scale = 1 / Double(side * side)
    let result = Spectra(
      squared: kernel.re.map { $0 * scale },
      half: zip(kernel.re, kernel.im).map { ($0 + $1) * scale / 2 },
      difference: zip(kernel.re, kernel.im).map { ($0 - $1) * scale / 2 })
    key = (side, used, spacing)
    value = result
    return result
  }
}
