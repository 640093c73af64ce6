import ArgumentParser
import GANEval

@main
struct GanEval: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gan-eval",
    abstract: "Evaluate generated images against real ones: pixel histograms, entropy, t-SNE, classifier accuracy, FID/KID/PRDC and more.",
    discussion: """
      A sample set is a directory of PNG images (labels from class subdirectories or labels.csv). Plugins (metrics,
      transforms, generators, feature extractors) are built in or external executables: `gan-eval plugins`.
      Every command writes tidy CSV, summary.json and, with --svg, SVG figures to --out.
      """,
    version: toolVersion,
    subcommands: [
      Evaluate.self, TransformCommand.self, Train.self, Sample.self, Pipeline.self, Plugins.self,
      Histogram.self, Entropy.self, Tsne.self, Filter.self, Classify.self, Fid.self, ClassifierGroup.self, Import.self, Export.self,
      Stats.self, Merge.self,
    ]
  )

  static func main() {
    prepareProcess()
    main(nil)
  }
}
