import Foundation
import ImageIO
import TestSupport
import Workers
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

  /// A map keeps the reference points' labels (format version 2); its class agreement is the
  /// brute-force 10-NN share; a version-1 file (no labels) still reads.
  func testLabelledMapRoundTripsAndMeasuresClassAgreement() throws {
    // the digits are stored class by class: take every 12th, and hold out every fourth of those
    let set = try RealData.digits().subset((0..<400).map { $0 * 12 })
    let pixels = set.pixels.map(Double.init), labels = set.labels.map { $0! }
    let kept = (0..<400).filter { $0 % 4 != 3 }, held = (0..<400).filter { $0 % 4 == 3 }
    let rows = { (indices: [Int]) in indices.flatMap { pixels[($0 * 784)..<(($0 + 1) * 784)] } }
    var options = TSNEOptions()
    options.iterations = 500
    options.perplexity = 10
    options.threads = 2
    let map = try TSNEMap.build(rows(kept), rows: kept.count, columns: 784, components: 20, options: options).map
    let mapLabels = kept.map { labels[$0] }, heldLabels = held.map { labels[$0] }
    let labelled = try TSNEMap(
      embedding: map.embedding, dims: map.dims, inputColumns: map.inputColumns, projectionMean: map.projectionMean,
      projectionBasis: map.projectionBasis, features: map.features, featureColumns: map.featureColumns, neighbors: map.neighbors,
      perplexity: map.perplexity, seed: map.seed, labels: mapLabels)
    let read = try TSNEMap.decode(labelled.encoded(), path: "labelled.tsnemap")
    XCTAssertEqual(read, labelled)
    XCTAssertEqual(read.labels, mapLabels)

    var placing = PlacementOptions()
    placing.threads = 2
    let placed = try labelled.place(rows(held), count: held.count, options: placing)
    let shares = labelled.classAgreement(coordinates: placed.coordinates, labels: heldLabels, threads: 2)
    let mean = shares.compactMap { $0 }.reduce(0, +) / Double(held.count)
    XCTAssertEqual(shares.compactMap { $0 }.count, held.count)
    XCTAssertEqual(mean, Self.agreement(placed.coordinates, labels: heldLabels, map: labelled, mapLabels: mapLabels), accuracy: 1e-12)
    print("tsne-map: 10-NN class agreement of 100 held-out digits with a labelled map of 300: \(mean)")
    XCTAssertGreaterThan(mean, 0.5, "held-out digits land among their own class (chance is about 0.1)")
    // unlabelled queries and an unlabelled map give no share
    XCTAssertTrue(labelled.classAgreement(coordinates: placed.coordinates, labels: Array(repeating: nil, count: 100)).allSatisfy { $0 == nil })
    XCTAssertTrue(map.classAgreement(coordinates: placed.coordinates, labels: heldLabels).allSatisfy { $0 == nil })
    // the map's own agreement skips each point itself (with itself it would count one more each)
    let own = labelled.classAgreement(coordinates: labelled.embedding, labels: mapLabels, excludingSelf: true).compactMap { $0 }
    XCTAssertEqual(own.count, 300)
    XCTAssertEqual(own.reduce(0, +) / 300, Self.ownAgreement(labelled, labels: mapLabels), accuracy: 1e-12)

    // version 1: the same bytes without labels, version field 1
    var old = map.encoded()
    old[8] = 1
    old.replaceSubrange((old.count - 8)..., with: withUnsafeBytes(of: fnv1a64(old[0..<(old.count - 8)]).littleEndian, Array.init))
    XCTAssertEqual(try TSNEMap.decode(old, path: "old.tsnemap"), map)
    XCTAssertThrowsError(try TSNEMap(
      embedding: map.embedding, dims: map.dims, inputColumns: map.inputColumns, projectionMean: map.projectionMean,
      projectionBasis: map.projectionBasis, features: map.features, featureColumns: map.featureColumns, neighbors: map.neighbors,
      perplexity: map.perplexity, seed: map.seed, labels: ["1"]))
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

  /// Each map point's share of its 10 nearest other map points with its class, averaged (brute force).
  static func ownAgreement(_ map: TSNEMap, labels: [String]) -> Double {
    var total = 0.0
    for i in 0..<map.count {
      var distances: [(Double, Int)] = []
      for j in 0..<map.count where j != i {
        var s = 0.0
        for c in 0..<map.dims {
          let t = map.embedding[i * map.dims + c] - map.embedding[j * map.dims + c]
          s += t * t
        }
        distances.append((s, j))
      }
      distances.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
      total += Double(distances.prefix(10).filter { labels[$0.1] == labels[i] }.count) / 10
    }
    return total / Double(map.count)
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
