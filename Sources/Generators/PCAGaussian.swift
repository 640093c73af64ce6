import EvalCore
import Foundation
import ImageIO
import LinearAlgebra
import TSNE
import Workers

/// `pca-gaussian`: per class, a Gaussian in the principal-component space of the real set. The
/// real set's top k axes are fitted once (Float64); each class's coefficients get their mean and
/// full k×k covariance; a sample is z = μ_c + L_c·ε (L_c the Cholesky factor, ε standard normal)
/// mapped back as x = mean + basis·z and clipped to [0, 1]. A weak but honest baseline: it gets
/// class-level structure and pixel statistics roughly right and fine detail wrong.
public struct PCAGaussian: Generator, PluginDeclaration, GeneratorLoading {
  public static let name = "pca-gaussian"
  public static let summary = "per-class Gaussian in the real set's PCA space, mapped back and clipped: a naive baseline generator"
  public static let options: [OptionSpec] = [.int("components", default: 40, 1...1024, "Principal components kept (k).")]

  public let components: Int

  public init(options: OptionValues) throws { components = options.int("components") }

  public func train(on real: ImageSet, context: RunContext) throws -> TrainingOutcome {
    let started = Date()
    let d = real.valuesPerImage, n = real.count
    guard n >= 2 else { throw EvalError.badParameter(name: Self.name, reason: "needs at least 2 training images, got \(n)") }
    let k = min(components, d, n - 1)
    let pca = PCA(real.pixels, rows: n, columns: d, components: k, threads: context.threads)
    let classes = real.isLabelled ? real.classes : [""]
    var means: [Double] = [], factors: [Double] = []
    for label in classes {
      let rows = real.isLabelled ? real.labels.indices.filter { real.labels[$0] == label } : Array(0..<n)
      var mean = [Double](repeating: 0, count: k)
      for r in rows { for c in 0..<k { mean[c] += pca.projected[r * k + c] } }
      for c in 0..<k { mean[c] /= Double(rows.count) }
      var covariance = [Double](repeating: 0, count: k * k)
      for r in rows {
        for a in 0..<k {
          let da = pca.projected[r * k + a] - mean[a]
          for b in 0...a { covariance[a * k + b] += da * (pca.projected[r * k + b] - mean[b]) }
        }
      }
      for a in 0..<k { for b in 0...a { covariance[a * k + b] /= Double(max(rows.count - 1, 1)); covariance[b * k + a] = covariance[a * k + b] } }
      means += mean
      factors += Self.cholesky(covariance, order: k)
    }
    let directory = context.outputDirectory
    try NPY.writeFloat64(directory + "/mean.npy", shape: [d], values: pca.mean)
    try NPY.writeFloat64(directory + "/basis.npy", shape: [d, k], values: pca.basis)
    try NPY.writeFloat64(directory + "/class_means.npy", shape: [classes.count, k], values: means)
    try NPY.writeFloat64(directory + "/class_cholesky.npy", shape: [classes.count, k, k], values: factors)
    let meta = JSON.object([
      ("components", .int(k)), ("width", .int(real.width)), ("height", .int(real.height)), ("channels", .int(real.channels)),
      ("classes", .array(real.isLabelled ? classes.map(JSON.string) : [])),
      ("explained_variance", .number(pca.variances.reduce(0, +))),
    ])
    try writeTextAtomically(directory + "/pca-gaussian.json", meta.render() + "\n")
    let seconds = Date().timeIntervalSince(started)
    return TrainingOutcome(
      epochsDone: 1, stepsDone: 0, interrupted: false, seconds: seconds, imagesPerSecond: Double(n) / max(seconds, 1e-9),
      files: ["mean.npy", "basis.npy", "class_means.npy", "class_cholesky.npy", "pca-gaussian.json"].map { directory + "/" + $0 },
      lines: ["fitted a \(k)-component PCA Gaussian per class (\(real.isLabelled ? classes.count : 1) classes) on \(n) images of \(real.name) in \(String(format: "%.1f", seconds)) s"],
      scalars: [("components", .int(k)), ("classes", .int(real.isLabelled ? classes.count : 0)), ("seconds", .number(seconds))])
  }

