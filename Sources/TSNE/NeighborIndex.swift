import Workers

/// How the k nearest neighbours behind the sparse affinities are found.
public enum KNNMethod: String, Sendable, CaseIterable {
  /// All pairs through BLAS: O(N²·D), exact.
  case exact
  /// NN-descent over a random-projection forest (`NNDescentIndex`): about O(N·k·candidates),
  /// recall@90 0.9954 measured on the 70,000 Fashion-MNIST images (target 0.98).
  case approx
  /// `exact` up to `KNNMethod.approximateFrom` points, `approx` above.
  case auto

  /// The smallest N for which `auto` picks the approximate index: NN-descent against the exact
  /// BLAS kNN (k = 90, PCA-50 Fashion-MNIST, 2 threads; bench/results/tsne_knn.md): 1.46× exact's
  /// time at 10,000, 0.66× at 20,000, 0.20× at 70,000 with recall@90 0.9954. The crossover lies
  /// between 10,000 and 20,000 (not measured); below 20,000 the exact lists cost at most 2.3 s.
  public static let approximateFrom = 20_000

  /// The concrete method for `points` rows.
  public func resolved(points: Int) -> KNNMethod {
    self == .auto ? (points >= Self.approximateFrom ? .approx : .exact) : self
  }
}

/// A searchable set of points, in the shape openTSNE gives its kNN indexes: build over the data,
/// then answer queries of new points against it.
public protocol NeighborIndex: Sendable {
  /// The number of indexed points.
  var count: Int { get }
  /// The dimension of the indexed points.
  var columns: Int { get }
  /// Every indexed point's `k` nearest other indexed points (the point itself excluded).
  func build(k: Int, threads: Int) -> NearestNeighbors
  /// Each of `rows` new points' `k` nearest indexed points.
  func query(_ points: [Double], rows: Int, k: Int, threads: Int) -> NearestNeighbors
}

/// Makes the index `method` asks for over `data` (`auto` resolved by the number of rows).
public func makeNeighborIndex(
  _ method: KNNMethod, data: [Double], rows n: Int, columns d: Int, seed: UInt64
) -> any NeighborIndex {
  switch method.resolved(points: n) {
  case .approx: return NNDescentIndex(data, rows: n, columns: d, seed: seed)
  default: return ExactNeighborIndex(data, rows: n, columns: d)
  }
}

/// Exact neighbours by brute force (BLAS Gram blocks); ties go to the lower index.
public struct ExactNeighborIndex: NeighborIndex {
  public let data: [Double]
  public let count: Int
  public let columns: Int

  public init(_ data: [Double], rows n: Int, columns d: Int) {
    precondition(data.count == n * d)
    self.data = data
    self.count = n
    self.columns = d
  }

  public func build(k: Int, threads: Int) -> NearestNeighbors {
    NearestNeighbors(data, rows: count, columns: columns, k: k, threads: threads)
  }

  public func query(_ points: [Double], rows: Int, k: Int, threads: Int) -> NearestNeighbors {
    NearestNeighbors(queries: points, rows: rows, reference: data, referenceRows: count, columns: columns, k: k, threads: threads)
  }
}
