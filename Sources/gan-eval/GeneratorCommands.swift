import ArgumentParser
import Foundation
import GANEval
import Synchronization

/// Set by Ctrl-C; the training loop polls it between steps, saves a checkpoint and stops.
let interruptRequested = Atomic<Bool>(false)

extension GanEval {
  struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train a generator plugin (gan) on a real sample set; writes checkpoints, losses and sample grids to --out.",
      discussion: """
        The defaults are the documented study setting: conditional MLP GAN (noise 100; G 128-256-512-784 with batch norm
        and tanh; D 784-512-256-1 with LeakyReLU 0.2 and dropout 0.3), BCE with the non-saturating G loss, Adam 2e-4
        (β1 0.5), batch 128, real label 0.9. Ctrl-C saves a checkpoint and exits; --resume continues from it.
        """)

    @Argument(help: "The generator plugin (see `gan-eval plugins`).")
    var generator: String

    @Argument(help: "The real sample directory to learn from.")
    var directory: String

    @Option(help: "Architecture: mlp or dcgan.") var arch: String?
    @Option(help: "Noise dimension.") var noise: Int?
    @Option(help: "Training epochs (passes over the real set).") var epochs: Int?
    @Option(help: "Batch size.") var batch: Int?
    @Option(help: "Adam learning rate (both networks).") var lr: Double?
    @Option(help: "Adam β1.") var beta1: Double?
    @Option(help: "Adam β2.") var beta2: Double?
    @Option(help: "Normalisation in G: none, batch or instance.") var gNorm: String?
    @Option(help: "Dropout rate in D.") var dropout: Double?
    @Option(help: "LeakyReLU slope.") var leaky: Double?
    @Option(help: "Spectral normalisation on D's layers: true or false.") var spectralNorm: String?
    @Option(help: "Target for real images in D's loss (1 = no label smoothing).") var realLabel: Double?
    @Option(help: "Learning-rate schedule: constant, step, linear or cosine.") var schedule: String?
    @Option(help: "Progressive growing 14×14 → 28×28 (a resolution curriculum on D's input): true or false.") var progressive: String?
    @Option(help: "Conditional on labels: auto (when labelled), yes or no.") var conditional: String?
    @Option(help: "Write a sample grid every K epochs (0: only at the end).") var sampleEvery: Int?
    @Option(help: "Write a checkpoint every K epochs.") var checkpointEvery: Int?
    @Flag(help: "Continue from the checkpoint in --out.") var resume = false

    @OptionGroup var common: CommonOptions

    func run() throws {
      var options: [String: String] = [:]
      let given: [(String, String?)] = [
        ("arch", arch), ("noise", noise.map(String.init)), ("epochs", epochs.map(String.init)), ("batch", batch.map(String.init)),
        ("lr", lr.map { "\($0)" }), ("beta1", beta1.map { "\($0)" }), ("beta2", beta2.map { "\($0)" }), ("g-norm", gNorm),
        ("dropout", dropout.map { "\($0)" }), ("leaky", leaky.map { "\($0)" }), ("spectral-norm", spectralNorm),
        ("real-label", realLabel.map { "\($0)" }), ("schedule", schedule), ("progressive", progressive), ("conditional", conditional),
        ("sample-every", sampleEvery.map(String.init)), ("checkpoint-every", checkpointEvery.map(String.init)),
      ]
      for case let (key, value?) in given { options[key] = value }
      var settings = common.settings(command: "train")
      if common.out == nil { settings.outputDirectory = "gan-eval-out/train-\(generator)" }
      signal(SIGINT) { _ in interruptRequested.store(true, ordering: .relaxed) }
      let (outcome, summary) = try GeneratorRun.train(
        generator, options: options, directory: directory, resume: resume, settings: settings,
        shouldStop: { interruptRequested.load(ordering: .relaxed) })
      print(settings.printJSON ? summary.render() : outcome.lines.joined(separator: "\n"))
      if outcome.interrupted { throw ExitCode(130) }
    }
  }

  struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Draw a labelled sample set from a trained generator run (class subdirectories).",
      discussion: "Deterministic for a given --seed. --labels: balanced (equal counts), uniform (seeded random) or class names like 0,1,7.")

    @Argument(help: "The run directory written by `gan-eval train`.")
    var runDirectory: String

    @Option(name: .short, help: "Number of images.")
    var n: Int

    @Option(help: "Output sample directory.")
    var out: String

    @Option(help: "balanced, uniform, or comma-separated class names.")
    var labels = "balanced"

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "Worker threads (results do not depend on it).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Replace --out if it exists.")
    var overwrite = false

    func validate() throws {
      guard (1...10_000_000).contains(n) else { throw ValidationError("-n must be from 1 to 10000000, got \(n)") }
      guard (1...256).contains(threads) else { throw ValidationError("--threads must be from 1 to 256, got \(threads)") }
    }

    func run() throws {
      let set = try GeneratorRun.sample(run: runDirectory, count: n, labels: labels, output: out, overwrite: overwrite, seed: seed, threads: threads)
      let classes = Set(set.labels.compactMap { $0 }).count
      print("wrote \(set.count) samples of \(set.width)x\(set.height)\(classes > 0 ? " in \(classes) classes" : "") to \(out)")
    }
  }
}
