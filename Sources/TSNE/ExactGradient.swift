import Foundation
import Workers

/// Exact gradient: (2(α+1)/α) Σⱼ (e·pᵢⱼ − qᵢⱼ) uᵢⱼ (yᵢ − yⱼ), u = (1 + d²/α)⁻¹, q ∝ w = u^((α+1)/2).
///
/// Each unordered pair is computed once and its force added to both points. Points are taken four
/// at a time ("quads"); a pair of quads (a, b), a < b, is four vector steps, step k pairing lane l of
/// a with lane (l + k) mod 4 of b. P, which is constant, is stored in single precision (as
/// scikit-learn computes it) in exactly the order the loops read it, so the O(N²) pass streams
/// half the bytes a dense double matrix would, and half the divisions.
///
/// Determinism: the column quads are cut into `stripeCount` stripes of about equal work, a number
/// that does not depend on the thread count. A stripe writes its own partial sums for the rows it
/// touches and owns its columns' sums outright, and the partials are added in stripe order, so
/// every point's sums are the same bits on any number of threads.
struct ExactGradient: GradientComputer {
  let n: Int
  let dims: Int
  let dof: Double
  let threads: Int
  /// Points padded to a multiple of four; quads of four points.
  let quads: Int
  /// Column quads of each stripe.
  let stripes: [Range<Int>]
  /// Offset (in floats) of each stripe's first block in `blocks`.
  let blockStart: [Int]
  /// Offset (in quads) of each stripe's row partials: a stripe keeps rows 0..<stripe.upperBound.
  let rowStart: [Int]
  /// For each stripe, row quad a ascending, column quad b ascending (b > a): 16 values, step k
  /// lane l holding p(4a + l, 4b + (l + k) mod 4); zero for padding.
  let blocks: [Float]
  /// The six pairs inside each quad, (0,1) (0,2) (0,3) (1,2) (1,3) (2,3); zero for padding.
  let inside: [Double]
  /// Σᵢ≠ⱼ p log max(p, ε), the constant part of KL.
  let pLogP: Double

  static let stripeCount = 8

  init(p dense: [Double], n: Int, dims: Int, dof: Double, threads: Int) {
    precondition(dims == 2 || dims == 3, "the exact gradient embeds in 2 or 3 dimensions")
    self.n = n
    self.dims = dims
    self.dof = dof
    self.threads = threads
    let quads = (n + 3) / 4
    self.quads = quads
    @inline(__always) func p(_ i: Int, _ j: Int) -> Float { i < n && j < n ? Float(dense[i * n + j]) : 0 }
    // column b costs about b blocks: equal work puts the cuts at quads·√(s/S)
    let count = Self.stripeCount
    let cuts = (0...count).map { s in Int((Double(quads) * (Double(s) / Double(count)).squareRoot()).rounded()) }
    stripes = (0..<count).map { cuts[$0]..<max(cuts[$0], cuts[$0 + 1]) }
    var blocks: [Float] = []
    blocks.reserveCapacity(quads * max(quads - 1, 0) * 8)
    var blockStart: [Int] = [], rowStart: [Int] = [], rows = 0
    for stripe in stripes {
      blockStart.append(blocks.count)
      rowStart.append(rows)
      rows += stripe.upperBound
      for a in 0..<stripe.upperBound {
        for b in max(stripe.lowerBound, a + 1)..<max(stripe.upperBound, a + 1) {
          for k in 0..<4 { for l in 0..<4 { blocks.append(p(4 * a + l, 4 * b + (l + k) % 4)) } }
        }
      }
    }
    blocks.append(0)  // never read: keeps the buffer's base address valid when there are no blocks (n ≤ 4)
    self.blocks = blocks
    self.blockStart = blockStart
    self.rowStart = rowStart
    var inside = [Double](repeating: 0, count: quads * 6)
    for q in 0..<quads {
      for (slot, (l, m)) in Self.insidePairs.enumerated() { inside[q * 6 + slot] = Double(p(4 * q + l, 4 * q + m)) }
    }
    self.inside = inside
    var pLogP = 0.0
    for i in 0..<n {
      for j in 0..<n where j != i {
        let v = Double(p(i, j))
        pLogP += v * log(max(v, Double.ulpOfOne))
      }
    }
    self.pLogP = pLogP
  }

