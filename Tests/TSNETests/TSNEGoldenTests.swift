import Foundation
import ImageIO
import TestSupport
import XCTest

@testable import TSNE

/// Goldens from fixtures/make_tsne_more_goldens.py (scikit-learn on the real digits).
final class TSNEGoldenTests: XCTestCase {
  private func golden() throws -> [String: [String: Any]] {
    let data = Data(try readFile(Repo.fixtures + "/tsne_more_golden.json"))
    return (try JSONSerialization.jsonObject(with: data) as! [String: Any]).compactMapValues { $0 as? [String: Any] }
  }

  /// Rows (i·5000)/n of the 5,000 digits, PCA to 50 (our PCA; scikit-learn's differs in signs only).
  private func digits50(_ n: Int) throws -> [Double] {
    let set = try RealData.digits().subset((0..<n).map { $0 * 5000 / n })
    return PCA(set.pixels.map(Double.init), rows: n, columns: 784, components: 50).projected
  }

  private func run(_ x: [Double], rows n: Int, configure: (inout TSNEOptions) -> Void) throws -> Embedding {
    var options = TSNEOptions()
    options.threads = 2
    configure(&options)
    return try TSNE.embed(x, rows: n, columns: 50, options: options)
  }

  private func exactKL(_ y: [Double], dims: Int, input x: [Double], rows n: Int) -> Double {
    let p = Affinities.dense(squaredDistances: TSNE.squaredDistances(x, rows: n, columns: 50), count: n, perplexity: 30, threads: 2)
    var gradient = [Double](repeating: 0, count: y.count)
    return y.withUnsafeBufferPointer { yb in
      gradient.withUnsafeMutableBufferPointer { ExactGradient(p: p, n: n, dims: dims, dof: 1, threads: 2).compute(yb, exaggeration: 1, withError: true, into: $0) }
    }!
  }

  /// Our trustworthiness of scikit-learn's own embedding of 2,000 digits against its PCA-50
  /// input equals `sklearn.manifold.trustworthiness` to six decimals, for k = 5, 10 and 12.
  func testTrustworthinessMatchesScikitLearnToSixDecimals() throws {
    let n = 2000
    let x = try digits50(n)
    let y = try NPY.read(Repo.fixtures + "/tsne_trust_embedding.npy")
    XCTAssertEqual(y.shape, [n, 2])
    let expected = try golden()["trustworthiness_2000"]!
    for k in [5, 10, 12] {
      let ours = EmbeddingQuality.trustworthiness(input: x, columns: 50, embedding: y.values, dims: 2, rows: n, k: k, threads: 2)
      let reference = expected[String(k)] as! Double
      XCTAssertEqual(ours, reference, accuracy: 5e-7, "k = \(k)")
    }
  }

  /// 3D Barnes-Hut on 2,000 digits (defaults: one degree of freedom, openTSNE's learning rates)
  /// keeps neighbourhoods as well as scikit-learn's 3D Barnes-Hut (which uses two; trustworthiness
  /// within 0.005), and its embedding scored with the exact 3D objective is within the issue's 2%
  /// of our exact 3D method's KL (measured 0.77% below it: 0.8860 against 0.8929, with cells
  /// accepted per group of points; 0.72% above with a walk per point and θ 0.4, 3.1% with
  /// scikit-learn's learning rate; no 3D reference exists on the same objective, as
  /// scikit-learn's 3D optimises dof = 2).
  func testThreeDimensionalBarnesHutQuality() throws {
    let n = 2000
    let x = try digits50(n)
    let reference = try golden()["barnes_hut_3d_2000"]!
    let barnesHut = try run(x, rows: n) { $0.dims = 3 }
    let trust = EmbeddingQuality.trustworthiness(input: x, columns: 50, embedding: barnesHut.coordinates, dims: 3, rows: n, k: 10, threads: 2)
    let referenceTrust = reference["trustworthiness_k10"] as! Double
    XCTAssertGreaterThanOrEqual(trust, referenceTrust - 0.005, "3D trustworthiness \(trust) vs scikit-learn \(referenceTrust)")
    let exact = try run(x, rows: n) { $0.dims = 3; $0.method = .exact }
    let scored = exactKL(barnesHut.coordinates, dims: 3, input: x, rows: n)
    print("tsne-3d: Barnes-Hut KL estimate \(barnesHut.kl), exact objective \(scored), exact method \(exact.kl); trustworthiness \(trust) (scikit-learn \(referenceTrust))")
    XCTAssertLessThanOrEqual(abs(scored - exact.kl) / exact.kl, 0.02, "3D Barnes-Hut embedding's exact KL \(scored) vs exact method \(exact.kl)")
  }

  /// Where the 2,000-digit Barnes-Hut embedding's gap to the exact objective comes from. With
  /// θ = 0.5 and a walk per point it was 2.4% with openTSNE's learning rates (4.1% with
  /// scikit-learn's); with cells accepted per group of points it is 0.80% (θ 0.1: 0.72%)
  /// (TSNEQualityTests); scikit-learn's own Barnes-Hut embedding of
  /// the same digits is 2.8% above its exact method (golden), so θ = 0.5 alone misses 2% there
  /// too. With an accurate repulsion (θ = 0.1), the kNN-sparse P and our optimiser land within
  /// 2% of the exact method, and at θ = 0.5 ours stays within 2% of scikit-learn's Barnes-Hut
  /// embedding on the exact objective.
  func testBarnesHutGapToTheExactObjectiveComesFromTheTree() throws {
    let n = 2000
    let x = try digits50(n)
    let reference = try golden()["exact_objective_2000"]!
    let exact = try run(x, rows: n) { $0.method = .exact }
    let accurate = try run(x, rows: n) { $0.theta = 0.1 }
    let accurateScore = exactKL(accurate.coordinates, dims: 2, input: x, rows: n)
    XCTAssertLessThanOrEqual(abs(accurateScore - exact.kl) / exact.kl, 0.02, "θ 0.1: exact KL \(accurateScore) vs exact method \(exact.kl)")
    let standard = try run(x, rows: n) { $0.theta = 0.5 }  // scikit-learn's θ, and the default
    let standardScore = exactKL(standard.coordinates, dims: 2, input: x, rows: n)
    let sklearnScore = reference["sklearn_barnes_hut_embedding_exact_kl"] as! Double
    XCTAssertLessThanOrEqual(standardScore, sklearnScore * 1.02, "θ 0.5: exact KL \(standardScore) vs scikit-learn Barnes-Hut's \(sklearnScore)")
    print("tsne-gap: exact method \(exact.kl) (scikit-learn \(reference["sklearn_exact_kl"]!)); Barnes-Hut θ 0.1 \(accurateScore), θ 0.5 \(standardScore) (scikit-learn's θ 0.5 embedding \(sklearnScore))")
  }
}
