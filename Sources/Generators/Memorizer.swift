import EvalCore
import Foundation
import ImageIO
import Workers

/// `memorizer`: "generates" by returning training images, optionally shifted by a few pixels and
/// with a little Gaussian noise. The positive control for memorisation metrics: the 1-NN test and
/// the nearest-real-image distances must flag it, and a metric that rates it as a perfect
/// generator is measuring fidelity only.
public struct Memorizer: Generator, PluginDeclaration, GeneratorLoading {
  public static let name = "memorizer"
  public static let summary = "returns training images (optionally shifted and noised): the positive control for memorisation metrics"
  public static let options: [OptionSpec] = [
    .number("noise", default: 0, min: 0, max: 0.5, "Standard deviation of Gaussian noise added to each pixel (intensity units)."),
    .int("shift", default: 0, 0...4, "Shift each copy by up to this many pixels in x and y (uniform; zeros fill in)."),
  ]

  public let noise: Double
  public let shift: Int

  public init(options: OptionValues) throws {
    noise = options.double("noise")
    shift = options.int("shift")
  }

  /// The run directory: the training images as a sample set in `train/`, and `memorizer.json`.
  public func train(on real: ImageSet, context: RunContext) throws -> TrainingOutcome {
    let started = Date()
    try ImageSetWriter.write(real, to: context.outputDirectory + "/train", overwrite: true, threads: context.threads)
    let settings = JSON.object([("noise", .number(noise)), ("shift", .int(shift))])
    try writeTextAtomically(context.outputDirectory + "/memorizer.json", settings.render() + "\n")
    let seconds = Date().timeIntervalSince(started)
    return TrainingOutcome(
      epochsDone: 1, stepsDone: 0, interrupted: false, seconds: seconds, imagesPerSecond: Double(real.count) / max(seconds, 1e-9),
      files: [context.outputDirectory + "/train", context.outputDirectory + "/memorizer.json"],
      lines: ["memorised \(real.count) images of \(real.name) (noise \(noise), shift \(shift) px); sample it with `gan-eval sample \(context.outputDirectory) -n N --out DIR`"],
      scalars: [("images", .int(real.count)), ("seconds", .number(seconds))])
  }

  public static func loadModel(run directory: String) throws -> any GeneratorModel {
    let path = directory + "/memorizer.json"
    guard let json = try? JSON.parse(try readFile(path)), let noise = json["noise"]?.doubleValue, let shift = json["shift"]?.intValue,
      (0...0.5).contains(noise), (0...4).contains(shift)
    else { throw EvalError.badFile(path: path, reason: "missing or not a memorizer run's settings; train with `gan-eval train memorizer REAL --out DIR`") }
    let set = try SampleDirectory.load(directory + "/train", options: LoadOptions())
    return MemorizerModel(training: set, noise: noise, shift: shift)
  }
}

/// A memorizer's run: the training set it copies from.
struct MemorizerModel: GeneratorModel {
  let training: ImageSet
  let noise: Double
  let shift: Int
  var classes: [String] { training.isLabelled ? training.classes : [] }
  var isConditional: Bool { !classes.isEmpty }

  /// Image i copies a seeded random training image (of its label's class when conditional); its
  /// draws come from its own generator seeded by (seed, i), so any thread count gives the same set.
  func sample(count: Int, labels: [Int]?, seed: UInt64, threads: Int) throws -> ImageSet {
    let byClass = Dictionary(grouping: training.labels.indices, by: { training.labels[$0] ?? "" })
    let w = training.width, h = training.height, c = training.channels
    var pixels = [Float](repeating: 0, count: count * w * h * c)
    var sources = [Int](repeating: 0, count: count)
    pixels.withUnsafeMutableBufferPointer { buffer in
      let out = SharedBuffer(buffer.baseAddress!)
      sources.withUnsafeMutableBufferPointer { chosen in
        let pick = SharedBuffer(chosen.baseAddress!)
        try? parallelFor(count, threads: threads) { i in
          var random = SplitMix64(seed: seed ^ (UInt64(i) &* 0x9E37_79B9_7F4A_7C15))
          let pool = labels.map { byClass[classes[$0[i]]] ?? [] } ?? Array(training.labels.indices)
          let source = pool[Int(random.next() % UInt64(pool.count))]
          pick[i] = source
          let dx = shift > 0 ? Int(random.next() % UInt64(2 * shift + 1)) - shift : 0
          let dy = shift > 0 ? Int(random.next() % UInt64(2 * shift + 1)) - shift : 0
          let image = training.image(source)
          for y in 0..<h {
            for x in 0..<w {
              let (sx, sy) = (x - dx, y - dy)
              for k in 0..<c {
                var value = sx >= 0 && sx < w && sy >= 0 && sy < h ? Double(image[image.startIndex + (sy * w + sx) * c + k]) : 0
                if noise > 0 { value += noise * random.nextGaussian() }
                out[((i * h + y) * w + x) * c + k] = Float((min(max(value, 0), 1) * 255).rounded() / 255)
              }
            }
          }
        }
      }
    }
    let names = labels.map { $0.map { Optional(classes[$0]) } } ?? [String?](repeating: nil, count: count)
    return ImageSet(
      name: "memorizer", source: "memorizer", width: w, height: h, files: ImageSetWriter.generatedNames(count: count, labels: names),
      labels: names, pixels: pixels, channels: c)
  }
}
