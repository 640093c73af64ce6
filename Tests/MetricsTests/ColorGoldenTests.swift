import EvalCore
import Foundation
import ImageIO
import Metrics
import TestSupport
import XCTest

/// Colour images built from real data (Colored-MNIST from the 5,000 digits, scikit-image's bundled
/// photographs) against numpy, scipy and scikit-image: fixtures/make_color_goldens.py.
final class ColorGoldenTests: XCTestCase {
  struct Golden {
    var name: String
    var json: [String: Any]
  }

  func goldens() throws -> [Golden] {
    let data = try Data(contentsOf: URL(fileURLWithPath: Repo.fixtures + "/color_golden.json"))
    let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    let images = root["images"] as! [String: Any]
    XCTAssertGreaterThanOrEqual(images.count, 13)
    return images.keys.sorted().map { Golden(name: $0, json: images[$0] as! [String: Any]) }
  }

  func load(_ name: String) throws -> ImageSet {
    let path = Repo.fixtures + "/color/" + name + ".png"
    return try PNG.decodeSet(try readFile(path), path: path)
  }

  func testEntropyOfTheRGBArrayAndOfEachChannelMatchScikitImage() throws {
    for golden in try goldens() {
      let set = try load(golden.name)
      XCTAssertEqual(set.channels, 3, golden.name)
      XCTAssertEqual(EntropyMetric.entropies(set, threads: 1)[0], golden.json["entropy_bits"] as! Double, accuracy: 1e-12, golden.name)
      let channels = golden.json["entropy_channel_bits"] as! [Double]
      for c in 0..<3 {
        XCTAssertEqual(EntropyMetric.channelEntropies(set, channel: c, threads: 1)[0], channels[c], accuracy: 1e-12, "\(golden.name) channel \(c)")
      }
    }
  }

  func testChannelAndLuminanceHistogramsMatchNumpy() throws {
    let bins = Bins(count: 256, lower: 0, upper: 1)
    for golden in try goldens() {
      let set = try load(golden.name)
      let expected = golden.json["histogram_channels"] as! [[Int]]
      for c in 0..<3 {
        XCTAssertEqual(PixelHistogram(set, bins: bins, threads: 2, channel: .index(c)).counts, expected[c], "\(golden.name) channel \(c)")
      }
      XCTAssertEqual(PixelHistogram(set, bins: bins, threads: 2, channel: .luma).counts, golden.json["histogram_luma"] as! [Int], "\(golden.name) luma")
    }
  }

  func testGaussianFilterPerChannelMatchesScipy() throws {
    let filter = try GaussianFilter.make(["sigma": "1.5"])
    for golden in try goldens() {
      let set = try load(golden.name)
      let filtered = try filter.apply(set, context: RunContext(threads: 2, quiet: true))
      XCTAssertEqual(filtered.channels, 3)
      let levels = filtered.grayLevels(0)
      XCTAssertEqual(levels.reduce(0) { $0 + Int($1) }, golden.json["gaussian_sum"] as! Int, golden.name)
      for probe in golden.json["gaussian_probes"] as! [[Any]] {
        let at = probe[0] as! [Int], value = probe[1] as! Int
        XCTAssertEqual(Int(levels[(at[0] * set.width + at[1]) * 3 + at[2]]), value, "\(golden.name) at \(at)")
      }
      XCTAssertEqual(sha256Hex(levels), golden.json["gaussian_sha256"] as! String, golden.name)
    }
  }

  /// A colour set and a gray set cannot be compared by accident; luma mode reads colour as gray.
  func testColourModesAndMixedSets() throws {
    let dir = temporaryDirectory("color-modes")
    try makeDirectory(dir + "/rgb")
    for name in ["cmnist_0000_class0", "cmnist_0501_class1"] {
      try writeFile(dir + "/rgb/\(name).png", try readFile(Repo.fixtures + "/color/\(name).png"))
    }
    let digits = try RealData.digits().subset([0, 1])
    try writeFile(dir + "/rgb/gray.png", try PNG.encode(digits.grayLevels(0), width: 28, height: 28))
    let auto = try SampleDirectory.load(dir + "/rgb")
    XCTAssertEqual(auto.channels, 3, "any colour file makes the set RGB")
    let grayIndex = auto.files.firstIndex(of: "gray.png")!
    let image = Array(auto.image(grayIndex))
    XCTAssertEqual(stride(from: 0, to: image.count, by: 3).map { image[$0] }, Array(digits.image(0)), "gray files become R = G = B")
    XCTAssertEqual(stride(from: 1, to: image.count, by: 3).map { image[$0] }, Array(digits.image(0)))
    var options = LoadOptions()
    options.color = .luma
    let luma = try SampleDirectory.load(dir + "/rgb", options: options)
    XCTAssertEqual(luma.channels, 1)
    let first = try load("cmnist_0000_class0")
    XCTAssertEqual(luma.grayLevels(luma.files.firstIndex(of: "cmnist_0000_class0.png")!), first.lumaLevels(0), "luma mode equals Pillow's convert('L')")
  }
}

/// SHA-256 of bytes, lower-case hex (for comparing arrays with a golden digest).
func sha256Hex(_ bytes: [UInt8]) -> String {
  var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
  let k: [UInt32] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]
  var message = bytes + [0x80]
  while message.count % 64 != 56 { message.append(0) }
  let bits = UInt64(bytes.count) * 8
  for shift in stride(from: 56, through: 0, by: -8) { message.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
  func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
  for chunk in stride(from: 0, to: message.count, by: 64) {
    var w = [UInt32](repeating: 0, count: 64)
    for i in 0..<16 {
      let b = message[(chunk + 4 * i)..<(chunk + 4 * i + 4)].map(UInt32.init)
      w[i] = b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]
    }
    for i in 16..<64 {
      let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
      let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
      w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
    }
    var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
    for i in 0..<64 {
      let t1 = hh &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
      let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
      (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
    }
    for (i, v) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] = h[i] &+ v }
  }
  return h.map { String(format: "%08x", $0) }.joined()
}
