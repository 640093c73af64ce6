import Foundation
import Workers

/// How the t-SNE gradient is computed.
public enum GradientMethod: String, Sendable, CaseIterable {
  /// All pairs: O(N²) per iteration, exact KL.
  case exact
  /// Barnes-Hut: sparse kNN attraction, tree-approximated repulsion, O(N log N).
  case barnesHut = "barnes-hut"
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
    let exponent = (dof + 1) / 2
    p.withUnsafeBufferPointer { pb in
      let pBox = UncheckedBox(pb), yBox = UncheckedBox(y), out = SharedBuffer(gradient.baseAddress!)
      zParts.withUnsafeMutableBufferPointer { zb in
        repulsion.withUnsafeMutableBufferPointer { rb in
          let zs = SharedBuffer(zb.baseAddress!), rs = SharedBuffer(rb.baseAddress!)
          try? parallelFor(n, threads: threads) { i in
            let y = yBox.value, p = pBox.value
            var z = 0.0
            var a = (0.0, 0.0, 0.0), r = (0.0, 0.0, 0.0)
            let yi0 = y[i * dims], yi1 = y[i * dims + 1], yi2 = dims == 3 ? y[i * dims + 2] : 0
            let row = i * n
            for j in 0..<n where j != i {
              let d0 = yi0 - y[j * dims], d1 = yi1 - y[j * dims + 1], d2 = dims == 3 ? yi2 - y[j * dims + 2] : 0
              let distance = d0 * d0 + d1 * d1 + d2 * d2
              let u = 1 / (1 + distance / dof)
              let w = dof == 1 ? u : pow(u, exponent)
              z += w
              let attraction = p[row + j] * u, repel = w * u
              a.0 += attraction * d0; a.1 += attraction * d1; a.2 += attraction * d2
              r.0 += repel * d0; r.1 += repel * d1; r.2 += repel * d2
            }
            zs[i] = z
            out[i * dims] = a.0; out[i * dims + 1] = a.1
            rs[i * dims] = r.0; rs[i * dims + 1] = r.1
            if dims == 3 { out[i * dims + 2] = a.2; rs[i * dims + 2] = r.2 }
          }
        }
      }
    }
    let z = zParts.reduce(0, +)
    let c = 2 * (dof + 1) / dof
    for k in 0..<(n * dims) { gradient[k] = c * (exaggeration * gradient[k] - repulsion[k] / z) }
    guard withError else { return nil }
    // KL = Σ p log(p / q), q = w / Z, with q floored at machine epsilon as scikit-learn does
    var kl = 0.0
    for i in 0..<n {
      for j in 0..<n where j != i {
        var distance = 0.0
        for d in 0..<dims { let delta = y[i * dims + d] - y[j * dims + d]; distance += delta * delta }
        let u = 1 / (1 + distance / dof)
        let q = max((dof == 1 ? u : pow(u, exponent)) / z, Double.ulpOfOne)
        let pij = p[i * n + j]
        kl += pij * log(max(pij, Double.ulpOfOne) / q)
      }
    }
    return kl
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

  func compute(
    _ y: UnsafeBufferPointer<Double>, exaggeration: Double, withError: Bool, into gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double? {
    let n = p.count, dims = self.dims, dof = self.dof, theta = self.theta
    let tree = SpaceTree(y, count: n, dims: dims)
    var zParts = [Double](repeating: 0, count: n)
    var repulsion = [Double](repeating: 0, count: n * dims)
    let exponent = (dof + 1) / 2
    let yBox = UncheckedBox(y), out = SharedBuffer(gradient.baseAddress!)
    let p = self.p
    zParts.withUnsafeMutableBufferPointer { zb in
      repulsion.withUnsafeMutableBufferPointer { rb in
        let zs = SharedBuffer(zb.baseAddress!), rs = SharedBuffer(rb.baseAddress!)
        let workers = max(1, min(threads, n))
        try? parallelFor(workers, threads: workers) { worker in
          var stack: [Int32] = []
          stack.reserveCapacity(64)
          let y = yBox.value
          for i in chunk(worker, of: workers, count: n) {
            var force = (0.0, 0.0, 0.0), z = 0.0
            tree.repulsion(of: i, y, theta: theta, dof: dof, force: &force, z: &z, stack: &stack)
            zs[i] = z
            rs[i * dims] = force.0; rs[i * dims + 1] = force.1
            if dims == 3 { rs[i * dims + 2] = force.2 }
            var a = (0.0, 0.0, 0.0)
            for slot in p.offsets[i]..<p.offsets[i + 1] {
              let j = Int(p.columns[slot])
              let d0 = y[i * dims] - y[j * dims], d1 = y[i * dims + 1] - y[j * dims + 1]
              let d2 = dims == 3 ? y[i * dims + 2] - y[j * dims + 2] : 0
              let u = 1 / (1 + (d0 * d0 + d1 * d1 + d2 * d2) / dof)
              let attraction = p.values[slot] * u
              a.0 += attraction * d0; a.1 += attraction * d1; a.2 += attraction * d2
            }
            out[i * dims] = a.0; out[i * dims + 1] = a.1
            if dims == 3 { out[i * dims + 2] = a.2 }
          }
        }
      }
    }
    let z = zParts.reduce(0, +)
    let c = 2 * (dof + 1) / dof
    for k in 0..<(n * dims) { gradient[k] = c * (exaggeration * gradient[k] - repulsion[k] / z) }
    guard withError else { return nil }
    // KL ≈ Σ p log p − Σ p log w + log Z over the sparse P (Σ p = 1), Z from the tree
    var kl = 0.0
    for i in 0..<n {
      for slot in p.offsets[i]..<p.offsets[i + 1] {
        let j = Int(p.columns[slot])
        var distance = 0.0
        for d in 0..<dims { let delta = y[i * dims + d] - y[j * dims + d]; distance += delta * delta }
        let u = 1 / (1 + distance / dof)
        let w = dof == 1 ? u : pow(u, exponent)
        let pij = p.values[slot]
        kl += pij * log(max(pij, Double.ulpOfOne) / max(w / z, Double.ulpOfOne))
      }
    }
    return kl
  }
}
