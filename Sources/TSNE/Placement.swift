import Foundation
import Workers

/// Settings for placing new points into a fixed map. The defaults are openTSNE's
/// `TSNEEmbedding.transform` defaults (openTSNE 1.0): perplexity 5 over k = 3·5 = 15 nearest
/// reference points; start at the median of those neighbours' positions (openTSNE asks for 25
/// but only 15 were queried, so 15 are used); no early-exaggeration phase (4 for 0 iterations);
/// then 250 iterations at exaggeration 1.5, momentum 0.8, learning rate 0.1 (openTSNE's scale:
/// its gradient has no factor 4, nor does this one); each point's gradient clipped to norm 0.25;
/// no step clipping; gains +0.2 on a sign change, else ×0.8 + 0.01.
public struct PlacementOptions: Sendable {
  public var perplexity = 5.0
  public var start = PlacementStart.median
  /// Neighbours whose positions give the start, at most the 3·perplexity queried.
  public var startNeighbors = 25
  public var learningRate = 0.1
  public var earlyExaggeration = 4.0
  public var earlyExaggerationIterations = 0
  public var exaggeration = 1.5
  public var iterations = 250
  public var initialMomentum = 0.8
  public var momentum = 0.8
  /// Each point's gradient is scaled down to this norm when longer (nil: never).
  public var maxGradientNorm: Double? = 0.25
  /// Each point's step is scaled down to this norm when longer (nil: never).
  public var maxStepNorm: Double? = nil
  /// How the new points' neighbours among the reference points are found.
  public var knn = KNNMethod.auto
  public var threads = defaultThreadCount
  public init() {}
}

/// Where a new point starts: the coordinate-wise median (openTSNE's default) or the mean of its
/// nearest reference points' positions.
public enum PlacementStart: String, Sendable, CaseIterable {
  case median
  case mean
}

/// New points placed into a map.
public struct Placement: Sendable {
  /// m × dims, row-major, in the map's coordinates.
  public var coordinates: [Double]
  public var dims: Int
  /// The new points' nearest reference points in feature space (m × k, nearest first).
  public var neighbors: NearestNeighbors
  /// Seconds per phase: "neighbours", "optimisation".
  public var seconds: [(String, Double)]
}

extension TSNEMap {
  /// Places `m` new input rows (inputColumns values each) into the map without moving its
  /// points, as openTSNE's `transform`: each new point i gets affinities pᵢⱼ to its k nearest
  /// reference points (a Gaussian calibrated to `perplexity`, normalised per point), starts at
  /// their median (or mean) position, and follows
  ///   ∂ᵢ = e·Σⱼ pᵢⱼ wᵢⱼ (yᵢ − yⱼ) − Σⱼ wᵢⱼ² (yᵢ − yⱼ) / Σⱼ wᵢⱼ,   wᵢⱼ = (1 + ‖yᵢ − yⱼ‖²)⁻¹,
  /// the repulsion summed exactly over every reference point and normalised per new point, so
  /// new points never interact. Each point is optimised on its own: the result is the same for
  /// any thread count.
  public func place(_ rows: [Double], count m: Int, options: PlacementOptions = PlacementOptions()) throws -> Placement {
    guard m >= 1 else { throw TSNEMapError.inconsistent("no new points to place") }
    let queries = try project(rows, count: m)  // checks the row length first
    for i in 0..<m where !rows[(i * inputColumns)..<((i + 1) * inputColumns)].allSatisfy(\.isFinite) {
      throw TSNEError.notFinite(row: i)
    }
    guard options.perplexity > 0, options.iterations >= 0, options.earlyExaggerationIterations >= 0, options.learningRate > 0 else {
      throw TSNEError.badOption("placement needs perplexity > 0, learning rate > 0 and no negative iteration counts")
    }
    let clock = Date()
    let k = min(count, max(1, Int(3 * options.perplexity)))
    let index = makeNeighborIndex(options.knn, data: features, rows: count, columns: featureColumns, seed: seed)
    let found = index.query(queries, rows: m, k: k, threads: options.threads)
    let neighbourSeconds = Date().timeIntervalSince(clock)
    let start = Date()
    let dims = self.dims
    var out = [Double](repeating: 0, count: m * dims)
    // reference coordinates by axis, for the vector loops of the repulsion
    let axes = (0..<dims).map { axis in (0..<count).map { embedding[$0 * dims + axis] } }
    out.withUnsafeMutableBufferPointer { ob in
      let shared = SharedBuffer(ob.baseAddress!)
      try? parallelFor(m, threads: options.threads) { i in
        let point = placeOne(neighbors: found, row: i, axes: axes, options: options)
        for c in 0..<dims { shared[i * dims + c] = point[c] }
      }
    }
    return Placement(
      coordinates: out, dims: dims, neighbors: found,
      seconds: [("neighbours", neighbourSeconds), ("optimisation", Date().timeIntervalSince(start))])
  }

