import CBLAS

/// Principal component analysis by eigendecomposition of the covariance (LAPACK dsyevd, Float64).
public struct PCA {
  /// n × k projected data, row-major.
  public let projected: [Double]
  public let components: Int
  /// The variance along each kept component, largest first.
  public let variances: [Double]

  /// Projects `n` rows of `d` values onto the top `k` principal axes. Each axis's sign is fixed so
  /// that its largest-magnitude loading is positive, which makes the result reproducible.
  public init(_ data: [Double], rows n: Int, columns d: Int, components k: Int) {
    precondition(n >= 1 && d >= 1 && k >= 1 && k <= d && data.count == n * d)
    var centered = data
    var mean = [Double](repeating: 0, count: d)
    for i in 0..<n { for j in 0..<d { mean[j] += data[i * d + j] } }
    for j in 0..<d { mean[j] /= Double(n) }
    for i in 0..<n { for j in 0..<d { centered[i * d + j] -= mean[j] } }
    // covariance C = XᵀX / (n−1), upper triangle, row-major d×d (symmetric, so also column-major)
    var covariance = [Double](repeating: 0, count: d * d)
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(n), 1 / Double(max(n - 1, 1)), centered, Int32(d), 0, &covariance, Int32(d))
    let (values, vectors) = symmetricEigen(&covariance, order: d)  // ascending; vectors column-major
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
  }
}

/// Eigenvalues (ascending) and eigenvectors (column-major, one per column) of a symmetric matrix
/// whose upper triangle is given row-major (= lower triangle column-major). Overwrites `matrix`.
func symmetricEigen(_ matrix: inout [Double], order n: Int) -> (values: [Double], vectors: [Double]) {
  var values = [Double](repeating: 0, count: n)
  var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "L"))
  var size = Int32(n), lda = Int32(n), info: Int32 = 0
  var workQuery = 0.0, iworkQuery: Int32 = 0, lwork: Int32 = -1, liwork: Int32 = -1
  dsyevd_(&jobz, &uplo, &size, &matrix, &lda, &values, &workQuery, &lwork, &iworkQuery, &liwork, &info)
  lwork = Int32(workQuery)
  liwork = iworkQuery
  var work = [Double](repeating: 0, count: Int(lwork))
  var iwork = [Int32](repeating: 0, count: Int(liwork))
  dsyevd_(&jobz, &uplo, &size, &matrix, &lda, &values, &work, &lwork, &iwork, &liwork, &info)
  precondition(info == 0, "dsyevd failed with info \(info)")
  return (values, matrix)
}
