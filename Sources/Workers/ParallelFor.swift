import Dispatch
import Foundation

/// Runs `body` for every index in `0..<count`, split into `threads` contiguous chunks.
///
/// Each index is visited exactly once and its result must depend on the index alone, so that
/// output never depends on the thread count. Errors thrown by `body` are collected and the one
/// with the lowest index is rethrown, which keeps error reports deterministic too.
public func parallelFor(
  _ count: Int, threads: Int, _ body: (Int) throws -> Void
) throws {
  let workers = max(1, min(threads, count))
  if workers == 1 {
    for index in 0..<count { try body(index) }
    return
  }
  try withoutActuallyEscaping(body) { body in
    let box = UncheckedBox(body)
    let failures = FirstFailure()
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      let range = chunk(worker, of: workers, count: count)
      for index in range {
        do { try box.value(index) } catch {
          failures.record(index: index, error: error)
          return
        }
      }
    }
    if let error = failures.first { throw error }
  }
}

/// Splits `0..<count` into `parts` contiguous ranges that differ in size by at most one.
public func chunk(_ part: Int, of parts: Int, count: Int) -> Range<Int> {
  let base = count / parts, extra = count % parts
  let start = part * base + min(part, extra)
  return start..<(start + base + (part < extra ? 1 : 0))
}

/// The number of worker threads to use when the user gave none: the machine's active cores.
public var defaultThreadCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

/// A value passed across threads whose safety the caller has checked (disjoint writes).
public struct UncheckedBox<Value>: @unchecked Sendable {
  public let value: Value
  public init(_ value: Value) { self.value = value }
}

/// A mutable buffer that several workers write at disjoint indices.
public struct SharedBuffer<Element>: @unchecked Sendable {
  public let base: UnsafeMutablePointer<Element>
  public init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
  public subscript(index: Int) -> Element {
    get { base[index] }
    nonmutating set { base[index] = newValue }
  }
}

private final class FirstFailure: @unchecked Sendable {
  private let lock = NSLock()
  private var lowest = Int.max
  private var error: Error?
  var first: Error? { lock.withLock { error } }
  func record(index: Int, error: Error) {
    lock.withLock {
      if index < lowest { lowest = index; self.error = error }
    }
  }
}

