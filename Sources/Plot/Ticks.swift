import Foundation

/// An axis scale: "nice" tick values (1, 2 or 5 times a power of ten) covering a data range.
public struct NiceScale {
  public let lower: Double
  public let upper: Double
  public let step: Double
  public let ticks: [Double]

  /// Chooses about `target` ticks; the scale is widened outward to whole ticks.
  public init(_ minimum: Double, _ maximum: Double, target: Int = 5) {
    var low = minimum.isFinite ? minimum : 0
    var high = maximum.isFinite ? maximum : 1
    if high < low { swap(&low, &high) }
    if high - low < 1e-12 * max(1, abs(high)) {
      let pad = low == 0 ? 1 : abs(low) * 0.1
      low -= pad
      high += pad
    }
    let step = NiceScale.niceNumber((high - low) / Double(max(target, 1)))
    let first = (low / step).rounded(.down) * step
    let last = (high / step).rounded(.up) * step
    var ticks: [Double] = []
    var k = 0
    while true {
      let value = first + Double(k) * step
      if value > last + step * 1e-9 { break }
      ticks.append(abs(value) < step * 1e-9 ? 0 : value)
      k += 1
    }
    self.lower = first
    self.upper = last
    self.step = step
    self.ticks = ticks
  }

  /// 1, 2 or 5 times a power of ten, the nearest to `raw` from above.
  static func niceNumber(_ raw: Double) -> Double {
    let exponent = floor(log10(raw))
    let magnitude = pow(10, exponent)
    let fraction = raw / magnitude
    let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
    return nice * magnitude
  }

  /// A tick label with just enough decimals for the step.
  public func label(_ value: Double) -> String {
    let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
    if abs(value) >= 1e6 || (abs(value) < 1e-4 && value != 0) { return String(format: "%.1e", value) }
    return String(format: "%.\(decimals)f", value)
  }
}
