/// Writes an image set as NumPy arrays: uint8 N×H×W images (N×H×W×3 for colour) and, if
/// labelled with integers, int64 labels.
public func exportNPY(_ set: ImageSet, imagesPath: String, labelsPath: String?) throws {
  let levels = set.pixels.map(toGrayLevel)
  let shape = [set.count, set.height, set.width] + (set.isColor ? [3] : [])
  try NPY.writeUInt8(imagesPath, shape: shape, values: levels)
  guard let labelsPath else { return }
  var labels: [Int64] = []
  for (file, label) in zip(set.files, set.labels) {
    guard let label, let value = Int64(label) else {
      throw EvalError.badParameter(
        name: "--labels", reason: "\(file) has label '\(label ?? "")', and .npy labels must be integers; drop --labels")
    }
    labels.append(value)
  }
  try NPY.writeInt64(labelsPath, values: labels)
}