  static let insidePairs = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]

  /// Doubles per quad of row partials and per step of column partials: attraction then repulsion, per axis.
  var quantities: Int { 2 * dims }

  func compute(
    _ y: UnsafeBufferPointer<Double>, exaggeration: Double, withError: Bool, into gradient: UnsafeMutableBufferPointer<Double>
  ) -> Double? {
    let (n, dims, quads, q) = (self.n, self.dims, self.quads, quantities)
    // coordinates per axis, padded with zeros, and copies rotated by k inside each quad
    var rotated = [Double](repeating: 0, count: 3 * 4 * quads * 4)
    for axis in 0..<dims {
      for k in 0..<4 {
        let base = (axis * 4 + k) * quads * 4
        for b in 0..<quads {
          for l in 0..<4 {
            let i = 4 * b + (l + k) % 4
            if i < n { rotated[base + 4 * b + l] = y[i * dims + axis] }
          }
        }
      }
    }
    var rowPartials = [SIMD4<Double>](repeating: .zero, count: ((rowStart.last ?? 0) + (stripes.last?.upperBound ?? 0)) * q)
    var columnPartials = [SIMD4<Double>](repeating: .zero, count: quads * 4 * q)
    let lastMask = SIMD4<Double>((0..<4).map { 4 * (quads - 1) + $0 < n ? 1 : 0 })
    let stripeSums = rowPartials.withUnsafeMutableBufferPointer { rp in
      columnPartials.withUnsafeMutableBufferPointer { cp in
        eachStripe(GradientWork(), rotated: rotated, lastMask: lastMask, quantities: q, rows: rp.baseAddress!, columns: cp.baseAddress!)
      }
    }
    // Z over ordered pairs: twice the unordered sums
    var z = 0.0
    for sum in stripeSums { z += sum.sum() }
    var attraction = [Double](repeating: 0, count: quads * 4 * dims), repulsion = attraction
    for s in stripes.indices {
      for a in 0..<stripes[s].upperBound {
        for axis in 0..<dims {
          let row = rowStart[s] * q + a * q
          for l in 0..<4 {
            attraction[(4 * a + l) * dims + axis] += rowPartials[row + axis][l]
            repulsion[(4 * a + l) * dims + axis] += rowPartials[row + dims + axis][l]
          }
        }
      }
    }
    for b in 0..<quads {
      for k in 0..<4 {
        for axis in 0..<dims {
          let column = (b * 4 + k) * q
          for l in 0..<4 {
            let i = 4 * b + (l + k) % 4
            attraction[i * dims + axis] -= columnPartials[column + axis][l]
            repulsion[i * dims + axis] -= columnPartials[column + dims + axis][l]
          }
        }
      }
    }
    forEachInsidePair(y) { p, i, j, u in
      let w = Self.weight(u, dof: dof)
      z += w
      let pulled = p * u, pushed = w * u
      for axis in 0..<dims {
        let delta = y[i * dims + axis] - y[j * dims + axis]
        attraction[i * dims + axis] += pulled * delta; attraction[j * dims + axis] -= pulled * delta
        repulsion[i * dims + axis] += pushed * delta; repulsion[j * dims + axis] -= pushed * delta
      }
    }
    z *= 2
    let c = 2 * (dof + 1) / dof
    for k in 0..<(n * dims) { gradient[k] = c * (exaggeration * attraction[k] - repulsion[k] / z) }
    guard withError else { return nil }
    return kl(y, rotated: rotated, z: z, lastMask: lastMask)
  }

  /// KL = Σ p log max(p, ε) − Σ p log max(w/Z, ε) (q floored at machine epsilon as scikit-learn does),
  /// the second sum over the same blocks, per stripe, added in stripe order.
  private func kl(_ y: UnsafeBufferPointer<Double>, rotated: [Double], z: Double, lastMask: SIMD4<Double>) -> Double {
    var sum = 0.0
    for part in eachStripe(LogQWork(z: z), rotated: rotated, lastMask: lastMask, quantities: 0, rows: nil, columns: nil) {
      sum += part.sum()
    }
    forEachInsidePair(y) { p, _, _, u in sum += p * log(max(Self.weight(u, dof: dof) / z, Double.ulpOfOne)) }
    return pLogP - 2 * sum
  }

  /// Runs `work` on every stripe (in parallel, each on its own walk specialised for the
  /// dimensions and degrees of freedom) and returns each stripe's result in stripe order.
  /// `rows` is the start of all stripes' row partials (each stripe gets its own region).
  private func eachStripe<Work: StripeWork>(
    _ work: Work, rotated: [Double], lastMask: SIMD4<Double>, quantities q: Int, rows: UnsafeMutablePointer<SIMD4<Double>>?,
    columns: UnsafeMutablePointer<SIMD4<Double>>?
  ) -> [SIMD4<Double>] {
    var sums = [SIMD4<Double>](repeating: .zero, count: stripes.count)
    let (quads, scale, dof, planar) = (self.quads, 1 / dof, self.dof, dims == 2)
    sums.withUnsafeMutableBufferPointer { zs in
      rotated.withUnsafeBufferPointer { rb in
        blocks.withUnsafeBufferPointer { bb in
          let shared = UncheckedBox((zs.baseAddress!, rb.baseAddress!, bb.baseAddress!, rows, columns, work))
          try? parallelFor(stripes.count, threads: threads) { s in
            let (out, coordinates, packed, rows, columns, work) = shared.value
            func run<Shape: Axes, Weight: PairWeight>(_: Shape.Type, _: Weight.Type) -> SIMD4<Double> {
              work.run(
                Pass<Shape, Weight>(
                  quads: quads, quantities: q, coordinates: coordinates, blocks: packed + blockStart[s], rows: rows.map { $0 + rowStart[s] * q },
                  columns: columns, lastMask: lastMask, scale: scale, dof: dof),
                stripe: stripes[s])
            }
            switch (planar, dof == 1) {
            case (true, true): out[s] = run(Planar.self, UnitWeight.self)
            case (false, true): out[s] = run(Solid.self, UnitWeight.self)
            case (true, false): out[s] = run(Planar.self, PowerWeight.self)
            case (false, false): out[s] = run(Solid.self, PowerWeight.self)
            }
          }
        }
      }
    }
    return sums
  }

  /// The pairs inside each quad whose points both exist, in a fixed order: `body(p, i, j, u)`.
  private func forEachInsidePair(_ y: UnsafeBufferPointer<Double>, _ body: (Double, Int, Int, Double) -> Void) {
    let scale = 1 / dof
    for b in 0..<quads {
      for (slot, (l, m)) in Self.insidePairs.enumerated() {
        let i = 4 * b + l, j = 4 * b + m
        guard j < n else { continue }
        var distance = 0.0
        for axis in 0..<dims { let delta = y[i * dims + axis] - y[j * dims + axis]; distance += delta * delta }
        body(inside[b * 6 + slot], i, j, 1 / (1 + distance * scale))
      }
    }
  }

  @inline(__always)
  static func weight(_ u: Double, dof: Double) -> Double { dof == 1 ? u : pow(u, (dof + 1) / 2) }

  @inline(__always)
  static func weight(_ u: SIMD4<Double>, dof: Double) -> SIMD4<Double> {
    if dof == 1 { return u }
    let e = (dof + 1) / 2
    return SIMD4(pow(u[0], e), pow(u[1], e), pow(u[2], e), pow(u[3], e))
  }
}

