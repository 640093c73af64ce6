/// Several charts side by side in one SVG, in a grid of `columns`.
public struct Panels {
  public var charts: [Chart]
  public var columns: Int
  public var panelWidth: Double = 520
  public var panelHeight: Double = 440

  public init(_ charts: [Chart], columns: Int) {
    self.charts = charts
    self.columns = max(1, columns)
  }

  public func svg() -> String {
    let rows = (charts.count + columns - 1) / columns
    var doc = SVGDocument(width: Double(min(columns, charts.count)) * panelWidth, height: Double(rows) * panelHeight)
    for (index, chart) in charts.enumerated() {
      chart.draw(into: &doc, x: Double(index % columns) * panelWidth, y: Double(index / columns) * panelHeight, width: panelWidth, height: panelHeight)
    }
    return doc.render()
  }
}
