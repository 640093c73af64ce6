import Foundation
import ImageIO
import TestSupport
import XCTest

@testable import TSNE

/// The 3D FFT-interpolation gradient (InterpolationGradient3D).
final class TSNEFFT3DTests: XCTestCase {
  private func digits50(_ n: Int) throws -> [Double] {
    let set = try RealData.digits().subset((0..<n).map { $0 * 5000 / n })
    return PCA(set.pixels.map(Double.init), rows: n, columns: 784, components: 50).projected
  }

  private func gradient(_ computer: GradientComputer, _ y: [Double]) -> (gradient: [Double], kl: Double) {
    var g = [Double](repeating: 0, count: y.count)
    let kl = y.withUnsafeBufferPointer { yb in g.withUnsafeMutableBufferPointer { computer.compute(yb, exaggeration: 1, withError: true, into: $0) } }
    return (g, kl!)
  }

  private func norm(_ v: [Double]) -> Double { v.map { $0 * $0 }.reduce(0, +).squareRoot() }

  /// Against the exact gradient (θ = 0 Barnes-Hut over the same sparse P) on real digits'
  /// affinities, on embeddings from the start's width to a few units: the default grid's error
  /// (2 nodes per unit interval, the same as `TSNEOptions`' 3D default),
  /// and a finer grid (3 nodes per half-unit interval) must cut it by more than half (Lagrange
  /// interpolation converges as the spacing shrinks; a wrong spread, kernel layout, pruned pass
  /// or back-interpolation would not).
  func testInterpolationGradientMatchesExactGradientIn3D() throws {
    let n = 1000
    let x = try digits50(n)
    let neighbors = NearestNeighbors(x, rows: n, columns: 50, k: 90, threads: 2)
    let p = Affinities.sparse(neighbors, count: n, perplexity: 30, threads: 2)
    let coarse = InterpolationGrid(nodesPerInterval: 2, minIntervals: 8, intervalWidth: 1, maxSide: 128)
    let fine = InterpolationGrid(nodesPerInterval: 3, minIntervals: 8, intervalWidth: 0.5, maxSide: 128)
    for spread in [1e-4, 0.5, 2.0] {
      var generator = SplitMix64(seed: 5)
      let y = (0..<(n * 3)).map { _ in generator.nextGaussian() * spread }
      let exact = gradient(BarnesHutGradient(p: p, dims: 3, dof: 1, theta: 0, threads: 2), y)
      let results = [coarse, fine].map { gradient(InterpolationGradient3D(p: p, threads: 2, settings: $0), y) }
      let errors = results.map { norm(zip(exact.gradient, $0.gradient).map { $0 - $1 }) / norm(exact.gradient) }
      let klErrors = results.map { abs($0.kl - exact.kl) / exact.kl }
      print("tsne-fft3d: spread \(spread): relative gradient error, 2 nodes per unit \(errors[0]), 3 per half unit \(errors[1]); KL error \(klErrors)")
      // linear interpolation at half-unit spacing: measured 3.3% at spread 0.5 and 7.1% at 2
      XCTAssertLessThan(errors[0], 0.10, "spread \(spread): default grid")
      XCTAssertLessThan(errors[1], errors[0] / 2, "spread \(spread): a finer grid must converge")
      XCTAssertLessThan(klErrors[1], 1e-3, "spread \(spread): KL estimate on the fine grid")
    }
  }

  /// Same seed, same 3D FFT embedding whatever the thread count (the spread runs one volume per
  /// worker in point order; every FFT line is transformed alone).
  func testThreeDimensionalFFTIsIdenticalForAnyThreadCount() throws {
    let n = 500
    let x = try digits50(n)
    var options = TSNEOptions()
    options.dims = 3
    options.method = .fft
    options.iterations = 120  // both phases while the embedding is compact (a wide one costs a big grid)
    options.exaggerationIterations = 60
    var results: [Embedding] = []
    for threads in [1, 2, 3] {
      options.threads = threads
      results.append(try TSNE.embed(x, rows: n, columns: 50, options: options))
    }
    XCTAssertEqual(results[0].coordinates, results[1].coordinates)
    XCTAssertEqual(results[0].coordinates, results[2].coordinates)
    XCTAssertEqual(results[0].kl, results[2].kl)
    XCTAssertTrue(results[0].coordinates.allSatisfy(\.isFinite))
  }

  /// The pruned 3D transform equals the full one on the corner that holds charges and is read back.
  func testPrunedVolumeTransformMatchesFullTransform() {
    let side = 12, used = 5
    let fft = MixedRadixFFT(size: side)
    var generator = SplitMix64(seed: 3)
    var pruned = ComplexVolume(side: side)
    for z in 0..<used { for y in 0..<used { for x in 0..<used {
      let m = (z * side + y) * side + x
      pruned.re[m] = generator.nextGaussian(); pruned.im[m] = generator.nextGaussian()
    } } }
    var full = pruned
    pruned.forward(used: used, fft: fft, threads: 2)
    full.forwardAll(fft: fft, threads: 1)
    for m in 0..<(side * side * side) {
      XCTAssertEqual(pruned.re[m], full.re[m], accuracy: 1e-12)
      XCTAssertEqual(pruned.im[m], full.im[m], accuracy: 1e-12)
    }
    // inverse of the forward gives side³ times the input on the corner
    var back = full
    back.inverse(used: used, fft: fft, threads: 2)
    var original = ComplexVolume(side: side)
    var again = SplitMix64(seed: 3)
    for z in 0..<used { for y in 0..<used { for x in 0..<used {
      let m = (z * side + y) * side + x
      original.re[m] = again.nextGaussian(); original.im[m] = again.nextGaussian()
      XCTAssertEqual(back.re[m] / Double(side * side * side), original.re[m], accuracy: 1e-12)
      XCTAssertEqual(back.im[m] / Double(side * side * side), original.im[m], accuracy: 1e-12)
    } } }
  }
}

/// `auto`'s choice follows the measured crossovers (bench/results/tsne_crossover.md, tsne.md,
/// tsne_fft3d.md).
final class TSNEMethodChoiceTests: XCTestCase {
  func testAutoPicksTheMeasuredFastestMethod() {
    XCTAssertEqual(GradientMethod.fastest(count: 1000, dims: 2), .exact)
    XCTAssertEqual(GradientMethod.fastest(count: 1001, dims: 2), .barnesHut)
    XCTAssertEqual(GradientMethod.fastest(count: 1001, dims: 3), .barnesHut)
    XCTAssertEqual(GradientMethod.fastest(count: GradientMethod.fftFrom - 1, dims: 2), .barnesHut)
    XCTAssertEqual(GradientMethod.fastest(count: GradientMethod.fftFrom, dims: 2), .fft)
    XCTAssertEqual(GradientMethod.fastest(count: 1_000_000, dims: 3), .barnesHut)
    XCTAssertEqual(GradientMethod.fastest(count: 500, dims: 3), .exact)
  }
}
