import ArgumentParser
import GANEval

extension GanEval {
  struct ClassifierGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "classifier", abstract: "Train the classifier that judges generated images and supplies features.",
      subcommands: [Train.self])

    struct Train: ParsableCommand {
      static var configuration: CommandConfiguration {
        let options = ClassifierRun.options.map { "  --\($0.name) <\($0.type.rawValue)>".padding(toLength: 30, withPad: " ", startingAt: 0) + $0.helpLine }
        return CommandConfiguration(
          abstract: "Train a LeNet-style CNN on a labelled real set; writes classifier.ganet, training.csv and summary.json.",
          discussion: """
            A seeded share of the set (--validation) is held out and its accuracy reported; the weights of the best
            validation epoch are kept. --test DIR also reports accuracy on a separate labelled set.

            Training options (the pipeline's classifier step takes the same):
            """ + "\n" + options.joined(separator: "\n"))
      }

      @Argument(parsing: .allUnrecognized, help: "A labelled real sample directory (class subdirectories or labels.csv), then options.")
      var words: [String] = []

      @OptionGroup var common: CommonOptions

      func run() throws {
        let (positionals, pairs) = try splitArguments(words, specs: ClassifierRun.options)
        guard positionals.count == 1 else {
          throw ValidationError("give exactly one labelled sample directory (got \(positionals.count): \(positionals.joined(separator: " ")))")
        }
        let values = try ClassifierRun.values(pairs)
        let outcome = try ClassifierRun.train(directory: positionals[0], options: values, context: common.context(command: "classifier"))
        common.printSummary(outcome)
      }
    }
  }
}
