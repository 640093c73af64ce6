import Foundation
import Workers

/// A cubic complex volume (side³, x fastest, then y, then z; split real/imaginary) with a 3D FFT
/// that skips the lines known to be zero: charges sit in the low corner `used`³, and only that
/// corner is read back after the inverse transform. Each line is transformed alone and lines go
/// to workers in a fixed partition, so results do not depend on the thread count.
struct ComplexVolume {
  let side: Int
  var re: [Double]
  var im: [Double]

  init(side: Int) {
    self.side = side
    re = [Double](repeating: 0, count: side * side * side)
    im = [Double](repeating: 0, count: side * side * side)
  }

  /// Forward transform of a volume whose non-zero values all lie in the corner `used`³:
  /// x lines of that corner, then y lines of its z planes, then every z line.
  mutating func forward(used: Int, fft: MixedRadixFFT, threads: Int) {
    pass(.x, used: used, fft: fft, inverse: false, threads: threads)
    pass(.y, used: used, fft: fft, inverse: false, threads: threads)
    pass(.z, used: used, fft: fft, inverse: false, threads: threads)
  }

  /// Inverse transform (unscaled), exact on the corner `used`³ only: the same passes in reverse.
  mutating func inverse(used: Int, fft: MixedRadixFFT, threads: Int) {
    pass(.z, used: used, fft: fft, inverse: true, threads: threads)
    pass(.y, used: used, fft: fft, inverse: true, threads: threads)
    pass(.x, used: used, fft: fft, inverse: true, threads: threads)
  }

  /// The volume's storage, for writes at disjoint or serial offsets.
  mutating func withPointers<R>(_ body: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> R) -> R { withSplitPointers(&re, &im, body) }

  /// Cyclic convolution with a real, even kernel given by its spectrum (scaled by 1/side³):
  /// forward transform, product, inverse; exact on the corner `used`³ for charges in that corner.
  mutating func convolve(with spectrum: [Double], used: Int, fft: MixedRadixFFT, threads: Int) {
    forward(used: used, fft: fft, threads: threads)
    for m in 0..<re.count {
      re[m] *= spectrum[m]
      im[m] *= spectrum[m]
    }
    inverse(used: used, fft: fft, threads: threads)
  }

  /// The full forward transform (every line).
  mutating func forwardAll(fft: MixedRadixFFT, threads: Int) { forward(used: side, fft: fft, threads: threads) }

  enum Axis { case x, y, z }

  /// One pass along `axis`: x lines with y, z < used; y lines in the planes z < used; all z lines.
  private mutating func pass(_ axis: Axis, used: Int, fft: MixedRadixFFT, inverse: Bool, threads: Int) {
    let side = self.side, plane = side * side
    re.withUnsafeMutableBufferPointer { rb in
      im.withUnsafeMutableBufferPointer { ib in
        let r = rb.baseAddress!, i = ib.baseAddress!
        switch axis {
        case .x:
          let starts = (0..<(used * used)).map { k in (k / used) * plane + (k % used) * side }
          fft.transformLines(r, i, starts: starts, inverse: inverse, threads: threads)
        case .y:
          let groups = (0..<used).flatMap { z in MixedRadixFFT.groups(0..<side, offset: z * plane) }
          fft.transformStridedLines(r, i, groups: groups, stride: side, inverse: inverse, threads: threads)
        case .z:
          fft.transformStridedLines(r, i, groups: MixedRadixFFT.groups(0..<plane), stride: plane, inverse: inverse, threads: threads)
        }
      }
    }
  }
}
