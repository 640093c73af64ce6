/// Rows copied to Float32 and padded with zeros to a multiple of 8 values, so squared distances
/// run as eight-wide vector loops. Used to rank candidate neighbours only; reported distances are
/// recomputed in Float64 from the caller's data.
struct PaddedRows: @unchecked Sendable {
  let count: Int
  let width: Int
  let values: UnsafeMutablePointer<Float>

  init(_ data: [Double], rows n: Int, columns d: Int) {
    count = n
    width = (d + 7) / 8 * 8
    values = .allocate(capacity: max(n * width, 1))
    values.initialize(repeating: 0, count: max(n * width, 1))
    for i in 0..<n { for c in 0..<d { values[i * width + c] = Float(data[i * d + c]) } }
  }

  /// Frees the storage; the owner calls this once.
  func release() { values.deallocate() }

  @inline(__always) func row(_ i: Int) -> UnsafeMutablePointer<Float> { values + i * width }

  /// Σ (aᵢ − bᵢ)², the same bits for (a, b) and (b, a).
  @inline(__always)
  func distance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float {
    var sum = SIMD8<Float>()
    var c = 0
    while c < width {
      let t = UnsafeRawPointer(a + c).loadUnaligned(as: SIMD8<Float>.self) - UnsafeRawPointer(b + c).loadUnaligned(as: SIMD8<Float>.self)
      sum += t * t
      c += 8
    }
    return sum.sum()
  }

  @inline(__always) func distance(_ i: Int, _ j: Int) -> Float { distance(row(i), row(j)) }

  /// a · b over the padded width.
  @inline(__always)
  func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float {
    var sum = SIMD8<Float>()
    var c = 0
    while c < width {
      sum += UnsafeRawPointer(a + c).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + c).loadUnaligned(as: SIMD8<Float>.self)
      c += 8
    }
    return sum.sum()
  }
}

/// A stateless hash of a seed and up to three integers (SplitMix64's finaliser), for random
/// choices that depend on what is chosen, never on which thread chooses it.
@inline(__always)
func mixHash(_ seed: UInt64, _ a: Int, _ b: Int = 0, _ c: Int = 0) -> UInt64 {
  var z = seed &+ UInt64(bitPattern: Int64(a)) &* 0x9E37_79B9_7F4A_7C15
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = z &+ UInt64(bitPattern: Int64(b)) &* 0xD6E8_FEB8_6659_FD93
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  z = z &+ UInt64(bitPattern: Int64(c)) &* 0x9E37_79B9_7F4A_7C15
  z = (z ^ (z >> 31)) &* 0xBF58_476D_1CE4_E5B9
  return z ^ (z >> 29)
}
