import Foundation

/// Images held in a NumPy-style array, checked and scaled to [0,1]: the shared step of the .npy
/// and .npz importers.
///
/// Shapes: N×H×W and N×H×W×1 are gray, N×H×W×3 is RGB (interleaved, as the set keeps it), and
/// N×(H·W) with a square H·W is gray. Integer arrays hold 0–255, float arrays [0,1].
struct ArrayImages {
  var count: Int
  var width: Int
  var height: Int
  var channels: Int
  var pixels: [Float]

  /// Reads the images of an array given its shape, kind and values (visited in C order).
  init(
    shape: [Int], isInteger: Bool, path: String,
    forEachValue: ((Int, Double) throws -> Void) throws -> Void
  ) throws {
    switch shape.count {
    case 4:
      guard shape[3] == 3 || shape[3] == 1 else {
        let hint = shape[1] == 3 || shape[1] == 1 ? " (it looks channel-first: pass np.transpose(x, (0, 2, 3, 1)))" : ""
        throw EvalError.badFile(
          path: path, reason: "shape \(shape) is not N×H×W×3 (RGB) or N×H×W×1 (gray)\(hint); for RGBA keep x[..., :3]")
      }
      (count, height, width, channels) = (shape[0], shape[1], shape[2], shape[3])
    case 3: (count, height, width, channels) = (shape[0], shape[1], shape[2], 1)
    case 2:
      let side = Int(Double(shape[1]).squareRoot().rounded())
      guard side > 0, side * side == shape[1] else {
        throw EvalError.badFile(path: path, reason: "shape \(shape) is N×\(shape[1]), which is not a square image")
      }
      (count, height, width, channels) = (shape[0], side, side, 1)
    default:
      throw EvalError.badFile(path: path, reason: "shape \(shape) is not N×H×W, N×H×W×3 or N×(H·W)")
    }
    // an empty array (N = 0) passes any element cap whatever H and W say: check them on their own
    guard height > 0, width > 0, let size = NPYData.product([height, width]), size <= defaultMaxPixels else {
      throw EvalError.badFile(path: path, reason: "image size \(width)x\(height) is not usable")
    }
    let total = count * size * channels  // the array's own element count: no overflow
    let scale: Double = isInteger ? 255 : 1
    var pixels = [Float](repeating: 0, count: total)
    try pixels.withUnsafeMutableBufferPointer { out in
      try forEachValue { i, v in
        let x = v / scale
        guard x >= 0 && x <= 1 else {
          throw EvalError.badFile(path: path, reason: "value \(v) at flat index \(i) is outside \(isInteger ? "0–255" : "[0,1]")")
        }
        out[i] = Float(x)
      }
    }
    self.pixels = pixels
  }

  /// The image set these images make, with optional labels, named after the file.
  func imageSet(name: String, source: String, labels: [String?]?) -> ImageSet {
    let labels = labels ?? [String?](repeating: nil, count: count)
    return ImageSet(
      name: name, source: source, width: width, height: height,
      files: ImageSetWriter.generatedNames(count: count, labels: labels), labels: labels, pixels: pixels, channels: channels)
  }

  /// Labels from an integer array of `count` values (shape (N,) or (N, 1)), as text.
  static func labels(
    shape: [Int], isInteger: Bool, descr: String, count: Int, path: String,
    forEachValue: ((Int, Double) throws -> Void) throws -> Void
  ) throws -> [String?] {
    guard isInteger, shape == [count] || shape == [count, 1] else {
      throw EvalError.badFile(path: path, reason: "labels must be \(count) integers (shape (\(count),)); found shape \(shape) of type \(descr)")
    }
    var labels = [String?](repeating: nil, count: count)
    try forEachValue { i, v in labels[i] = abs(v) < 1e15 ? String(Int(v)) : String(v) }  // no trap on huge uint64
    return labels
  }
}

extension Importers {
  /// A .npy of N×H×W×3 (RGB) or N×H×W×1 (gray) images, with optional labels from another .npy.
  static func readColorNPY(_ array: NPY.Array, path: String, labels labelPath: String?) throws -> ImageSet {
    let images = try ArrayImages(shape: array.shape, isInteger: array.isInteger, path: path) { body in
      for (i, v) in array.values.enumerated() { try body(i, v) }
    }
    var labels: [String?]?
    if let labelPath {
      let raw = try NPY.read(labelPath)
      labels = try ArrayImages.labels(shape: raw.shape, isInteger: raw.isInteger, descr: raw.descr, count: images.count, path: labelPath) { body in
        for (i, v) in raw.values.enumerated() { try body(i, v) }
      }
    }
    var name = (path as NSString).lastPathComponent
    if name.lowercased().hasSuffix(".npy") { name.removeLast(4) }
    return images.imageSet(name: name, source: path, labels: labels)
  }
}
