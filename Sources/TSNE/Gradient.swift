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
    // one degree of freedom (the default) skips the division by α, which is exact there: same bits
    switch (dims, dof == 1) {
    case (2, true): return attractionSums(i, y, dims: 2) { $0 }
    case (3, true): return attractionSums(i, y, dims: 3) { $0 }
    default: return attractionSums(i, y, dims: dims) { $0 / dof }
    }
  }

  @inline(__always)
  private func attractionSums(_ i: Int, _ y: UnsafeBufferPointer<Double>, dims: Int, scaled: (Double) -> Double) -> (Double, Double, Double) {
    var a = (0.0, 0.0, 0.0)
    for slot in offsets[i]..<offsets[i + 1] {
      let j = Int(columns[slot])
      let d0 = y[i * dims] - y[j * dims], d1 = y[i * dims + 1] - y[j * dims + 1]
      let d2 = dims == 3 ? y[i * dims + 2] - y[j * dims + 2] : 0
      let u = 1 / (1 + scaled(d0 * d0 + d1 * d1 + d2 * d2))
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
  /// Up to this many images the exact method is about as fast as Barnes-Hut or faster, and it
  /// optimises the exact objective. Measured with each method at its default iteration count
  /// (exact 1,000, Barnes-Hut 750; MNIST digits, 2 threads, median of 3;
  /// bench/results/tsne_crossover.md), Barnes-Hut's time over exact's: 2D 1.10 / 0.90 / 0.92 /
  /// 0.74 at 750 / 1,000 / 1,250 / 1,500 images, 3D 1.04 / 0.93 / 0.87 / 0.75. At 1,000 the
  /// tree saves 7–10%, about the runs' spread: a tie, given to exact; from 1,250 it saves more.
  public static let exactUpTo = 1000
  /// From this many images FFT interpolation replaces Barnes-Hut in 2D. Measured on Fashion-MNIST
  /// PCA-50, openTSNE's rates, 1,000 iterations for both (they share a default count), 2 threads
  /// (FFT against Barnes-Hut): 20,000 images
  /// 13.2 against 10.1 s, KL 1.8406 against 1.7707; 40,000 22.9 against 22.9 s, KL 2.1872 against
  /// 2.1255; 70,000 31.9 against 39.3 s, KL 2.497 against 2.446; 150,000 62.0 against 100.3 s, KL
  /// 2.844 against 2.813. The grid's KL stays 1–4% above the tree's, so the FFT is taken only where
  /// it saves much time: below 100,000 it saves at most a fifth and its embedding is 2% worse.
  public static let fftFrom = 100_000

  /// The measured fastest method for `count` images in `dims` dimensions: exact up to
  /// `exactUpTo`, then Barnes-Hut, and in 2D FFT interpolation from `fftFrom`. In 3D the FFT
  /// grid grows as side³ and, at a grid fine enough for the wide embeddings t-SNE reaches, it is
  /// slower than Barnes-Hut at every size measured (bench/results/tsne_fft3d.md).
  public static func fastest(count: Int, dims: Int) -> GradientMethod {
    if count <= exactUpTo { return .exact }
    return dims == 2 && count >= fftFrom ? .fft : .barnesHut
  }
}