/// 2D (the third coordinate skipped) or 3D, fixed at compile time so each walk is specialised.
private protocol Axes { static var planar: Bool { get } }
private enum Planar: Axes { static let planar = true }
private enum Solid: Axes { static let planar = false }

/// w as a function of u: u itself for one degree of freedom, else u^((α+1)/2).
private protocol PairWeight { static func weight(_ u: SIMD4<Double>, dof: Double) -> SIMD4<Double> }
private enum UnitWeight: PairWeight {
  @inline(__always) static func weight(_ u: SIMD4<Double>, dof: Double) -> SIMD4<Double> { u }
}
private enum PowerWeight: PairWeight {
  @inline(__always) static func weight(_ u: SIMD4<Double>, dof: Double) -> SIMD4<Double> { ExactGradient.weight(u, dof: dof) }
}

/// What a stripe's walk computes: the force partials, or its share of Σ p log q.
private protocol StripeWork {
  func run<Shape: Axes, Weight: PairWeight>(_ pass: Pass<Shape, Weight>, stripe: Range<Int>) -> SIMD4<Double>
}
private struct GradientWork: StripeWork {
  @inline(__always)
  func run<Shape: Axes, Weight: PairWeight>(_ pass: Pass<Shape, Weight>, stripe: Range<Int>) -> SIMD4<Double> { pass.gradient(stripe) }
}
private struct LogQWork: StripeWork {
  let z: Double
  @inline(__always)
  func run<Shape: Axes, Weight: PairWeight>(_ pass: Pass<Shape, Weight>, stripe: Range<Int>) -> SIMD4<Double> { pass.logQ(stripe, z: z) }
}

/// One stripe's walk over its blocks.
private struct Pass<Shape: Axes, Weight: PairWeight> {
  let quads: Int
  let quantities: Int
  /// Per axis and step k, the coordinates rotated by k within each quad (`quads`·4 each).
  let coordinates: UnsafePointer<Double>
  let blocks: UnsafePointer<Float>
  let rows: UnsafeMutablePointer<SIMD4<Double>>?
  let columns: UnsafeMutablePointer<SIMD4<Double>>?
  /// Valid lanes of the last quad (padding masked out).
  let lastMask: SIMD4<Double>
  let scale: Double
  let dof: Double

