import CBLAS
import LinearAlgebra

/// Principal component analysis by eigendecomposition of the covariance (LAPACK dsyevd, Float64).
public struct PCA {
  /// n × k projected data, row-major.
  public let projected: [Double]
  public let components: Int
  /// The variance along each kept component, largest first.
  public let variances: [Double]
  /// The column means subtracted before projecting (d values).
  public let mean: [Double]
  /// The principal axes, d × k row-major (column c is axis c).
  public let basis: [Double]

  /// Projects `n` rows of `d` values onto the top `k` principal axes. Each axis's sign is fixed so
  /// that its largest-magnitude loading is positive, which makes the result reproducible.
  public init(_ data: [Double], rows n: Int, columns d: Int, components k: Int) {
    precondition(n >= 1 && d >= 1 && k >= 1 && k <= d && data.count == n * d)
    let (mean, centered) = LinearAlgebra.centered(data, rows: n, columns: d)
    var matrix = covariance(centered: centered, rows: n, columns: d)
    let (values, vectors) = symmetricEigen(&matrix, order: d)  // ascending; vectors column-major
    var basis = [Double](repeating: 0, count: d * k)  // d × k row-major
    var variances: [Double] = []
    for c in 0..<k {
      let column = d - 1 - c
      var vector = (0..<d).map { vectors[column * d + $0] }
      let pivot = vector.indices.max { abs(vector[$0]) < abs(vector[$1]) }!
      if vector[pivot] < 0 { vector = vector.map { -$0 } }
      for j in 0..<d { basis[j * k + c] = vector[j] }
      variances.append(max(values[column], 0))
    }
    var projected = [Double](repeating: 0, count: n * k)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(k), Int32(d), 1, centered, Int32(d), basis, Int32(k), 0, &projected, Int32(k))
    self.projected = projected
    self.components = k
    self.variances = variances
    self.mean = mean
    self.basis = basis
  }

  /// Projects other rows (same `d` columns) onto the fitted axes: (x − mean)·basis.
  public func project(_ data: [Double], rows n: Int) -> [Double] {
    let d = mean.count
    precondition(data.count == n * d)
    var centered = data
    for i in 0..<n { for j in 0..<d { centered[i * d + j] -= mean[j] } }
    var out = [Double](repeating: 0, count: n * components)
    cblas_dgemm(
      CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(components), Int32(d), 1, centered, Int32(d), basis, Int32(components), 0, &out,
      Int32(components))
    return out
  }
}
