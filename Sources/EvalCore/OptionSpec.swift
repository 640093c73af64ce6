import Foundation

/// One plugin option, declared once: its name (kebab-case, the only spelling), type, default,
/// range or choices, and a one-line help. Parsing, validation, CLI flags and help, pipeline
/// checks, summary parameters and `plugins --json` are all derived from this value.
public struct OptionSpec: Sendable, Equatable {
  /// The value types of the plugin protocol (docs/plugins.md).
  public enum ValueType: String, Sendable, CaseIterable { case int, number, bool, string, path, choice }

  /// What a `path` option names, so a runner knows what to do with it.
  public enum Role: String, Sendable {
    /// A plain value.
    case value
    /// A sample set the runner loads and appends to the metric's sets, in declaration order.
    case set
    /// A file or directory made by an earlier step (a model, a run): resolved by pipelines.
    case artifact
  }

  public var name: String
  public var type: ValueType
  /// The value when the option is not given; `nil` means none (optional, or `required`).
  public var defaultValue: JSON?
  public var help: String
  public var min: Double?
  public var max: Double?
  /// Whether `min`/`max` themselves are excluded (a learning rate in (0, 1)).
  public var minExclusive = false
  public var maxExclusive = false
  public var choices: [String] = []
  public var required = false
  /// May be given several times (`--features a --features b`); the value is then a list.
  public var repeatable = false
  public var role = Role.value

  public init(
    name: String, type: ValueType, defaultValue: JSON? = nil, help: String, min: Double? = nil, max: Double? = nil,
    minExclusive: Bool = false, maxExclusive: Bool = false, choices: [String] = [], required: Bool = false,
    repeatable: Bool = false, role: Role = .value
  ) {
    (self.name, self.type, self.defaultValue, self.help) = (name, type, defaultValue, help)
    (self.min, self.max, self.minExclusive, self.maxExclusive) = (min, max, minExclusive, maxExclusive)
    (self.choices, self.required, self.repeatable, self.role) = (choices, required, repeatable, role)
  }

  // MARK: - Declaring options in one line

  public static func int(_ name: String, default value: Int? = nil, _ range: ClosedRange<Int>, _ help: String, required: Bool = false) -> OptionSpec {
    OptionSpec(
      name: name, type: .int, defaultValue: value.map(JSON.int), help: help, min: Double(range.lowerBound), max: Double(range.upperBound),
      required: required)
  }

  /// A real number in [min, max] (or with open ends), e.g. `.number("lr", default: 2e-4, above: 0, below: 1, "…")`.
  public static func number(
    _ name: String, default value: Double? = nil, min: Double? = nil, above: Double? = nil, max: Double? = nil, below: Double? = nil,
    _ help: String, required: Bool = false
  ) -> OptionSpec {
    OptionSpec(
      name: name, type: .number, defaultValue: value.map(JSON.number), help: help, min: above ?? min, max: below ?? max,
      minExclusive: above != nil, maxExclusive: below != nil, required: required)
  }

  public static func bool(_ name: String, default value: Bool, _ help: String) -> OptionSpec {
    OptionSpec(name: name, type: .bool, defaultValue: .bool(value), help: help)
  }

  public static func string(_ name: String, default value: String? = nil, _ help: String, required: Bool = false, repeatable: Bool = false) -> OptionSpec {
    OptionSpec(name: name, type: .string, defaultValue: value.map(JSON.string), help: help, required: required, repeatable: repeatable)
  }

  public static func path(_ name: String, default value: String? = nil, _ help: String, required: Bool = false, role: Role = .value) -> OptionSpec {
    OptionSpec(name: name, type: .path, defaultValue: value.map(JSON.string), help: help, required: required, role: role)
  }

  public static func choice<T: RawRepresentable & CaseIterable>(_ name: String, default value: T, _ help: String) -> OptionSpec
  where T.RawValue == String {
    OptionSpec(name: name, type: .choice, defaultValue: .string(value.rawValue), help: help, choices: T.allCases.map(\.rawValue))
  }

  public static func choice(_ name: String, default value: String, choices: [String], _ help: String) -> OptionSpec {
    OptionSpec(name: name, type: .choice, defaultValue: .string(value), help: help, choices: choices)
  }

  // MARK: - What users read

  /// "a whole number from 1 to 100", "a number in (0, 1)", "one of mlp, dcgan", …
  public var expected: String {
    switch type {
    case .int:
      switch (min, max) {
      case let (lo?, hi?): return "a whole number from \(shortest(lo)) to \(shortest(hi))"
      case let (lo?, nil): return "a whole number ≥ \(shortest(lo))"
      case let (nil, hi?): return "a whole number ≤ \(shortest(hi))"
      default: return "a whole number"
      }
    case .number:
      switch (min, max) {
      case let (lo?, hi?): return "a number in \(minExclusive ? "(" : "[")\(shortest(lo)), \(shortest(hi))\(maxExclusive ? ")" : "]")"
      case let (lo?, nil): return "a number \(minExclusive ? ">" : "≥") \(shortest(lo))"
      case let (nil, hi?): return "a number \(maxExclusive ? "<" : "≤") \(shortest(hi))"
      default: return "a finite number"
      }
    case .bool: return "true or false"
    case .string: return "text"
    case .path: return "a path"
    case .choice: return "one of " + choices.joined(separator: ", ")
    }
  }

