import CBLAS
import LinearAlgebra
import Workers

/// Principal component analysis by eigendecomposition of the covariance (LAPACK dsyevd, Float64).
///
/// The rows are read in blocks of `blockRows` into a small Float64 scratch per worker, never as
/// a whole n × d Float64 matrix: on 60,000 images of 784 pixels that matrix and its centred copy
/// were 750 MB of fresh pages, and faulting them in took longer than the arithmetic. Blocks are
/// dealt to a fixed number of stripes (set by n and d only), each stripe sums its blocks in order and the
/// stripes are added in order, so the result is the same bits for any thread count.
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

  static let blockRows = 512

  /// Projects `n` rows of `d` values onto the top `k` principal axes. Each axis's sign is fixed so
  /// that its largest-magnitude loading is positive, which makes the result reproducible.
  public init(_ data: [Double], rows n: Int, columns d: Int, components k: Int, threads: Int = defaultThreadCount) {
    precondition(data.count == n * d)
    self.init(rows: n, columns: d, components: k, threads: threads) { rows, out in
      data.withUnsafeBufferPointer { out.update(from: $0.baseAddress! + rows.lowerBound * d, count: rows.count * d) }
    }
  }

  /// The same for Float rows (pixels): each block is widened to Float64 as it is read.
  public init(_ data: [Float], rows n: Int, columns d: Int, components k: Int, threads: Int = defaultThreadCount) {
    precondition(data.count == n * d)
    self.init(rows: n, columns: d, components: k, threads: threads) { rows, out in
      data.withUnsafeBufferPointer { source in
        let base = rows.lowerBound * d
        for t in 0..<(rows.count * d) { out[t] = Double(source[base + t]) }
      }
    }
  }

  /// The general form: `fill(rows, out)` writes those rows, row-major as Float64, to `out`. It is
  /// called from several threads at once (for disjoint rows) and more than once per row.
  public init(
    rows n: Int, columns d: Int, components k: Int, threads: Int = defaultThreadCount,
    fill: (Range<Int>, UnsafeMutablePointer<Double>) -> Void
  ) {
    precondition(n >= 1 && d >= 1 && k >= 1 && k <= d)
    useSingleThreadedBLAS()
    let blocks = (n + Self.blockRows - 1) / Self.blockRows
    // one d × d sum per stripe: four while they fit in 256 MB together, else fewer
    let stripes = max(1, min(4, blocks, 256_000_000 / max(d * d * 8, 1)))

    // 1. column means
    var partialMeans = [Double](repeating: 0, count: stripes * d)
    partialMeans.withUnsafeMutableBufferPointer { sums in
      let shared = SharedBuffer(sums.baseAddress!)
      Self.eachBlock(rows: n, columns: d, stripes: stripes, threads: threads) { s, rows, scratch in
        let sum = shared.base + s * d
        fill(rows, scratch)
        for r in 0..<rows.count { for j in 0..<d { sum[j] += scratch[r * d + j] } }
      }
    }
    var sums = [Double](repeating: 0, count: d)
    for s in 0..<stripes { for j in 0..<d { sums[j] += partialMeans[s * d + j] } }
    let mean = sums.map { $0 / Double(n) }

    // 2. covariance: the upper triangle of Σ (x − mean)ᵀ(x − mean), one d × d sum per stripe
    var covariance = [Double](repeating: 0, count: stripes * d * d)
    covariance.withUnsafeMutableBufferPointer { sums in
      let shared = SharedBuffer(sums.baseAddress!)
      Self.eachBlock(rows: n, columns: d, stripes: stripes, threads: threads) { s, rows, scratch in
        Self.centredBlock(rows, d: d, mean: mean, fill: fill, into: scratch)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(rows.count), 1, scratch, Int32(d), 1, shared.base + s * d * d, Int32(d))
      }
    }
    // the stripes' sums, in order, into the first stripe's matrix, mirrored (no second d × d copy)
    let scale = 1 / Double(max(n - 1, 1))
    covariance.withUnsafeMutableBufferPointer { c in
      for i in 0..<d {
        for j in i..<d {
          var value = c[i * d + j]
          for s in 1..<stripes { value += c[s * d * d + i * d + j] }
          c[i * d + j] = value * scale
          c[j * d + i] = value * scale
        }
      }
    }
    covariance.removeLast((stripes - 1) * d * d)
    var matrix = covariance
    covariance = []

    // 3. the top k axes
    let (values, vectors) = symmetricEigen(&matrix, order: d)  // ascending; vectors column-major
    var axes = [Double](repeating: 0, count: d * k)  // d × k row-major
    var variances: [Double] = []
    for c in 0..<k {
      let column = d - 1 - c
      var vector = (0..<d).map { vectors[column * d + $0] }
      let pivot = vector.indices.max { abs(vector[$0]) < abs(vector[$1]) }!
      if vector[pivot] < 0 { vector = vector.map { -$0 } }
      for j in 0..<d { axes[j * k + c] = vector[j] }
      variances.append(max(values[column], 0))
    }

    // 4. projection, a block at a time
    let basis = axes
    var projected = [Double](repeating: 0, count: n * k)
    projected.withUnsafeMutableBufferPointer { out in
      let shared = SharedBuffer(out.baseAddress!)
      Self.eachBlock(rows: n, columns: d, stripes: stripes, threads: threads) { _, rows, scratch in
        Self.centredBlock(rows, d: d, mean: mean, fill: fill, into: scratch)
        cblas_dgemm(
          CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows.count), Int32(k), Int32(d), 1, scratch, Int32(d), basis, Int32(k), 0,
          shared.base + rows.lowerBound * k, Int32(k))
      }
    }
    self.projected = projected
    self.components = k
    self.variances = variances
    self.mean = mean
    self.basis = basis
  }

  /// Calls `body(stripe, rows, scratch)` for every block of `blockRows` rows: block b belongs to
  /// stripe b mod `stripes`, and each stripe's blocks run in order on one worker with its own
  /// scratch of `blockRows` × `d` values.
  private static func eachBlock(
    rows n: Int, columns d: Int, stripes: Int, threads: Int, _ body: (Int, Range<Int>, UnsafeMutablePointer<Double>) -> Void
  ) {
    let blocks = (n + blockRows - 1) / blockRows
    try! parallelFor(stripes, threads: threads) { s in
      let scratch = UnsafeMutablePointer<Double>.allocate(capacity: blockRows * d)
      defer { scratch.deallocate() }
      for b in stride(from: s, to: blocks, by: stripes) { body(s, (b * blockRows)..<min(n, (b + 1) * blockRows), scratch) }
    }
  }

  private static func centredBlock(
    _ rows: Range<Int>, d: Int, mean: [Double], fill: (Range<Int>, UnsafeMutablePointer<Double>) -> Void, into scratch: UnsafeMutablePointer<Double>
  ) {
    fill(rows, scratch)
    mean.withUnsafeBufferPointer { m in
      for r in 0..<rows.count { for j in 0..<d { scratch[r * d + j] -= m[j] } }
    }
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
