import EvalCore
import Foundation
import SetStatistics
import ImageIO
import Workers

/// Equal-width bins over [lower, upper], assigned exactly as `numpy.histogram` does: bins are
/// half-open [a, b) except the last, which is closed; values outside the range are not counted.
public struct Bins: Sendable, Equatable {
  public let count: Int
  public let lower: Double
  public let upper: Double
  /// count + 1 edges, computed as numpy.linspace does (lower + i·step, the last set to upper).
  public let edges: [Double]

  public init(count: Int, lower: Double, upper: Double) {
    precondition(count >= 1 && upper > lower)
    self.count = count
    self.lower = lower
    self.upper = upper
    let step = (upper - lower) / Double(count)
    var edges = (0...count).map { Double($0) * step + lower }
    edges[count] = upper
    self.edges = edges
  }

  /// The bin of `value`, or nil if it lies outside the range.
  @inline(__always)
  public func index(of value: Double) -> Int? {
    guard value >= lower && value <= upper else { return nil }
    var i = Int((value - lower) / (upper - lower) * Double(count))
    if i == count { i -= 1 }
    // numpy's correction for values that rounding put one bin off
    if value < edges[i] { i -= 1 } else if i != count - 1 && value >= edges[i + 1] { i += 1 }
    return i
  }
}

/// The pixel-intensity histogram of an image set.
public struct PixelHistogram: Sendable {
  public let bins: Bins
  public let counts: [Int]
  public var total: Int { counts.reduce(0, +) }

  /// Which values of a set a histogram counts.
  public enum Channel: Sendable, Equatable {
    /// every value (a gray set's pixels; all three channels of an RGB set, as numpy's histogram of H×W×3)
    case all
    /// one channel of an RGB set (0 red, 1 green, 2 blue)
    case index(Int)
    /// the 8-bit ITU-R 601 luminance of an RGB set (Pillow's convert("L"))
    case luma
  }

  /// Counts already made, e.g. read from a stats file.
  public init(bins: Bins, counts: [Int]) {
    precondition(counts.count == bins.count, "one count per bin")
    (self.bins, self.counts) = (bins, counts)
  }

  /// Counts every pixel of every image; pixels take their exact source-level values.
  public init(_ set: ImageSet, bins: Bins, threads: Int, channel: Channel = .all) {
    let workers = max(1, min(threads, set.count))
    var partial = [[Int]](repeating: [Int](repeating: 0, count: bins.count), count: workers)
    partial.withUnsafeMutableBufferPointer { buffer in
      let out = SharedBuffer(buffer.baseAddress!)
      try? parallelFor(workers, threads: workers) { worker in
        var local = [Int](repeating: 0, count: bins.count + 1)  // the extra slot counts out-of-range
        let range = chunk(worker, of: workers, count: set.count)
        let valueRange = (range.lowerBound * set.valuesPerImage)..<(range.upperBound * set.valuesPerImage)
        let pixelRange: StrideTo<Int>
        switch channel {
        case .all: pixelRange = stride(from: valueRange.lowerBound, to: valueRange.upperBound, by: 1)
        case .index(let k): pixelRange = stride(from: valueRange.lowerBound + k, to: valueRange.upperBound, by: set.channels)
        case .luma: pixelRange = stride(from: valueRange.lowerBound, to: valueRange.upperBound, by: set.channels)
        }
        set.pixels.withUnsafeBufferPointer { pixels in
          if channel == .luma && set.isColor {
            let table = (0...255).map { bins.index(of: Double($0) / 255) ?? bins.count }
            for i in pixelRange {
              local[table[Int(lumaLevel(toGrayLevel(pixels[i]), toGrayLevel(pixels[i + 1]), toGrayLevel(pixels[i + 2])))]] += 1
            }
          } else if set.bitDepth == 8 {
            // 256 possible values: bin each level once, exactly as below, then count by table
            let table = (0...255).map { bins.index(of: Double($0) / 255) ?? bins.count }
            for i in pixelRange { local[table[Int(toGrayLevel(pixels[i]))]] += 1 }
          } else {
            for i in pixelRange { local[bins.index(of: set.exactValue(pixels[i])) ?? bins.count] += 1 }
          }
        }
        local.removeLast()
        out[worker] = local
      }
    }
    self.bins = bins
    self.counts = partial.reduce(into: [Int](repeating: 0, count: bins.count)) { sum, part in
      for i in 0..<bins.count { sum[i] += part[i] }
    }
  }

  /// Probability mass per bin (counts / total).
  public var probabilities: [Double] {
    let n = Double(total)
    return counts.map { n > 0 ? Double($0) / n : 0 }
  }

  /// numpy's `density=True`: counts / (total · bin width), integrating to 1 over the range.
  public var densities: [Double] {
    let n = Double(total)
    return counts.indices.map { i in n > 0 ? Double(counts[i]) / (n * (bins.edges[i + 1] - bins.edges[i])) : 0 }
  }
}

/// Distances between two histograms over the same bins: total variation, Jensen–Shannon in bits
/// (the square of scipy's `jensenshannon(p, q, base=2)`) and Wasserstein-1 with all mass at the bin
/// centres (scipy's `wasserstein_distance`). One implementation, in SetStatistics, serves the
/// metric and its bootstrap.
public typealias HistogramDistance = HistogramDistances

extension PixelHistogram {
  /// Each image's own counts over `bins` (every value of a gray set; with `channel`, one channel
  /// or the luminance of an RGB set, binned as `init(_:bins:threads:channel:)` bins them), image
  /// after image: the pooled histogram is their sum, and a bootstrap resample's is their weighted
  /// sum (no image re-read).
  /// `images` picks a range of the set's images (all by default).
  public static func perImage(_ set: ImageSet, images: Range<Int>? = nil, bins: Bins, threads: Int, channel: Channel = .all) -> PerImageHistograms {
    let images = images ?? 0..<set.count
    var counts = [Int](repeating: 0, count: images.count * bins.count)
    let table = (0...255).map { bins.index(of: Double($0) / 255) ?? -1 }
    let (first, step): (Int, Int)
    switch channel {
    case .all: (first, step) = (0, 1)
    case .index(let k): (first, step) = (k, set.channels)
    case .luma: (first, step) = (0, set.channels)
    }
    let luma = channel == .luma && set.isColor
    counts.withUnsafeMutableBufferPointer { buffer in
      let out = SharedBuffer(buffer.baseAddress!)
      set.pixels.withUnsafeBufferPointer { pixels in
        let input = UncheckedBox(pixels)
        try? parallelFor(images.count, threads: threads) { row in
          let start = (images.lowerBound + row) * set.valuesPerImage, base = row * bins.count
          for i in stride(from: start + first, to: start + set.valuesPerImage, by: step) {
            let bin: Int
            if luma {
              bin = table[Int(lumaLevel(toGrayLevel(input.value[i]), toGrayLevel(input.value[i + 1]), toGrayLevel(input.value[i + 2])))]
            } else {
              bin = set.bitDepth == 8 ? table[Int(toGrayLevel(input.value[i]))] : (bins.index(of: set.exactValue(input.value[i])) ?? -1)
            }
            if bin >= 0 { out[base + bin] += 1 }
          }
        }
      }
    }
    return PerImageHistograms(bins: bins.count, counts: counts)
  }
}
