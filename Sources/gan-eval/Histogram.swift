import ArgumentParser

extension GanEval {
  struct Histogram: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Pixel-intensity histogram of each set, and TV / Jensen–Shannon / Wasserstein-1 between sets.",
      discussion: "Bins follow numpy.histogram: half-open except the last. Writes histogram.csv (set,bin,lo,hi,count,density).")

    @Argument(help: "Sample directories (e.g. real/ fake/).")
    var directories: [String]

    @Option(help: "Number of equal-width bins.")
    var bins: Int = 256

    @Option(help: "Intensity range LOW,HIGH (pixels are in [0,1]).")
    var range: String = "0,1"

    @OptionGroup var common: CommonOptions

    func run() throws {
      try runMetric("histogram", options: ["bins": String(bins), "range": range], directories: directories, common: common)
    }
  }
}
