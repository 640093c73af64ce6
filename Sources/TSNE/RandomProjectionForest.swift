import Workers

/// Random-projection trees (Dasgupta & Freund 2008, as used by pynndescent to start NN-descent):
/// each node splits its points by the hyperplane halfway between two of them, chosen at random,
/// until at most `leafSize` points remain. Points in one leaf are likely neighbours.
struct RandomProjectionTree: Sendable {
  struct Node: Sendable {
    /// Offset of the hyperplane's normal in `normals`, or −1 for a leaf.
    var normal: Int
    var offset: Float
    /// Children for a split node; for a leaf, the range of `order` holding its points.
    var left: Int
    var right: Int
  }

  var nodes: [Node] = []
  var normals: [Float] = []
  /// The points, permuted so every leaf is a contiguous range.
  var order: [Int32]

  /// Builds one tree; the random choices come from `seed` alone.
  init(_ rows: PaddedRows, leafSize: Int, seed: UInt64) {
    let n = rows.count, width = rows.width
    order = (0..<n).map(Int32.init)
    var generator = SplitMix64(seed: seed)
    var side = [Float](repeating: 0, count: n)
    var normal = [Float](repeating: 0, count: width)
    // depth-first with an explicit stack of (node, lo, hi, depth)
    nodes.append(Node(normal: -1, offset: 0, left: 0, right: n))
    var stack = [(0, 0, n, 0)]
    while let (node, lo, hi, depth) = stack.popLast() {
      let size = hi - lo
      if size <= leafSize || depth >= 100 { nodes[node] = Node(normal: -1, offset: 0, left: lo, right: hi); continue }
      let a = Int(order[lo + Int(generator.next() % UInt64(size))])
      var b = Int(order[lo + Int(generator.next() % UInt64(size - 1))])
      if b == a { b = Int(order[hi - 1]) }
      var offset: Float = 0
      for c in 0..<width {
        let (xa, xb) = (rows.row(a)[c], rows.row(b)[c])
        normal[c] = xa - xb
        offset -= normal[c] * (xa + xb) / 2
      }
      // partition: negative side first; points on the plane go by a coin
      var split = lo
      normal.withUnsafeBufferPointer { nb in
        for s in lo..<hi { side[s] = rows.dot(nb.baseAddress!, rows.row(Int(order[s]))) + offset }
      }
      for s in lo..<hi {
        let goesLeft = side[s] < 0 || (side[s] == 0 && generator.next() & 1 == 0)
        if goesLeft { order.swapAt(s, split); side.swapAt(s, split); split += 1 }
      }
      if split == lo || split == hi { split = lo + size / 2 }  // degenerate plane: halve arbitrarily
      let normalOffset = normals.count
      normals.append(contentsOf: normal)
      let left = nodes.count
      nodes.append(Node(normal: -1, offset: 0, left: lo, right: split))
      nodes.append(Node(normal: -1, offset: 0, left: split, right: hi))
      nodes[node] = Node(normal: normalOffset, offset: offset, left: left, right: left + 1)
      stack.append((left + 1, split, hi, depth + 1))
      stack.append((left, lo, split, depth + 1))
    }
  }

  /// The leaves as ranges of `order`.
  var leaves: [Range<Int>] { nodes.filter { $0.normal < 0 }.map { $0.left..<$0.right } }

  /// The range of `order` of the leaf a new point falls into.
  func leaf(of point: UnsafePointer<Float>, rows: PaddedRows) -> Range<Int> {
    var node = nodes[0]
    while node.normal >= 0 {
      let side = normals.withUnsafeBufferPointer { rows.dot($0.baseAddress! + node.normal, point) } + node.offset
      node = nodes[side < 0 ? node.left : node.right]
    }
    return node.left..<node.right
  }
}
