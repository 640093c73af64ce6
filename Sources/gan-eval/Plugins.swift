import ArgumentParser
import GANEval

extension GanEval {
  struct Plugins: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the plugins (built-in and external) with one-line summaries, or one plugin's options.",
      discussion: """
        External plugins are executables named gan-eval-<name> on GAN_EVAL_PLUGIN_PATH, then PATH (docs/plugins.md).
        --json prints every plugin's declaration as the plugin protocol's `describe` gives it.
        """)

    @Argument(help: "A plugin name: show its options.")
    var name: String?

    @OptionGroup var common: CommonOptions

    /// `--json` prints the declarations as the plugin protocol's JSON.
    var json: Bool { common.json }

    func run() throws {
      let (entries, broken) = Catalogue.all()
      if let name {
        let matches = entries.filter { $0.name == name }
        guard !matches.isEmpty else {
          throw ValidationError("no plugin named '\(name)'; known: \(entries.map(\.name).joined(separator: ", "))")
        }
        if json {
          print(JSON.array(matches.map(\.json)).render())
        } else {
          print(matches.map { "\($0.displayName): \($0.summary)\n\($0.optionsHelp)" }.joined(separator: "\n\n"))
        }
        return
      }
      if json {
        print(JSON.array(entries.map(\.json)).render())
        return
      }
      let width = max(12, (entries.map(\.name.count).max() ?? 0) + 1)
      for kind in PluginKind.allCases {
        print(kind == .features ? "features:" : "\(kind.rawValue)s:")
        for entry in entries where entry.kind == kind {
          let external = if case .external(let path) = entry.origin { " [external: \(path)]" } else { "" }
          print("  \(entry.name.padding(toLength: width, withPad: " ", startingAt: 0)) \(entry.summary)\(external)")
        }
      }
      for (path, reason) in broken { print("not usable: \(path): \(reason)") }
    }
  }
}
