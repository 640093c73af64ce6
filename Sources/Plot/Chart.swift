import Foundation

/// A chart on numeric axes: lines, step outlines (histograms), and scatter points, with a legend.
public struct Chart {
  public enum Layer {
    /// A polyline through (x, y) points.
    case line(name: String, x: [Double], y: [Double])
    /// A histogram drawn as a filled, outlined step curve over bin edges (edges.count = heights.count + 1).
    case steps(name: String, edges: [Double], heights: [Double])
    /// Scatter points, drawn compactly: one path per series.
    case points(name: String, x: [Double], y: [Double], radius: Double)
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var width: Double = 720
  public var height: Double = 460
  public var layers: [Layer] = []
  /// Colour of each layer; defaults to the palette in layer order.
  public var colors: [String]? = nil
  public var xRange: ClosedRange<Double>? = nil
  public var yRange: ClosedRange<Double>? = nil
  public var showLegend = true
  /// Hides tick labels (for embeddings whose coordinates carry no meaning).
  public var hideTickLabels = false

  public init(title: String, xLabel: String, yLabel: String, layers: [Layer] = []) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.layers = layers
  }

  func color(_ index: Int) -> String { colors.map { $0[index % $0.count] } ?? Palette.color(index) }

  var names: [String] {
    layers.map {
      switch $0 {
      case .line(let name, _, _), .steps(let name, _, _), .points(let name, _, _, _): return name
      }
    }
  }

  private func dataBounds() -> (x: ClosedRange<Double>, y: ClosedRange<Double>) {
    var xs: [Double] = [], ys: [Double] = []
    for layer in layers {
      switch layer {
      case .line(_, let x, let y), .points(_, let x, let y, _):
        xs += x.filter(\.isFinite)
        ys += y.filter(\.isFinite)
      case .steps(_, let edges, let heights):
        xs += edges.filter(\.isFinite)
        ys += heights.filter(\.isFinite) + [0]
      }
    }
    let x = xRange ?? ((xs.min() ?? 0)...(xs.max() ?? 1))
    let y = yRange ?? ((ys.min() ?? 0)...(ys.max() ?? 1))
    return (x, y)
  }

  /// The standalone SVG text.
  public func svg() -> String {
    var doc = SVGDocument(width: width, height: height)
    draw(into: &doc, x: 0, y: 0, width: width, height: height)
    return doc.render()
  }

  /// Draws the chart into a region of a larger document (used for multi-panel figures).
  public func draw(into doc: inout SVGDocument, x originX: Double, y originY: Double, width: Double, height: Double) {
    let legendWidth = showLegend && names.count > 1 || (showLegend && layers.count == 1 && !names[0].isEmpty) ? 150.0 : 0
    let left = originX + 70, right = originX + width - 20 - legendWidth
    let top = originY + 40, bottom = originY + height - 52
    let bounds = dataBounds()
    let xs = NiceScale(bounds.x.lowerBound, bounds.x.upperBound)
    let ys = NiceScale(bounds.y.lowerBound, bounds.y.upperBound)
    let xLow = xRange?.lowerBound ?? xs.lower, xHigh = xRange?.upperBound ?? xs.upper
    let yLow = yRange?.lowerBound ?? ys.lower, yHigh = yRange?.upperBound ?? ys.upper
    func px(_ v: Double) -> Double { left + (v - xLow) / (xHigh - xLow) * (right - left) }
    func py(_ v: Double) -> Double { bottom - (v - yLow) / (yHigh - yLow) * (bottom - top) }

    doc.text(title, x: originX + width / 2, y: originY + 22, size: 15, anchor: .middle, weight: "bold")
    // Grid and ticks
    for t in xs.ticks where t >= xLow - 1e-12 && t <= xHigh + 1e-12 {
      doc.line(px(t), top, px(t), bottom, stroke: "#e6e6e6")
      doc.line(px(t), bottom, px(t), bottom + 5, stroke: "#444")
      if !hideTickLabels { doc.text(xs.label(t), x: px(t), y: bottom + 18, size: 11, anchor: .middle) }
    }
    for t in ys.ticks where t >= yLow - 1e-12 && t <= yHigh + 1e-12 {
      doc.line(left, py(t), right, py(t), stroke: "#e6e6e6")
      doc.line(left - 5, py(t), left, py(t), stroke: "#444")
      if !hideTickLabels { doc.text(ys.label(t), x: left - 8, y: py(t) + 4, size: 11, anchor: .end) }
    }
    doc.append("<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(right - left))\" height=\"\(fmt(bottom - top))\" fill=\"none\" stroke=\"#444\"/>")
    doc.text(xLabel, x: (left + right) / 2, y: bottom + 40, size: 12, anchor: .middle)
    doc.text(yLabel, x: originX + 16, y: (top + bottom) / 2, size: 12, anchor: .middle, rotate: -90)

    let clipID = "clip\(Int(originX))_\(Int(originY))"
    doc.append("<clipPath id=\"\(clipID)\"><rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(right - left))\" height=\"\(fmt(bottom - top))\"/></clipPath>")
    doc.append("<g clip-path=\"url(#\(clipID))\">")
    for (index, layer) in layers.enumerated() {
      let colour = color(index)
      switch layer {
      case .line(_, let x, let y):
        var d = ""
        var pen = false
        for (a, b) in zip(x, y) {
          guard a.isFinite && b.isFinite else { pen = false; continue }
          d += (pen ? "L" : "M") + fmt(px(a)) + " " + fmt(py(b))
          pen = true
        }
        doc.append("<path d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" stroke-linejoin=\"round\"/>")
      case .steps(_, let edges, let heights):
        guard !heights.isEmpty else { continue }
        var d = "M" + fmt(px(edges[0])) + " " + fmt(py(0))
        for (i, h) in heights.enumerated() {
          d += "L" + fmt(px(edges[i])) + " " + fmt(py(h)) + "L" + fmt(px(edges[i + 1])) + " " + fmt(py(h))
        }
        d += "L" + fmt(px(edges[heights.count])) + " " + fmt(py(0)) + "Z"
        doc.append("<path d=\"\(d)\" fill=\"\(colour)\" fill-opacity=\"0.18\" stroke=\"\(colour)\" stroke-width=\"1.6\" stroke-linejoin=\"round\"/>")
      case .points(_, let x, let y, let radius):
        var d = ""
        d.reserveCapacity(x.count * 14)
        for (a, b) in zip(x, y) where a.isFinite && b.isFinite {
          d += "M" + fmt(px(a)) + " " + fmt(py(b)) + "h0"
        }
        doc.append("<path d=\"\(d)\" stroke=\"\(colour)\" stroke-opacity=\"0.75\" stroke-width=\"\(fmt(2 * radius))\" stroke-linecap=\"round\" fill=\"none\"/>")
      }
    }
    doc.append("</g>")
    if legendWidth > 0 { drawLegend(into: &doc, x: right + 14, y: top + 4) }
  }

  private func drawLegend(into doc: inout SVGDocument, x: Double, y: Double) {
    for (index, name) in names.enumerated() {
      let row = y + Double(index) * 20
      doc.rect(x: x, y: row, width: 14, height: 14, fill: color(index))
      doc.text(name, x: x + 20, y: row + 11.5, size: 12)
    }
  }
}
