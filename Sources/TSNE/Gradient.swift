import Foundation
import Workers

/// How the t-SNE gradient is computed.
public enum GradientMethod: String, Sendable, CaseIterable {
  /// All pairs: O(N²) per iteration, exact KL.
  case exact
  /// Barnes-Hut: sparse kNN attraction, tree-approximated repulsion, O(N log N).
  case barnesHut = "barnes-hut"
  /// FFT-accelerated interpolation (2D, one degree of freedom): sparse kNN attraction,
  /// repulsion interpolated on a grid and convolved by FFT, O(N) per iteration.
  case fft
}

/// The KL objective's gradient for the current embedding, and optionally its value.
protocol GradientComputer {
  /// Writes ∂KL/∂y into `gradient`; returns KL(P‖Q) (of the un-exaggerated P) when `withError`.
  func compute(
    _ y: UnsafeBufferPointer<Double>, exaggeration: Double, withError: Bool, into gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double?
}

/// Exact gradient: (2(α+1)/α) Σⱼ (e·pᵢⱼ − qᵢⱼ) uᵢⱼ (yᵢ − yⱼ), u = (1 + d²/α)⁻¹, q ∝ u^((α+1)/2).
struct ExactGradient: GradientComputer {
  let p: [Double]
  let n: Int
  let dims: Int
  let dof: Double
  let threads: Int

  func compute(
    _ y: UnsafeBufferPointer<Double>, exaggeration: Double, withError: Bool, into gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double? {
    var zParts = [Double](repeating: 0, count: n)
    var repulsion = [Double](repeating: 0, count: n * dims)
    let (n, dims, dof) = (self.n, self.dims, self.dof)
    // coordinates as separate arrays (z = 0 in 2D), for four-wide vector loops
    var columns = [[Double]](repeating: [Double](repeating: 0, count: n + 3), count: 3)
    for i in 0..<n { for d in 0..<dims { columns[d][i] = y[i * dims + d] } }
    p.withUnsafeBufferPointer { pb in
      let pBox = UncheckedBox(pb), out = SharedBuffer(gradient.baseAddress!)
      let columnBox = UncheckedBox(columns)
      zParts.withUnsafeMutableBufferPointer { zb in
        repulsion.withUnsafeMutableBufferPointer { rb in
          let zs = SharedBuffer(zb.baseAddress!), rs = SharedBuffer(rb.baseAddress!)
          try? parallelFor(n, threads: threads) { i in
            let sums = Self.row(i, n: n, dims: dims, dof: dof, p: pBox.value, x: columnBox.value[0], y: columnBox.value[1], z: columnBox.value[2])
            zs[i] = sums.z
            for d in 0..<dims {
              out[i * dims + d] = sums.attraction[d]
              rs[i * dims + d] = sums.repulsion[d]
            }
          }
        }
      }
    }
    let z = zParts.reduce(0, +)
    let c = 2 * (dof + 1) / dof
    for k in 0..<(n * dims) { gradient[k] = c * (exaggeration * gradient[k] - repulsion[k] / z) }
    guard withError else { return nil }
    // KL = Σ p log(p / q), q = w / Z, with q floored at machine epsilon as scikit-learn does;
    // rows in parallel, summed in row order
    let exponent = (dof + 1) / 2
    var rowKL = [Double](repeating: 0, count: n)
    rowKL.withUnsafeMutableBufferPointer { kb in
      let out = SharedBuffer(kb.baseAddress!)
      p.withUnsafeBufferPointer { pb in
        let pBox = UncheckedBox(pb), yBox = UncheckedBox(y)
        try? parallelFor(n, threads: threads) { i in
          let p = pBox.value, y = yBox.value
          var sum = 0.0
          for j in 0..<n where j != i {
            var distance = 0.0
            for d in 0..<dims { let delta = y[i * dims + d] - y[j * dims + d]; distance += delta * delta }
            let u = 1 / (1 + distance / dof)
            let q = max((dof == 1 ? u : pow(u, exponent)) / z, Double.ulpOfOne)
            let pij = p[i * n + j]
            sum += pij * log(max(pij, Double.ulpOfOne) / q)
          }
          out[i] = sum
        }
      }
    }
    return rowKL.reduce(0, +)
  }
}

extension ExactGradient {
  /// Row i's sums over all j, four j at a time in a fixed order (so results do not depend on
  /// threads): Σ w (minus the self term), Σ p·u·(yᵢ−yⱼ), Σ w·u·(yᵢ−yⱼ).
  @inline(__always)
  static func row(_ i: Int, n: Int, dims: Int, dof: Double, p: UnsafeBufferPointer<Double>, x: [Double], y: [Double], z: [Double])
    -> (z: Double, attraction: SIMD4<Double>, repulsion: SIMD4<Double>)
  {
    x.withUnsafeBufferPointer { xb in
      y.withUnsafeBufferPointer { yb in
        z.withUnsafeBufferPointer { zb in
          let row = p.baseAddress! + i * n
          if dof == 1 && dims == 2 {  // the common case, without the third coordinate's lanes
            return rowSums(i, n: n, row: row, x: xb.baseAddress!, y: yb.baseAddress!, z: zb.baseAddress!, planar: true) { u in u }
          }
          if dof == 1 {
            return rowSums(i, n: n, row: row, x: xb.baseAddress!, y: yb.baseAddress!, z: zb.baseAddress!) { u in u }
          }
          let exponent = (dof + 1) / 2, inverseDof = 1 / dof
          return rowSums(i, n: n, row: row, x: xb.baseAddress!, y: yb.baseAddress!, z: zb.baseAddress!, inverseDof: inverseDof) { u in
            SIMD4(pow(u[0], exponent), pow(u[1], exponent), pow(u[2], exponent), pow(u[3], exponent))
          }
        }
      }
    }
  }

