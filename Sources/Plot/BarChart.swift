/// Grouped bars over named categories (one group per category, one bar per series).
public struct BarChart {
  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var categories: [String]
  /// (series name, one value per category).
  public var series: [(name: String, values: [Double])]
  public var width: Double = 720
  public var height: Double = 420

  public init(title: String, xLabel: String, yLabel: String, categories: [String], series: [(name: String, values: [Double])]) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.categories = categories
    self.series = series
  }

  public func svg() -> String {
    var doc = SVGDocument(width: width, height: height)
    let legendWidth = series.count > 1 ? 150.0 : 0
    let left = 70.0, right = width - 20 - legendWidth, top = 40.0, bottom = height - 60
    let values = series.flatMap(\.values).filter(\.isFinite)
    let scale = NiceScale(min(0, values.min() ?? 0), max(0, values.max() ?? 1))
    func py(_ v: Double) -> Double { bottom - (v - scale.lower) / (scale.upper - scale.lower) * (bottom - top) }
    doc.text(title, x: width / 2, y: 22, size: 15, anchor: .middle, weight: "bold")
    for t in scale.ticks {
      doc.line(left, py(t), right, py(t), stroke: "#e6e6e6")
      doc.text(scale.label(t), x: left - 8, y: py(t) + 4, size: 11, anchor: .end)
    }
    let group = (right - left) / Double(max(categories.count, 1))
    let barWidth = group * 0.8 / Double(max(series.count, 1))
    for (c, category) in categories.enumerated() {
      let start = left + Double(c) * group + group * 0.1
      for (s, entry) in series.enumerated() where c < entry.values.count && entry.values[c].isFinite {
        let v = entry.values[c]
        doc.rect(x: start + Double(s) * barWidth, y: min(py(v), py(0)), width: barWidth * 0.92, height: abs(py(v) - py(0)),
                 fill: Palette.color(s))
      }
      doc.text(category, x: start + group * 0.4, y: bottom + 16, size: 11, anchor: .middle)
    }
    doc.line(left, py(0), right, py(0), stroke: "#444")
    doc.line(left, top, left, bottom, stroke: "#444")
    doc.text(xLabel, x: (left + right) / 2, y: bottom + 40, size: 12, anchor: .middle)
    doc.text(yLabel, x: 16, y: (top + bottom) / 2, size: 12, anchor: .middle, rotate: -90)
    if legendWidth > 0 {
      for (s, entry) in series.enumerated() {
        doc.rect(x: right + 14, y: top + 4 + Double(s) * 20, width: 14, height: 14, fill: Palette.color(s))
        doc.text(entry.name, x: right + 34, y: top + 15.5 + Double(s) * 20, size: 12)
      }
    }
    return doc.render()
  }
}
