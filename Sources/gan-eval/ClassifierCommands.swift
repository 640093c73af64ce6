import ArgumentParser
import Classifier
import GANEval

extension GanEval {
  struct ClassifierGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "classifier", abstract: "Train the classifier that judges generated images and supplies features.",
      subcommands: [Train.self])

    struct Train: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Train a LeNet-style CNN on a labelled real set; writes classifier.ganet, training.csv and summary.json.",
        discussion: """
          A seeded share of the set (--validation) is held out and its accuracy reported; the weights of the best
          validation epoch are kept. --test DIR also reports accuracy on a separate labelled set.
          """)

      @Argument(help: "A labelled real sample directory (class subdirectories or labels.csv).")
      var directory: String

      @Option(help: "A labelled test directory to report accuracy on after training.")
      var test: String?

      @Option(help: "Passes over the training images.")
      var epochs = 15

      @Option(help: "Images per Adam step.")
      var batchSize = 128

      @Option(help: "Adam learning rate.")
      var learningRate: Float = 1e-3

      @Option(help: "Random shift augmentation: up to this many pixels in x and y (0 disables).")
      var shift = 2

      @Option(help: "Share of the set held out for validation (0 to 0.9).")
      var validation = 0.2

      @OptionGroup var common: CommonOptions

      func validate() throws {
        guard (1...10_000).contains(epochs) else { throw ValidationError("--epochs must be from 1 to 10000, got \(epochs)") }
        guard (1...65_536).contains(batchSize) else { throw ValidationError("--batch-size must be from 1 to 65536, got \(batchSize)") }
        guard learningRate > 0 && learningRate < 1 else { throw ValidationError("--learning-rate must be in (0, 1), got \(learningRate)") }
        guard (0...8).contains(shift) else { throw ValidationError("--shift must be from 0 to 8 pixels, got \(shift)") }
        guard validation >= 0 && validation <= 0.9 else { throw ValidationError("--validation must be from 0 to 0.9, got \(validation)") }
      }

      func run() throws {
        let settings = common.settings(command: "classifier")
        var training = ClassifierTraining()
        (training.epochs, training.batchSize, training.learningRate, training.validationFraction) = (epochs, batchSize, learningRate, validation)
        (training.seed, training.threads, training.quiet) = (common.seed, common.threads, settings.quiet)
        training.maxShift = shift
        let outcome = try ClassifierRun.train(directory: directory, testDirectory: test, training: training, settings: settings)
        print(settings.printJSON ? outcome.summary.render() : OutputWriter.screenSummary(outcome.report, sets: outcome.sets, written: outcome.written))
      }
    }
  }

  struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Read generated images with the classifier: accuracy, confusion, class coverage, confidence, IS analogue.",
      discussion: """
        With labelled FAKE: accuracy overall and per class, confusion.csv (and confusion.svg with --svg).
        Always: predictions.csv, class_distribution.csv, classes covered, KL of the predicted class distribution
        against --real's (uniform without --real), mean confidence, Inception-Score analogue (10 splits).
        --tstr REAL_TEST trains a fresh classifier on FAKE and tests it on REAL_TEST; with --real it also reports the
        augmentation gain (real+fake against real only, same test set).
        """)

    @Argument(help: "The generated sample directory.")
    var fake: String

    @Option(help: "Classifier directory from `gan-eval classifier train`.")
    var model: String

    @Option(help: "The real sample directory to compare class distributions with (and train on, for --tstr).")
    var real: String?

    @Option(help: "A labelled real test directory: train on FAKE, test here.")
    var tstr: String?

    @Option(help: "Epochs for the --tstr classifiers.")
    var epochs = 15

    @Option(help: "Splits for the Inception-Score analogue.")
    var splits = 10

    @OptionGroup var common: CommonOptions

    func run() throws {
      var options = ["model": model, "epochs": String(epochs), "splits": String(splits)]
      if real != nil { options["real"] = "yes" }
      if tstr != nil { options["tstr"] = "yes" }
      try runMetric("classify", options: options, directories: [fake] + [real, tstr].compactMap { $0 }, common: common)
    }
  }

  struct Fid: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Fréchet classifier distance, KID, precision/recall/density/coverage, 1-NN test and memorisation.",
      discussion: """
        Each metric is computed in the classifier's penultimate-layer features and in raw pixels (fid.csv).
        memorisation.csv gives every generated image's nearest real image (pixel L2); --svg shows the closest pairs.
        Real-set features are cached (--cache, default ~/.cache/gan-eval; 'none' disables) by content hash of the
        set and the model.
        """)

    @Argument(help: "The real sample directory, then the generated one.")
    var directories: [String]

    @Option(help: "Classifier directory from `gan-eval classifier train`.")
    var model: String

    @Option(help: "Feature cache directory, or 'none'.")
    var cache: String?

    @Option(help: "Images per set used for precision/recall/density/coverage and the 1-NN test (seeded sample).")
    var maxSamples = 5000

    @Option(help: "KID subsets (each of min(1000, n) images per set).")
    var kidSubsets = 100

    @Option(help: "k for the precision/recall/density/coverage balls.")
    var k = 5

    @OptionGroup var common: CommonOptions

    func validate() throws {
      guard directories.count == 2 else { throw ValidationError("give two directories: REAL then FAKE (got \(directories.count))") }
    }

    func run() throws {
      var options = ["model": model, "max-samples": String(maxSamples), "kid-subsets": String(kidSubsets), "k": String(k)]
      if let cache { options["cache"] = cache }
      try runMetric("fid", options: options, directories: directories, common: common)
    }
  }
}
