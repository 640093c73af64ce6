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
  /// openTSNE's defaults: 3 nodes per interval, at least 50 intervals per axis (raised to fill
  /// the FFT side), intervals at most 1 unit wide (the kernel's interpolation error at this width
  /// is a few percent for pairs closer than ~2 units), an FFT side of at most 2,048 (intervals
  /// widen instead; ~300 MB), the span rounded up to a power of 1.05.
  var settings = InterpolationGrid(nodesPerInterval: 3, minIntervals: 50, intervalWidth: 1, maxSide: 2048)
  /// The kernel transforms for the last grid, reused while side and node spacing stay the same.
  let cache = SpectrumCache()
  /// The grids, reused while the side stays the same.
  let buffers = GridBuffers()

  /// Interpolation nodes per interval and axis.
  var nodesPerInterval: Int {
    get { settings.nodesPerInterval }
    set { settings.nodesPerInterval = newValue }
  }
  /// Intervals are at most about this wide, in embedding units.
  var intervalWidth: Double {
    get { settings.intervalWidth }
    set { settings.intervalWidth = newValue }
  }

  /// The grid for an embedding whose bounding square has side `span` (see `InterpolationGrid`).
  func grid(span: Double) -> (side: Int, intervals: Int) { settings.layout(span: span) }

  func compute(
    _ y: UnsafeBufferPointer<Double>, exaggeration: Double, withError: Bool, into gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double? {
    let n = p.count, nodes = nodesPerInterval
    var low = (Double.infinity, Double.infinity), high = (-Double.infinity, -Double.infinity)
    for i in 0..<n {
      low = (min(low.0, y[2 * i]), min(low.1, y[2 * i + 1]))
      high = (max(high.0, y[2 * i]), max(high.1, y[2 * i + 1]))
    }
    let span = settings.span(tight: max(high.0 - low.0, high.1 - low.1))
    let (side, intervals) = grid(span: span)
    let width = span / Double(intervals), spacing = width / Double(nodes), used = intervals * nodes
    // centre of the grid square: charges use coordinates relative to it, to limit cancellation
    let centre = (low.0 + span / 2, low.1 + span / 2)

    // Each point's first node index per axis and its Lagrange weights on the interval's nodes
    let (first, weights) = LagrangeNodes(count: nodes).locate(
      y, count: n, dims: 2, low: [low.0, low.1], width: width, intervals: intervals, threads: threads)

    // Spread the charges: grid one holds (1, y₁) as (re, im) for K², grid two (y₂, 1) for K² and
    // K; serial, so the sums run in point order whatever the thread count. The grids are the
    // last iteration's storage, cleared (a fresh ~50 MB each iteration cost page faults).
    var (one, two, product) = buffers.take(side: side, threads: threads)
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
    one.scale(by: spectra.squared, threads: threads)
    inverse(&one)
    forward(&two)
    // real part by K², imaginary part by K: with F the transform of a + ib, the wanted transform
    // is F[k]·(S²+S)/2 + conj(F[−k])·(S²−S)/2 (S², S real and even); F[−k] is read, so the
    // product goes to another grid
    let half = UncheckedBox(spectra.half), difference = UncheckedBox(spectra.difference)
    two.withPointers { tr, ti in
      product.withPointers { pr, pi in
        let tr = SharedBuffer(tr), ti = SharedBuffer(ti), pr = SharedBuffer(pr), pi = SharedBuffer(pi)
        try? parallelFor(side, threads: threads) { u in
          let mu = u == 0 ? 0 : side - u
          for v in 0..<side {
            let m = u * side + v, mirror = mu * side + (v == 0 ? 0 : side - v)
            let h = half.value[m], d = difference.value[m]
            pr[m] = tr[m] * h + tr[mirror] * d
            pi[m] = ti[m] * h - ti[mirror] * d
          }
        }
      }
    }
    swap(&two, &product)
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
    buffers.keep(one, two, product)
    return p.combine(gradient, repulsion: repulsion, kernelSums: zParts, exaggeration: exaggeration, withError: withError, y: y, dims: 2)
  }
}

/// The three grids of the last iteration, kept for the next (the optimiser calls the gradient
/// from one thread at a time).
final class GridBuffers: @unchecked Sendable {
  private var grids: (ComplexGrid, ComplexGrid, ComplexGrid)?

  /// Three grids of side `side`: the first two cleared, the third to be overwritten.
  func take(side: Int, threads: Int) -> (ComplexGrid, ComplexGrid, ComplexGrid) {
    // released here first, so the grids taken are their storage's only owners and are cleared
    // in place rather than copied
    guard var kept = grids, kept.0.side == side else {
      grids = nil
      return (ComplexGrid(side: side), ComplexGrid(side: side), ComplexGrid(side: side))
    }
    grids = nil
    kept.0.clear(threads: threads)
    kept.1.clear(threads: threads)
    return kept
  }

  func keep(_ one: ComplexGrid, _ two: ComplexGrid, _ product: ComplexGrid) { grids = (one, two, product) }
}

extension SparseMatrix {
  /// The last step of an interpolation gradient, whose `gradient` holds the attraction:
  /// Z = Σᵢ (grid sum of K at i) − N (the self terms, K = 1, are part of the grid sums),
  /// gradient = 4(e·attraction − repulsion/Z), and the KL estimate when `withError`.
  func combine(
    _ gradient: UnsafeMutableBufferPointer<Double>, repulsion: [Double], kernelSums: [Double], exaggeration: Double, withError: Bool,
    y: UnsafeBufferPointer<Double>, dims: Int
  ) -> Double? {
    let z = max(kernelSums.reduce(0, +) - Double(count), Double.leastNormalMagnitude)
    for k in 0..<(dims * count) { gradient[k] = 4 * (exaggeration * gradient[k] - repulsion[k] / z) }
    guard withError else { return nil }
    return klEstimate(y, dims: dims, dof: 1, z: z)
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
