import Foundation
import Workers

/// The model file format, version 1 (`.ganet`):
///
///     GANEVAL-NET 1
///     input <channels> <height> <width>
///     meta <key> <value to end of line>        (any number)
///     layer <kind> <name>=<value> …            (one per layer, in order)
///     data <n>
///     <n little-endian Float32: each layer's parameters, then its state, in layer order>
///     <8 bytes: FNV-1a 64-bit hash, little-endian, of every byte before it>
///
/// The header is plain UTF-8 text so `head -c 2000 model.ganet` shows what a model is.
public enum ModelFile {
  public static let magic = "GANEVAL-NET"
  public static let version = 1

  public static func encode(_ network: Network) -> [UInt8] {
    var header = "\(magic) \(version)\ninput \(network.input.channels) \(network.input.height) \(network.input.width)\n"
    for (key, value) in network.metadata {
      header += "meta \(key.replacingOccurrences(of: " ", with: "_")) \(value.replacingOccurrences(of: "\n", with: " "))\n"
    }
    for layer in network.layers { header += "layer \(layer.spec)\n" }
    let values = network.layers.flatMap { $0.parameters + $0.state }.flatMap(\.value)
    header += "data \(values.count)\n"
    var bytes = Array(header.utf8)
    bytes.reserveCapacity(bytes.count + values.count * 4 + 8)
    for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    withUnsafeBytes(of: fnv1a64(bytes).littleEndian) { bytes.append(contentsOf: $0) }
    return bytes
  }

  /// Reads a model; `path` only names the file in errors.
  public static func decode(_ bytes: [UInt8], path: String) throws -> Network {
    func fail(_ reason: String) -> NetworkError { .modelFile(path: path, reason: reason) }
    guard bytes.starts(with: Array(magic.utf8)) else {
      throw fail("not a gan-eval model file (it should start with '\(magic)'); train one with `gan-eval classifier train`")
    }
    guard bytes.count > 8 else { throw fail("truncated model file") }
    guard let body = checksummedBody(bytes) else { throw fail("checksum mismatch: the file is corrupt or truncated; retrain or copy it again") }

    var cursor = body.startIndex
    func line() throws -> [Substring] {
      guard let end = body[cursor...].firstIndex(of: 10) else { throw fail("header ends early") }
      defer { cursor = end + 1 }
      guard let text = String(bytes: body[cursor..<end], encoding: .utf8) else { throw fail("header is not UTF-8") }
      return text.split(separator: " ", omittingEmptySubsequences: false)
    }
    let first = try line()
    guard first.count == 2, let fileVersion = Int(first[1]) else { throw fail("bad first line") }
    guard fileVersion == version else {
      throw fail("model format version \(fileVersion), this gan-eval reads version \(version); retrain the model with this version")
    }
    let inputLine = try line()
    guard inputLine.count == 4, inputLine[0] == "input", let c = Int(inputLine[1]), let h = Int(inputLine[2]), let w = Int(inputLine[3]),
      c > 0, h > 0, w > 0
    else { throw fail("bad input line") }
    var metadata: [(String, String)] = []
    var layers: [any Layer] = []
    var count = -1
    var random = SplitMix64(seed: 0)
    while count < 0 {
      let fields = try line()
      switch fields.first {
      case "meta":
        guard fields.count >= 2 else { throw fail("bad meta line") }
        metadata.append((String(fields[1]), fields.dropFirst(2).joined(separator: " ")))
      case "layer":
        guard fields.count >= 2 else { throw fail("bad layer line") }
        let spec = LayerSpec(String(fields[1]), fields.dropFirst(2).map { field in
          let parts = field.split(separator: "=", maxSplits: 1)
          return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        })
        layers.append(try makeLayer(spec, budget: body.count / 4, random: &random, fail: fail))
      case "data":
        guard fields.count == 2, let n = Int(fields[1]), n >= 0 else { throw fail("bad data line") }
        count = n
      default: throw fail("unknown header line '\(fields.joined(separator: " "))'")
      }
    }
    let network: Network
    do { network = try Network(input: Shape(channels: c, height: h, width: w), layers: layers, metadata: metadata) } catch let error as NetworkError {
      throw fail(error.description)
    }
    let slots = network.layers.flatMap { $0.parameters + $0.state }
    guard slots.reduce(0, { $0 + $1.value.count }) == count, body.count - (cursor - body.startIndex) == count * 4 else {
      throw fail("the weights do not match the layers (expected \(slots.reduce(0) { $0 + $1.value.count }) values)")
    }
    var offset = cursor
    for slot in slots {
      for i in slot.value.indices {
        var bits: UInt32 = 0
        for b in 0..<4 { bits |= UInt32(body[offset + b]) << (8 * b) }
        slot.value[i] = Float(bitPattern: bits)
        offset += 4
      }
    }
    return network
  }

  static func makeLayer(_ spec: LayerSpec, budget: Int, random: inout SplitMix64, fail: (String) -> NetworkError) throws -> any Layer {
    let attributes = Dictionary(spec.attributes, uniquingKeysWith: { a, _ in a })
    func int(_ key: String) throws -> Int {
      guard let text = attributes[key], let value = Int(text), value >= 0, value < 1 << 24 else { throw fail("layer \(spec.kind): bad or missing \(key)") }
      return value
    }
    func real(_ key: String) throws -> Float {
      guard let text = attributes[key], let value = Float(text), value.isFinite else { throw fail("layer \(spec.kind): bad or missing \(key)") }
      return value
    }
    // A layer cannot hold more weights than the file has bytes for: no huge allocations.
    func fits(_ values: Int) throws {
      guard values <= budget else { throw fail("layer \(spec): more weights than the file holds") }
    }
    switch spec.kind {
    case "dense":
      try fits(try int("in") * int("out"))
      return Dense(try int("in"), try int("out"), spectralNorm: attributes["spectral_norm"] == "1", random: &random)
    case "conv2d":
      try fits(try int("in") * int("out") * int("kernel") * int("kernel"))
      return Convolution(
        try int("in"), try int("out"), kernel: try int("kernel"), stride: max(1, try int("stride")), padding: try int("padding"),
        spectralNorm: attributes["spectral_norm"] == "1", random: &random)
    case "maxpool": return MaxPool(max(1, try int("size")))
    case "relu": return Activation(.relu)
    case "tanh": return Activation(.tanh)
    case "sigmoid": return Activation(.sigmoid)
    case "leaky_relu": return Activation(.leakyRelu(try real("slope")))
    case "dropout":
      let rate = try real("rate")
      guard rate >= 0 && rate < 1 else { throw fail("dropout rate \(rate) is not in [0, 1)") }
      return Dropout(rate)
    case "batchnorm":
      try fits(try int("features"))
      return BatchNorm(try int("features"), momentum: try real("momentum"), epsilon: try real("epsilon"))
    case "flatten": return Flatten()
    case "instancenorm":
      try fits(try int("channels"))
      return InstanceNorm(try int("channels"), epsilon: try real("epsilon"))
    case "upsample": return Upsample(max(1, min(16, try int("factor"))))
    case "reshape": return Reshape(Shape(channels: try int("channels"), height: try int("height"), width: try int("width")))
    default: throw fail("unknown layer kind '\(spec.kind)' (written by a newer gan-eval?)")
    }
  }
}
