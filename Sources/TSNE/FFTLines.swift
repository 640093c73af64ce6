import Foundation
import Workers

/// Groups of FFT lines in a split complex array, transformed in place by one `MixedRadixFFT`.
/// Every line is transformed alone and the groups go to workers in a fixed partition, so results
/// do not depend on the thread count.
extension MixedRadixFFT {
  /// Transforms the contiguous lines that start at `starts` (each `size` values long); each worker
  /// takes a contiguous run of lines and allocates its scratch once.
  func transformLines(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, starts: [Int], inverse: Bool, threads: Int) {
    let size = self.size, workers = max(1, min(threads, starts.count))
    let r = SharedBuffer(re), i = SharedBuffer(im), startBox = UncheckedBox(starts)
    try? parallelFor(workers, threads: workers) { worker in
      let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 2 * size)
      defer { scratch.deallocate() }
      for k in chunk(worker, of: workers, count: startBox.value.count) {
        let start = startBox.value[k]
        transform(r.base + start, i.base + start, scratch: scratch, inverse: inverse)
      }
    }
  }

  /// Transforms strided lines: group g holds `width` adjacent lines starting at `start`, line c's
  /// t-th value at start + c + t·stride. Each group is copied into contiguous buffers, transformed
  /// like rows and copied back (a strided pass is slower); at most `maxGroupWidth` lines a group.
  func transformStridedLines(
    _ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, groups: [(start: Int, width: Int)], stride: Int,
    inverse: Bool, threads: Int
  ) {
    let size = self.size, block = Self.maxGroupWidth, workers = max(1, min(threads, groups.count))
    let r = SharedBuffer(re), i = SharedBuffer(im), groupBox = UncheckedBox(groups)
    try? parallelFor(workers, threads: workers) { worker in
      let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 2 * (block + 1) * size)
      defer { buffer.deallocate() }
      for g in chunk(worker, of: workers, count: groupBox.value.count) {
        let (start, width) = groupBox.value[g]
        let cr = buffer, ci = cr + width * size, scratch = ci + width * size
        for t in 0..<size {
          for c in 0..<width {
            cr[c * size + t] = r[start + c + t * stride]
            ci[c * size + t] = i[start + c + t * stride]
          }
        }
        for c in 0..<width { transform(cr + c * size, ci + c * size, scratch: scratch, inverse: inverse) }
        for t in 0..<size {
          for c in 0..<width {
            r[start + c + t * stride] = cr[c * size + t]
            i[start + c + t * stride] = ci[c * size + t]
          }
        }
      }
    }
  }

  /// Lines per group in a strided pass.
  static let maxGroupWidth = 16

  /// The adjacent `lines`, cut into groups of at most `maxGroupWidth`, each start shifted by `offset`.
  static func groups(_ lines: Range<Int>, offset: Int = 0) -> [(start: Int, width: Int)] {
    Swift.stride(from: lines.lowerBound, to: lines.upperBound, by: maxGroupWidth).map {
      (offset + $0, min(maxGroupWidth, lines.upperBound - $0))
    }
  }
}
