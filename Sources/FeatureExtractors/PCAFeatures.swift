import EvalCore
import ImageIO
import TSNE

/// `pca`: the pixels projected on the principal axes of the reference (real) set, fitted in
/// Float64 by eigendecomposition of the covariance; each axis's sign is fixed by its largest loading.
public struct PCAFeatures: FeatureExtractor, PluginDeclaration {
  public static let name = "pca"
  public static let summary = "pixels projected on the real set's principal axes (fitted on the reference set)"
  public static let options: [OptionSpec] = [.int("components", default: 50, 1...4096, "Principal components kept.")]

  public let components: Int

  public init(options: OptionValues) throws { components = options.int("components") }

  public func features(of set: ImageSet, reference: ImageSet?, context: RunContext) throws -> Features {
    let fit = reference ?? set
    let d = fit.valuesPerImage
    guard set.valuesPerImage == d else {
      throw EvalError.badParameter(name: "pca", reason: "\(set.name) has \(set.valuesPerImage) pixels per image but the reference \(fit.name) has \(d)")
    }
    let k = min(components, d, fit.count)
    guard fit.count >= 2 else { throw EvalError.badParameter(name: "pca", reason: "fitting needs at least 2 images in \(fit.name)") }
    let pca = PCA(fit.pixels, rows: fit.count, columns: d, components: k, threads: context.threads)
    let projected = fit.source == set.source && fit.count == set.count && fit.pixels == set.pixels
      ? pca.projected : pca.project(set.pixels.map(Double.init), rows: set.count)
    return Features(rows: set.count, columns: k, values: projected.map(Float.init))
  }
}
