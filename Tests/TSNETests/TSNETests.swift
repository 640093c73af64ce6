import Foundation
import ImageIO
import TestSupport
import XCTest

@testable import TSNE

final class TSNETests: XCTestCase {
  /// The first `n` real digits reduced to 50 dimensions by our PCA.
  private func digits50(_ n: Int) throws -> [Double] {
    let set = try RealData.digits().subset((0..<n).map { $0 * (5000 / n) })
    let data = set.pixels.map(Double.init)
    return PCA(data, rows: n, columns: 784, components: 50).projected
  }

  /// With θ = 0 every cell is opened, so Barnes-Hut must equal the exact gradient.
  func testBarnesHutWithThetaZeroEqualsExactGradient() throws {
    let n = 302  // not a multiple of four: the exact method pads its last quad
    let x = try digits50(n)
    let p = Affinities.dense(squaredDistances: TSNE.squaredDistances(x, rows: n, columns: 50), count: n, perplexity: 20, threads: 2)
    var offsets = [0], columns: [Int32] = [], values: [Double] = []
    for i in 0..<n {
      for j in 0..<n where j != i { columns.append(Int32(j)); values.append(p[i * n + j]) }
      offsets.append(columns.count)
    }
    let sparse = SparseMatrix(count: n, offsets: offsets, columns: columns, values: values)
    for dims in [2, 3] {
      for dof in [1.0, 2.0] {
        var generator = SplitMix64(seed: 7)
        let y = (0..<(n * dims)).map { _ in generator.nextGaussian() * 3 }
        var exact = [Double](repeating: 0, count: n * dims), tree = exact
        let exactKL = y.withUnsafeBufferPointer { yb in
          exact.withUnsafeMutableBufferPointer { ExactGradient(p: p, n: n, dims: dims, dof: dof, threads: 2).compute(yb, exaggeration: 1, withError: true, into: $0) }
        }!
        let treeKL = y.withUnsafeBufferPointer { yb in
          tree.withUnsafeMutableBufferPointer { BarnesHutGradient(p: sparse, dims: dims, dof: dof, theta: 0, threads: 2).compute(yb, exaggeration: 1, withError: true, into: $0) }
        }!
        let scale = exact.map(abs).max()!
        let worst = zip(exact, tree).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst / scale, 1e-6, "dims \(dims), dof \(dof): worst relative gradient error \(worst / scale)")
        XCTAssertEqual(exactKL, treeKL, accuracy: 1e-6 * exactKL)
      }
    }
  }

  /// The tree's top cells are built as subtrees on several threads, and groups of points are
  /// walked on several threads. Whatever the thread count, every point's Barnes-Hut sums must be
  /// the same bits, and with θ = 0 they must equal the direct sums. Clustered points with exact duplicates (cells that cannot be split) and far
  /// outliers (deep, lopsided trees), in 2D and 3D. (The duplicates found a bug: the mean of 41
  /// copies rounded away from the point, so each copy counted itself in its normaliser, z 1 too
  /// high.)
  func testTreeSumsAreTheSameBitsForAnyThreadCount() {
    for dims in [2, 3] {
      var generator = SplitMix64(seed: 11)
      var y: [Double] = []
      for cluster in 0..<7 {
        let center = (0..<dims).map { _ in generator.nextGaussian() * 40 }
        for _ in 0..<(150 * (cluster + 1)) { for d in 0..<dims { y.append(center[d] + generator.nextGaussian() * Double(cluster + 1)) } }
      }
      for _ in 0..<40 { y.append(contentsOf: y[0..<dims]) }  // 40 copies of the first point
      for k in 0..<3 { for d in 0..<dims { y.append(d == 0 ? 1e4 * Double(k + 1) : -5) } }
      let n = y.count / dims
      func sums(threads: Int, theta: Double) -> (force: [Double], z: [Double], nodes: Int) {
        y.withUnsafeBufferPointer { yb in
          let tree = SpaceTree(yb, count: n, dims: dims, threads: threads)
          let (forces, zs) = tree.repulsion(thetaSquared: theta * theta, dof: 1, threads: threads)
          return (forces, zs, tree.nodeCount)
        }
      }
      let one = sums(threads: 1, theta: 0.5)
      for threads in [2, 3, 8] {
        let other = sums(threads: threads, theta: 0.5)
        XCTAssertEqual(other.nodes, one.nodes, "dims \(dims), \(threads) threads: node count")
        XCTAssertEqual(other.force, one.force, "dims \(dims), \(threads) threads: forces")
        XCTAssertEqual(other.z, one.z, "dims \(dims), \(threads) threads: normalisers")
      }
      let opened = sums(threads: 2, theta: 0)
      var worst = 0.0
      for i in stride(from: 0, to: n, by: 37) {
        var force = SIMD4<Double>.zero, z = 0.0, magnitude = 0.0  // magnitude: Σ|terms|, the scale of rounding
        for j in 0..<n where j != i {
          var delta = SIMD4<Double>.zero
          for d in 0..<dims { delta[d] = y[i * dims + d] - y[j * dims + d] }
          let u = 1 / (1 + (delta * delta).sum())
          z += u
          force += u * u * delta
          magnitude += u * u * (delta * delta).sum().squareRoot()
        }
        worst = max(worst, abs(opened.z[i] - z) / z)
        for d in 0..<dims { worst = max(worst, abs(opened.force[i * dims + d] - force[d]) / magnitude) }
      }
      XCTAssertLessThan(worst, 1e-9, "dims \(dims): θ = 0 against the direct sums")
    }
  }

  /// The mixed-radix FFT against a direct DFT, forward and inverse, for sizes with every radix mix.
  func testMixedRadixFFTMatchesDirectDFT() {
    XCTAssertEqual(MixedRadixFFT.size(atLeast: 1433), 1458)
    XCTAssertEqual(MixedRadixFFT.size(atLeast: 1537), 1728)
    XCTAssertEqual(MixedRadixFFT.size(atLeast: 299), 324)
    XCTAssertEqual(MixedRadixFFT.size(atLeast: 256), 256)
    var generator = SplitMix64(seed: 5)
    for size in [1, 2, 3, 4, 6, 8, 9, 12, 16, 18, 27, 32, 48, 54, 64, 96, 128, 162, 192] {
      let fft = MixedRadixFFT(size: size)
      let re = (0..<size).map { _ in generator.nextGaussian() }, im = (0..<size).map { _ in generator.nextGaussian() }
      for inverse in [false, true] {
        var (outRe, outIm) = (re, im)
        var scratch = [Double](repeating: 0, count: 2 * size)
        outRe.withUnsafeMutableBufferPointer { r in
          outIm.withUnsafeMutableBufferPointer { i in
            scratch.withUnsafeMutableBufferPointer { fft.transform(r.baseAddress!, i.baseAddress!, scratch: $0.baseAddress!, inverse: inverse) }
          }
        }
        let sign: Double = inverse ? 1 : -1
        for k in 0..<size {
          var (sr, si) = (0.0, 0.0)
          for j in 0..<size {
            let angle = sign * 2 * Double.pi * Double(j * k % size) / Double(size)
            sr += re[j] * cos(angle) - im[j] * sin(angle)
            si += re[j] * sin(angle) + im[j] * cos(angle)
          }
          XCTAssertEqual(outRe[k], sr, accuracy: 1e-12 * Double(size), "size \(size) inverse \(inverse) bin \(k)")
          XCTAssertEqual(outIm[k], si, accuracy: 1e-12 * Double(size), "size \(size) inverse \(inverse) bin \(k)")
        }
      }
    }
  }

  /// The line passes transform four lines at a time in SIMD lanes and the rest one by one; every
  /// line must come out with the bits of its own one-line transform, for line counts that leave
  /// 0–3 lines over, in rows and in strided columns, on 1–3 threads.
  func testLinePassesGiveEachLineTheBitsOfItsOwnTransform() {
    var generator = SplitMix64(seed: 9)
    for size in [6, 27, 64, 96] {
      let fft = MixedRadixFFT(size: size)
      let values = (0..<(2 * size * size)).map { _ in generator.nextGaussian() }
      for inverse in [false, true] {
        // one line at a time: row r is values[r·size ..< (r+1)·size], column c every size-th value
        var rows = values, columns = values
        var scratch = [Double](repeating: 0, count: 2 * size), line = [Double](repeating: 0, count: 2 * size)
        for r in 0..<size {
          rows.withUnsafeMutableBufferPointer { b in
            scratch.withUnsafeMutableBufferPointer { fft.transform(b.baseAddress! + r * size, b.baseAddress! + size * size + r * size, scratch: $0.baseAddress!, inverse: inverse) }
          }
          for t in 0..<size { line[t] = values[t * size + r]; line[size + t] = values[size * size + t * size + r] }  // column r
          line.withUnsafeMutableBufferPointer { b in
            scratch.withUnsafeMutableBufferPointer { fft.transform(b.baseAddress!, b.baseAddress! + size, scratch: $0.baseAddress!, inverse: inverse) }
          }
          for t in 0..<size { columns[t * size + r] = line[t]; columns[size * size + t * size + r] = line[size + t] }
        }
        for lines in [size, size - 1, size - 2, size - 3] where lines > 0 {
          for threads in [1, 2, 3] {
            var grid = ComplexGrid(side: size)
            grid.re = Array(values[0..<(size * size)])
            grid.im = Array(values[(size * size)...])
            var strided = grid
            grid.transformRows(0..<lines, fft: fft, inverse: inverse, threads: threads)
            strided.transformColumns(0..<lines, fft: fft, inverse: inverse, threads: threads)
            for r in 0..<size {
              for t in 0..<size {
                let m = r * size + t
                XCTAssertEqual(grid.re[m], r < lines ? rows[m] : values[m], "rows: size \(size), \(lines) lines, row \(r)")
                XCTAssertEqual(grid.im[m], r < lines ? rows[size * size + m] : values[size * size + m])
                XCTAssertEqual(strided.re[m], t < lines ? columns[m] : values[m], "columns: size \(size), \(lines) lines, column \(t)")
                XCTAssertEqual(strided.im[m], t < lines ? columns[size * size + m] : values[size * size + m])
              }
            }
          }
        }
      }
    }
  }

  /// The interpolation gradient against the exact one (θ = 0 Barnes-Hut over the same sparse P),
  /// on embeddings as narrow as the start and as wide as a finished 70,000-point run. At openTSNE's
  /// default grid (3 nodes per unit interval) the kernel's Lagrange interpolation is off by a few
  /// percent for pairs closer than ~2 units, inherently; halving the interval width must cut the
  /// error by much more than half (the error is third order in the width), which a wrong spread,
  /// kernel layout or back-interpolation would not do.
  func testInterpolationGradientMatchesExactGradient() throws {
    let n = 2000
    let x = try digits50(n)
    let neighbors = NearestNeighbors(x, rows: n, columns: 50, k: 90, threads: 2)
    let p = Affinities.sparse(neighbors, count: n, perplexity: 30, threads: 2)
    let norm = { (v: [Double]) in v.map { $0 * $0 }.reduce(0, +).squareRoot() }
    func gradient(_ computer: GradientComputer, _ y: [Double]) -> (gradient: [Double], kl: Double) {
      var g = [Double](repeating: 0, count: y.count)
      let kl = y.withUnsafeBufferPointer { yb in g.withUnsafeMutableBufferPointer { computer.compute(yb, exaggeration: 1, withError: true, into: $0) } }
      return (g, kl!)
    }
    for spread in [1e-4, 1.0, 10.0, 20.0, 30.0] {
      var generator = SplitMix64(seed: 11)
      let y = (0..<(n * 2)).map { _ in generator.nextGaussian() * spread }
      let exact = gradient(BarnesHutGradient(p: p, dims: 2, dof: 1, theta: 0, threads: 2), y)
      let tree = gradient(BarnesHutGradient(p: p, dims: 2, dof: 1, theta: 0.5, threads: 2), y)
      var fine = InterpolationGradient(p: p, threads: 2)
      fine.intervalWidth = 0.5
      let interpolated = [gradient(InterpolationGradient(p: p, threads: 2), y), gradient(fine, y)]
      let errors = interpolated.map { norm(zip(exact.gradient, $0.gradient).map { $0 - $1 }) / norm(exact.gradient) }
      let treeError = norm(zip(exact.gradient, tree.gradient).map { $0 - $1 }) / norm(exact.gradient)
      print("spread \(spread): relative gradient error, interpolation width 1 \(errors[0]), width 0.5 \(errors[1]), Barnes-Hut θ 0.5 \(treeError)")
      // measured 3–5% on the wide embeddings, as the kernel's interpolation error predicts
      XCTAssertLessThan(errors[0], 0.08, "spread \(spread): default grid")
      // narrow embeddings already get intervals far below 0.5 wide (at least 50 per axis): then
      // the two grids are the same
      let span = (0..<2).map { axis in
        let values = stride(from: axis, to: y.count, by: 2).map { y[$0] }
        return values.max()! - values.min()!
      }.max()!
      if InterpolationGradient(p: p, threads: 2).grid(span: span).intervals != fine.grid(span: span).intervals {
        XCTAssertLessThan(errors[1], errors[0] / 2, "spread \(spread): a finer grid must converge")
      } else {
        XCTAssertEqual(errors[1], errors[0], "spread \(spread): the same grid")
      }
      for (k, result) in interpolated.enumerated() {
        XCTAssertEqual(result.kl, exact.kl, accuracy: 2e-3 * exact.kl, "spread \(spread), grid \(k): KL estimate")
      }
    }
  }

  func testAffinitiesAreSymmetricNormalisedAndCalibrated() throws {
    let n = 400
    let x = try digits50(n)
    let neighbors = NearestNeighbors(x, rows: n, columns: 50, k: 90, threads: 2)
    let p = Affinities.sparse(neighbors, count: n, perplexity: 30, threads: 2)
    XCTAssertEqual(p.values.reduce(0, +), 1, accuracy: 1e-12)
    var entries: [Int: Double] = [:]
    for i in 0..<n { for s in p.offsets[i]..<p.offsets[i + 1] { entries[i * n + Int(p.columns[s])] = p.values[s] } }
    for (key, v) in entries { XCTAssertEqual(entries[(key % n) * n + key / n]!, v, accuracy: 1e-15) }
    // neighbours by brute force agree with the BLAS blocks, nearest first
    let all = TSNE.squaredDistances(x, rows: n, columns: 50)
    for i in [0, 123, 399] {
      let expected = (0..<n).filter { $0 != i }.sorted { (all[i * n + $0], $0) < (all[i * n + $1], $1) }.prefix(90)
      XCTAssertEqual(neighbors.indices[(i * 90)..<((i + 1) * 90)].map(Int.init), Array(expected))
    }
  }

  /// The in-place CSR build equals the plain one (an array per row, appended in loop order,
  /// sorted stably by column, repeated columns summed, then scaled by the total) to the bit, on
  /// real neighbours (many mutual pairs) with seeded conditional values.
  func testSymmetrisedAffinitiesEqualTheRowArrayBuild() throws {
    let n = 700, k = 45
    let neighbors = NearestNeighbors(try digits50(n), rows: n, columns: 50, k: k, threads: 2)
    var random = SplitMix64(seed: 21)
    let conditional = (0..<(n * k)).map { _ in Double(random.next() >> 11) / Double(1 << 53) }
    var rows = [[(Int32, Double)]](repeating: [], count: n)
    for i in 0..<n {
      for slot in 0..<k {
        let j = Int(neighbors.indices[i * k + slot])
        rows[i].append((Int32(j), conditional[i * k + slot]))
        rows[j].append((Int32(i), conditional[i * k + slot]))
      }
    }
    var offsets = [0], columns: [Int32] = [], values: [Double] = []
    for i in 0..<n {
      let merged = rows[i].sorted { $0.0 < $1.0 }
      var index = 0
      while index < merged.count {
        var sum = merged[index].1, next = index + 1
        while next < merged.count && merged[next].0 == merged[index].0 { sum += merged[next].1; next += 1 }
        columns.append(merged[index].0)
        values.append(sum)
        index = next
      }
      offsets.append(columns.count)
    }
    let total = values.reduce(0, +)
    let p = Affinities.symmetrised(conditional, neighbors, count: n)
    XCTAssertEqual(p.offsets, offsets)
    XCTAssertEqual(p.columns, columns)
    XCTAssertTrue(p.values == values.map { $0 / total }, "values differ from the row-array build")
    XCTAssertLessThan(columns.count, 2 * n * k, "no mutual neighbours: the merge went untested")
  }

  /// The exact method visits each pair once, four points against four, and keeps P in single
  /// precision. Against a plain double loop over ordered pairs (with the same single-precision P),
  /// for every point count mod 4 (the last quad's padding), 2D and 3D, one and two degrees of
  /// freedom: gradient and KL within 1e-12, and the same bits on 1, 2, 3 and 8 threads. Tiny sets
  /// (2, 3, 5 points) have no block between quads at all.
  func testExactGradientEqualsDirectSumsForAnyThreadCount() {
    for n in [2, 3, 5, 61, 62, 63, 64] {
      var generator = SplitMix64(seed: UInt64(n))
      let x = (0..<(n * 5)).map { _ in generator.nextGaussian() }
      let p = Affinities.dense(squaredDistances: TSNE.squaredDistances(x, rows: n, columns: 5), count: n, perplexity: Double(n - 1) / 3, threads: 1)
      for dims in [2, 3] {
        for dof in [1.0, 2.0] {
          let y = (0..<(n * dims)).map { _ in generator.nextGaussian() * 4 }
          // the direct sums, in double, over ordered pairs
          var z = 0.0, attraction = [Double](repeating: 0, count: n * dims), repulsion = attraction
          for i in 0..<n {
            for j in 0..<n where j != i {
              var d2 = 0.0
              for a in 0..<dims { d2 += (y[i * dims + a] - y[j * dims + a]) * (y[i * dims + a] - y[j * dims + a]) }
              let u = 1 / (1 + d2 / dof), w = pow(u, (dof + 1) / 2), pij = Double(Float(p[i * n + j]))
              z += w
              for a in 0..<dims {
                attraction[i * dims + a] += pij * u * (y[i * dims + a] - y[j * dims + a])
                repulsion[i * dims + a] += w * u * (y[i * dims + a] - y[j * dims + a])
              }
            }
          }
          let expected = (0..<(n * dims)).map { 2 * (dof + 1) / dof * (3 * attraction[$0] - repulsion[$0] / z) }
          var expectedKL = 0.0
          for i in 0..<n {
            for j in 0..<n where j != i {
              var d2 = 0.0
              for a in 0..<dims { d2 += (y[i * dims + a] - y[j * dims + a]) * (y[i * dims + a] - y[j * dims + a]) }
              let pij = Double(Float(p[i * n + j]))
              expectedKL += pij * log(max(pij, .ulpOfOne) / max(pow(1 / (1 + d2 / dof), (dof + 1) / 2) / z, .ulpOfOne))
            }
          }
          var first: [Double]? = nil
          for threads in [1, 2, 3, 8] {
            var gradient = [Double](repeating: .nan, count: n * dims)
            let kl = y.withUnsafeBufferPointer { yb in
              gradient.withUnsafeMutableBufferPointer {
                ExactGradient(p: p, n: n, dims: dims, dof: dof, threads: threads).compute(yb, exaggeration: 3, withError: true, into: $0)
              }
            }!
            let label = "n \(n), dims \(dims), dof \(dof), threads \(threads)"
            let scale = expected.map(abs).max()!
            XCTAssertLessThan(zip(gradient, expected).map { abs($0 - $1) }.max()! / scale, 1e-12, label)
            XCTAssertEqual(kl, expectedKL, accuracy: 1e-12 * max(1, abs(expectedKL)), label)
            if let first { XCTAssertTrue(first == gradient + [kl], "\(label): bits differ from one thread") } else { first = gradient + [kl] }
          }
        }
      }
    }
  }

  func testSameSeedSameEmbeddingForAnyThreadCount() throws {
    let n = 500
    let x = try digits50(n)
    var options = TSNEOptions()
    options.iterations = 300
    for method in GradientMethod.allCases {
      options.method = method
      options.threads = 1
      let one = try TSNE.embed(x, rows: n, columns: 50, options: options)
      options.threads = 3
      let three = try TSNE.embed(x, rows: n, columns: 50, options: options)
      XCTAssertEqual(one.coordinates, three.coordinates, "\(method)")
      XCTAssertEqual(one.kl, three.kl, "\(method)")
    }
  }

  func testBadInputsAreClearErrors() {
    XCTAssertThrowsError(try TSNE.embed([1, 2], rows: 1, columns: 2, options: TSNEOptions())) { XCTAssertEqual($0 as? TSNEError, .tooFewPoints(1)) }
    var options = TSNEOptions()
    options.perplexity = 10
    XCTAssertThrowsError(try TSNE.embed([Double](repeating: 1, count: 20), rows: 10, columns: 2, options: options)) {
      XCTAssertTrue(String(describing: $0).contains("--perplexity 10"))
    }
    options.perplexity = 2
    XCTAssertThrowsError(try TSNE.embed([1, 2, .nan, 4, 5, 6, 7, 8, 9, 10], rows: 5, columns: 2, options: options)) {
      XCTAssertEqual($0 as? TSNEError, .notFinite(row: 1))
    }
  }

  /// A learning rate that throws the points to infinity, or far out with finite coordinates, is a
  /// clear error naming the iteration, for every method and both dimensions, not a trap (the 3D
  /// FFT grid converted an infinite span to an integer and crashed the process, found by
  /// bench/tsne_fft3d_bench.py) nor a garbage map.
  func testDivergenceIsAClearError() throws {
    let n = 120
    let x = try digits50(n)
    for method in GradientMethod.allCases {
      for dims in [2, 3] {
        var options = TSNEOptions()
        options.method = method
        options.dims = dims
        options.perplexity = 10
        options.iterations = 50
        // 1e306 overflows to infinity; 1e12 blows the map up to ~1e10 with finite coordinates
        for rate in [1e306, 1e12] {
          options.learningRate = rate
          XCTAssertThrowsError(try TSNE.embed(x, rows: n, columns: 50, options: options), "\(method) \(dims)D, rate \(rate)") {
            guard case .diverged(let iteration, method, dims)? = $0 as? TSNEError else { return XCTFail("\(method) \(dims)D: \($0)") }
            XCTAssertTrue(String(describing: $0).contains("diverged at iteration \(iteration)"))
          }
        }
      }
    }
  }

  /// All images identical: a documented degenerate result, finite coordinates, no hang.
  func testIdenticalInputsGiveAFiniteDegenerateEmbedding() throws {
    var options = TSNEOptions()
    options.perplexity = 5
    options.iterations = 300
    for method in GradientMethod.allCases {
      options.method = method
      let result = try TSNE.embed([Double](repeating: 0.5, count: 60 * 4), rows: 60, columns: 4, options: options)
      XCTAssertTrue(result.coordinates.allSatisfy(\.isFinite), "\(method)")
      XCTAssertTrue(result.kl.isFinite, "\(method)")
    }
  }
}
