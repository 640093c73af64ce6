import Foundation
import Classifier
import EvalCore
import ImageIO
import Workers

/// `classifier`: the penultimate-layer activations of a classifier trained by `gan-eval
/// classifier train` (the judge), the feature space of the Fréchet classifier distance.
public struct ClassifierFeatures: FeatureExtractor, PluginDeclaration {
  public static let name = "classifier"
  public static let summary = "penultimate-layer features of the judge classifier (needs model)"
  public static let options: [OptionSpec] = [
    .path("model", "Classifier directory from `gan-eval classifier train`.", required: true, role: .artifact)
  ]

  public let model: String

  public init(options: OptionValues) throws { model = options.string("model") ?? "" }

  public func identity() throws -> String {
    let (_, bytes) = try ImageClassifier.load(model)
    return String(format: "model %016llx", fnv1a64(bytes))
  }

  public func features(of set: ImageSet, reference: ImageSet?, context: RunContext) throws -> Features {
    let (classifier, _) = try ImageClassifier.load(model)
    try classifier.checkSize(set)
    let progress = context.progress("features of \(set.name)", total: set.count)
    let (_, features) = try classifier.evaluate(set, threads: context.threads, progress: progress)
    progress.finish()
    return Features(rows: set.count, columns: classifier.featureDimension, values: features)
  }
}
