import ArgumentParser

extension GanEval {
  struct Tsne: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "tsne",
      abstract: "Embed all sets jointly with t-SNE (exact, Barnes-Hut or FFT interpolation; 2D or 3D); the first set is taken as real.",
      discussion: """
        Defaults follow scikit-learn: perplexity 30, early exaggeration 12 for 250 iterations, learning rate auto,
        PCA initialisation, 1000 iterations; one degree of freedom in 2D and 3D. --method fft (2D, one degree of
        freedom; for tens of thousands of images) follows openTSNE: 3 interpolation nodes per unit interval and
        openTSNE's learning rates. Writes tsne.csv (set,file,label,x,y[,z]).
        """)

    @Argument(help: "Sample directories; the first is the real set (e.g. real/ fake/).")
    var directories: [String]

    @Option(help: "Embedding dimensions: 2 or 3.")
    var dims: Int = 2

    @Option(help: "exact, barnes-hut, fft (2D), or auto (exact up to 1,000 images, Barnes-Hut above).")
    var method: String = "auto"

    @Option(help: "Perplexity (effective number of neighbours).")
    var perplexity: Double = 30

    @Option(help: "Barnes-Hut accuracy: cells with width/distance < theta are summarised.")
    var theta: Double = 0.5

    @Option(help: "Optimisation iterations.")
    var iterations: Int = 1000

    @Option(help: "Reduce to this many principal components first (0 = off).")
    var pca: Int = 50

    @Option(help: "Degrees of freedom of the Student-t kernel.")
    var dof: Double = 1

    @Option(help: "A fixed learning rate, or a schedule: scikit-learn = max(N/48, 50); opentsne = N/48 during exaggeration, N/4 after (openTSNE's N/12 and N); auto = opentsne for fft, scikit-learn otherwise.")
    var learningRate: String = "auto"

    @Option(name: .customLong("class"), help: "Embed only images with this label (e.g. 5).")
    var classLabel: String?

    @Option(help: "Use at most N images per set (a seeded random subset).")
    var maxPerSet: Int?

    @OptionGroup var common: CommonOptions

    func run() throws {
      var options = [
        "dims": String(dims), "method": method, "perplexity": String(perplexity), "theta": String(theta),
        "iterations": String(iterations), "pca": String(pca), "dof": String(dof), "learning-rate": learningRate,
      ]
      if let classLabel { options["class"] = classLabel }
      if let maxPerSet { options["max-per-set"] = String(maxPerSet) }
      try runMetric("tsne", options: options, directories: directories, common: common)
    }
  }
}
