import Foundation

/// A grid of images embedded as PNG data (already encoded by the caller), with an optional caption under each.
public struct ImageGrid {
  public var title: String
  /// Each image as PNG file bytes, all `imageWidth` × `imageHeight`.
  public var images: [[UInt8]]
  public var captions: [String]
  public var imageWidth: Int
  public var imageHeight: Int
  public var columns: Int
  /// Screen pixels per image pixel.
  public var zoom: Double = 3

  public init(title: String, images: [[UInt8]], captions: [String] = [], imageWidth: Int, imageHeight: Int, columns: Int = 10) {
    self.title = title
    self.images = images
    self.captions = captions
    self.imageWidth = imageWidth
    self.imageHeight = imageHeight
    self.columns = max(1, columns)
  }

  public func svg() -> String {
    let cell = Double(imageWidth) * zoom, cellHeight = Double(imageHeight) * zoom
    let captionHeight = captions.isEmpty ? 0.0 : 16
    let gap = 6.0
    let rows = (images.count + columns - 1) / columns
    let width = max(Double(columns) * (cell + gap) + gap, 300)
    let height = 40 + Double(rows) * (cellHeight + captionHeight + gap) + gap
    var doc = SVGDocument(width: width, height: height)
    doc.text(title, x: width / 2, y: 24, size: 15, anchor: .middle, weight: "bold")
    for (index, image) in images.enumerated() {
      let x = gap + Double(index % columns) * (cell + gap)
      let y = 40 + Double(index / columns) * (cellHeight + captionHeight + gap)
      doc.append(
        "<image x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(cell))\" height=\"\(fmt(cellHeight))\" style=\"image-rendering:pixelated\" preserveAspectRatio=\"none\" href=\"data:image/png;base64,\(Data(image).base64EncodedString())\"/>"
      )
      if index < captions.count {
        doc.text(captions[index], x: x + cell / 2, y: y + cellHeight + 12, size: 10, anchor: .middle)
      }
    }
    return doc.render()
  }

}
