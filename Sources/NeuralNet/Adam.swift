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
              for i in 0..<value.count {
                let g = gradient[i]
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                value[i] -= rate * m[i] / ((v[i] / correction2).squareRoot() + epsilon)
                gradient[i] = 0
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