  /// One new point: affinities, start, and the two optimisation phases.
  private func placeOne(neighbors found: NearestNeighbors, row i: Int, axes: [[Double]], options: PlacementOptions) -> [Double] {
    let k = found.k
    let targets = (0..<k).map { Int(found.indices[i * k + $0]) }
    var p = [Double](repeating: 0, count: k)
    found.distances[(i * k)..<((i + 1) * k)].withUnsafeBufferPointer { d in
      p.withUnsafeMutableBufferPointer { Affinities.calibrateRow(d, perplexity: min(options.perplexity, Double(k)), into: $0) }
    }
    let total = p.reduce(0, +)
    if total > 0 { p = p.map { $0 / total } }
    let startCount = max(1, min(options.startNeighbors, k))
    let y = (0..<dims).map { axis -> Double in
      let values = targets[0..<startCount].map { axes[axis][$0] }
      if options.start == .mean { return values.reduce(0, +) / Double(startCount) }
      let sorted = values.sorted()
      return startCount % 2 == 1 ? sorted[startCount / 2] : (sorted[startCount / 2 - 1] + sorted[startCount / 2]) / 2
    }
    // coordinates in the first `dims` lanes; the other lanes stay zero throughout
    var point = SIMD4<Double>.zero
    for c in 0..<dims { point[c] = y[c] }
    var update = SIMD4<Double>.zero, gains = SIMD4<Double>(repeating: 1)
    let lanes = SIMD4<Double>((0..<4).map { $0 < dims ? 1 : 0 })
    let phases = [
      (options.earlyExaggerationIterations, options.earlyExaggeration, options.initialMomentum),
      (options.iterations, options.exaggeration, options.momentum),
    ]
    for (iterations, exaggeration, momentum) in phases {
      // openTSNE starts every optimize call with the update and gains of the previous one
      for _ in 0..<iterations {
        var gradient = self.gradient(at: point, targets: targets, p: p, exaggeration: exaggeration, axes: axes)
        if let limit = options.maxGradientNorm {
          let norm = (gradient * gradient).sum().squareRoot()
          let scale = limit / (norm + 1e-6)
          if scale < 1 { gradient *= scale }
        }
        for c in 0..<dims {
          gains[c] = Self.signFlipped(update[c], gradient[c]) ? gains[c] + 0.2 : gains[c] * 0.8 + 0.01
        }
        update = (momentum * update - options.learningRate * gains * gradient) * lanes
        if let limit = options.maxStepNorm {
          let norm = (update * update).sum().squareRoot()
          if norm > limit { update = update / norm * limit }
        }
        point += update
      }
    }
    return (0..<dims).map { point[$0] }
  }

  /// numpy's sign(update) != sign(gradient), with sign(0) = 0.
  @inline(__always)
  private static func signFlipped(_ a: Double, _ b: Double) -> Bool {
    let sa = a > 0 ? 1 : (a < 0 ? -1 : 0), sb = b > 0 ? 1 : (b < 0 ? -1 : 0)
    return sa != sb
  }

  /// The placement gradient of one new point (see `place`), coordinates in the first `dims` lanes.
  private func gradient(at y: SIMD4<Double>, targets: [Int], p: [Double], exaggeration: Double, axes: [[Double]]) -> SIMD4<Double> {
    var attraction = SIMD4<Double>.zero
    for (slot, j) in targets.enumerated() {
      var t = SIMD4<Double>.zero
      for c in 0..<dims { t[c] = y[c] - axes[c][j] }
      let w = 1 / (1 + (t * t).sum())
      attraction += exaggeration * p[slot] * w * t
    }
    // four reference points at a time (lanes summed at the end, then the tail): the order is fixed
    // by the map alone, so each point's result does not depend on threads
    var z4 = SIMD4<Double>.zero, r4 = (SIMD4<Double>.zero, SIMD4<Double>.zero, SIMD4<Double>.zero)
    let one = SIMD4<Double>(repeating: 1)
    let origin = (SIMD4<Double>(repeating: y[0]), SIMD4<Double>(repeating: y[1]), SIMD4<Double>(repeating: y[2]))
    let blocks = count / 4
    axes[0].withUnsafeBufferPointer { a0 in
      axes[1].withUnsafeBufferPointer { a1 in
        (dims == 3 ? axes[2] : axes[1]).withUnsafeBufferPointer { a2 in
          let (x0, x1, x2) = origin
          var (s0, s1, s2) = (SIMD4<Double>.zero, SIMD4<Double>.zero, SIMD4<Double>.zero)
          for block in 0..<blocks {
            let j = 4 * block
            let t0 = x0 - UnsafeRawPointer(a0.baseAddress! + j).loadUnaligned(as: SIMD4<Double>.self)
            let t1 = x1 - UnsafeRawPointer(a1.baseAddress! + j).loadUnaligned(as: SIMD4<Double>.self)
            var d2 = t0 * t0 + t1 * t1
            var t2 = SIMD4<Double>.zero
            if dims == 3 {
              t2 = x2 - UnsafeRawPointer(a2.baseAddress! + j).loadUnaligned(as: SIMD4<Double>.self)
              d2 += t2 * t2
            }
            let w = one / (one + d2)
            z4 += w
            let w2 = w * w
            s0 += w2 * t0
            s1 += w2 * t1
            if dims == 3 { s2 += w2 * t2 }
          }
          r4 = (s0, s1, s2)
        }
      }
    }
    var z = z4.sum()
    var repulsion = SIMD4<Double>(r4.0.sum(), r4.1.sum(), dims == 3 ? r4.2.sum() : 0, 0)
    for j in (4 * blocks)..<count {
      var t = SIMD4<Double>.zero
      for c in 0..<dims { t[c] = y[c] - axes[c][j] }
      let w = 1 / (1 + (t * t).sum())
      z += w
      repulsion += w * w * t
    }
    return attraction - repulsion / (z + 1e-12)
  }
}
