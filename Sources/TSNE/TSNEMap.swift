import Foundation
import Workers

/// Everything a later placement of new points needs from a finished t-SNE run: the embedding,
/// the projection from input features to the space the kNN was searched in (a PCA basis and
/// mean, or none), the reference points' projected features and kNN lists, the perplexity and
/// the seed. Saved as a versioned, checksummed binary file (see `TSNEMap.write(to:)`).
public struct TSNEMap: Sendable, Equatable {
  /// Reference points (rows of `embedding` and `features`).
  public let count: Int
  /// Embedding dimensions (2 or 3).
  public let dims: Int
  /// n × dims, row-major.
  public let embedding: [Double]
  /// Columns of the caller's input rows (before the projection), e.g. 784 pixels.
  public let inputColumns: Int
  /// Columns after the projection: the PCA components, or `inputColumns` when there is none.
  public let featureColumns: Int
  /// The PCA mean (inputColumns values) and basis (inputColumns × featureColumns, row-major);
  /// both empty when features are the inputs themselves.
  public let projectionMean: [Double]
  public let projectionBasis: [Double]
  /// n × featureColumns: the reference points' features, where new points' neighbours are searched.
  public let features: [Double]
  /// The reference points' own kNN lists (as used for the map's affinities).
  public let neighbors: NearestNeighbors
  public let perplexity: Double
  public let seed: UInt64
  /// The reference points' class labels ("" for an unlabelled point), or nil when none were kept;
  /// a placement then reports its 10-NN class agreement with the map.
  public let labels: [String]?

  public init(
    embedding: [Double], dims: Int, inputColumns: Int, projectionMean: [Double], projectionBasis: [Double], features: [Double],
    featureColumns: Int, neighbors: NearestNeighbors, perplexity: Double, seed: UInt64, labels: [String]? = nil
  ) throws {
    let n = embedding.count / max(dims, 1)
    guard dims == 2 || dims == 3, embedding.count == n * dims, n >= 2 else {
      throw TSNEMapError.inconsistent("the embedding must hold n × 2 or n × 3 values with n ≥ 2")
    }
    guard features.count == n * featureColumns, featureColumns >= 1 else {
      throw TSNEMapError.inconsistent("features must be \(n) × \(featureColumns) values, got \(features.count)")
    }
    if projectionBasis.isEmpty {
      guard projectionMean.isEmpty, inputColumns == featureColumns else {
        throw TSNEMapError.inconsistent("without a projection the input and feature columns must agree")
      }
    } else {
      guard projectionMean.count == inputColumns, projectionBasis.count == inputColumns * featureColumns else {
        throw TSNEMapError.inconsistent("the projection must be \(inputColumns) means and \(inputColumns) × \(featureColumns) axes")
      }
    }
    guard neighbors.count == n, neighbors.indices.allSatisfy({ $0 >= 0 && Int($0) < n }) else {
      throw TSNEMapError.inconsistent("the kNN lists must cover the \(n) reference points with indices below \(n)")
    }
    guard perplexity > 0, perplexity.isFinite, embedding.allSatisfy(\.isFinite), features.allSatisfy(\.isFinite) else {
      throw TSNEMapError.inconsistent("perplexity, embedding and features must be finite (perplexity > 0)")
    }
    if let labels {
      guard labels.count == n, !labels.contains(where: { $0.contains("\n") }) else {
        throw TSNEMapError.inconsistent("labels must be \(n) lines of text (one per reference point, no line breaks)")
      }
    }
    self.count = n
    self.dims = dims
    self.embedding = embedding
    self.inputColumns = inputColumns
    self.featureColumns = featureColumns
    self.projectionMean = projectionMean
    self.projectionBasis = projectionBasis
    self.features = features
    self.neighbors = neighbors
    self.perplexity = perplexity
    self.seed = seed
    self.labels = labels
  }

  /// Runs t-SNE on `n` input rows and keeps the map: PCA to `components` axes first (0 = none,
  /// or when the input has no more columns than that), kNN (`options.knn`), then the embedding
  /// with `options`.
  public static func build(
    _ data: [Double], rows n: Int, columns d: Int, components: Int = 50, options: TSNEOptions,
    observer: ((TSNEProgress) -> Bool)? = nil
  ) throws -> (map: TSNEMap, embedding: Embedding) {
    guard data.count == n * d else { throw TSNEError.badOption("input holds \(data.count) values, expected \(n) × \(d)") }
    var features = data, mean: [Double] = [], basis: [Double] = [], featureColumns = d
    if components > 0 && components < d && n >= 2 {
      let pca = PCA(data, rows: n, columns: d, components: components, threads: options.threads)
      (features, mean, basis, featureColumns) = (pca.projected, pca.mean, pca.basis, components)
    }
    let embedding = try TSNE.embed(features, rows: n, columns: featureColumns, options: options, observer: observer)
    let map = try TSNEMap(
      run: embedding, features: features, featureColumns: featureColumns, inputColumns: d, projectionMean: mean, projectionBasis: basis,
      options: options)
    return (map, embedding)
  }