  /// The help line shown by `--help` and `gan-eval plugins NAME`.
  public var helpLine: String {
    var text = help
    switch type {
    case .choice: text += " (" + choices.joined(separator: "|") + ")"
    case .int, .number: if min != nil || max != nil { text += " (" + expected + ")" }
    default: break
    }
    if required { text += " [required]" } else if let defaultValue { text += " (default: \(defaultValue.plainText))" }
    if repeatable { text += " [repeatable]" }
    return text
  }

  /// The declaration as the plugin protocol's JSON (`describe`, `plugins --json`).
  public var json: JSON {
    var pairs: [(String, JSON)] = [("name", .string(name)), ("type", .string(type.rawValue)), ("default", defaultValue ?? .null), ("help", .string(help))]
    if let min { pairs.append(("min", .number(min))) }
    if let max { pairs.append(("max", .number(max))) }
    if minExclusive { pairs.append(("exclusive_min", .bool(true))) }
    if maxExclusive { pairs.append(("exclusive_max", .bool(true))) }
    if !choices.isEmpty { pairs.append(("choices", .array(choices.map(JSON.string)))) }
    if required { pairs.append(("required", .bool(true))) }
    if repeatable { pairs.append(("repeatable", .bool(true))) }
    if role != .value { pairs.append(("role", .string(role.rawValue))) }
    return .object(pairs)
  }

  /// Reads a declaration from the plugin protocol's JSON, naming what is wrong.
  public init(json: JSON, plugin: String) throws {
    func fail(_ reason: String) -> EvalError { .badParameter(name: plugin, reason: "describe: option \(reason)") }
    guard case .string(let name)? = json["name"], Self.isValidName(name) else {
      throw fail("names must be kebab-case (a-z, 0-9, -), got \(json["name"]?.render() ?? "none")")
    }
    guard case .string(let typeText)? = json["type"], let type = ValueType(rawValue: typeText) else {
      throw fail("'\(name)' has type \(json["type"]?.render() ?? "none"); types: int, number, bool, string, path, choice")
    }
    var spec = OptionSpec(name: name, type: type, help: json["help"]?.stringValue ?? "")
    spec.min = json["min"]?.doubleValue
    spec.max = json["max"]?.doubleValue
    spec.minExclusive = json["exclusive_min"]?.boolValue ?? false
    spec.maxExclusive = json["exclusive_max"]?.boolValue ?? false
    spec.required = json["required"]?.boolValue ?? false
    spec.repeatable = json["repeatable"]?.boolValue ?? false
    if case .array(let items)? = json["choices"] { spec.choices = items.compactMap(\.stringValue) }
    if type == .choice && spec.choices.isEmpty { throw fail("'\(name)' is a choice but lists no choices") }
    if let role = json["role"]?.stringValue {
      guard let value = Role(rawValue: role) else { throw fail("'\(name)' has role '\(role)'; roles: value, set, artifact") }
      spec.role = value
    }
    if let value = json["default"], value != .null {
      do { spec.defaultValue = try spec.parse(value.plainText, plugin: plugin) } catch {
        throw fail("'\(name)' has a default \(value.render()) that is not \(spec.expected)")
      }
    }
    self = spec
  }

  public static func isValidName(_ name: String) -> Bool {
    !name.isEmpty && name.first != "-" && name.last != "-"
      && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
  }

  // MARK: - Parsing one value

  /// Parses and validates one value given as text (the CLI and pipelines give text).
  public func parse(_ text: String, plugin: String) throws -> JSON {
    func fail() -> EvalError {
      .badParameter(name: "--\(name)", reason: "'\(text)' is not valid for \(plugin): give \(expected)")
    }
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    switch type {
    case .int:
      guard let value = Int(trimmed), within(Double(value)) else { throw fail() }
      return .int(value)
    case .number:
      guard let value = Double(trimmed), value.isFinite, within(value) else { throw fail() }
      return .number(value)
    case .bool:
      switch trimmed.lowercased() {
      case "true", "yes", "1", "on": return .bool(true)
      case "false", "no", "0", "off": return .bool(false)
      default: throw fail()
      }
    case .string, .path:
      guard !text.isEmpty || !required else { throw fail() }
      return .string(text)
    case .choice:
      guard choices.contains(trimmed) else { throw fail() }
      return .string(trimmed)
    }
  }

  func within(_ value: Double) -> Bool {
    if let min, minExclusive ? !(value > min) : !(value >= min) { return false }
    if let max, maxExclusive ? !(value < max) : !(value <= max) { return false }
    return true
  }
}

extension JSON {
  /// The value as a user types it: `0.5`, `true`, `mlp` (no quotes), lists comma-joined.
  public var plainText: String {
    switch self {
    case .string(let s): return s
    case .array(let items): return items.map(\.plainText).joined(separator: ",")
    default: return render()
    }
  }

  public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
  public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
  public var intValue: Int? {
    switch self {
    case .int(let i): return i
    case .number(let d) where d == d.rounded() && abs(d) < 9e15: return Int(d)
    default: return nil
    }
  }
  public var doubleValue: Double? {
    switch self {
    case .int(let i): return Double(i)
    case .number(let d): return d
    default: return nil
    }
  }
}
