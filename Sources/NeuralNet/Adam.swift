import Foundation

/// Adam (Kingma & Ba 2015) with bias correction, as PyTorch's defaults: β₁ 0.9, β₂ 0.999, ε 1e-8.
public final class Adam {
  public var learningRate: Float
  public let beta1: Float
  public let beta2: Float
  public let epsilon: Float
  public let parameters: [Parameter]
  private var first: [[Float]]
  private var second: [[Float]]
  public private(set) var steps = 0
  /// Threads for the update (the result does not depend on it).
  public var threads = 2

  public init(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
    (self.parameters, self.learningRate, self.beta1, self.beta2, self.epsilon) = (parameters, learningRate, beta1, beta2, epsilon)
    first = parameters.map { [Float](repeating: 0, count: $0.value.count) }
    second = first
  }

  /// One update from the accumulated gradients, which are then cleared.
  public func step() {
    steps += 1
    let correction1 = 1 - pow(beta1, Float(steps)), correction2 = 1 - pow(beta2, Float(steps))
    let rate = learningRate / correction1
    let (beta1, beta2, epsilon) = (beta1, beta2, epsilon)
    for (index, parameter) in parameters.enumerated() {
      parameter.value.withUnsafeMutableBufferPointer { value in
        parameter.gradient.withUnsafeMutableBufferPointer { gradient in
          first[index].withUnsafeMutableBufferPointer { m in
            second[index].withUnsafeMutableBufferPointer { v in
              // element-wise, so splitting it changes nothing in the result
              let count = value.count
              let (value, gradient, m, v) = (value.baseAddress!, gradient.baseAddress!, m.baseAddress!, v.baseAddress!)
              forEachPart(count, threads: threads, parts: count >= 65_536 ? 2 : 1) { range in
                // eight lanes at a time (the same arithmetic per element as the scalar tail)
                var i = range.lowerBound
                let raw = { (p: UnsafeMutablePointer<Float>) in UnsafeMutableRawPointer(p) }
                while i + 8 <= range.upperBound {
                  let g = raw(gradient + i).loadUnaligned(as: SIMD8<Float>.self)
                  let mi = beta1 * raw(m + i).loadUnaligned(as: SIMD8<Float>.self) + (1 - beta1) * g
                  let vi = beta2 * raw(v + i).loadUnaligned(as: SIMD8<Float>.self) + (1 - beta2) * g * g
                  let step = rate * mi / ((vi / correction2).squareRoot() + epsilon)
                  raw(m + i).storeBytes(of: mi, as: SIMD8<Float>.self)
                  raw(v + i).storeBytes(of: vi, as: SIMD8<Float>.self)
                  raw(value + i).storeBytes(of: raw(value + i).loadUnaligned(as: SIMD8<Float>.self) - step, as: SIMD8<Float>.self)
                  raw(gradient + i).storeBytes(of: SIMD8<Float>(repeating: 0), as: SIMD8<Float>.self)
                  i += 8
                }
                while i < range.upperBound {
                  let g = gradient[i]
                  m[i] = beta1 * m[i] + (1 - beta1) * g
                  v[i] = beta2 * v[i] + (1 - beta2) * g * g
                  value[i] -= rate * m[i] / ((v[i] / correction2).squareRoot() + epsilon)
                  gradient[i] = 0
                  i += 1
                }
              }
            }
          }
        }
      }
    }
  }

  /// The moment estimates and step count, for checkpoints.
  public var moments: (steps: Int, first: [[Float]], second: [[Float]]) { (steps, first, second) }

  /// Restores moments saved from an optimiser over parameters of the same sizes.
  public func restore(steps: Int, first: [[Float]], second: [[Float]]) -> Bool {
    guard first.map(\.count) == self.first.map(\.count), second.map(\.count) == self.second.map(\.count) else { return false }
    (self.steps, self.first, self.second) = (steps, first, second)
    return true
  }

  /// Clears the gradients without updating (e.g. after a pass whose gradients are not wanted).
  public func zeroGradients() {
    for parameter in parameters { for i in parameter.gradient.indices { parameter.gradient[i] = 0 } }
  }
}
