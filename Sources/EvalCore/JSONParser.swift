/// Reads JSON text (RFC 8259) into `JSON`, keeping object keys in their order. Bounded: at most
/// 64 levels of nesting, so a hostile file cannot exhaust the stack. Errors say where.
extension JSON {
  public static func parse(_ bytes: [UInt8]) throws -> JSON {
    var parser = JSONParser(bytes: bytes)
    parser.skipSpace()
    let value = try parser.value(depth: 0)
    parser.skipSpace()
    guard parser.index == bytes.count else { throw parser.fail("unexpected text after the JSON value") }
    return value
  }

  public static func parse(_ text: String) throws -> JSON { try parse(Array(text.utf8)) }
}

/// Why a JSON text could not be read, with the byte offset.
public struct JSONParseError: Error, CustomStringConvertible {
  public var offset: Int
  public var reason: String
  public var description: String { "not valid JSON at byte \(offset): \(reason)" }
}

struct JSONParser {
  let bytes: [UInt8]
  var index = 0
  static let maxDepth = 64

  init(bytes: [UInt8]) { self.bytes = bytes }

  func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: index, reason: reason) }

  mutating func skipSpace() {
    while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
  }

  mutating func expect(_ literal: String, _ value: JSON) throws -> JSON {
    let word = Array(literal.utf8)
    guard index + word.count <= bytes.count, Array(bytes[index..<(index + word.count)]) == word else { throw fail("expected \(literal)") }
    index += word.count
    return value
  }

  mutating func value(depth: Int) throws -> JSON {
    guard depth < Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
    guard index < bytes.count else { throw fail("unexpected end") }
    switch bytes[index] {
    case UInt8(ascii: "{"):
      index += 1
      var pairs: [(String, JSON)] = []
      skipSpace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(pairs) }
      while true {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a key in quotes") }
        let key = try string()
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected : after a key") }
        index += 1
        skipSpace()
        pairs.append((key, try value(depth: depth + 1)))
        skipSpace()
        guard index < bytes.count else { throw fail("unexpected end in an object") }
        if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
        guard bytes[index] == UInt8(ascii: "}") else { throw fail("expected , or }") }
        index += 1
        return .object(pairs)
      }
    case UInt8(ascii: "["):
      index += 1
      var items: [JSON] = []
      skipSpace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
      while true {
        skipSpace()
        items.append(try value(depth: depth + 1))
        skipSpace()
        guard index < bytes.count else { throw fail("unexpected end in a list") }
        if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
        guard bytes[index] == UInt8(ascii: "]") else { throw fail("expected , or ]") }
        index += 1
        return .array(items)
      }
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): return try expect("true", .bool(true))
    case UInt8(ascii: "f"): return try expect("false", .bool(false))
    case UInt8(ascii: "n"): return try expect("null", .null)
    default: return try number()
    }
  }

  mutating func number() throws -> JSON {
    let start = index
    while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
    let text = String(decoding: bytes[start..<index], as: UTF8.self)
    guard !text.isEmpty else { throw fail("expected a value") }
    if !text.contains(where: { ".eE".contains($0) }), let integer = Int(text) { return .int(integer) }
    guard let value = Double(text), value.isFinite else { index = start; throw fail("'\(text)' is not a number") }
    return .number(value)
  }

  mutating func string() throws -> String {
    index += 1  // opening quote
    var scalars = String.UnicodeScalarView()
    var run = [UInt8]()
    func flush() { scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars); run.removeAll() }
    while index < bytes.count {
      let byte = bytes[index]
      index += 1
      switch byte {
      case UInt8(ascii: "\""):
        flush()
        return String(scalars)
      case UInt8(ascii: "\\"):
        flush()
        guard index < bytes.count else { throw fail("unexpected end in a string") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""): scalars.append("\"")
        case UInt8(ascii: "\\"): scalars.append("\\")
        case UInt8(ascii: "/"): scalars.append("/")
        case UInt8(ascii: "b"): scalars.append("\u{08}")
        case UInt8(ascii: "f"): scalars.append("\u{0C}")
        case UInt8(ascii: "n"): scalars.append("\n")
        case UInt8(ascii: "r"): scalars.append("\r")
        case UInt8(ascii: "t"): scalars.append("\t")
        case UInt8(ascii: "u"):
          var code = try hex4()
          if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
            index += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw fail("a lone surrogate in \\u escapes") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let scalar = Unicode.Scalar(code) else { throw fail("\\u escape is not a character") }
          scalars.append(scalar)
        default: throw fail("unknown escape \\\(Character(Unicode.Scalar(escape)))")
        }
      case 0..<0x20: throw fail("a control character inside a string")
      default: run.append(byte)
      }
    }
    throw fail("unterminated string")
  }

  mutating func hex4() throws -> UInt32 {
    guard index + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
      throw fail("\\u needs four hex digits")
    }
    index += 4
    return code
  }
}
