import ArgumentParser
import Generators
import Metrics

extension GanEval {
  struct Plugins: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the registered plugins with one-line summaries.")

    func run() {
      print("metrics:")
      for entry in Registry.metrics { print("  \(entry.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(entry.summary)") }
      print("transforms:")
      for entry in Registry.transforms { print("  \(entry.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(entry.summary)") }
      print("generators:")
      for entry in GeneratorRegistry.entries { print("  \(entry.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(entry.summary)") }
    }
  }
}
