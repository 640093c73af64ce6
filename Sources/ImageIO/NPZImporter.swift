import Foundation

extension Importers {
  /// The array names tried when none is given, in order: the first pair whose images array exists.
  public static let npzDefaultKeys: [(images: String, labels: String)] = [("x", "y"), ("images", "labels"), ("arr_0", "arr_1")]

  /// Reads a NumPy .npz archive (what `np.savez` and `np.savez_compressed` write: a zip of .npy
  /// files, stored or deflated) as an image set.
  ///
  /// - Parameters:
  ///   - imagesKey: the images array (N×H×W gray, N×H×W×3 RGB, N×H×W×1 or N×(H·W) gray; uint8
  ///     0–255 or float in [0,1]); nil tries `x`, then `images`, then `arr_0` (`np.savez(path, a)`).
  ///   - labelsKey: a 1-D integer array of N labels; nil takes the partner of the images key
  ///     (`y`, `labels`, `arr_1`) when present. Naming a missing array is an error.
  ///   - maxValues: the most values one array may hold; each member's .npy header is read first
  ///     and checked against it, then inflated no further than the header declares.
  public static func readNPZ(_ path: String, imagesKey: String? = nil, labelsKey: String? = nil, maxValues: Int = 1 << 30) throws
    -> ImageSet
  {
    let archive = try ZipArchive(readFile(path), path: path)
    let names = archive.members.compactMap { $0.name.hasSuffix(".npy") ? String($0.name.dropLast(4)) : nil }
    func member(_ key: String) -> ZipArchive.Member? { archive.members.first { $0.name == key + ".npy" } }
    let listing = names.isEmpty ? "no arrays" : "arrays " + names.map { "'\($0)'" }.joined(separator: ", ")
    let imagesName: String, labelsName: String?
    if let imagesKey {
      guard member(imagesKey) != nil else {
        throw EvalError.badParameter(name: "images key", reason: "\(path) has no array '\(imagesKey)'; it holds \(listing)")
      }
      imagesName = imagesKey
      labelsName = labelsKey ?? npzDefaultKeys.first { $0.images == imagesKey }.map(\.labels).flatMap { member($0) != nil ? $0 : nil }
    } else if let pair = npzDefaultKeys.first(where: { member($0.images) != nil }) {
      imagesName = pair.images
      labelsName = labelsKey ?? (member(pair.labels) != nil ? pair.labels : nil)
    } else {
      throw EvalError.badFile(
        path: path, reason: "holds \(listing) but none is named x, images or arr_0; name the images array (and the labels array)")
    }
    if let labelsKey, member(labelsKey) == nil {
      throw EvalError.badParameter(name: "labels key", reason: "\(path) has no array '\(labelsKey)'; it holds \(listing)")
    }

    let images = try array(member(imagesName)!, in: archive, maxValues: maxValues)
    let set = try ArrayImages(shape: images.shape, isInteger: images.isInteger, path: "\(path) [\(imagesName)]") {
      try images.forEachValue($0)
    }
    var labels: [String?]?
    if let labelsName {
      let raw = try array(member(labelsName)!, in: archive, maxValues: max(set.count, 1))
      labels = try ArrayImages.labels(
        shape: raw.shape, isInteger: raw.isInteger, descr: raw.descr, count: set.count, path: "\(path) [\(labelsName)]"
      ) { try raw.forEachValue($0) }
    }
    var name = (path as NSString).lastPathComponent
    if name.lowercased().hasSuffix(".npz") { name.removeLast(4) }
    return set.imageSet(name: name, source: path, labels: labels)
  }

  /// One .npy member: its header inflated and checked first, then exactly the bytes it declares.
  static func array(_ member: ZipArchive.Member, in archive: ZipArchive, maxValues: Int) throws -> NPYData {
    let shown = "\(archive.path) [\(member.name)]"
    var head = try archive.prefix(member, NPYData.preambleBytes)
    let headerLength = try NPYData.headerLength(head[...], path: shown)
    head = try archive.prefix(member, headerLength)
    let header = try NPYData.parseHeader(head[...], path: shown, maxElements: maxValues)
    let bytes = try archive.contents(member, expectedSize: header.totalBytes)
    return try NPYData(bytes[...], path: shown, maxElements: maxValues)
  }
}
