import EvalCore
import ImageIO

/// `pixels`: the raw pixel values in [0,1], one row of H·W per image.
public struct PixelFeatures: FeatureExtractor, PluginDeclaration {
  public static let name = "pixels"
  public static let summary = "raw pixel values in [0,1] (H·W columns per image)"
  public static let options: [OptionSpec] = []

  public init(options: OptionValues) throws {}

  public func features(of set: ImageSet, reference: ImageSet?, context: RunContext) throws -> Features {
    Features(rows: set.count, columns: set.valuesPerImage, values: set.pixels)
  }
}
