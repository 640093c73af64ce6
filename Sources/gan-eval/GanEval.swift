import ArgumentParser
import GANEval

@main
struct GanEval: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gan-eval",
    abstract: "Evaluate generated images against real ones: pixel histograms, entropy, t-SNE, classifier accuracy, FID/KID/PRDC and more.",
    discussion: """
      A sample set is a directory of PNG images (labels from class subdirectories or labels.csv).
      Every command writes tidy CSV, summary.json and, with --svg, SVG figures to --out.
      """,
    version: toolVersion,
    subcommands: [
      Histogram.self, Entropy.self, Tsne.self, Filter.self, ClassifierGroup.self, Classify.self, Fid.self, Train.self, Sample.self, Pipeline.self, Import.self, Export.self,
      Plugins.self,
    ]
  )
}