  /// The vector loop: `weight` maps u = (1 + d²/α)⁻¹ to w. Lanes past n are masked out.
  /// `planar` (2D: z is all zero) skips the third coordinate; the sums are the same bits.
  @inline(__always)
  private static func rowSums(
    _ i: Int, n: Int, row: UnsafePointer<Double>, x: UnsafePointer<Double>, y: UnsafePointer<Double>, z: UnsafePointer<Double>,
    inverseDof: Double = 1, planar: Bool = false, weight: (SIMD4<Double>) -> SIMD4<Double>
  ) -> (z: Double, attraction: SIMD4<Double>, repulsion: SIMD4<Double>) {
    let xi = SIMD4<Double>(repeating: x[i]), yi = SIMD4<Double>(repeating: y[i]), zi = SIMD4<Double>(repeating: z[i])
    var zSum = SIMD4<Double>.zero
    var ax = SIMD4<Double>.zero, ay = SIMD4<Double>.zero, az = SIMD4<Double>.zero
    var rx = SIMD4<Double>.zero, ry = SIMD4<Double>.zero, rz = SIMD4<Double>.zero
    let one = SIMD4<Double>(repeating: 1), scale = SIMD4<Double>(repeating: inverseDof)
    @inline(__always) func accumulate(_ dx: SIMD4<Double>, _ dy: SIMD4<Double>, _ dz: SIMD4<Double>, _ pj: SIMD4<Double>, _ u: SIMD4<Double>) {
      let w = weight(u)
      zSum += w
      let attraction = pj * u, repel = w * u
      ax += attraction * dx; ay += attraction * dy
      rx += repel * dx; ry += repel * dy
      if !planar { az += attraction * dz; rz += repel * dz }
    }
    var j = 0
    while j + 4 <= n {
      let dx = xi - UnsafeRawPointer(x + j).loadUnaligned(as: SIMD4<Double>.self)
      let dy = yi - UnsafeRawPointer(y + j).loadUnaligned(as: SIMD4<Double>.self)
      let pj = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD4<Double>.self)
      if planar {
        accumulate(dx, dy, .zero, pj, one / (one + (dx * dx + dy * dy) * scale))
      } else {
        let dz = zi - UnsafeRawPointer(z + j).loadUnaligned(as: SIMD4<Double>.self)
        accumulate(dx, dy, dz, pj, one / (one + (dx * dx + dy * dy + dz * dz) * scale))
      }
      j += 4
    }
    if j < n {  // the tail, padded with masked lanes
      var dx = SIMD4<Double>.zero, dy = dx, dz = dx, pj = dx, mask = dx
      for lane in 0..<(n - j) {
        dx[lane] = x[i] - x[j + lane]; dy[lane] = y[i] - y[j + lane]; dz[lane] = z[i] - z[j + lane]
        pj[lane] = row[j + lane]; mask[lane] = 1
      }
      accumulate(dx, dy, dz, pj, mask * (one / (one + (dx * dx + dy * dy + dz * dz) * scale)))
    }
    // the self term (d = 0) added w = 1 and no force
    return (zSum.sum() - 1, SIMD4(ax.sum(), ay.sum(), az.sum(), 0), SIMD4(rx.sum(), ry.sum(), rz.sum(), 0))
  }
}

/// Barnes-Hut gradient: exact attraction over the sparse kNN P, repulsion summed over the cells
/// of a quadtree/octree that satisfy width / distance < θ.
struct BarnesHutGradient: GradientComputer {
  let p: SparseMatrix
  let dims: Int
  let dof: Double
  let theta: Double
  let threads: Int
  /// The previous tree's point order, the next tree's starting order (points move little
  /// between iterations, so the partitions find them nearly sorted).
  let lastOrder = OrderCache()

