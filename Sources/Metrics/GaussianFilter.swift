import EvalCore
import Foundation
import ImageIO
import Workers

/// How a filter sees past the image edge (scipy.ndimage's names).
public enum BoundaryMode: String, Sendable, CaseIterable {
  /// d c b a | a b c d | d c b a (half-sample symmetric; scipy's default)
  case reflect
  /// a a a a | a b c d | d d d d
  case nearest
  /// d c b | a b c d | c b a (whole-sample symmetric)
  case mirror
  /// 0 0 0 0 | a b c d | 0 0 0 0
  case constant
  /// a b c d | a b c d | a b c d
  case wrap

  /// The source index for position `i` of a line of `n` samples, or nil for the constant zero.
  public func index(_ i: Int, count n: Int) -> Int? {
    if i >= 0 && i < n { return i }
    switch self {
    case .nearest: return i < 0 ? 0 : n - 1
    case .constant: return nil
    case .wrap: return ((i % n) + n) % n
    case .reflect:
      let period = 2 * n
      let k = ((i % period) + period) % period
      return k < n ? k : period - 1 - k
    case .mirror:
      if n == 1 { return 0 }
      let period = 2 * n - 2
      let k = ((i % period) + period) % period
      return k < n ? k : period - k
    }
  }
}

/// `gaussian`: the Gaussian post-filter, equal to `scipy.ndimage.gaussian_filter` on the image as
/// Float64 gray levels (radius = ⌊truncate·σ + 0.5⌋, rows then columns), rounded half to even.
public struct GaussianFilter: ImageByImageTransform, PluginDeclaration {
  public static let name = "gaussian"
  public static let summary = "Gaussian post-filter matching scipy.ndimage.gaussian_filter (σ, boundary mode, truncate)"

  public let sigma: Double
  public let mode: BoundaryMode
  public let truncate: Double

  public init(sigma: Double, mode: BoundaryMode = .reflect, truncate: Double = 4) {
    self.sigma = sigma
    self.mode = mode
    self.truncate = truncate
  }

  public static let options: [OptionSpec] = [
    .number("sigma", min: 0, max: 1000, "Standard deviation of the Gaussian, in pixels.", required: true),
    .choice("mode", default: BoundaryMode.reflect, "Boundary mode, as scipy.ndimage (reflect is d c b a | a b c d)."),
    .number("truncate", default: 4, above: 0, max: 100, "Kernel radius in standard deviations (radius = int(truncate·sigma + 0.5))."),
  ]

  public init(options: OptionValues) throws {
    sigma = options.double("sigma")
    mode = options.choice("mode")
    truncate = options.double("truncate")
  }

  /// The normalised kernel taps w[0…radius] (w[−k] = w[k]).
  public var halfKernel: [Double] {
    let radius = Int(truncate * sigma + 0.5)
    if sigma == 0 || radius == 0 { return [1] }
    let taps = (0...radius).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
    let total = taps[0] + 2 * taps.dropFirst().reduce(0, +)
    return taps.map { $0 / total }
  }

  /// Filters one image given as Float64 gray levels (row-major); returns Float64 levels.
  public func filter(_ image: [Double], width: Int, height: Int) -> [Double] {
    let w = halfKernel
    let down = FilterLine(count: height, radius: w.count - 1, mode: mode)
    let across = FilterLine(count: width, radius: w.count - 1, mode: mode)
    var line = [Double](repeating: 0, count: max(width, height) + 1)
    var columnsDone = [Double](repeating: 0, count: image.count)
    // axis 0 (down each column) first, as scipy does
    for x in 0..<width {
      for y in 0..<height { line[y] = image[y * width + x] }
      line[height] = 0
      for y in 0..<height { columnsDone[y * width + x] = down.apply(w, at: y, to: line) }
    }
    var out = [Double](repeating: 0, count: image.count)
    for y in 0..<height {
      for x in 0..<width { line[x] = columnsDone[y * width + x] }
      line[width] = 0
      for x in 0..<width { out[y * width + x] = across.apply(w, at: x, to: line) }
    }
    return out
  }

  public func apply(_ set: ImageSet, context: RunContext) throws -> ImageSet {
    var pixels = [Float](repeating: 0, count: set.pixels.count)
    let progress = context.progress("gaussian filter", total: set.count)
    pixels.withUnsafeMutableBufferPointer { buffer in
      let out = SharedBuffer(buffer.baseAddress!)
      try? parallelFor(set.count, threads: context.threads) { index in
        let image = set.image(index)
        // each channel on its own, as gaussian_filter(img, sigma=(s, s, 0)) for H×W×3
        for channel in 0..<set.channels {
          let levels = stride(from: image.startIndex + channel, to: image.endIndex, by: set.channels).map { set.exactValue(image[$0]) * 255 }
          let filtered = filter(levels, width: set.width, height: set.height)
          for (i, v) in filtered.enumerated() {
            let level = min(max(v.rounded(.toNearestOrEven), 0), 255)
            out[index * set.valuesPerImage + i * set.channels + channel] = Float(level) / 255
          }
        }
        progress.advance()
      }
    }
    progress.finish()
    var result = set
    result.pixels = pixels
    result.bitDepth = 8
    return result
  }
}

/// The source positions each output sample of a line reads, boundary mode applied once per size.
struct FilterLine {
  let radius: Int
  /// For output i, offsets −radius…radius: source index, or `zero` (= count) for the constant 0.
  let sources: [Int]
  let zero: Int

  init(count: Int, radius: Int, mode: BoundaryMode) {
    self.radius = radius
    zero = count
    var sources: [Int] = []
    sources.reserveCapacity(count * (2 * radius + 1))
    for i in 0..<count {
      for k in -radius...radius { sources.append(mode.index(i + k, count: count) ?? count) }
    }
    self.sources = sources
  }

  /// w₀·x(i) + Σₖ wₖ·(x(i−k) + x(i+k)), in scipy's summation order for symmetric kernels.
  /// `line[zero]` must hold 0.
  @inline(__always)
  func apply(_ w: [Double], at i: Int, to line: [Double]) -> Double {
    let base = i * (2 * radius + 1) + radius
    var sum = line[sources[base]] * w[0]
    var k = 1
    while k <= radius {
      sum += (line[sources[base - k]] + line[sources[base + k]]) * w[k]
      k += 1
    }
    return sum
  }
}
