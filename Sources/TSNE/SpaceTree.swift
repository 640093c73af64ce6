import Foundation

/// A quadtree (2D) or octree (3D) over embedding points, with each cell's point count and centre
/// of mass, for Barnes-Hut summation. Built serially in a fixed order, so it is deterministic.
struct SpaceTree {
  /// One cell, packed into a cache line: centre of mass (z = 0 in 2D), point count, squared cell
  /// width, and the index of the first of its 2^dims consecutive children (−1 for a leaf).
  struct Node {
    var centerOfMass: SIMD4<Double>
    var count: Double
    var widthSquared: Double
    var firstChild: Int32
  }

  let dims: Int
  private(set) var nodes: [Node] = []
  /// Point indices in tree (space-filling) order: neighbours in space sit together, so walking
  /// points in this order keeps the same cells in cache.
  private(set) var order: [Int32] = []

  /// `startOrder` (a permutation of 0..<n, such as the previous iteration's `order`) is the order
  /// the points are partitioned from; a nearly sorted start makes the partitions cheap.
  init(_ y: UnsafeBufferPointer<Double>, count n: Int, dims: Int, startOrder: [Int32]? = nil) {
    self.dims = dims
    var order = startOrder.flatMap { $0.count == n ? $0 : nil } ?? Array(0..<Int32(n))
    var points = order.map { k in
      let i = Int(k)
      return SIMD4<Double>(y[i * dims], y[i * dims + 1], dims == 3 ? y[i * dims + 2] : 0, 0)
    }
    var low = SIMD4<Double>(repeating: .infinity), high = SIMD4<Double>(repeating: -.infinity)
    for p in points {
      low = pointwiseMin(low, p)
      high = pointwiseMax(high, p)
    }
    if dims == 2 { low.z = 0; high.z = 0 }
    low.w = 0; high.w = 0
    let center = (low + high) / 2
    var half = ((high - low) / 2).max()
    half = max(half * (1 + 1e-9), 1e-12)
    nodes.reserveCapacity(2 * n + 16)
    nodes.append(Node(centerOfMass: .zero, count: 0, widthSquared: 4 * half * half, firstChild: -1))
    points.withUnsafeMutableBufferPointer { buffer in
      order.withUnsafeMutableBufferPointer { indices in
        _ = fill(0, buffer, indices, 0..<n, center: center, half: half, depth: 0)  // the root's sum is not needed
      }
    }
    self.order = order
  }

  /// Fills node `node` for points[range] in the cell (center, half), recursing into children;
  /// returns the points' coordinate sum (a cell's is its children's, so each level is not
  /// summed again).
  private mutating func fill(
    _ node: Int, _ points: UnsafeMutableBufferPointer<SIMD4<Double>>, _ indices: UnsafeMutableBufferPointer<Int32>,
    _ range: Range<Int>, center: SIMD4<Double>, half: Double, depth: Int
  ) -> SIMD4<Double> {
    nodes[node].count = Double(range.count)
    guard range.count > 1, depth < 48, !allIdentical(points, range) else {
      var sum = SIMD4<Double>.zero
      for slot in range { sum += points[slot] }
      nodes[node].centerOfMass = range.isEmpty ? center : sum / Double(range.count)
      return sum
    }
    // partition in place: by x, then each half by y, then (3D) each quarter by z; part k is
    // bounds[k]..<bounds[k + 1] (fixed-size storage: no allocation per cell)
    var bounds = SIMD16<Int>(repeating: range.upperBound)
    bounds[0] = range.lowerBound
    var partCount = 1
    for axis in 0..<dims {
      var next = SIMD16<Int>(repeating: range.upperBound)
      for k in 0..<partCount {
        let low = bounds[k], high = bounds[k + 1]
        next[2 * k] = low
        next[2 * k + 1] = partition(points, indices, low..<high, axis: axis, at: center[axis])
        next[2 * k + 2] = high
      }
      bounds = next
      partCount *= 2
    }
    // parts are ordered with axis 0 varying slowest; child index uses bit d for axis d
    let childCount = 1 << dims
    let first = nodes.count
    nodes[node].firstChild = Int32(first)
    let childWidthSquared = half * half  // (2 · half/2)²
    for _ in 0..<childCount { nodes.append(Node(centerOfMass: .zero, count: 0, widthSquared: childWidthSquared, firstChild: -1)) }
    var sum = SIMD4<Double>.zero
    for c in 0..<childCount {
      var partIndex = 0
      for axis in 0..<dims where (c >> axis) & 1 == 1 { partIndex |= 1 << (dims - 1 - axis) }
      var childCenter = center
      for axis in 0..<dims { childCenter[axis] += (c >> axis) & 1 == 1 ? half / 2 : -half / 2 }
      sum += fill(first + c, points, indices, bounds[partIndex]..<bounds[partIndex + 1], center: childCenter, half: half / 2, depth: depth + 1)
    }
    nodes[node].centerOfMass = sum / Double(range.count)
    return sum
  }

  /// Moves points with coordinate < value before the others; returns the boundary.
  private func partition(
    _ points: UnsafeMutableBufferPointer<SIMD4<Double>>, _ indices: UnsafeMutableBufferPointer<Int32>, _ range: Range<Int>, axis: Int,
    at value: Double
  ) -> Int {
    var boundary = range.lowerBound
    for slot in range where points[slot][axis] < value {
      points.swapAt(slot, boundary)
      indices.swapAt(slot, boundary)
      boundary += 1
    }
    return boundary
  }

  private func allIdentical(_ points: UnsafeMutableBufferPointer<SIMD4<Double>>, _ range: Range<Int>) -> Bool {
    let first = points[range.lowerBound]
    for slot in range.dropFirst() where points[slot] != first { return false }
    return true
  }

  /// Σ over cells accepted by the θ criterion (width/distance < θ) for point p: adds w·count to z
  /// and count·w·u·(p − centre) to force, where u = (1 + d²/α)⁻¹ and w = u^((α+1)/2).
  /// The point's own leaf (distance 0) adds count − 1 to z and no force. `stack` must hold at
  /// least 48·2^dims + 1 entries (the depth bound times the fan-out).
  @inline(__always)
  func repulsion(
    of p: SIMD4<Double>, thetaSquared: Double, dof: Double, force: inout SIMD4<Double>, z: inout Double,
    stack: UnsafeMutablePointer<Int32>
  ) {
    let exponent = (dof + 1) / 2
    let childCount = Int32(1 << dims)
    var zSum = 0.0
    var forceSum = SIMD4<Double>.zero
    nodes.withUnsafeBufferPointer { nodes in
      let base = nodes.baseAddress!
      var top = 1
      stack[0] = 0
      while top > 0 {
        top -= 1
        let node = base[Int(stack[top])]
        let delta = p - node.centerOfMass
        let d2 = (delta * delta).sum()
        if node.firstChild < 0 || node.widthSquared < thetaSquared * d2 {
          if d2 == 0 {
            zSum += node.count - 1
            continue
          }
          let u = 1 / (1 + d2 / dof)
          let w = dof == 1 ? u : pow(u, exponent)
          zSum += node.count * w
          forceSum += (node.count * w * u) * delta
        } else {
          let first = node.firstChild
          for c in 0..<childCount where base[Int(first + c)].count > 0 {
            stack[top] = first + c
            top += 1
          }
        }
      }
    }
    z += zSum
    force += forceSum
  }

  /// The stack size `repulsion` needs.
  var stackCapacity: Int { 48 * (1 << dims) + 8 }

  var nodeCount: Int { nodes.count }
}
