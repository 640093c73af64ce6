import Foundation

extension Importers {
  /// Reads a CIFAR-10 or CIFAR-100 "python version" batch (`data_batch_1`, `test_batch`, `train`,
  /// `test`; also ImageNet32/64's batches, which share the format) as an RGB image set.
  ///
  /// The file is a pickled dict whose `data` is a uint8 array N×3072 (N×3·S·S for S×S images):
  /// per image the red plane, then green, then blue, each row by row. Labels are `labels`
  /// (CIFAR-10) or else `fine_labels` (CIFAR-100), or the list `labelKey` names
  /// (e.g. `coarse_labels`). Label names come from `batches.meta` (CIFAR-10) or `meta`
  /// (CIFAR-100) beside the file when present (`label_names`, `fine_label_names`,
  /// `coarse_label_names`), else the labels stay numbers.
  ///
  /// The pickle is read by `Pickle`, which runs no code; files above `maxBytes` are refused unread.
  public static func readCIFAR(_ path: String, labelKey: String? = nil, maxBytes: Int = 1 << 32) throws -> ImageSet {
    let batch = try loadPickle(path, maxBytes: maxBytes)
    let keys = batch.dictKeys
    guard let dataValue = batch["data"] else {
      throw EvalError.badFile(path: path, reason: "is a pickle without a 'data' entry (keys: \(keys)); not a CIFAR-format batch")
    }
    guard case .array(let data) = dataValue, data.descr == "|u1" else {
      throw EvalError.badFile(path: path, reason: "'data' is a \(dataValue.typeName), not a uint8 numpy array")
    }
    let count: Int, side: Int
    switch data.shape.count {
    case 2:
      let planes = data.shape[1]
      let s = Int((Double(planes) / 3).squareRoot().rounded())
      guard s > 0, 3 * s * s == planes else {
        throw EvalError.badFile(path: path, reason: "'data' is \(data.shape[0])×\(planes), not N×3·S·S (CIFAR: N×3072)")
      }
      (count, side) = (data.shape[0], s)
    case 4 where data.shape[1] == 3 && data.shape[2] == data.shape[3] && data.shape[2] > 0:
      (count, side) = (data.shape[0], data.shape[2])
    default:
      throw EvalError.badFile(path: path, reason: "'data' has shape \(data.shape), not N×3072 (or N×3×S×S)")
    }
    guard side * side <= defaultMaxPixels else {
      throw EvalError.badFile(path: path, reason: "image size \(side)x\(side) is not usable")
    }

    let key = labelKey ?? (batch["labels"] != nil ? "labels" : (batch["fine_labels"] != nil ? "fine_labels" : nil))
    var labels = [String?](repeating: nil, count: count)
    if let key {
      guard let value = batch[key] else {
        throw EvalError.badParameter(name: "label key", reason: "\(path) has no '\(key)' entry; its keys are \(keys)")
      }
      let numbers = try integers(value, path: path, key: key)
      guard numbers.count == count else {
        throw EvalError.badFile(path: path, reason: "'\(key)' holds \(numbers.count) labels for \(count) images")
      }
      let names = try labelNames(besides: path, key: key)
      for (i, n) in numbers.enumerated() {
        if let names {
          guard n >= 0, n < names.names.count else {
            throw EvalError.badFile(path: path, reason: "label \(n) of image \(i) has no name among the \(names.names.count) in \(names.source)")
          }
          labels[i] = names.names[n]
        } else {
          labels[i] = String(n)
        }
      }
    }

    // R plane, G plane, B plane per image → interleaved H×W×3 in [0,1]
    let plane = side * side
    var pixels = [Float](repeating: 0, count: count * plane * 3)
    data.data.withUnsafeBufferPointer { source in
      pixels.withUnsafeMutableBufferPointer { out in
        for n in 0..<count {
          let image = n * plane * 3
          for c in 0..<3 {
            for p in 0..<plane { out[image + 3 * p + c] = Float(source[image + c * plane + p]) / 255 }
          }
        }
      }
    }
    return ImageSet(
      name: (path as NSString).lastPathComponent, source: path, width: side, height: side,
      files: ImageSetWriter.generatedNames(count: count, labels: labels), labels: labels, pixels: pixels, channels: 3)
  }

  static func loadPickle(_ path: String, maxBytes: Int) throws -> Pickle.Value {
    if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maxBytes {
      throw EvalError.badFile(path: path, reason: "is \(size) bytes, above the \(maxBytes)-byte limit for a pickle")
    }
    return try Pickle.load(readFile(path), path: path)
  }

  /// A list of Python ints or a 1-D integer numpy array, as Ints.
  static func integers(_ value: Pickle.Value, path: String, key: String) throws -> [Int] {
    switch value {
    case .list(let items), .tuple(let items):
      return try items.enumerated().map { i, item in
        guard case .int(let n) = item else {
          throw EvalError.badFile(path: path, reason: "'\(key)'[\(i)] is a \(item.typeName), not an integer label")
        }
        return n
      }
    case .array(let array) where array.shape.count == 1:
      let npy = NPYData(header: .init(
        descr: array.descr, shape: array.shape, dataOffset: 0, count: array.shape[0], kind: NPYData.Kind(array.descr)!,
        totalBytes: array.data.count), data: array.data)
      guard npy.isInteger else { throw EvalError.badFile(path: path, reason: "'\(key)' is a \(value.typeName), not integers") }
      var out: [Int] = []
      npy.forEachValue { _, v in out.append(abs(v) < 1e15 ? Int(v) : -1) }
      return out
    default:
      throw EvalError.badFile(path: path, reason: "'\(key)' is a \(value.typeName), not a list of integer labels")
    }
  }

  /// The label names of a CIFAR batch from the meta file beside it, or nil when there is none.
  static func labelNames(besides path: String, key: String) throws -> (names: [String], source: String)? {
    let directory = (path as NSString).deletingLastPathComponent
    let namesKey = (key.hasSuffix("s") ? String(key.dropLast()) : key) + "_names"  // labels → label_names
    for file in ["batches.meta", "meta"] {
      let metaPath = (directory.isEmpty ? "." : directory) + "/" + file
      guard metaPath != path, FileManager.default.fileExists(atPath: metaPath) else { continue }
      let meta = try loadPickle(metaPath, maxBytes: 1 << 24)
      guard let value = meta[namesKey] else { continue }
      guard case .list(let items) = value else {
        throw EvalError.badFile(path: metaPath, reason: "'\(namesKey)' is a \(value.typeName), not a list of names")
      }
      let names = try items.enumerated().map { i, item in
        guard let name = item.text, !name.isEmpty else {
          throw EvalError.badFile(path: metaPath, reason: "'\(namesKey)'[\(i)] is a \(item.typeName), not a name")
        }
        return name
      }
      return (names, metaPath)
    }
    return nil
  }
}

extension Pickle.Value {
  /// A dict's keys as text, for messages.
  var dictKeys: String {
    guard case .dict(let entries) = self else { return "(not a dict)" }
    return entries.map { "'\($0.key.text ?? $0.key.typeName)'" }.joined(separator: ", ")
  }
}
