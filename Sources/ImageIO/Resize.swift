import Foundation

/// Resampling for `--resize`: Pillow's `Image.resize(size, Image.BILINEAR)`, a separable triangle
/// filter that antialiases when shrinking.
///
/// Along each axis with scale s = input size / output size, output pixel x has its centre at
/// c = (x + ½)·s in input coordinates. With f = max(s, 1), it averages the input pixels i with
/// ⌊c − f + ½⌋ ≤ i < ⌊c + f + ½⌋ (cut to the image) weighted by the triangle
/// w(i) = max(0, 1 − |i + ½ − c| / f), the weights divided by their sum. Enlarging (f = 1) this is
/// plain bilinear interpolation between the two nearest pixel centres; shrinking by s, the
/// triangle's support widens to ±s input pixels, so every input pixel contributes (no aliasing).
/// Edges are not padded: the taps outside the image are dropped and the rest renormalised.
///
/// The width is resampled first, then the height. For 8-bit sources the arithmetic is Pillow's,
/// exactly: weights in 22-bit fixed point, each pass rounded and clamped to whole levels, so the
/// pixels equal Pillow's (fixtures/make_resize_goldens.py). Deeper sources keep full precision.
enum BilinearResampling {
  /// Per output position: the first input index and the weights of the taps from it on.
  struct Taps {
    var first: [Int] = []
    var weights: [[Double]] = []
  }

  /// The taps of the triangle filter resampling `inputSize` positions to `outputSize`.
  static func taps(from inputSize: Int, to outputSize: Int) -> Taps {
    let scale = Double(inputSize) / Double(outputSize)
    let filterScale = max(scale, 1)
    let support = filterScale  // the triangle's support is 1 pixel, widened by the shrink factor
    var taps = Taps()
    for x in 0..<outputSize {
      let centre = (Double(x) + 0.5) * scale
      // C's (int) cast truncates toward zero, as Pillow's rounding does
      let low = max(Int(centre - support + 0.5), 0)
      let high = min(Int(centre + support + 0.5), inputSize)
      var weights = (low..<max(high, low)).map { i -> Double in
        let t = abs((Double(i) - centre + 0.5) / filterScale)
        return t < 1 ? 1 - t : 0
      }
      let total = weights.reduce(0, +)
      if total != 0 { weights = weights.map { $0 / total } }
      taps.first.append(low)
      taps.weights.append(weights)
    }
    return taps
  }

  /// Pillow's 8-bit fixed point: 32 − 8 − 2 bits of fraction.
  static let precisionBits = 22

  /// Weights as Pillow's fixed-point integers, rounded half away from zero.
  static func fixedPoint(_ taps: Taps) -> [[Int32]] {
    let one = Double(1 << precisionBits)
    return taps.weights.map { row in row.map { w in Int32(w < 0 ? -0.5 + w * one : 0.5 + w * one) } }
  }

  /// One 8-bit pass along rows (`alongWidth`) or columns of `channels`-interleaved levels.
  static func pass8(
    _ source: [UInt8], width: Int, height: Int, channels c: Int, taps: Taps, alongWidth: Bool
  ) -> (levels: [UInt8], width: Int, height: Int) {
    let weights = fixedPoint(taps)
    let (outWidth, outHeight) = alongWidth ? (taps.first.count, height) : (width, taps.first.count)
    var out = [UInt8](repeating: 0, count: outWidth * outHeight * c)
    let half = Int64(1) << (precisionBits - 1)
    for y in 0..<outHeight {
      for x in 0..<outWidth {
        let position = alongWidth ? x : y
        let first = taps.first[position]
        for k in 0..<c {
          var sum = half
          for (t, w) in weights[position].enumerated() {
            let index = alongWidth ? (y * width + first + t) * c + k : ((first + t) * width + x) * c + k
            sum += Int64(source[index]) * Int64(w)
          }
          out[(y * outWidth + x) * c + k] = UInt8(min(255, max(0, sum >> Int64(precisionBits))))
        }
      }
    }
    return (out, outWidth, outHeight)
  }

  /// One full-precision pass along rows or columns.
  static func pass(
    _ source: [Float], width: Int, height: Int, channels c: Int, taps: Taps, alongWidth: Bool
  ) -> (values: [Float], width: Int, height: Int) {
    let (outWidth, outHeight) = alongWidth ? (taps.first.count, height) : (width, taps.first.count)
    var out = [Float](repeating: 0, count: outWidth * outHeight * c)
    for y in 0..<outHeight {
      for x in 0..<outWidth {
        let position = alongWidth ? x : y
        let first = taps.first[position]
        for k in 0..<c {
          var sum = 0.0
          for (t, w) in taps.weights[position].enumerated() {
            let index = alongWidth ? (y * width + first + t) * c + k : ((first + t) * width + x) * c + k
            sum += Double(source[index]) * w
          }
          out[(y * outWidth + x) * c + k] = Float(min(1, max(0, sum)))
        }
      }
    }
    return (out, outWidth, outHeight)
  }
}

/// Resamples an image with Pillow's BILINEAR filter (see `BilinearResampling`): values in [0,1],
/// `channels` interleaved; `bitDepth` 8 takes Pillow's exact 8-bit arithmetic.
func resizeBilinear(
  _ source: UnsafeBufferPointer<Float>, width: Int, height: Int, channels c: Int = 1, bitDepth: Int = 8,
  into destination: UnsafeMutableBufferPointer<Float>, width outWidth: Int, height outHeight: Int
) {
  let horizontal = BilinearResampling.taps(from: width, to: outWidth)
  let vertical = BilinearResampling.taps(from: height, to: outHeight)
  if bitDepth <= 8 {
    var image = (levels: source.map(toGrayLevel), width: width, height: height)
    if outWidth != width {
      image = BilinearResampling.pass8(image.levels, width: image.width, height: image.height, channels: c, taps: horizontal, alongWidth: true)
    }
    if outHeight != height {
      image = BilinearResampling.pass8(image.levels, width: image.width, height: image.height, channels: c, taps: vertical, alongWidth: false)
    }
    for (i, level) in image.levels.enumerated() { destination[i] = Float(level) / 255 }
  } else {
    var image = (values: Array(source), width: width, height: height)
    if outWidth != width {
      image = BilinearResampling.pass(image.values, width: image.width, height: image.height, channels: c, taps: horizontal, alongWidth: true)
    }
    if outHeight != height {
      image = BilinearResampling.pass(image.values, width: image.width, height: image.height, channels: c, taps: vertical, alongWidth: false)
    }
    for (i, value) in image.values.enumerated() { destination[i] = value }
  }
}
