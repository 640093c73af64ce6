import Foundation
import Workers

/// FFT-accelerated interpolation gradient for 3D embeddings with one degree of freedom: the 2D
/// method of Linderman et al. (2019) on a cube. openTSNE and FIt-SNE stop at 2D.
///
/// The repulsive sums Σⱼ K²ᵢⱼ·[1, yⱼ₁, yⱼ₂, yⱼ₃] and Σⱼ Kᵢⱼ, K = (1 + d²)⁻¹, are computed by
/// spreading the five charges onto a side³ grid with tensor-product Lagrange interpolation
/// (`nodesPerInterval`³ nodes per cubic interval), convolving with K² and K by a 3D FFT and
/// interpolating back; force Σⱼ K²ᵢⱼ(yᵢ − yⱼ) = yᵢ·Σⱼ K²ᵢⱼ − Σⱼ K²ᵢⱼyⱼ, Z = Σᵢ≠ⱼ Kᵢⱼ.
/// Three complex volumes carry the charges: (1, y₁) and (y₂, y₃) for K², (1, 0) for K.
/// Attraction is exact over the sparse kNN P. The grid costs side³, so the 3D default is coarser
/// than openTSNE's 2D one (see `TSNEOptions.interpolationNodes3D`). Every reduction runs in a
/// fixed order, so results do not depend on threads.
struct InterpolationGradient3D: GradientComputer {
  let p: SparseMatrix
  let threads: Int
  var settings: InterpolationGrid
  /// The kernel transforms for the last grid.
  let cache = VolumeSpectrumCache()

