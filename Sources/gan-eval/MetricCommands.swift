import ArgumentParser
import GANEval

extension GanEval {
  /// `evaluate METRIC SET... [--option value]`: any metric plugin, built-in or external.
  struct Evaluate: ParsableCommand {
    static var configuration: CommandConfiguration {
      CommandConfiguration(
        abstract: "Run any metric plugin (built-in or external) over sample directories.",
        discussion: """
          gan-eval evaluate METRIC SET... [--OPTION VALUE ...]: the options are the metric's own, as declared by the
          plugin; `gan-eval plugins METRIC` lists them (external ones too). The named commands (histogram, entropy,
          tsne, classify, fid) are this command with the metric filled in. The built-in metrics:
          """ + "\n\n" + Catalogue.builtins.filter { $0.kind == .metric }.map { "\($0.name): \($0.summary)\n\($0.optionsHelp)" }.joined(separator: "\n\n"))
    }

    @Argument(help: "The metric plugin (see `gan-eval plugins`), or a path to an external plugin.")
    var metric: String

    @Argument(parsing: .allUnrecognized, help: "Sample directories, then the metric's options (--name value).")
    var words: [String] = []

    @OptionGroup var common: CommonOptions

    func run() throws { try runMetric(metric, words: words, common: common) }
  }

  struct Histogram: ParsableCommand {
    static var configuration: CommandConfiguration {
      CommandConfiguration(
        abstract: "Pixel-intensity histogram of each set, and TV / Jensen–Shannon / Wasserstein-1 between sets.",
        discussion: pluginHelp(.metric, "histogram", "Bins follow numpy.histogram: half-open except the last. Writes histogram.csv (set,bin,lo,hi,count,density)."))
    }
    @Argument(parsing: .allUnrecognized, help: "Sample directories (e.g. real/ fake/) or .gestats files from `gan-eval stats`, then options.") var words: [String] = []
    @OptionGroup var common: CommonOptions
    func run() throws { try runMetric("histogram", words: words, common: common) }
  }

  struct Entropy: ParsableCommand {
    static var configuration: CommandConfiguration {
      CommandConfiguration(
        abstract: "Shannon entropy (bits) of every image's 8-bit gray levels, summarised per set and class.",
        discussion: pluginHelp(.metric, "entropy", "Equals scikit-image's shannon_entropy(img, base=2). Writes entropy.csv (set,file,label,entropy_bits)."))
    }
    @Argument(parsing: .allUnrecognized, help: "Sample directories (e.g. real/ fake/) or .gestats files from `gan-eval stats`.") var words: [String] = []
    @OptionGroup var common: CommonOptions
    func run() throws { try runMetric("entropy", words: words, common: common) }
  }

  struct Tsne: ParsableCommand {
    static var configuration: CommandConfiguration {
      CommandConfiguration(
        commandName: "tsne",
        abstract: "Embed all sets jointly with t-SNE (exact, Barnes-Hut or FFT interpolation; 2D or 3D); the first set is taken as real.",
        discussion: pluginHelp(.metric, "tsne", """
          Defaults: perplexity 30, early exaggeration 12 for 250 iterations, PCA initialisation, one degree of freedom
          in 2D and 3D; exact follows scikit-learn (its learning rate, 1000 iterations), barnes-hut and fft follow
          openTSNE (its learning rates, 750 iterations). --method fft (one degree of freedom; for tens of thousands of images) follows
          openTSNE in 2D: 3 interpolation nodes per unit interval; in 3D its grid is coarser and it is slower and less
          accurate than barnes-hut on wide embeddings (bench/results/tsne_fft3d.md). Writes tsne.csv (set,file,label,x,y[,z]).
          """))
    }
    @Argument(parsing: .allUnrecognized, help: "Sample directories; the first is the real set (e.g. real/ fake/).") var words: [String] = []
    @OptionGroup var common: CommonOptions
    func run() throws { try runMetric("tsne", words: words, common: common) }
  }

  struct Classify: ParsableCommand {
    static var configuration: CommandConfiguration {
      CommandConfiguration(
        abstract: "Read generated images with the classifier: accuracy, confusion, class coverage, confidence, IS analogue.",
        discussion: pluginHelp(.metric, "classify", """
          With labelled FAKE: accuracy overall and per class, confusion.csv (and confusion.svg with --svg).
          Always: predictions.csv, class_distribution.csv, classes covered, KL of the predicted class distribution
          against --real's (uniform without --real), mean confidence, Inception-Score analogue (10 splits).
          --tstr REAL_TEST trains a fresh classifier on FAKE and tests it on REAL_TEST; with --real it also reports the
          augmentation gain (real+fake against real only, same test set).
          """))
    }
    @Argument(parsing: .allUnrecognized, help: "The generated sample directory, then options.") var words: [String] = []
    @OptionGroup var common: CommonOptions
    func run() throws { try runMetric("classify", words: words, common: common) }
  }

  struct Fid: ParsableCommand {
    static var configuration: CommandConfiguration {
      CommandConfiguration(
        abstract: "Fréchet classifier distance, KID, precision/recall/density/coverage, 1-NN test and memorisation.",
        discussion: pluginHelp(.metric, "fid", """
          Each metric is computed in every --features space (default: the classifier's penultimate-layer features and raw
          pixels; fid.csv). memorisation.csv gives every generated image's nearest real image (pixel L2); --svg shows the
          closest pairs. Reference-set features are cached (--cache, default ~/.cache/gan-eval; 'none' disables) by
          content hash of the set and of the extractor with its options.
          """))
    }
    @Argument(
      parsing: .allUnrecognized,
      help: "The real sample directory, then the generated one (either may be a .gestats file from `gan-eval stats`: FD exact, KID/PRDC/1-NN on its --keep rows), then options."
    ) var words: [String] = []
    @OptionGroup var common: CommonOptions

    func validate() throws {
      let specs = Catalogue.builtins.first { $0.kind == .metric && $0.name == "fid" }?.options ?? []
      let directories = (try? splitArguments(words, specs: specs).positionals) ?? []
      guard directories.count == 2 else { throw ValidationError("give two directories: REAL then FAKE (got \(directories.count))") }
    }

    func run() throws { try runMetric("fid", words: words, common: common) }
  }
}
