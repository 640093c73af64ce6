import Foundation
import ImageIO
import TestSupport
import XCTest

@testable import TSNE

/// PCA against scikit-learn's (fixtures/make_pca_golden.py) on the 5,000 real digits.
final class PCATests: XCTestCase {
  private struct Golden: Decodable {
    var rows: Int
    var components: Int
    var explained_variance: [Double]
    var mean_pixels: [Int]
    var mean: [Double]
    var projected_rows: [Int]
    var projected: [[Double]]
  }

  /// Variances, means and projections (each axis's sign aligned, as an SVD's signs are
  /// arbitrary) match scikit-learn's full-SVD PCA on the same Float64 pixels (level / 255), and
  /// the result is the same bits on 1, 2 and 3 threads. From Float rows (as images are held) the
  /// input itself is rounded to single precision, so that result is compared at that precision.
  func testMatchesScikitLearnOnRealDigitsForAnyThreadCount() throws {
    let golden = try JSONDecoder().decode(Golden.self, from: Data(try readFile(Repo.fixtures + "/pca_golden.json")))
    let set = try RealData.digits()
    let (n, d, k) = (set.count, 784, golden.components)
    XCTAssertEqual(n, golden.rows)
    let levels = set.pixels.map { (Double($0) * 255).rounded() / 255 }  // scikit-learn's input exactly
    let reference = PCA(levels, rows: n, columns: d, components: k, threads: 2)
    for (c, expected) in golden.explained_variance.enumerated() {
      XCTAssertEqual(reference.variances[c], expected, accuracy: 1e-10 * expected, "variance of component \(c)")
    }
    for (t, j) in golden.mean_pixels.enumerated() { XCTAssertEqual(reference.mean[j], golden.mean[t], accuracy: 1e-12, "mean of pixel \(j)") }
    var worst = 0.0
    for c in 0..<k {
      // sign of axis c: from the row with the largest golden coordinate on it
      let (t, _) = golden.projected.enumerated().max { abs($0.element[c]) < abs($1.element[c]) }!
      let sign = (reference.projected[golden.projected_rows[t] * k + c] < 0) == (golden.projected[t][c] < 0) ? 1.0 : -1.0
      for (t, i) in golden.projected_rows.enumerated() {
        worst = max(worst, abs(sign * reference.projected[i * k + c] - golden.projected[t][c]))
      }
    }
    XCTAssertLessThan(worst, 1e-8, "largest projection difference from scikit-learn over 8 digits × 50 components")
    for threads in [1, 3] {
      let other = PCA(levels, rows: n, columns: d, components: k, threads: threads)
      XCTAssertEqual(other.projected, reference.projected, "\(threads) threads")
      XCTAssertEqual(other.basis, reference.basis, "\(threads) threads")
    }
    let fromFloat = PCA(set.pixels, rows: n, columns: d, components: k, threads: 3)
    XCTAssertEqual(fromFloat.projected, PCA(set.pixels, rows: n, columns: d, components: k, threads: 1).projected, "Float rows, 3 threads against 1")
    let floatWorst = zip(fromFloat.projected, reference.projected).map { abs($0 - $1) }.max()!
    XCTAssertLessThan(floatWorst, 1e-5, "Float rows against Float64 rows")
  }

  /// Every block and stripe counted once, at sizes around the block size and with several
  /// stripes: with all components kept, the variances sum to the data's total variance, the means
  /// are the column means, each projected row keeps its centred length (the basis is orthonormal)
  /// and each projected column has its component's variance; 1 and 3 threads give the same bits.
  /// Then input with no variance.
  func testEveryRowCountsOnceAtAnySize() {
    let b = PCA.blockRows
    for n in [2, 3, b - 1, b, b + 1, 4 * b + 3, 9 * b + 1] {
      let d = 4
      var data = [Double](repeating: 0, count: n * d)
      for t in 0..<(n * d) {
        let level: Int = (t * 7919) % 13 + t % d
        data[t] = Double(level) + Double(t / d) * 0.001
      }
      let pca = PCA(data, rows: n, columns: d, components: d, threads: 2)
      var total = 0.0
      for j in 0..<d {
        var mean = 0.0
        for i in 0..<n { mean += data[i * d + j] }
        mean /= Double(n)
        XCTAssertEqual(pca.mean[j], mean, accuracy: 1e-12 * max(abs(mean), 1), "n = \(n): mean of column \(j)")
        for i in 0..<n { total += (data[i * d + j] - mean) * (data[i * d + j] - mean) / Double(n - 1) }
      }
      XCTAssertEqual(pca.variances.reduce(0, +), total, accuracy: 1e-12 * total, "n = \(n): the variances' sum")
      for i in 0..<n {
        var centred = 0.0, projected = 0.0
        for j in 0..<d { centred += (data[i * d + j] - pca.mean[j]) * (data[i * d + j] - pca.mean[j]) }
        for c in 0..<d { projected += pca.projected[i * d + c] * pca.projected[i * d + c] }
        XCTAssertEqual(projected, centred, accuracy: 1e-9 * max(centred, 1), "n = \(n): row \(i)")
      }
      for c in 0..<d where n > 2 {
        var variance = 0.0
        for i in 0..<n { variance += pca.projected[i * d + c] * pca.projected[i * d + c] / Double(n - 1) }
        XCTAssertEqual(variance, pca.variances[c], accuracy: 1e-9 * max(total, 1), "n = \(n): component \(c)")
      }
      XCTAssertEqual(PCA(data, rows: n, columns: d, components: d, threads: 1).projected, pca.projected, "n = \(n), 1 thread")
      XCTAssertEqual(PCA(data, rows: n, columns: d, components: d, threads: 3).projected, pca.projected, "n = \(n), 3 threads")
    }
    let flat = PCA([Double](repeating: 3, count: 40), rows: 10, columns: 4, components: 2, threads: 2)
    XCTAssertEqual(flat.variances, [0, 0])
    XCTAssertEqual(flat.projected, [Double](repeating: 0, count: 20))
  }
}
