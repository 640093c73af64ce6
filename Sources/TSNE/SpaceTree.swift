import Foundation

/// A quadtree (2D) or octree (3D) over embedding points, with each cell's point count and centre
/// of mass, for Barnes-Hut summation. Built serially in a fixed order, so it is deterministic.
struct SpaceTree {
  let dims: Int
  /// Per node: first child node (−1 for a leaf), point count, half-width of the cell.
  private(set) var firstChild: [Int32] = []
  private(set) var counts: [Int32] = []
  private(set) var halfWidth: [Double] = []
  /// Per node, dims values: centre of mass.
  private(set) var centerOfMass: [Double] = []

  init(_ y: UnsafeBufferPointer<Double>, count n: Int, dims: Int) {
    self.dims = dims
    var low = [Double](repeating: .infinity, count: dims), high = [Double](repeating: -.infinity, count: dims)
    for i in 0..<n { for d in 0..<dims { low[d] = min(low[d], y[i * dims + d]); high[d] = max(high[d], y[i * dims + d]) } }
    var center = (0..<dims).map { (low[$0] + high[$0]) / 2 }
    var half = (0..<dims).map { (high[$0] - low[$0]) / 2 }.max() ?? 0
    half = max(half * (1 + 1e-9), 1e-12)
    var order = Array(0..<Int32(n))
    let estimate = 2 * n + 16
    firstChild.reserveCapacity(estimate)
    counts.reserveCapacity(estimate)
    halfWidth.reserveCapacity(estimate)
    centerOfMass.reserveCapacity(estimate * dims)
    appendPlaceholders(1, half: half)
    fill(0, y, &order, 0..<n, center: &center, half: half, depth: 0)
  }

  /// Fills a placeholder node in place (its children go to the end of the arrays).
  private mutating func fill(
    _ node: Int, _ y: UnsafeBufferPointer<Double>, _ order: inout [Int32], _ range: Range<Int>, center: inout [Double], half: Double, depth: Int
  ) {
    counts[node] = Int32(range.count)
    var mass = [Double](repeating: 0, count: dims)
    for slot in range { for d in 0..<dims { mass[d] += y[Int(order[slot]) * dims + d] } }
    for d in 0..<dims { centerOfMass[node * dims + d] = mass[d] / Double(max(range.count, 1)) }
    guard range.count > 1, depth < 48, !allIdentical(y, order, range) else { return }
    let childCount = 1 << dims
    var buckets = [[Int32]](repeating: [], count: childCount)
    for slot in range {
      let p = Int(order[slot])
      var child = 0
      for d in 0..<dims where y[p * dims + d] >= center[d] { child |= 1 << d }
      buckets[child].append(order[slot])
    }
    var cursor = range.lowerBound
    var ranges: [Range<Int>] = []
    for bucket in buckets {
      for (offset, p) in bucket.enumerated() { order[cursor + offset] = p }
      ranges.append(cursor..<(cursor + bucket.count))
      cursor += bucket.count
    }
    let first = firstChild.count
    firstChild[node] = Int32(first)
    appendPlaceholders(childCount, half: half / 2)  // children sit together, filled below
    for c in 0..<childCount {
      var childCenter = center
      for d in 0..<dims { childCenter[d] += (c >> d) & 1 == 1 ? half / 2 : -half / 2 }
      fill(first + c, y, &order, ranges[c], center: &childCenter, half: half / 2, depth: depth + 1)
    }
  }

  private mutating func appendPlaceholders(_ count: Int, half: Double) {
    for _ in 0..<count {
      firstChild.append(-1)
      counts.append(0)
      halfWidth.append(half)
      centerOfMass.append(contentsOf: repeatElement(0, count: dims))
    }
  }

  private func allIdentical(_ y: UnsafeBufferPointer<Double>, _ order: [Int32], _ range: Range<Int>) -> Bool {
    let first = Int(order[range.lowerBound])
    for slot in range.dropFirst() {
      let p = Int(order[slot])
      for d in 0..<dims where y[p * dims + d] != y[first * dims + d] { return false }
    }
    return true
  }

  /// Σ over cells accepted by the θ criterion for point i: adds w·count to z and
  /// count·w·u·(yᵢ − centre) to force, where u = (1 + d²/α)⁻¹ and w = u^((α+1)/2).
  /// The point itself (distance 0 in its own leaf) is left out.
  @inline(__always)
  func repulsion(
    of i: Int, _ y: UnsafeBufferPointer<Double>, theta: Double, dof: Double, force: inout (Double, Double, Double), z: inout Double,
    stack: inout [Int32]
  ) {
    let thetaSquared = theta * theta
    let px = y[i * dims], py = y[i * dims + 1], pz = dims == 3 ? y[i * dims + 2] : 0
    stack.removeAll(keepingCapacity: true)
    stack.append(0)
    let exponent = (dof + 1) / 2
    while let top = stack.popLast() {
      let node = Int(top)
      let count = Double(counts[node])
      if count == 0 { continue }
      let dx = px - centerOfMass[node * dims], dy = py - centerOfMass[node * dims + 1]
      let dz = dims == 3 ? pz - centerOfMass[node * dims + 2] : 0
      let d2 = dx * dx + dy * dy + dz * dz
      let isLeaf = firstChild[node] < 0
      let width = 2 * halfWidth[node]
      if isLeaf || width * width < thetaSquared * d2 {
        if d2 == 0 {
          // only a leaf passes at distance 0: i's own leaf, holding i and any points identical
          // to it; each other one adds w = 1 to z and no force
          z += count - 1
          continue
        }
        let u = 1 / (1 + d2 / dof)
        let w = dof == 1 ? u : pow(u, exponent)
        z += count * w
        let scale = count * w * u
        force.0 += scale * dx
        force.1 += scale * dy
        force.2 += scale * dz
      } else {
        let first = Int(firstChild[node])
        for c in 0..<(1 << dims) { stack.append(Int32(first + c)) }
      }
    }
  }

  var nodeCount: Int { firstChild.count }
}
