import Foundation
import ImageIO
import TestSupport
import XCTest

@testable import TSNE

/// Saved maps and the placement of new points into them.
final class TSNEMapTests: XCTestCase {
  private func golden() throws -> [String: Any] {
    let data = Data(try readFile(Repo.fixtures + "/tsne_more_golden.json"))
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
  }

  /// A small map of 300 digits (raw pixels, PCA to 20 inside).
  private func smallMap() throws -> (map: TSNEMap, pixels: [Double]) {
    let set = try RealData.digits().subset((0..<400).map { $0 * 12 })
    let pixels = set.pixels.map(Double.init)
    var options = TSNEOptions()
    options.iterations = 250
    options.perplexity = 10
    options.threads = 2
    let map = try TSNEMap.build(Array(pixels[0..<(300 * 784)]), rows: 300, columns: 784, components: 20, options: options).map
    return (map, pixels)
  }

  func testMapFileRoundTripsBitForBit() throws {
    let (map, _) = try smallMap()
    let path = temporaryDirectory("map") + "/digits.tsnemap"
    try map.write(to: path)
    let read = try TSNEMap.read(from: path)
    XCTAssertEqual(read, map)
    XCTAssertEqual(read.encoded(), map.encoded())
    XCTAssertEqual(map.count, 300)
    XCTAssertEqual(map.featureColumns, 20)
    XCTAssertEqual(map.neighbors.k, 30)
    XCTAssertEqual(Array(map.encoded()[0..<8]), Array("TSNEMAP\0".utf8))
  }

  /// Every kind of damage is refused with an error that names the file and the fix.
  func testDamagedMapFilesAreRefusedWithClearErrors() throws {
    let (map, _) = try smallMap()
    let bytes = map.encoded()
    let path = "/some/where/real.tsnemap"
    var flipped = bytes
    flipped[bytes.count / 2] ^= 0x10
    XCTAssertThrowsError(try TSNEMap.decode(flipped, path: path)) { XCTAssertEqual($0 as? TSNEMapError, .checksumMismatch(path: path)) }
    XCTAssertThrowsError(try TSNEMap.decode(Array(bytes[0..<(bytes.count - 100)]), path: path)) {
      XCTAssertEqual($0 as? TSNEMapError, .truncated(path: path, expected: bytes.count, actual: bytes.count - 100))
    }
    XCTAssertThrowsError(try TSNEMap.decode(Array(bytes[0..<40]), path: path)) { XCTAssertTrue(String(describing: $0).contains("truncated")) }
    XCTAssertThrowsError(try TSNEMap.decode(Array("PNG file".utf8) + bytes[8...], path: path)) {
      XCTAssertEqual($0 as? TSNEMapError, .notAMap(path: path))
      XCTAssertTrue(String(describing: $0).contains("--save-map"))
    }
    var future = bytes
    future[8] = 9
    XCTAssertThrowsError(try TSNEMap.decode(future, path: path)) { XCTAssertEqual($0 as? TSNEMapError, .unsupportedVersion(path: path, version: 9)) }
    XCTAssertThrowsError(try TSNEMap.decode(bytes + [0], path: path)) { XCTAssertTrue(String(describing: $0).contains(path)) }
    XCTAssertThrowsError(try TSNEMap.read(from: "/no/such/map.tsnemap")) { XCTAssertTrue(String(describing: $0).contains("/no/such/map.tsnemap")) }
    XCTAssertThrowsError(try map.place([1, 2, 3], count: 1)) { XCTAssertTrue(String(describing: $0).contains("784")) }
  }

  /// The placement of the other 100 digits: the same bits for any thread count and kNN index.
  func testPlacementIsIdenticalForAnyThreadCount() throws {
    let (map, pixels) = try smallMap()
    let fresh = Array(pixels[(300 * 784)...])
    var options = PlacementOptions()
    options.threads = 1
    let one = try map.place(fresh, count: 100, options: options)
    options.threads = 3
    let three = try map.place(fresh, count: 100, options: options)
    XCTAssertEqual(one.coordinates, three.coordinates)
    XCTAssertTrue(one.coordinates.allSatisfy(\.isFinite))
  }

  /// The target: 1,000 of the 5,000 digits (every fifth) placed into a map of the other
  /// 4,000; their 10-NN class agreement with the map within 0.02 of openTSNE's transform on the
  /// same split (fixtures/make_tsne_more_goldens.py).
  func testPlacementAgreesWithOpenTSNETransformOnHeldOutDigits() throws {
    let set = try RealData.digits()
    let pixels = set.pixels.map(Double.init)
    let held = (0..<5000).filter { $0 % 5 == 4 }, kept = (0..<5000).filter { $0 % 5 != 4 }
    let rows = { (indices: [Int]) in indices.flatMap { pixels[($0 * 784)..<(($0 + 1) * 784)] } }
    var options = TSNEOptions()
    options.threads = 2
    let map = try TSNEMap.build(rows(kept), rows: kept.count, columns: 784, components: 50, options: options).map
    var placing = PlacementOptions()
    placing.threads = 2
    let placed = try map.place(rows(held), count: held.count, options: placing)
    let agreement = Self.agreement(placed.coordinates, labels: held.map { set.labels[$0]! }, map: map, mapLabels: kept.map { set.labels[$0]! })
    placing.start = .mean
    let fromMean = try map.place(rows(held), count: held.count, options: placing)
    let meanAgreement = Self.agreement(fromMean.coordinates, labels: held.map { set.labels[$0]! }, map: map, mapLabels: kept.map { set.labels[$0]! })
    let reference = (try golden()["transform"] as! [String: Any])["agreement_10nn"] as! Double
    print("tsne-placement: 10-NN class agreement \(agreement) (median start), \(meanAgreement) (mean start); openTSNE transform \(reference)")
    XCTAssertLessThanOrEqual(abs(agreement - reference), 0.02)
    XCTAssertLessThanOrEqual(abs(meanAgreement - reference), 0.02)
  }

  /// For each placed point, the fraction of its 10 nearest map points (in the embedding) with its class.
  static func agreement(_ placed: [Double], labels: [String], map: TSNEMap, mapLabels: [String]) -> Double {
    let m = labels.count, dims = map.dims
    var total = 0.0
    for i in 0..<m {
      var heap = BoundedMaxHeap(capacity: 10)
      for j in 0..<map.count {
        var s = 0.0
        for c in 0..<dims { let t = placed[i * dims + c] - map.embedding[j * dims + c]; s += t * t }
        heap.offer(s, Int32(j))
      }
      total += Double(heap.items.filter { mapLabels[Int($0.index)] == labels[i] }.count) / 10
    }
    return total / Double(m)
  }
}
