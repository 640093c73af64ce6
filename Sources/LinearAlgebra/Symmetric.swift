import CBLAS

/// Eigenvalues (ascending) and eigenvectors (column-major, one per column) of a symmetric matrix
/// whose upper triangle is given row-major (= lower triangle column-major), by LAPACK dsyevd.
/// Overwrites `matrix`.
public func symmetricEigen(_ matrix: inout [Double], order n: Int) -> (values: [Double], vectors: [Double]) {
  useSingleThreadedBLAS()  // LAPACK's result must not depend on how many threads OpenBLAS was left with
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

/// The column means of an `n × d` row-major matrix and the rows minus those means.
public func centered(_ data: [Double], rows n: Int, columns d: Int) -> (mean: [Double], centered: [Double]) {
  var mean = [Double](repeating: 0, count: d)
  for i in 0..<n { for j in 0..<d { mean[j] += data[i * d + j] } }
  for j in 0..<d { mean[j] /= Double(max(n, 1)) }
  var out = data
  for i in 0..<n { for j in 0..<d { out[i * d + j] -= mean[j] } }
  return (mean, out)
}

/// The sample covariance (divisor n − 1) of already-centred rows, full symmetric `d × d`.
public func covariance(centered data: [Double], rows n: Int, columns d: Int) -> [Double] {
  useSingleThreadedBLAS()
  var c = [Double](repeating: 0, count: d * d)
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(n), 1 / Double(max(n - 1, 1)), data, Int32(d), 0, &c, Int32(d))
  for i in 0..<d { for j in 0..<i { c[i * d + j] = c[j * d + i] } }
  return c
}

/// Row-major C = A·B for `m × k` A and `k × n` B, Float64.
public func multiply(_ a: [Double], _ b: [Double], _ m: Int, _ k: Int, _ n: Int) -> [Double] {
  useSingleThreadedBLAS()
  var c = [Double](repeating: 0, count: m * n)
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
  return c
}

/// BLAS runs single-threaded: callers split work into fixed parts themselves, which keeps
/// results bit-identical for any thread count (and avoids nesting OpenBLAS threads in ours).
public func useSingleThreadedBLAS() { openblas_set_num_threads(1) }

/// Stops the worker threads OpenBLAS starts when it loads. Until they time out they spin on
/// sched_yield waiting for work, which cost about a tenth of a second of CPU in every run
/// (6% of a 60,000-image `histogram`); a multi-threaded BLAS call later starts them again.
public func releaseIdleBLASThreads() { gan_eval_stop_idle_blas_threads() }
