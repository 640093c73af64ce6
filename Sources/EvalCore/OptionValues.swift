/// A plugin's options after parsing and validation against its declarations: every declared
/// option has its effective value (given or default), typed. Errors name the option, the plugin
/// and what to give instead.
public struct OptionValues: Sendable {
  public let plugin: String
  public let specs: [OptionSpec]
  /// Effective values by option name; absent for an optional option with no default.
  public private(set) var values: [String: JSON]
  /// The names the user gave (the rest are defaults).
  public private(set) var given: Set<String>

  /// Parses `(name, text)` pairs, in the order given (a repeatable option may come several times).
  public init(_ pairs: [(String, String)], specs: [OptionSpec], plugin: String) throws {
    (self.plugin, self.specs, values, given) = (plugin, specs, [:], [])
    let known = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    var lists: [String: [JSON]] = [:]
    for (name, text) in pairs {
      guard let spec = known[name] else {
        let names = specs.map(\.name)
        let hint = names.first { $0.replacingOccurrences(of: "-", with: "") == name.replacingOccurrences(of: "_", with: "").replacingOccurrences(of: "-", with: "") }
        throw EvalError.badParameter(
          name: "--\(name)",
          reason: "is not an option of \(plugin); "
            + (hint.map { "did you mean --\($0)? " } ?? "")
            + (names.isEmpty ? "it takes no options" : "its options: " + names.map { "--" + $0 }.joined(separator: ", ")))
      }
      let value = try spec.parse(text, plugin: plugin)
      if spec.repeatable {
        lists[name, default: []].append(value)
      } else {
        if given.contains(name) {
          throw EvalError.badParameter(name: "--\(name)", reason: "is given twice for \(plugin); give it once")
        }
        values[name] = value
      }
      given.insert(name)
    }
    for (name, list) in lists { values[name] = .array(list) }
    for spec in specs where values[spec.name] == nil {
      if spec.required {
        throw EvalError.badParameter(name: "--\(spec.name)", reason: "is required by \(plugin): \(spec.help.lowercasedFirst)")
      }
      if let value = spec.defaultValue { values[spec.name] = spec.repeatable ? .array(value.listItems) : value }
    }
  }

  /// Parses options given as a dictionary of texts (a pipeline step's `options:`).
  public init(_ dictionary: [String: String], specs: [OptionSpec], plugin: String) throws {
    try self.init(dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, specs: specs, plugin: plugin)
  }

  // MARK: - Typed reading (a plugin reads only what it declared)

  func value(_ name: String) -> JSON? {
    precondition(specs.contains { $0.name == name }, "\(plugin) reads option '\(name)' that it does not declare")
    return values[name]
  }

  public func int(_ name: String) -> Int { value(name)?.intValue ?? 0 }
  public func double(_ name: String) -> Double { value(name)?.doubleValue ?? .nan }
  public func bool(_ name: String) -> Bool { value(name)?.boolValue ?? false }
  public func string(_ name: String) -> String? { value(name)?.stringValue }
  public func strings(_ name: String) -> [String] { value(name)?.listItems.compactMap(\.stringValue) ?? [] }
  public func has(_ name: String) -> Bool { value(name) != nil }
  public func isGiven(_ name: String) -> Bool { given.contains(name) }

  public func choice<T: RawRepresentable>(_ name: String, as type: T.Type = T.self) -> T where T.RawValue == String {
    guard let text = value(name)?.stringValue, let value = T(rawValue: text) else {
      preconditionFailure("\(plugin) option '\(name)' is not a choice of \(T.self)")
    }
    return value
  }

  /// The effective values in declaration order, for summary.json and the report.
  public var json: JSON { .object(specs.compactMap { spec in values[spec.name].map { (spec.name, $0) } }) }

  /// The effective values as `(name, text)` pairs again (what an external plugin's request holds typed).
  public var pairs: [(String, String)] {
    specs.flatMap { spec -> [(String, String)] in
      guard let value = values[spec.name] else { return [] }
      return spec.repeatable ? value.listItems.map { (spec.name, $0.plainText) } : [(spec.name, value.plainText)]
    }
  }

  /// Replaces a value (pipelines resolve step names in `artifact`/`set` options to paths).
  public mutating func replace(_ name: String, with value: JSON) { values[name] = value }
}

extension JSON {
  var listItems: [JSON] { if case .array(let items) = self { return items } else { return [self] } }
}

extension String {
  var lowercasedFirst: String { isEmpty ? self : prefix(1).lowercased() + dropFirst() }
}

/// Splits command-line words into positional arguments and `--name value` option pairs, using
/// the declarations to tell a bool flag given alone (`--progressive`) from one with a value.
public func splitArguments(_ words: [String], specs: [OptionSpec]) throws -> (positionals: [String], options: [(String, String)]) {
  var positionals: [String] = [], options: [(String, String)] = []
  var index = 0
  let bools = Set(specs.filter { $0.type == .bool }.map(\.name))
  while index < words.count {
    let word = words[index]
    index += 1
    guard word.hasPrefix("--"), word.count > 2 else {
      positionals.append(word)
      continue
    }
    var name = String(word.dropFirst(2))
    if let equals = name.firstIndex(of: "=") {
      options.append((String(name[..<equals]), String(name[name.index(after: equals)...])))
      continue
    }
    if bools.contains(name) {
      let next = index < words.count ? words[index].lowercased() : ""
      if ["true", "false", "yes", "no", "on", "off", "1", "0"].contains(next) {
        options.append((name, words[index]))
        index += 1
      } else {
        options.append((name, "true"))
      }
      continue
    }
    if name.hasPrefix("no-"), bools.contains(String(name.dropFirst(3))) {
      name.removeFirst(3)
      options.append((name, "false"))
      continue
    }
    guard index < words.count else { throw EvalError.badParameter(name: word, reason: "needs a value, e.g. \(word) VALUE") }
    options.append((name, words[index]))
    index += 1
  }
  return (positionals, options)
}
