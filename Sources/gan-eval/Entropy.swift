import ArgumentParser

extension GanEval {
  struct Entropy: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Shannon entropy (bits) of every image's 8-bit gray levels, summarised per set and class.",
      discussion: "Equals scikit-image's shannon_entropy(img, base=2). Writes entropy.csv (set,file,label,entropy_bits).")

    @Argument(help: "Sample directories (e.g. real/ fake/).")
    var directories: [String]

    @OptionGroup var common: CommonOptions

    func run() throws {
      try runMetric("entropy", options: [:], directories: directories, common: common)
    }
  }
}