  /// The lower Cholesky factor of a symmetric positive semi-definite matrix; a pivot that is not
  /// positive (a flat direction) gets a zero column, so rank-deficient classes still sample.
  static func cholesky(_ a: [Double], order k: Int) -> [Double] {
    var l = [Double](repeating: 0, count: k * k)
    for j in 0..<k {
      var pivot = a[j * k + j]
      for p in 0..<j { pivot -= l[j * k + p] * l[j * k + p] }
      guard pivot > 1e-12 else { continue }
      let root = pivot.squareRoot()
      l[j * k + j] = root
      for i in (j + 1)..<max(k, j + 1) {
        var sum = a[i * k + j]
        for p in 0..<j { sum -= l[i * k + p] * l[j * k + p] }
        l[i * k + j] = sum / root
      }
    }
    return l
  }

  public static func loadModel(run directory: String) throws -> any GeneratorModel {
    let metaPath = directory + "/pca-gaussian.json"
    guard let meta = try? JSON.parse(try readFile(metaPath)), let k = meta["components"]?.intValue, let width = meta["width"]?.intValue,
      let height = meta["height"]?.intValue, k >= 1, width >= 1, height >= 1
    else { throw EvalError.badFile(path: metaPath, reason: "missing or not a pca-gaussian run; train with `gan-eval train pca-gaussian REAL --out DIR`") }
    var classes: [String] = []
    if case .array(let items)? = meta["classes"] { classes = items.compactMap(\.stringValue) }
    let channels = meta["channels"]?.intValue ?? 1
    guard channels == 1 || channels == 3 else { throw EvalError.badFile(path: metaPath, reason: "channels must be 1 or 3") }
    let d = width * height * channels, c = max(classes.count, 1)
    func load(_ name: String, _ shape: [Int]) throws -> [Double] {
      let array = try NPY.read(directory + "/" + name)
      guard array.shape == shape else { throw EvalError.badFile(path: directory + "/" + name, reason: "has shape \(array.shape), expected \(shape)") }
      return array.values
    }
    return PCAGaussianModel(
      mean: try load("mean.npy", [d]), basis: try load("basis.npy", [d, k]), classMeans: try load("class_means.npy", [c, k]),
      factors: try load("class_cholesky.npy", [c, k, k]), components: k, width: width, height: height, channels: channels, classes: classes)
  }
}

struct PCAGaussianModel: GeneratorModel {
  let mean: [Double], basis: [Double], classMeans: [Double], factors: [Double]
  let components: Int, width: Int, height: Int, channels: Int
  let classes: [String]
  var isConditional: Bool { !classes.isEmpty }

  /// Image i draws its ε from a generator seeded by (seed, i): any thread count gives the same set.
  func sample(count: Int, labels: [Int]?, seed: UInt64, threads: Int) throws -> ImageSet {
    let k = components, d = width * height * channels
    var pixels = [Float](repeating: 0, count: count * d)
    pixels.withUnsafeMutableBufferPointer { buffer in
      let out = SharedBuffer(buffer.baseAddress!)
      try? parallelFor(count, threads: threads) { i in
        var random = SplitMix64(seed: seed ^ (UInt64(i) &* 0x9E37_79B9_7F4A_7C15) ^ 0x9CA)
        let c = labels?[i] ?? 0
        let epsilon = (0..<k).map { _ in random.nextGaussian() }
        var z = Array(classMeans[(c * k)..<((c + 1) * k)])
        for a in 0..<k { for b in 0...a { z[a] += factors[c * k * k + a * k + b] * epsilon[b] } }
        for p in 0..<d {
          var value = mean[p]
          for a in 0..<k { value += basis[p * k + a] * z[a] }
          out[i * d + p] = Float((min(max(value, 0), 1) * 255).rounded() / 255)
        }
      }
    }
    let names = labels.map { $0.map { Optional(classes[$0]) } } ?? [String?](repeating: nil, count: count)
    return ImageSet(
      name: "pca-gaussian", source: "pca-gaussian", width: width, height: height,
      files: ImageSetWriter.generatedNames(count: count, labels: names), labels: names, pixels: pixels, channels: channels)
  }
}
