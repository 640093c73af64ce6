import Foundation

/// A labelled matrix of counts drawn as shaded cells with the count written in each
/// (a confusion matrix: rows are true classes, columns predicted ones).
public struct Heatmap {
  public var title: String
  public var rowLabel: String
  public var columnLabel: String
  public var rows: [String]
  public var columns: [String]
  /// `rows.count × columns.count`, row-major.
  public var values: [Double]

  public init(title: String, rowLabel: String, columnLabel: String, rows: [String], columns: [String], values: [Double]) {
    precondition(values.count == rows.count * columns.count, "one value per cell")
    (self.title, self.rowLabel, self.columnLabel, self.rows, self.columns, self.values) = (title, rowLabel, columnLabel, rows, columns, values)
  }

  public func svg() -> String {
    let cell = max(28.0, min(56.0, 560.0 / Double(max(rows.count, columns.count, 1))))
    let left = 90.0, top = 70.0
    let width = left + Double(columns.count) * cell + 30, height = top + Double(rows.count) * cell + 50
    var doc = SVGDocument(width: max(width, 320), height: height)
    doc.text(title, x: doc.width / 2, y: 22, size: 15, anchor: .middle, weight: "bold")
    doc.text(columnLabel, x: left + Double(columns.count) * cell / 2, y: 44, size: 12, anchor: .middle)
    doc.text(rowLabel, x: 18, y: top + Double(rows.count) * cell / 2, size: 12, anchor: .middle, rotate: -90)
    let top1 = values.max() ?? 0
    for (r, row) in rows.enumerated() {
      doc.text(row, x: left - 6, y: top + (Double(r) + 0.5) * cell + 4, size: 11, anchor: .end)
      for (c, _) in columns.enumerated() {
        let value = values[r * columns.count + c]
        let shade = top1 > 0 ? value / top1 : 0
        // white → palette blue (#0072B2)
        let mix = { (full: Double) in Int((255 - (255 - full) * shade).rounded()) }
        let fill = String(format: "#%02X%02X%02X", mix(0x00), mix(0x72), mix(0xB2))
        let x = left + Double(c) * cell, y = top + Double(r) * cell
        doc.rect(x: x, y: y, width: cell, height: cell, fill: fill, extra: " stroke=\"#ddd\"")
        if value != 0 {
          let text = value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
          doc.text(text, x: x + cell / 2, y: y + cell / 2 + 4, size: 10, anchor: .middle, fill: shade > 0.55 ? "#fff" : "#222")
        }
      }
    }
    for (c, column) in columns.enumerated() {
      doc.text(column, x: left + (Double(c) + 0.5) * cell, y: top - 6, size: 11, anchor: .middle)
    }
    return doc.render()
  }
}
