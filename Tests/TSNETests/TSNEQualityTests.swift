import Foundation
import ImageIO
import TestSupport
import XCTest

@testable import TSNE

/// Quality against scikit-learn on the real digits (fixtures/make_tsne_goldens.py).
final class TSNEQualityTests: XCTestCase {
  private func golden() throws -> [String: [String: Any]] {
    let data = Data(try readFile(Repo.fixtures + "/tsne_golden.json"))
    return (try JSONSerialization.jsonObject(with: data) as! [String: Any]).compactMapValues { $0 as? [String: Any] }
  }

  /// Rows (i·5000)/n of the 5,000 digits (balanced over classes), pixels /255, PCA to 50.
  private func digits50(_ n: Int) throws -> [Double] {
    let set = try RealData.digits().subset((0..<n).map { $0 * 5000 / n })
    return PCA(set.pixels.map(Double.init), rows: n, columns: 784, components: 50).projected
  }

  private func exactKL(of embedding: Embedding, input x: [Double], rows n: Int) -> Double {
    let p = Affinities.dense(squaredDistances: TSNE.squaredDistances(x, rows: n, columns: 50), count: n, perplexity: 30, threads: 2)
    var gradient = [Double](repeating: 0, count: n * embedding.dims)
    return embedding.coordinates.withUnsafeBufferPointer { y in
      gradient.withUnsafeMutableBufferPointer {
        ExactGradient(p: p, n: n, dims: embedding.dims, dof: 1, threads: 2).compute(y, exaggeration: 1, withError: true, into: $0)
      }
    }!
  }

  /// A default run on two threads with the given method.
  private func embed(_ x: [Double], rows n: Int, method: GradientMethod) throws -> Embedding {
    var options = TSNEOptions()
    options.threads = 2
    options.method = method
    return try TSNE.embed(x, rows: n, columns: 50, options: options)
  }

  func testExactAndBarnesHutAgainstScikitLearnOn2000Digits() throws {
    let golden = try golden()
    let n = 2000
    let x = try digits50(n)
    let exact = try embed(x, rows: n, method: .exact)
    let sklearnExact = golden["exact_2000"]!["kl"] as! Double
    XCTAssertLessThanOrEqual(abs(exact.kl - sklearnExact) / sklearnExact, 0.01, "exact KL \(exact.kl) vs scikit-learn \(sklearnExact)")
    let barnesHut = try embed(x, rows: n, method: .barnesHut)
    // Barnes-Hut optimises a kNN-sparse P, so its own KL estimate is not comparable with the exact
    // method's (scikit-learn's two differ by 13% here). Two checks instead: its estimate matches
    // scikit-learn's Barnes-Hut within 2%, and its embedding, scored with the exact objective
    // (dense P), is within 2% of the exact method's KL. Measured with the defaults (openTSNE's
    // learning rates, θ 0.5, cells accepted per group of points): 0.80% (0.9960 against 0.9881);
    // with a walk per point it was 2.4% at θ 0.5 and 1.5% at 0.4, the tree's approximation being
    // the cause (TSNEGoldenTests.testBarnesHutGapToTheExactObjectiveComesFromTheTree).
    let sklearnBarnesHut = golden["barnes_hut_2000"]!["kl"] as! Double
    XCTAssertLessThanOrEqual(abs(barnesHut.kl - sklearnBarnesHut) / sklearnBarnesHut, 0.02, "Barnes-Hut KL \(barnesHut.kl) vs scikit-learn \(sklearnBarnesHut)")
    let barnesHutExactKL = exactKL(of: barnesHut, input: x, rows: n)
    XCTAssertLessThanOrEqual(
      abs(barnesHutExactKL - exact.kl) / exact.kl, 0.02, "Barnes-Hut embedding's exact KL \(barnesHutExactKL) vs exact method's \(exact.kl)")
    print("tsne-quality: exact KL \(exact.kl) (scikit-learn \(sklearnExact)); Barnes-Hut KL estimate \(barnesHut.kl), its exact KL \(barnesHutExactKL)")
  }

  /// The FFT-interpolation method with its defaults (openTSNE's grid and learning rates) against
  /// openTSNE's FFT method on the same 2,000 digits: KL estimate within 2%, trustworthiness at
  /// least openTSNE's minus 0.005, and its embedding, scored with the exact objective, within 5%
  /// of the exact method's KL (as for Barnes-Hut above).
  func testInterpolationAgainstOpenTSNEOn2000Digits() throws {
    let golden = try golden()
    let n = 2000
    let x = try digits50(n)
    let result = try embed(x, rows: n, method: .fft)
    let reference = golden["opentsne_fft_2000"]!
    let referenceKL = reference["kl"] as! Double, referenceTrust = reference["trustworthiness_k10"] as! Double
    XCTAssertLessThanOrEqual(abs(result.kl - referenceKL) / referenceKL, 0.02, "FFT KL \(result.kl) vs openTSNE FFT \(referenceKL)")
    let trust = EmbeddingQuality.trustworthiness(input: x, columns: 50, embedding: result.coordinates, dims: 2, rows: n, k: 10, threads: 2)
    XCTAssertGreaterThanOrEqual(trust, referenceTrust - 0.005, "trustworthiness \(trust) vs openTSNE \(referenceTrust)")
    let exactScore = exactKL(of: result, input: x, rows: n)
    let exactMethodKL = golden["exact_2000"]!["kl"] as! Double
    XCTAssertLessThanOrEqual(abs(exactScore - exactMethodKL) / exactMethodKL, 0.05, "FFT embedding's exact KL \(exactScore) vs scikit-learn exact \(exactMethodKL)")
    print("tsne-quality: FFT 2000 KL \(result.kl) (openTSNE \(referenceKL)), trustworthiness \(trust) (openTSNE \(referenceTrust)), exact KL of the embedding \(exactScore)")
  }

  func testBarnesHutTrustworthinessOn5000Digits() throws {
    let golden = try golden()
    let n = 5000
    let x = try digits50(n)
    let result = try embed(x, rows: n, method: .barnesHut)
    let trust = EmbeddingQuality.trustworthiness(input: x, columns: 50, embedding: result.coordinates, dims: 2, rows: n, k: 10, threads: 2)
    let sklearn = golden["barnes_hut_5000"]!["trustworthiness_k10"] as! Double
    XCTAssertGreaterThanOrEqual(trust, sklearn - 0.005, "trustworthiness \(trust) vs scikit-learn \(sklearn)")
    // The KL against scikit-learn's, two ways. With scikit-learn's learning rate this is its
    // algorithm, so the two KLs agree within 2% either way. With the default (openTSNE's rates)
    // the optimisation goes further: its KL may be lower, but not more than 2% higher.
    let sklearnKL = golden["barnes_hut_5000"]!["kl"] as! Double
    var options = TSNEOptions()
    options.threads = 2
    options.schedule = .scikitLearn
    let sameRates = try TSNE.embed(x, rows: n, columns: 50, options: options)
    XCTAssertLessThanOrEqual(
      abs(sameRates.kl - sklearnKL) / sklearnKL, 0.02, "Barnes-Hut 5000 KL with scikit-learn's rate \(sameRates.kl) vs scikit-learn \(sklearnKL)")
    XCTAssertLessThanOrEqual(result.kl, sklearnKL * 1.02, "Barnes-Hut 5000 KL (defaults) \(result.kl) vs scikit-learn \(sklearnKL)")
    print("tsne-quality: Barnes-Hut 5000 trustworthiness \(trust) (scikit-learn \(sklearn)), KL \(result.kl), with scikit-learn's rate \(sameRates.kl) (scikit-learn \(sklearnKL))")
  }
}
