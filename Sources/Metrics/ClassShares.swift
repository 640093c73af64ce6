import Foundation

/// The share of each predicted class in a set whose image i counts `weights[i]` times (all ones:
/// the plain shares; a bootstrap resample's multiplicities: that resample's shares).
func classShares(_ predicted: [Int], classes c: Int, weights: [Int]? = nil) -> [Double] {
  var counts = [Double](repeating: 0, count: c), total = 0.0
  for (i, k) in predicted.enumerated() {
    let w = Double(weights?[i] ?? 1)
    counts[k] += w
    total += w
  }
  return counts.map { total > 0 ? $0 / total : 0 }
}

/// KL(p ‖ q) in bits over classes, q floored at 1e-12 (a class the reference never shows).
func classKLBits(_ p: [Double], _ q: [Double]) -> Double {
  var kl = 0.0
  for k in p.indices where p[k] > 0 { kl += p[k] * log2(p[k] / max(q[k], 1e-12)) }
  return kl
}

/// exp(Σᵢ wᵢ KL(p(y|xᵢ) ‖ p̄(y)) / Σᵢ wᵢ), p̄ = Σᵢ wᵢ p(y|xᵢ) / Σᵢ wᵢ: the Inception-Score analogue
/// of the images with weight wᵢ > 0, each counted wᵢ times (Salimans et al. 2016 with our classifier).
func weightedInceptionScore(_ probabilities: [Double], classes c: Int, weights: [Int]) -> Double {
  var marginal = [Double](repeating: 0, count: c), total = 0.0
  for (i, w) in weights.enumerated() where w > 0 {
    total += Double(w)
    for k in 0..<c { marginal[k] += Double(w) * probabilities[i * c + k] }
  }
  guard total > 0 else { return .nan }
  for k in 0..<c { marginal[k] /= total }
  var sum = 0.0
  for (i, w) in weights.enumerated() where w > 0 {
    var kl = 0.0
    for k in 0..<c where probabilities[i * c + k] > 0 { kl += probabilities[i * c + k] * (log(probabilities[i * c + k]) - log(marginal[k])) }
    sum += Double(w) * kl
  }
  return exp(sum / total)
}
