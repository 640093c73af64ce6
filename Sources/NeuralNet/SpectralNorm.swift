import Foundation
import Workers

/// Spectral normalisation (Miyato et al. 2018) of a weight matrix `rows × columns`: the layer
/// uses W/σ(W), σ estimated by one power iteration per training pass from a persistent vector u
/// (saved with the model), as PyTorch's `spectral_norm`. The gradient treats u and v as
/// constants (∂σ/∂W = u·vᵀ): ∂L/∂W = (G − ⟨G, W/σ⟩·u·vᵀ)/σ for G = ∂L/∂(W/σ).
struct SpectralNormalizer {
  let rows: Int
  let columns: Int
  private(set) var v: [Float] = []
  private(set) var sigma: Float = 1

  init(rows: Int, columns: Int) { (self.rows, self.columns) = (rows, columns) }

  static func initialVector(_ count: Int, random: inout SplitMix64) -> [Float] {
    normalised((0..<count).map { _ in Float(random.nextGaussian()) })
  }

  static func normalised(_ x: [Float]) -> [Float] {
    let norm = max(Float(1e-12), x.reduce(0) { $0 + $1 * $1 }.squareRoot())
    return x.map { $0 / norm }
  }

  /// W/σ; in training, first advances u by one power iteration.
  mutating func normalise(_ w: [Float], u: Parameter, training: Bool) -> [Float] {
    var wtu = [Float](repeating: 0, count: columns)
    for r in 0..<rows { let ur = u.value[r]; for c in 0..<columns { wtu[c] += w[r * columns + c] * ur } }
    v = Self.normalised(wtu)
    var wv = [Float](repeating: 0, count: rows)
    for r in 0..<rows { var s: Float = 0; for c in 0..<columns { s += w[r * columns + c] * v[c] }; wv[r] = s }
    if training { u.value = Self.normalised(wv) }
    sigma = max(Float(1e-12), zip(u.value, wv).reduce(0) { $0 + $1.0 * $1.1 })
    let inverse = 1 / sigma
    return w.map { $0 * inverse }
  }

  /// Adds ∂L/∂W to `gradient` from G = ∂L/∂(W/σ).
  func addWeightGradient(_ g: [Float], weight w: [Float], u: Parameter, into gradient: inout [Float]) {
    let inverse = 1 / sigma
    var inner: Float = 0  // ⟨G, W/σ⟩
    for i in 0..<g.count { inner += g[i] * w[i] }
    let ugv = inner * inverse
    for r in 0..<rows {
      let k = ugv * u.value[r]
      for c in 0..<columns { gradient[r * columns + c] += (g[r * columns + c] - k * v[c]) * inverse }
    }
  }
}