  func compute(
    _ y: UnsafeBufferPointer<Double>, exaggeration: Double, withError: Bool, into gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double? {
    let n = p.count, nodes = settings.nodesPerInterval
    var low = SIMD3<Double>(repeating: .infinity), high = SIMD3<Double>(repeating: -.infinity)
    for i in 0..<n {
      let point = SIMD3(y[3 * i], y[3 * i + 1], y[3 * i + 2])
      low = pointwiseMin(low, point)
      high = pointwiseMax(high, point)
    }
    let span = settings.span(tight: (high - low).max())
    let (side, intervals) = settings.layout(span: span)
    let width = span / Double(intervals), spacing = width / Double(nodes), used = intervals * nodes
    // centre of the grid cube: charges use coordinates relative to it, to limit cancellation
    let centre = low + span / 2

    // Each point's first node index per axis and its Lagrange weights on the interval's nodes
    let (first, weights) = LagrangeNodes(count: nodes).locate(
      y, count: n, dims: 3, low: [low.x, low.y, low.z], width: width, intervals: intervals, threads: threads)
    let firstBox = UncheckedBox(first), weightBox = UncheckedBox(weights)
    /// Calls `body(offset, weight)` for point i's nodes³ grid nodes, in a fixed order.
    @inline(__always) func forEachNode(_ i: Int, _ body: (Int, Double) -> Void) {
      let first = firstBox.value, weights = weightBox.value
      let x = Int(first[3 * i]), yRow = Int(first[3 * i + 1]), z = Int(first[3 * i + 2])
      for c in 0..<nodes {
        let wz = weights[(3 * i + 2) * nodes + c]
        for b in 0..<nodes {
          let wyz = wz * weights[(3 * i + 1) * nodes + b], base = ((z + c) * side + yRow + b) * side + x
          for a in 0..<nodes { body(base + a, wyz * weights[3 * i * nodes + a]) }
        }
      }
    }

    // Spread the charges, one volume per worker, each in point order
    var one = ComplexVolume(side: side), two = ComplexVolume(side: side), three = ComplexVolume(side: side)
    one.withPointers { re0, im0 in
      two.withPointers { re1, im1 in
        three.withPointers { re2, im2 in
          let volumes = UncheckedBox([(re0, im0), (re1, im1), (re2, im2)])
          try? parallelFor(3, threads: threads) { k in
            let (re, im) = volumes.value[k]
            for i in 0..<n {
              let c = SIMD3(y[3 * i], y[3 * i + 1], y[3 * i + 2]) - centre
              let (real, imaginary) = k == 0 ? (1, c.x) : (k == 1 ? (c.y, c.z) : (1, 0))
              forEachNode(i) { offset, w in
                re[offset] += w * real
                im[offset] += w * imaginary
              }
            }
          }
        }
      }
    }

    // Convolve: forward transform, multiply by the kernel's spectrum (real: the kernels are real
    // and even), inverse transform; only the corner used³ is read back
    let fft = MixedRadixFFT(size: side)
    let spectra = cache.spectra(side: side, used: used, spacing: spacing, fft: fft, threads: threads)
    one.convolve(with: spectra.squared, used: used, fft: fft, threads: threads)
    two.convolve(with: spectra.squared, used: used, fft: fft, threads: threads)
    three.convolve(with: spectra.plain, used: used, fft: fft, threads: threads)

    // Interpolate the potentials back, then force and Z per point
    var repulsion = [Double](repeating: 0, count: 3 * n)
    var zParts = [Double](repeating: 0, count: n)
    let out = SharedBuffer(gradient.baseAddress!)
    let p = self.p
    one.withPointers { re0, im0 in
      two.withPointers { re1, im1 in
        three.withPointers { re2, _ in
          repulsion.withUnsafeMutableBufferPointer { rb in
            zParts.withUnsafeMutableBufferPointer { zb in
              let rs = SharedBuffer(rb.baseAddress!), zs = SharedBuffer(zb.baseAddress!)
              let potentials = UncheckedBox((re0, im0, re1, im1, re2))
              try? parallelFor(n, threads: threads) { i in
                let (re0, im0, re1, im1, re2) = potentials.value
                var phi = SIMD4<Double>.zero, kernelSum = 0.0
                forEachNode(i) { offset, w in
                  phi += w * SIMD4(re0[offset], im0[offset], re1[offset], im1[offset])
                  kernelSum += w * re2[offset]
                }
                let c = SIMD3(y[3 * i], y[3 * i + 1], y[3 * i + 2]) - centre
                rs[3 * i] = c.x * phi[0] - phi[1]
                rs[3 * i + 1] = c.y * phi[0] - phi[2]
                rs[3 * i + 2] = c.z * phi[0] - phi[3]
                zs[i] = kernelSum
                let attraction = p.attraction(i, y, dims: 3, dof: 1)
                out[3 * i] = attraction.0
                out[3 * i + 1] = attraction.1
                out[3 * i + 2] = attraction.2
              }
            }
          }
        }
      }
    }
    return p.combine(gradient, repulsion: repulsion, kernelSums: zParts, exaggeration: exaggeration, withError: withError, y: y, dims: 3)
  }
}

/// The transforms of K² and K on one cube, scaled for the inverse transform, kept between
/// iterations (the optimiser calls the gradient from one thread at a time).
final class VolumeSpectrumCache: @unchecked Sendable {
  struct Spectra { var squared: [Double], plain: [Double] }
  private var key: (side: Int, used: Int, spacing: Double)?
  private var value: Spectra?

  func spectra(side: Int, used: Int, spacing: Double, fft: MixedRadixFFT, threads: Int) -> Spectra {
    if let key, let value, key.side == side, key.used == used, key.spacing == spacing { return value }
    // K² (re) and K (im) at node offsets, laid out circularly; both are real and even, so the
    // transform's real part is K²'s transform and its imaginary part K's
    var kernel = ComplexVolume(side: side)
    let offsets = (0..<side).map { r in r < used ? r : (r > side - used ? side - r : -1) }
    for zi in 0..<side where offsets[zi] >= 0 {
      for yi in 0..<side where offsets[yi] >= 0 {
        for xi in 0..<side where offsets[xi] >= 0 {
          let (dz, dy, dx) = (offsets[zi], offsets[yi], offsets[xi])
          let d2 = Double(dx * dx + dy * dy + dz * dz) * spacing * spacing
          let m = (zi * side + yi) * side + xi
          kernel.re[m] = 1 / ((1 + d2) * (1 + d2))
          kernel.im[m] = 1 / (1 + d2)
        }
      }
    }
    kernel.forwardAll(fft: fft, threads: threads)
    let scale = 1 / Double(side * side * side)
    let result = Spectra(squared: kernel.re.map { $0 * scale }, plain: kernel.im.map { $0 * scale })
    key = (side, used, spacing)
    value = result
    return result
  }
}
