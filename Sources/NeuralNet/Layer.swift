import CBLAS
@_exported import func LinearAlgebra.useSingleThreadedBLAS
import Workers

/// Trainable values and their gradient, which `backward` adds to.
public final class Parameter: @unchecked Sendable {
  public let name: String
  public var value: [Float]
  public var gradient: [Float]
  public init(_ name: String, _ value: [Float]) {
    self.name = name
    self.value = value
    gradient = [Float](repeating: 0, count: value.count)
  }
}

/// What a forward pass needs besides the input: training or inference, threads, and the
/// generator dropout draws from (so a seeded run is reproducible).
public struct Pass: Sendable {
  public var training: Bool
  public var threads: Int
  public var random: SplitMix64
  /// When false, `backward` returns the input gradient only: the layers whose parameter
  /// gradients cost products (convolutions, dense layers) skip them. For passes whose parameter
  /// gradients are thrown away, such as the discriminator's in a generator update.
  public var weightGradients = true
  public init(training: Bool, threads: Int = defaultThreadCount, seed: UInt64 = 0) {
    (self.training, self.threads, random) = (training, threads, SplitMix64(seed: seed))
  }
}

/// One layer of a feed-forward network. Layers keep what `backward` needs from the last
/// `forward`; `backward` adds parameter gradients and returns the gradient of the input.
public protocol Layer: AnyObject {
  /// The kind and attributes that rebuild this layer from a model file.
  var spec: LayerSpec { get }
  /// The output shape for an input shape, or an error naming what does not fit.
  func outputShape(_ input: Shape) throws -> Shape
  func forward(_ input: Tensor, _ pass: inout Pass) -> Tensor
  func backward(_ gradient: Tensor, _ pass: Pass) -> Tensor
  /// Trained values, in a fixed order.
  var parameters: [Parameter] { get }
  /// Saved but not trained (batch norm's running statistics).
  var state: [Parameter] { get }
}

extension Layer {
  public var parameters: [Parameter] { [] }
  public var state: [Parameter] { [] }
}

/// A layer's kind and integer/real attributes, as written in a model file (`conv2d in=1 out=16 …`).
public struct LayerSpec: Sendable, Equatable, CustomStringConvertible {
  public var kind: String
  public var attributes: [(String, String)]
  public init(_ kind: String, _ attributes: [(String, String)] = []) { (self.kind, self.attributes) = (kind, attributes) }
  public var description: String { ([kind] + attributes.map { "\($0.0)=\($0.1)" }).joined(separator: " ") }
  public static func == (a: LayerSpec, b: LayerSpec) -> Bool { a.description == b.description }
}

public enum NetworkError: Error, CustomStringConvertible, Equatable {
  case shape(String)
  case modelFile(path: String, reason: String)

  public var description: String {
    switch self {
    case .shape(let reason): return "network shape: \(reason)"
    case .modelFile(let path, let reason): return "\(path): \(reason)"
    }
  }
}

// MARK: - Deterministic parallel work

/// Work is split into at most this many parts whatever the thread count, and partial sums are
/// added in part order, so results are bit-identical for any `--threads`.
let fixedParts = 8

func forEachPart(_ count: Int, threads: Int, parts: Int? = nil, _ body: (Range<Int>) -> Void) {
  let parts = parts ?? max(1, min(fixedParts, count))
  try? parallelFor(parts, threads: threads) { part in body(chunk(part, of: parts, count: count)) }
}

/// Runs `body` over `count` independent elements in contiguous parts on up to `threads` threads.
/// For element-wise work only (each output depends on its own index), so the partition cannot
/// change a result; small arrays stay on the calling thread, where a dispatch costs more.
func forEachElementPart(_ count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
  let parts = count < 1 << 15 ? 1 : max(1, min(threads, fixedParts))
  if parts == 1 { body(0..<count); return }
  try? parallelFor(parts, threads: threads) { part in body(chunk(part, of: parts, count: count)) }
}

/// A new array of `values.count` elements, each part of it written by `body(values, out, range)`
/// from the same range of `values` (parts as `forEachElementPart`): no copy of `values` first.
func elementwise(
  _ values: [Float], threads: Int, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Range<Int>) -> Void
) -> [Float] {
  let count = values.count
  guard count > 0 else { return [] }
  return [Float](unsafeUninitializedCapacity: count) { out, initialised in
    values.withUnsafeBufferPointer { xs in
      let (xs, ys) = (xs.baseAddress!, out.baseAddress!)
      forEachElementPart(count, threads: threads) { range in body(xs, ys, range) }
    }
    initialised = count
  }
}

/// Parts for splitting a batch of rows: about 32 rows each (small sgemms are slow), at most
/// `fixedParts`; depends on the row count only, never on threads.
func partCount(_ rows: Int) -> Int { max(1, min(fixedParts, rows / 32)) }

/// Row-major single-precision C = alpha·op(A)·op(B) + beta·C through OpenBLAS.
@inline(__always)
func sgemm(
  _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
  _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
  _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
) {
  guard m > 0 && n > 0 else { return }
  cblas_sgemm(
    CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