  func compute(
    _ y: UnsafeBufferPointer<Double>, exaggeration: Double, withError: Bool, into gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double? {
    let n = p.count, dims = self.dims, dof = self.dof, thetaSquared = self.theta * self.theta
    let tree = SpaceTree(y, count: n, dims: dims, startOrder: lastOrder.value, threads: threads)
    lastOrder.value = tree.order
    let (repulsion, zParts) = tree.repulsion(thetaSquared: thetaSquared, dof: dof, threads: threads)
    let out = SharedBuffer(gradient.baseAddress!), yBox = UncheckedBox(y), p = self.p
    try? parallelFor(n, threads: threads) { i in
      let a = p.attraction(i, yBox.value, dims: dims, dof: dof)
      out[i * dims] = a.0; out[i * dims + 1] = a.1
      if dims == 3 { out[i * dims + 2] = a.2 }
    }
    let z = zParts.reduce(0, +)
    let c = 2 * (dof + 1) / dof
    for k in 0..<(n * dims) { gradient[k] = c * (exaggeration * gradient[k] - repulsion[k] / z) }
    guard withError else { return nil }
    return p.klEstimate(y, dims: dims, dof: dof, z: z)
  }
}

/// Holds the last tree order between iterations (the optimiser calls the gradient from one
/// thread at a time).
final class OrderCache: @unchecked Sendable {
  var value: [Int32]?
}

extension SparseMatrix {
  /// Σⱼ pᵢⱼ·u·(yᵢ − yⱼ) over row i's stored neighbours, u = (1 + d²/α)⁻¹.
  @inline(__always)
  func attraction(_ i: Int, _ y: UnsafeBufferPointer<Double>, dims: Int, dof: Double) -> (Double, Double, Double) {
    var a = (0.0, 0.0, 0.0)
    for slot in offsets[i]..<offsets[i + 1] {
      let j = Int(columns[slot])
      let d0 = y[i * dims] - y[j * dims], d1 = y[i * dims + 1] - y[j * dims + 1]
      let d2 = dims == 3 ? y[i * dims + 2] - y[j * dims + 2] : 0
      let u = 1 / (1 + (d0 * d0 + d1 * d1 + d2 * d2) / dof)
      let attraction = values[slot] * u
      a.0 += attraction * d0; a.1 += attraction * d1; a.2 += attraction * d2
    }
    return a
  }

  /// KL ≈ Σ p log p − Σ p log w + log Z over the stored entries (Σ p = 1), with Z = Σ_{i≠j} w
  /// from the caller's approximation; q is floored at machine epsilon as for the exact method.
  func klEstimate(_ y: UnsafeBufferPointer<Double>, dims: Int, dof: Double, z: Double) -> Double {
    let exponent = (dof + 1) / 2
    var kl = 0.0
    for i in 0..<count {
      for slot in offsets[i]..<offsets[i + 1] {
        let j = Int(columns[slot])
        var distance = 0.0
        for d in 0..<dims { let delta = y[i * dims + d] - y[j * dims + d]; distance += delta * delta }
        let u = 1 / (1 + distance / dof)
        let w = dof == 1 ? u : pow(u, exponent)
        let pij = values[slot]
        kl += pij * log(max(pij, Double.ulpOfOne) / max(w / z, Double.ulpOfOne))
      }
    }
    return kl
  }
}

extension GradientMethod {
  /// Up to this many images the exact method is the fastest (2D, measured crossover near 1,000:
  /// exact faster below, Barnes-Hut at 1,500; bench/results/tsne.md).
  public static let exactUpTo = 1000
  /// From this many images FFT interpolation replaces Barnes-Hut in 2D. Measured on Fashion-MNIST
  /// PCA-50 with openTSNE's rates (bench/results/tsne.md, tsne_fft3d.md): at 5,000 FFT took 2.3×
  /// Barnes-Hut's time, at 20,000 1.04× with a KL 3.6% higher (1.8406 against 1.7761), at 70,000
  /// 0.50× with the same KL; 50,000 lies between the last two measured points (not measured itself).
  public static let fftFrom = 50000

  /// The measured fastest method for `count` images in `dims` dimensions: exact up to
  /// `exactUpTo`, then Barnes-Hut, and in 2D FFT interpolation from `fftFrom`. In 3D the FFT
  /// grid grows as side³ and, at a grid fine enough for the wide embeddings t-SNE reaches, it is
  /// slower than Barnes-Hut at every size measured (bench/results/tsne_fft3d.md).
  public static func fastest(count: Int, dims: Int) -> GradientMethod {
    if count <= exactUpTo { return .exact }
    return dims == 2 && count >= fftFrom ? .fft : .barnesHut
  }
}
