import ImageIO

/// A feature matrix: one row of `columns` Float32 values per image, in the set's file order.
public struct Features: Sendable, Equatable {
  public var rows: Int
  public var columns: Int
  public var values: [Float]
  /// Whether the matrix came from the feature cache instead of being computed.
  public var cached = false

  public init(rows: Int, columns: Int, values: [Float], cached: Bool = false) {
    precondition(values.count == rows * columns, "a \(rows)×\(columns) feature matrix needs \(rows * columns) values")
    (self.rows, self.columns, self.values, self.cached) = (rows, columns, values, cached)
  }
}

/// A feature space by name with its extractor's options, e.g. `classifier:model=judge` or `pca:components=32`.
public struct FeatureRequest: Sendable, Hashable, CustomStringConvertible {
  public var name: String
  public var options: [String: String]

  public init(name: String, options: [String: String] = [:]) { (self.name, self.options) = (name, options) }

  /// Reads `NAME` or `NAME:key=value,key=value`.
  public init(parsing text: String) throws {
    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
    guard let name = parts.first, !name.isEmpty else {
      throw EvalError.badParameter(name: "--features", reason: "'\(text)' must be a feature plugin name, optionally NAME:key=value,key=value")
    }
    var options: [String: String] = [:]
    if parts.count == 2 {
      for item in parts[1].split(separator: ",") {
        let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
        guard pair.count == 2, !pair[0].isEmpty else {
          throw EvalError.badParameter(name: "--features", reason: "'\(item)' in '\(text)' must be key=value")
        }
        options[pair[0]] = pair[1]
      }
    }
    self.init(name: name, options: options)
  }

  public var description: String {
    options.isEmpty ? name : name + ":" + options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
  }
}

/// Supplies features by request; the catalogue provides it (looking extractors up, validating
/// their options, caching reference features), so a metric never imports a feature plugin.
public typealias FeatureSource = @Sendable (_ request: FeatureRequest, _ set: ImageSet, _ reference: ImageSet?, _ context: RunContext) throws -> Features
