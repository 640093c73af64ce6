import Foundation

/// Closed-form intervals: where one exists, it replaces the bootstrap (and says so in `method`).
public enum AnalyticInterval {
  /// Wilson score interval for `successes` out of `trials`:
  /// (p̂ + z²/2n ± z·√(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n), z the (1 + c)/2 normal quantile.
  /// It stays inside [0, 1] and behaves at p̂ = 0 or 1, unlike the Wald interval.
  public static func proportion(successes: Int, trials: Int, confidence: Double = 0.95) -> Estimate {
    precondition(successes >= 0 && successes <= trials, "successes must lie between 0 and the number of trials")
    guard trials > 0 else { return .bare(.nan) }
    let n = Double(trials), p = Double(successes) / n, z = normalQuantile((1 + confidence) / 2)
    let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    let half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()
    return Estimate(value: p, low: max(0, centre - half), high: min(1, centre + half), confidence: confidence, method: .wilson)
  }

  /// Student t interval of a mean: x̄ ± t₍n−1₎·s/√n, s with divisor n − 1.
  public static func mean(_ values: [Double], confidence: Double = 0.95) -> Estimate {
    let n = values.count
    guard n > 1 else { return .bare(n == 1 ? values[0] : .nan) }
    let (mean, variance) = meanAndVariance(values)
    return self.mean(mean, variance: variance, count: n, confidence: confidence)
  }

  /// The same interval from a sample's mean, variance (divisor n − 1) and size, e.g. moments read
  /// from a stats file.
  public static func mean(_ mean: Double, variance: Double, count n: Int, confidence: Double = 0.95) -> Estimate {
    guard n > 1 else { return .bare(n == 1 ? mean : .nan) }
    let half = studentTQuantile((1 + confidence) / 2, degreesOfFreedom: Double(n - 1)) * (variance / Double(n)).squareRoot()
    return Estimate(value: mean, low: mean - half, high: mean + half, confidence: confidence, method: .studentT)
  }

  /// Welch's interval of mean(a) − mean(b): ± t₍ν₎·√(sₐ²/nₐ + s_b²/n_b), with the
  /// Welch–Satterthwaite ν = (sₐ²/nₐ + s_b²/n_b)² / ((sₐ²/nₐ)²/(nₐ−1) + (s_b²/n_b)²/(n_b−1)).
  public static func meanDifference(_ a: [Double], _ b: [Double], confidence: Double = 0.95) -> Estimate {
    guard a.count > 1, b.count > 1 else { return .bare(.nan) }
    let (ma, va) = meanAndVariance(a), (mb, vb) = meanAndVariance(b)
    return meanDifference((ma, va, a.count), (mb, vb, b.count), confidence: confidence)
  }

  /// The same interval from each sample's (mean, variance with divisor n − 1, size).
  public static func meanDifference(
    _ a: (mean: Double, variance: Double, count: Int), _ b: (mean: Double, variance: Double, count: Int), confidence: Double = 0.95
  ) -> Estimate {
    guard a.count > 1, b.count > 1 else { return .bare(.nan) }
    let ea = a.variance / Double(a.count), eb = b.variance / Double(b.count), se = (ea + eb).squareRoot()
    let difference = a.mean - b.mean
    guard se > 0 else { return Estimate(value: difference, low: difference, high: difference, confidence: confidence, method: .welchT) }
    let nu = (ea + eb) * (ea + eb) / (ea * ea / Double(a.count - 1) + eb * eb / Double(b.count - 1))
    let half = studentTQuantile((1 + confidence) / 2, degreesOfFreedom: nu) * se
    return Estimate(value: difference, low: difference - half, high: difference + half, confidence: confidence, method: .welchT)
  }

  static func meanAndVariance(_ values: [Double]) -> (Double, Double) {
    let mean = values.reduce(0, +) / Double(values.count)
    let ss = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    return (mean, ss / Double(values.count - 1))
  }
}

/// The standard normal quantile Φ⁻¹(p), 0 < p < 1: Acklam's rational approximation refined by
/// two Newton steps on erfc, accurate to about 1e-15.
public func normalQuantile(_ p: Double) -> Double {
  precondition(p > 0 && p < 1, "a normal quantile needs 0 < p < 1")
  let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
  let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
  let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
  let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
  func horner(_ coefficients: [Double], _ t: Double) -> Double { coefficients.reduce(0) { $0 * t + $1 } }
  var x: Double
  if p < 0.02425 || p > 1 - 0.02425 {
    let q = (-2 * log(min(p, 1 - p))).squareRoot()
    let tail = horner(c, q) / (horner(d, q) * q + 1)
    x = p < 0.5 ? tail : -tail
  } else {
    let q = p - 0.5, r = q * q
    x = horner(a, r) * q / (horner(b, r) * r + 1)
  }
  for _ in 0..<2 {  // Newton on Φ(x) − p with Φ(x) = erfc(−x/√2)/2
    let error = 0.5 * erfc(-x / 2.0.squareRoot()) - p
    x -= error * (2 * Double.pi).squareRoot() * exp(x * x / 2)
  }
  return x
}

/// Student t quantile for ν > 0 degrees of freedom, by bisection on the CDF
/// F(t) = 1 − ½·I(ν/(ν + t²); ν/2, ½) for t ≥ 0 (I the regularised incomplete beta).
public func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
  precondition(p > 0 && p < 1 && nu > 0, "a t quantile needs 0 < p < 1 and positive degrees of freedom")
  if p < 0.5 { return -studentTQuantile(1 - p, degreesOfFreedom: nu) }
  if p == 0.5 { return 0 }
  func cdf(_ t: Double) -> Double { 1 - 0.5 * regularizedIncompleteBeta(nu / (nu + t * t), nu / 2, 0.5) }
  var low = 0.0, high = 1.0
  while cdf(high) < p { high *= 2 }
  for _ in 0..<200 {
    let middle = (low + high) / 2
    if middle == low || middle == high { break }
    if cdf(middle) < p { low = middle } else { high = middle }
  }
  return (low + high) / 2
}

/// I_x(a, b) by the continued fraction (modified Lentz), using the symmetry
/// I_x(a, b) = 1 − I₁₋ₓ(b, a) where the fraction converges slowly.
func regularizedIncompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
  if x <= 0 { return 0 }
  if x >= 1 { return 1 }
  if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, b, a) }
  let logBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
  let logPowers: Double = a * log(x) + b * log(1 - x)
  let front = exp(logBeta + logPowers)
  let tiny = 1e-300
  var f = 1.0, c = 1.0, d = 1 - (a + b) * x / (a + 1)
  d = abs(d) < tiny ? tiny : d
  d = 1 / d
  f = d
  for m in 1...500 {
    let m = Double(m)
    for step in 0..<2 {
      let numerator: Double
      if step == 0 {
        numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
      } else {
        numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
      }
      d = 1 + numerator * d
      d = abs(d) < tiny ? tiny : d
      c = 1 + numerator / c
      c = abs(c) < tiny ? tiny : c
      d = 1 / d
      f *= c * d
    }
    if abs(c * d - 1) < 1e-16 { break }
  }
  return front * f / a
}
