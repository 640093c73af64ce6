import Foundation
import Workers

/// Groups of FFT lines in a split complex array, transformed in place by one `MixedRadixFFT`.
/// Every line is transformed alone and the groups go to workers in a fixed partition, so results
/// do not depend on the thread count.
extension MixedRadixFFT {
  /// Transforms the contiguous lines that start at `starts` (each `size` values long); each worker
  /// takes a contiguous run of lines, four at a time interleaved into SIMD lanes (the rest one by
  /// one), and allocates its scratch once.
  func transformLines(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, starts: [Int], inverse: Bool, threads: Int) {
    let size = self.size, workers = max(1, min(threads, starts.count))
    let r = SharedBuffer(re), i = SharedBuffer(im), startBox = UncheckedBox(starts)
    try? parallelFor(workers, threads: workers) { worker in
      let lanes = LaneBuffers(size: size)
      defer { lanes.deallocate() }
      let lines = chunk(worker, of: workers, count: startBox.value.count)
      var k = lines.lowerBound
      while k + 4 <= lines.upperBound {
        let s = (startBox.value[k], startBox.value[k + 1], startBox.value[k + 2], startBox.value[k + 3])
        for t in 0..<size {
          lanes.re[t] = SIMD4(r[s.0 + t], r[s.1 + t], r[s.2 + t], r[s.3 + t])
          lanes.im[t] = SIMD4(i[s.0 + t], i[s.1 + t], i[s.2 + t], i[s.3 + t])
        }
        transform(lanes.re, lanes.im, scratch: lanes.scratch, inverse: inverse)
        for t in 0..<size {
          let vr = lanes.re[t], vi = lanes.im[t]
          r[s.0 + t] = vr[0]; r[s.1 + t] = vr[1]; r[s.2 + t] = vr[2]; r[s.3 + t] = vr[3]
          i[s.0 + t] = vi[0]; i[s.1 + t] = vi[1]; i[s.2 + t] = vi[2]; i[s.3 + t] = vi[3]
        }
        k += 4
      }
      for k in k..<lines.upperBound {
        let start = startBox.value[k]
        transform(r.base + start, i.base + start, scratch: lanes.lineScratch, inverse: inverse)
      }
    }
  }

  /// Transforms strided lines: group g holds `width` adjacent lines starting at `start`, line c's
  /// t-th value at start + c + t·stride. Four adjacent lines at a time are loaded into SIMD lanes
  /// (the rest one by one through a contiguous copy), transformed and stored back.
  func transformStridedLines(
    _ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, groups: [(start: Int, width: Int)], stride: Int,
    inverse: Bool, threads: Int
  ) {
    let size = self.size, workers = max(1, min(threads, groups.count))
    let r = SharedBuffer(re), i = SharedBuffer(im), groupBox = UncheckedBox(groups)
    try? parallelFor(workers, threads: workers) { worker in
      let lanes = LaneBuffers(size: size)
      defer { lanes.deallocate() }
      for g in chunk(worker, of: workers, count: groupBox.value.count) {
        let (start, width) = groupBox.value[g]
        var c = 0
        while c + 4 <= width {
          let first = start + c
          for t in 0..<size {
            lanes.re[t] = UnsafeRawPointer(r.base + first + t * stride).loadUnaligned(as: SIMD4<Double>.self)
            lanes.im[t] = UnsafeRawPointer(i.base + first + t * stride).loadUnaligned(as: SIMD4<Double>.self)
          }
          transform(lanes.re, lanes.im, scratch: lanes.scratch, inverse: inverse)
          for t in 0..<size {
            UnsafeMutableRawPointer(r.base + first + t * stride).storeBytes(of: lanes.re[t], as: SIMD4<Double>.self)
            UnsafeMutableRawPointer(i.base + first + t * stride).storeBytes(of: lanes.im[t], as: SIMD4<Double>.self)
          }
          c += 4
        }
        for c in c..<width {
          let line = lanes.line, first = start + c
          for t in 0..<size {
            line[t] = r[first + t * stride]
            line[size + t] = i[first + t * stride]
          }
          transform(line, line + size, scratch: lanes.lineScratch, inverse: inverse)
          for t in 0..<size {
            r[first + t * stride] = line[t]
            i[first + t * stride] = line[size + t]
          }
        }
      }
    }
  }

  /// Lines per group in a strided pass (a multiple of 4, the lines transformed together).
  static let maxGroupWidth = 16

  /// The adjacent `lines`, cut into groups of at most `maxGroupWidth`, each start shifted by `offset`.
  static func groups(_ lines: Range<Int>, offset: Int = 0) -> [(start: Int, width: Int)] {
    Swift.stride(from: lines.lowerBound, to: lines.upperBound, by: maxGroupWidth).map {
      (offset + $0, min(maxGroupWidth, lines.upperBound - $0))
    }
  }
}

/// One worker's buffers: four interleaved lines (re, im and the transform's scratch) and one
/// line with its scratch for the lines left over.
private struct LaneBuffers {
  let re: UnsafeMutablePointer<SIMD4<Double>>, im: UnsafeMutablePointer<SIMD4<Double>>, scratch: UnsafeMutablePointer<SIMD4<Double>>
  let line: UnsafeMutablePointer<Double>, lineScratch: UnsafeMutablePointer<Double>

  init(size: Int) {
    re = .allocate(capacity: 4 * size)
    im = re + size
    scratch = re + 2 * size
    line = .allocate(capacity: 4 * size)
    lineScratch = line + 2 * size
  }

  func deallocate() {
    re.deallocate()
    line.deallocate()
  }
}
