/// A batch of activations, Float32.
///
/// Two layouts: `rows` is one row of `features` values per sample (what dense layers use);
/// `planes` is channel-major, `[channel][sample][y][x]`, so that a convolution over a whole
/// batch is one matrix product and each channel's values are contiguous (batch norm, pooling).
public struct Tensor: Sendable, Equatable {
  public enum Layout: String, Sendable { case rows, planes }

  public var layout: Layout
  public var batch: Int
  public var channels: Int
  public var height: Int
  public var width: Int
  public var data: [Float]

  /// Values per sample.
  public var features: Int { channels * height * width }
  public var shape: Shape { Shape(channels: channels, height: height, width: width) }

  /// Rows: `batch × features`, row-major.
  public init(rows batch: Int, features: Int, data: [Float]) {
    precondition(data.count == batch * features, "tensor data does not match its shape")
    (layout, self.batch, channels, height, width, self.data) = (.rows, batch, features, 1, 1, data)
  }

  /// Planes: `channels × batch × height × width`.
  public init(planes channels: Int, batch: Int, height: Int, width: Int, data: [Float]) {
    precondition(data.count == channels * batch * height * width, "tensor data does not match its shape")
    (layout, self.batch, self.channels, self.height, self.width, self.data) = (.planes, batch, channels, height, width, data)
  }

  /// Sample-major images `[sample][y][x]` of one channel (how image sets store pixels) as planes.
  public init(images pixels: [Float], batch: Int, height: Int, width: Int) {
    self.init(planes: 1, batch: batch, height: height, width: width, data: pixels)
  }

  /// Sample-major images with `channels` values per pixel (`[sample][y][x][c]`: RGB for colour,
  /// how image sets store pixels) as planes `[c][sample][y][x]`.
  public init(images pixels: [Float], batch: Int, height: Int, width: Int, channels: Int) {
    precondition(pixels.count == batch * height * width * channels, "image pixels do not match \(batch)×\(height)×\(width)×\(channels)")
    if channels == 1 {
      self.init(planes: 1, batch: batch, height: height, width: width, data: pixels)
      return
    }
    let positions = batch * height * width
    var data = [Float](repeating: 0, count: pixels.count)
    for p in 0..<positions { for c in 0..<channels { data[c * positions + p] = pixels[p * channels + c] } }
    self.init(planes: channels, batch: batch, height: height, width: width, data: data)
  }

  /// Planes as sample-major images with the channels per pixel (`[sample][y][x][c]`): the
  /// inverse of `init(images:batch:height:width:channels:)`, e.g. a generator's output as pixels.
  public func interleavedImages() -> [Float] {
    precondition(layout == .planes, "interleavedImages needs planes")
    if channels == 1 { return data }
    let positions = batch * height * width
    var pixels = [Float](repeating: 0, count: data.count)
    for c in 0..<channels { for p in 0..<positions { pixels[p * channels + c] = data[c * positions + p] } }
    return pixels
  }

  /// The same values as rows, one sample per row (`[c][y][x]` within a row).
  public func asRows() -> Tensor {
    if layout == .rows { return self }
    let plane = height * width
    if channels == 1 { return Tensor(rows: batch, features: plane, data: data) }
    return Tensor(rows: batch, features: features, data: Self.swapBlocks(data, outer: channels, inner: batch, block: plane))
  }

  /// Rows read as `[c][y][x]` per sample, as planes.
  public func asPlanes(_ shape: Shape) -> Tensor {
    precondition(shape.count == features, "reshape to \(shape) does not keep \(features) features")
    let plane = shape.height * shape.width
    if shape.channels == 1 { return Tensor(planes: 1, batch: batch, height: shape.height, width: shape.width, data: data) }
    let out = Self.swapBlocks(asRows().data, outer: batch, inner: shape.channels, block: plane)
    return Tensor(planes: shape.channels, batch: batch, height: shape.height, width: shape.width, data: out)
  }

  /// `values` as `outer × inner` blocks of `block` values, returned as `inner × outer` blocks:
  /// block (i, j) moves to (j, i). Planes `[c][b]` ↔ rows `[b][c]`.
  private static func swapBlocks(_ values: [Float], outer: Int, inner: Int, block: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: values.count) { to, count in
      values.withUnsafeBufferPointer { from in
        for i in 0..<outer {
          for j in 0..<inner {
            (to.baseAddress! + (j * outer + i) * block).initialize(from: from.baseAddress! + (i * inner + j) * block, count: block)
          }
        }
      }
      count = values.count
    }
  }

  /// A tensor of the same layout and shape holding `values`.
  public func with(_ values: [Float]) -> Tensor {
    var copy = self
    copy.data = values
    return copy
  }
}

/// The shape of one sample: channels × height × width (dense features are `c × 1 × 1`).
public struct Shape: Sendable, Equatable, CustomStringConvertible {
  public var channels: Int
  public var height: Int
  public var width: Int
  public init(channels: Int, height: Int = 1, width: Int = 1) {
    (self.channels, self.height, self.width) = (channels, height, width)
  }
  public var count: Int { channels * height * width }
  public var isFlat: Bool { height == 1 && width == 1 }
  public var description: String { isFlat ? "\(channels)" : "\(channels)×\(height)×\(width)" }
}