  /// The map of a finished run: `features` (n × featureColumns) are the rows t-SNE embedded,
  /// made from the inputs by the PCA `projectionMean`/`projectionBasis` (both empty when the
  /// features are the inputs). The run's kNN lists are kept; the exact method has none, so they
  /// are found here (`options.knn`, k = 3·perplexity).
  public init(
    run embedding: Embedding, features: [Double], featureColumns: Int, inputColumns: Int, projectionMean: [Double] = [],
    projectionBasis: [Double] = [], options: TSNEOptions, labels: [String]? = nil
  ) throws {
    let n = features.count / max(featureColumns, 1)
    let k = min(n - 1, max(1, Int(3 * options.perplexity)))
    let neighbors =
      embedding.neighbors
      ?? makeNeighborIndex(options.knn, data: features, rows: n, columns: featureColumns, seed: options.seed).build(k: k, threads: options.threads)
    try self.init(
      embedding: embedding.coordinates, dims: embedding.dims, inputColumns: inputColumns, projectionMean: projectionMean,
      projectionBasis: projectionBasis, features: features, featureColumns: featureColumns, neighbors: neighbors,
      perplexity: options.perplexity, seed: options.seed, labels: labels)
  }

  /// Each query point's share of its `k` nearest map points (in the embedding) that carry its own
  /// label; nil for an unlabelled query or when the map has no labels. With `excludingSelf`, the
  /// queries are the map's own points and each skips itself (the map's own agreement).
  public func classAgreement(
    coordinates: [Double], labels queryLabels: [String?], k requested: Int = 10, excludingSelf: Bool = false, threads: Int = 1
  ) -> [Double?] {
    guard let labels else { return queryLabels.map { _ in nil } }
    let m = queryLabels.count
    let k = min(requested, count - (excludingSelf ? 1 : 0))
    guard k >= 1, coordinates.count == m * dims else { return queryLabels.map { _ in nil } }
    let index = ExactNeighborIndex(embedding, rows: count, columns: dims)
    let found = excludingSelf ? index.build(k: k, threads: threads) : index.query(coordinates, rows: m, k: k, threads: threads)
    return (0..<m).map { i -> Double? in
      guard let label = queryLabels[i], !label.isEmpty else { return nil }
      let same = (0..<k).filter { labels[Int(found.indices[i * k + $0])] == label }.count
      return Double(same) / Double(k)
    }
  }

  /// New input rows (m × inputColumns) in the map's feature space: centred by the map's mean and
  /// projected on its axes, exactly as the reference points were.
  public func project(_ rows: [Double], count m: Int) throws -> [Double] {
    guard rows.count == m * inputColumns else {
      throw TSNEMapError.inconsistent("new points have \(rows.count / max(m, 1)) values each; the map was made from \(inputColumns)")
    }
    if projectionBasis.isEmpty { return rows }
    let (d, k) = (inputColumns, featureColumns)
    var out = [Double](repeating: 0, count: m * k)
    for i in 0..<m {
      for c in 0..<k {
        var sum = 0.0
        for j in 0..<d { sum += (rows[i * d + j] - projectionMean[j]) * projectionBasis[j * k + c] }
        out[i * k + c] = sum
      }
    }
    return out
  }
}

/// Why a map cannot be made, read or used.
public enum TSNEMapError: Error, CustomStringConvertible, Equatable {
  case notAMap(path: String)
  case unsupportedVersion(path: String, version: UInt32)
  case truncated(path: String, expected: Int, actual: Int)
  case checksumMismatch(path: String)
  case inconsistent(String)
  case io(path: String, reason: String)

  public var description: String {
    switch self {
    case .notAMap(let path): return "\(path) is not a t-SNE map (wrong magic bytes); make one with `gan-eval tsne --save-map`"
    case .unsupportedVersion(let path, let version):
      return "\(path) is a t-SNE map of format version \(version); this gan-eval reads version \(TSNEMap.formatVersion): re-save the map"
    case .truncated(let path, let expected, let actual):
      return "\(path) is truncated: its header announces \(expected) bytes, the file has \(actual); re-save the map"
    case .checksumMismatch(let path): return "\(path) is corrupt (checksum mismatch); re-save the map"
    case .inconsistent(let text): return "t-SNE map: \(text)"
    case .io(let path, let reason): return "\(path): \(reason)"
    }
  }
}
