import ArgumentParser
import GANEval
import Metrics

extension GanEval {
  struct Filter: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Gaussian post-filter: write a smoothed copy of a sample set (same file names and labels).",
      discussion: "Matches scipy.ndimage.gaussian_filter on the image as float64 gray levels, rounded to 8 bits.")

    @Argument(help: "The sample directory to filter.")
    var directory: String

    @Option(help: "Standard deviation of the Gaussian, in pixels.")
    var sigma: Double

    @Option(help: "Boundary mode: reflect, nearest, mirror, constant (zero) or wrap.")
    var mode: String = "reflect"

    @Option(help: "Kernel radius in standard deviations (radius = int(truncate·sigma + 0.5)).")
    var truncate: Double = 4

    @Flag(help: "Replace --out if it exists.")
    var overwrite = false

    @OptionGroup var common: CommonOptions

    func run() throws {
      var settings = common.settings(command: "filter")
      if common.out == nil { settings.outputDirectory = directory.trimmingSlashes + "-gaussian" }
      let options = ["sigma": String(sigma), "mode": mode, "truncate": String(truncate)]
      let (input, output) = try Evaluation.transform(
        "gaussian", options: options, directory: directory, output: settings.outputDirectory, overwrite: overwrite,
        settings: settings)
      print("filtered \(input.count) images of \(input.width)x\(input.height) with sigma \(sigma) (\(mode), truncate \(truncate))")
      print("wrote sample set \(settings.outputDirectory) (\(output.count) images)")
    }
  }
}

extension String {
  var trimmingSlashes: String {
    var s = self
    while s.count > 1 && s.hasSuffix("/") { s.removeLast() }
    return s
  }
}
