import Foundation
import Workers

/// Lagrange interpolation on `count` equispaced nodes per interval, at (k + ½)/count of the
/// interval's width (k < count): the weight of node a at position s ∈ [0, 1) of its interval is
/// Πᵦ≠ₐ (s − xᵦ) / Πᵦ≠ₐ (xₐ − xᵦ).
struct LagrangeNodes: Sendable {
  let count: Int
  let positions: [Double]
  let denominators: [Double]

  init(count: Int) {
    self.count = count
    let positions = (0..<count).map { (Double($0) + 0.5) / Double(count) }
    self.positions = positions
    denominators = (0..<count).map { a in
      (0..<count).filter { $0 != a }.reduce(1.0) { $0 * (positions[a] - positions[$1]) }
    }
  }

  /// The interval (clamped to 0..<intervals) of a coordinate given in interval widths from the
  /// grid's low edge; writes its `count` node weights at `weights`.
  @inline(__always)
  func locate(_ scaled: Double, intervals: Int, weights: UnsafeMutablePointer<Double>) -> Int {
    let box = min(max(Int(scaled), 0), intervals - 1)
    let s = scaled - Double(box)
    for a in 0..<count {
      var product = 1.0
      for b in 0..<count where b != a { product *= s - positions[b] }
      weights[a] = product / denominators[a]
    }
    return box
  }
}

extension LagrangeNodes {
  /// Per point and axis of the n × dims embedding `y`: the index of the first node of its
  /// interval (intervals `width` wide from `low`, clamped to `intervals`) and its `count` weights.
  func locate(
    _ y: UnsafeBufferPointer<Double>, count n: Int, dims: Int, low: [Double], width: Double, intervals: Int, threads: Int
  ) -> (first: [Int32], weights: [Double]) {
    var first = [Int32](repeating: 0, count: dims * n)
    var weights = [Double](repeating: 0, count: dims * n * count)
    let nodes = count
    first.withUnsafeMutableBufferPointer { fb in
      weights.withUnsafeMutableBufferPointer { wb in
        let f = SharedBuffer(fb.baseAddress!), w = SharedBuffer(wb.baseAddress!)
        try? parallelFor(n, threads: threads) { i in
          for axis in 0..<dims {
            let scaled = (y[dims * i + axis] - low[axis]) / width
            let box = locate(scaled, intervals: intervals, weights: w.base + (dims * i + axis) * nodes)
            f[dims * i + axis] = Int32(box * nodes)
          }
        }
      }
    }
    return (first, weights)
  }
}

/// The grid of an interpolation gradient: nodes per interval, at least `minIntervals` intervals
/// per axis, intervals at most about `intervalWidth` wide, and an FFT side of at most `maxSide`
/// (rounded down to 2^a·3^b).
struct InterpolationGrid: Sendable {
  var nodesPerInterval: Int
  var minIntervals: Int
  var intervalWidth: Double
  var maxSide: Int
  /// The grid square's (cube's) side is the embedding's span rounded up to a power of this ratio,
  /// so the kernel's transform is reused while the span stays in one bucket.
  var spanBucket = 1.05

  /// The bucketed side for an embedding whose widest axis spans `tight`.
  func span(tight: Double) -> Double {
    pow(spanBucket, (log(max(tight, 1e-12) * (1 + 1e-9)) / log(spanBucket)).rounded(.up))
  }

  /// The FFT side (2^a·3^b, at least 2·nodes − 1 for a non-circular convolution) and the number
  /// of intervals per axis, raised to fill that side.
  func layout(span: Double) -> (side: Int, intervals: Int) {
    // a diverging embedding can span more than any grid (or infinity): the side is capped below anyway
    let ratio = (span / intervalWidth).rounded(.up)
    let wanted = max(minIntervals, ratio.isFinite && ratio < Double(maxSide) ? Int(ratio) : maxSide)
    let side = min(MixedRadixFFT.size(atLeast: 2 * wanted * nodesPerInterval - 1), MixedRadixFFT.size(atMost: maxSide))
    return (side, max(1, (side + 1) / (2 * nodesPerInterval)))
  }
}