  /// Visits every block of the stripe in storage order: `body(step, p, u, dx, dy, dz)`, where step
  /// = 4b + k indexes the column partials of quad b's step k.
  @inline(__always)
  func walk(
    _ stripe: Range<Int>, startRow: (Int) -> Void, endRow: (Int) -> Void,
    _ body: (Int, SIMD4<Double>, SIMD4<Double>, SIMD4<Double>, SIMD4<Double>, SIMD4<Double>) -> Void
  ) {
    var block = blocks
    let planar = Shape.planar
    let one = SIMD4<Double>(repeating: 1), s = SIMD4<Double>(repeating: scale)
    // the last quad's mask per step: lane l of step k is point 4b + (l + k) mod 4
    let m = lastMask
    let masks = (m, SIMD4(m[1], m[2], m[3], m[0]), SIMD4(m[2], m[3], m[0], m[1]), SIMD4(m[3], m[0], m[1], m[2]))
    let stepStride = quads &* 4, axisStride = 4 &* stepStride
    @inline(__always) func load(_ pointer: UnsafePointer<Double>) -> SIMD4<Double> {
      UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Double>.self)
    }
    for a in 0..<stripe.upperBound {
      startRow(a)
      let rowPointer = coordinates + a &* 4
      let xa = load(rowPointer), ya = load(rowPointer + axisStride), za = planar ? .zero : load(rowPointer + 2 &* axisStride)
      for b in max(stripe.lowerBound, a + 1)..<max(stripe.upperBound, a + 1) {
        let column = coordinates + b &* 4
        @inline(__always) func step(_ k: Int, _ mask: SIMD4<Double>) {
          let x = column + k &* stepStride
          let dx = xa - load(x), dy = ya - load(x + axisStride)
          let dz = planar ? SIMD4<Double>.zero : za - load(x + 2 &* axisStride)
          let d2 = planar ? dx * dx + dy * dy : dx * dx + dy * dy + dz * dz
          let p = SIMD4<Double>(UnsafeRawPointer(block + 4 &* k).loadUnaligned(as: SIMD4<Float>.self))
          body(b &* 4 &+ k, p, mask / (one + d2 * s), dx, dy, dz)
        }
        if b == quads - 1 {
          step(0, masks.0); step(1, masks.1); step(2, masks.2); step(3, masks.3)
        } else {
          step(0, one); step(1, one); step(2, one); step(3, one)
        }
        block += 16
      }
      endRow(a)
    }
  }

  /// Row and column force partials of the stripe; returns the stripe's Σ w over its pairs.
  @inline(__always)
  func gradient(_ stripe: Range<Int>) -> SIMD4<Double> {
    let rows = self.rows!, columns = self.columns!, q = quantities, planar = Shape.planar, dof = self.dof
    for b in stripe { for slot in 0..<(4 * q) { columns[b * 4 * q + slot] = .zero } }
    var total = SIMD4<Double>.zero
    var ax = SIMD4<Double>.zero, ay = ax, az = ax, rx = ax, ry = ax, rz = ax, zs = ax
    walk(
      stripe,
      startRow: { _ in
        ax = .zero; ay = .zero; az = .zero; rx = .zero; ry = .zero; rz = .zero; zs = .zero
      },
      endRow: { a in
        let row = rows + a * q
        row[0] = ax; row[1] = ay
        if planar { row[2] = rx; row[3] = ry } else { row[2] = az; row[3] = rx; row[4] = ry; row[5] = rz }
        total += zs
      }
    ) { step, p, u, dx, dy, dz in
      let w = Weight.weight(u, dof: dof)
      zs += w
      let pulled = p * u, pushed = w * u
      let column = columns + step &* q
      let fx = pulled * dx, fy = pulled * dy, gx = pushed * dx, gy = pushed * dy
      ax += fx; ay += fy; rx += gx; ry += gy
      column[0] += fx; column[1] += fy
      if planar {
        column[2] += gx; column[3] += gy
      } else {
        let fz = pulled * dz, gz = pushed * dz
        az += fz; rz += gz
        column[2] += fz; column[3] += gx; column[4] += gy; column[5] += gz
      }
    }
    return total
  }

  /// Σ p log max(w/Z, ε) over the stripe's pairs, per lane.
  @inline(__always)
  func logQ(_ stripe: Range<Int>, z: Double) -> SIMD4<Double> {
    var sum = SIMD4<Double>.zero
    let inverse = 1 / z, dof = self.dof
    walk(stripe, startRow: { _ in }, endRow: { _ in }) { _, p, u, _, _, _ in
      let q = Weight.weight(u, dof: dof) * inverse
      sum += p * SIMD4(
        log(max(q[0], .ulpOfOne)), log(max(q[1], .ulpOfOne)), log(max(q[2], .ulpOfOne)), log(max(q[3], .ulpOfOne)))
    }
    return sum
  }
}
