import FeatureSpace
import Foundation
import ImageIO
import TestSupport
import XCTest

enum Fixtures {
  static func matrix(_ name: String) throws -> FeatureMatrix {
    let array = try NPY.read(Repo.fixtures + "/" + name)
    return FeatureMatrix(rows: array.shape[0], columns: array.shape[1], values: array.values)
  }

  static func json(_ name: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(readFile(Repo.fixtures + "/" + name))) as! [String: Any]
  }

  /// The first `count` real digits' pixels (784 values in [0, 1] each), as features.
  static func digitPixels(_ count: Int) throws -> FeatureMatrix {
    let digits = try RealData.digits()
    let values = digits.pixels[0..<(count * 784)].map { Double($0) }
    return FeatureMatrix(rows: count, columns: 784, values: Array(values))
  }
}
