import Foundation

/// A minimal SVG writer: elements appended as text, attributes escaped, numbers kept short.
public struct SVGDocument {
  public let width: Double
  public let height: Double
  private var body: [String] = []

  public init(width: Double, height: Double) {
    self.width = width
    self.height = height
  }

  public mutating func append(_ element: String) { body.append(element) }

  public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, extra: String = "") {
    append("<rect x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" fill=\"\(fill)\"\(extra)/>")
  }

  public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1) {
    append("<line x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(fmt(width))\"/>")
  }

  public enum Anchor: String { case start, middle, end }

  public mutating func text(
    _ content: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start, weight: String = "normal",
    rotate: Double? = nil, fill: String = "#222"
  ) {
    let transform = rotate.map { " transform=\"rotate(\(fmt($0)) \(fmt(x)) \(fmt(y)))\"" } ?? ""
    append(
      "<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" font-size=\"\(fmt(size))\" text-anchor=\"\(anchor.rawValue)\" font-weight=\"\(weight)\" fill=\"\(fill)\"\(transform)>\(escapeXML(content))</text>"
    )
  }

  /// The finished standalone document.
  public func render() -> String {
    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
    out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    for element in body { out += element + "\n" }
    out += "</svg>\n"
    return out
  }
}

/// Escapes text for XML content and attribute values.
public func escapeXML(_ text: String) -> String {
  var out = ""
  out.reserveCapacity(text.count)
  for c in text {
    switch c {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    case "'": out += "&apos;"
    default: out.append(c)
    }
  }
  return out
}

/// A coordinate with at most two decimals and no trailing zeros: short files, sub-pixel accuracy.
public func fmt(_ value: Double) -> String {
  guard value.isFinite else { return "0" }
  let rounded = (value * 100).rounded() / 100
  if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
  var text = String(format: "%.2f", rounded)
  while text.hasSuffix("0") { text.removeLast() }
  return text
}
