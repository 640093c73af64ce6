import ArgumentParser
import Foundation
import GANEval
import Synchronization

/// Set by Ctrl-C; long loops poll it between steps, save what they must and stop.
let interruptRequested = Atomic<Bool>(false)

func catchInterrupt() { signal(SIGINT) { _ in interruptRequested.store(true, ordering: .relaxed) } }

extension GanEval {
  struct Train: ParsableCommand {
    static var configuration: CommandConfiguration {
      CommandConfiguration(
        abstract: "Train a generator plugin (gan, or an external one) on a real sample set; writes checkpoints, losses and sample grids to --out.",
        discussion: pluginHelp(.generator, "gan", """
          gan-eval train GENERATOR SET [--OPTION VALUE ...]; `gan-eval plugins GENERATOR` lists a generator's options.
          The gan defaults are the documented study setting: conditional MLP GAN (noise 100; G 128-256-512-784 with batch
          norm and tanh; D 784-512-256-1 with LeakyReLU 0.2 and dropout 0.3), BCE with the non-saturating G loss, Adam
          2e-4 (β1 0.5), batch 128, real label 0.9. Ctrl-C saves a checkpoint and exits; --resume continues from it.
          """))
    }

    @Argument(help: "The generator plugin (see `gan-eval plugins`), or a path to an external plugin.")
    var generator: String

    @Argument(parsing: .allUnrecognized, help: "The real sample directory to learn from, then the generator's options.")
    var words: [String] = []

    @Flag(help: "Continue from the checkpoint in --out.") var resume = false

    @OptionGroup var common: CommonOptions

    func run() throws {
      let entry = try Catalogue.find(generator, kind: .generator)
      let (positionals, pairs) = try splitArguments(words, specs: entry.options)
      guard positionals.count == 1 else {
        throw ValidationError("give exactly one real sample directory to train on (got \(positionals.count): \(positionals.joined(separator: " ")))")
      }
      var context = common.context(command: "train")
      if common.out == nil { context.outputDirectory = "gan-eval-out/train-\(entry.name)" }
      context.resume = resume
      context.shouldStop = { interruptRequested.load(ordering: .relaxed) }
      catchInterrupt()
      let (outcome, summary) = try GeneratorRun.train(generator, options: pairs, directory: positionals[0], context: context)
      print(common.json ? summary.render() : outcome.lines.joined(separator: "\n"))
      if outcome.interrupted { throw ExitCode(130) }
    }
  }

  struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Draw a labelled sample set from a trained generator run (class subdirectories), whatever generator made it.",
      discussion: "Deterministic for a given --seed. --labels: balanced (equal counts), uniform (seeded random) or class names like 0,1,7.")

    @Argument(help: "The run directory written by `gan-eval train`.")
    var runDirectory: String

    @Option(name: .short, help: "Number of images.")
    var n: Int

    @Option(help: "balanced, uniform, or comma-separated class names.")
    var labels = "balanced"

    @Flag(help: "Replace --out if it exists.")
    var overwrite = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
      guard (1...10_000_000).contains(n) else { throw ValidationError("-n must be from 1 to 10000000, got \(n)") }
      guard common.out != nil else { throw ValidationError("give --out DIR: the sample directory to write") }
    }

    func run() throws {
      let context = common.context(command: "sample")
      let set = try GeneratorRun.sample(
        run: runDirectory, count: n, labels: labels, output: context.outputDirectory, overwrite: overwrite, context: context)
      let classes = Set(set.labels.compactMap { $0 }).count
      let line = "wrote \(set.count) samples of \(set.width)x\(set.height)\(classes > 0 ? " in \(classes) classes" : "") to \(context.outputDirectory)"
      if common.json {
        print(JSON.object([("command", .string("sample")), ("run", .string(runDirectory)), ("set", OutputWriter.setJSON(set)), ("seed", .int(Int(truncatingIfNeeded: context.seed)))]).render())
      } else {
        print(line)
      }
    }
  }
}
