import Foundation

/// A feed-forward stack of layers with a fixed input shape.
public final class Network {
  public let input: Shape
  public let layers: [any Layer]
  /// Free-form facts saved with the model (class names, image size, training set hash, …).
  public var metadata: [(String, String)]

  public init(input: Shape, layers: [any Layer], metadata: [(String, String)] = []) throws {
    var shape = input
    for (index, layer) in layers.enumerated() {
      do { shape = try layer.outputShape(shape) } catch let error as NetworkError {
        throw NetworkError.shape("layer \(index + 1) (\(layer.spec.kind)): \(error.description)")
      }
    }
    (self.input, self.layers, self.metadata) = (input, layers, metadata)
  }

  /// The output shape of layer `index` (the whole network when nil).
  public func outputShape(through index: Int? = nil) -> Shape {
    var shape = input
    for layer in layers[0...(index ?? layers.count - 1)] { shape = try! layer.outputShape(shape) }
    return shape
  }

  public var parameters: [Parameter] { layers.flatMap(\.parameters) }
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

  public func metadata(_ key: String) -> String? { metadata.first { $0.0 == key }?.1 }

  /// The convolution that absorbs layer `index` when it is an upsampling the next layer can take
  /// in (see `Convolution.forward(_:upsampledBy:_:)`): the two then run as one, on the small image.
  private func absorbingConvolution(after index: Int) -> (Convolution, factor: Int)? {
    guard index + 1 < layers.count, let upsample = layers[index] as? Upsample, let convolution = layers[index + 1] as? Convolution,
      convolution.canAbsorbUpsampling(by: upsample.factor)
    else { return nil }
    return (convolution, upsample.factor)
  }

  /// Runs layers `0...through` (all when nil) on a batch.
  public func forward(_ x: Tensor, _ pass: inout Pass, through last: Int? = nil) -> Tensor {
    var x = x
    if x.layout == .rows && !input.isFlat { x = x.asPlanes(input) }
    let end = last ?? layers.count - 1
    var index = 0
    absorbedInLastForward = []
    while index <= end {
      if index < end, let (convolution, factor) = absorbingConvolution(after: index) {
        x = convolution.forward(x, upsampledBy: factor, &pass)
        absorbedInLastForward.insert(index)
        index += 2
      } else {
        x = layers[index].forward(x, &pass)
        index += 1
      }
    }
    return x
  }

  /// Upsampling layers the last forward ran inside the next convolution.
  private var absorbedInLastForward: Set<Int> = []

  /// Back-propagates from the output of the whole network; returns the input gradient.
  @discardableResult
  public func backward(_ gradient: Tensor, _ pass: Pass) -> Tensor {
    var g = gradient
    var index = layers.count - 1
    while index >= 0 {
      g = layers[index].backward(g, pass)
      // the convolution returned the gradient of the small image: skip its upsampling
      index -= absorbedInLastForward.contains(index - 1) ? 2 : 1
    }
    return g
  }

  /// Copies every parameter and state value from a network with the same layers.
  public func copyWeights(from other: Network) {
    for (mine, theirs) in zip(layers.flatMap { $0.parameters + $0.state }, other.layers.flatMap { $0.parameters + $0.state }) {
      mine.value = theirs.value
    }
  }
}
