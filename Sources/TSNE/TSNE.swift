import CBLAS
import Foundation
import Workers

// Callers seed runs with the same generator the engine uses.
@_exported import struct Workers.SplitMix64

/// t-SNE settings. Defaults follow scikit-learn (perplexity 30, exaggeration 12 for 250
/// iterations, momentum 0.5 then 0.8, PCA initialisation scaled to std 1e-4, 1,000 iterations),
/// except the degrees of freedom, which are 1 in every dimension (scikit-learn uses dims − 1),
/// and the learning rates of Barnes-Hut and FFT, which are openTSNE's (see `LearningRateSchedule`).
public struct TSNEOptions: Sendable {
  public var dims = 2
  public var method = GradientMethod.barnesHut
  public var perplexity = 30.0
  /// Barnes-Hut's opening angle; nil = the default for the size (`barnesHutTheta(points:)`).
  public var theta: Double? = nil
  public var iterations = 1000
  public var earlyExaggeration = 12.0
  public var exaggerationIterations = 250
  /// A fixed learning rate for every iteration; nil = the `schedule`'s.
  public var learningRate: Double? = nil
  /// The learning rates when `learningRate` is nil.
  public var schedule = LearningRateSchedule.auto
  public var degreesOfFreedom = 1.0
  /// FFT method: Lagrange nodes per interval and the widest interval, in embedding units
  /// (openTSNE's `n_interpolation_points` 3 and `1/ints_in_interval` 1).
  public var interpolationNodes = 3
  public var interpolationIntervalWidth = 1.0
  /// FFT method in 3D: nodes per interval, the widest interval and the largest FFT side of the
  /// cube (its cost grows as side³, so these are coarser than in 2D; chosen by measurement, see
  /// bench/results/tsne_fft3d.md).
  public var interpolationNodes3D = 2
  public var interpolationIntervalWidth3D = 1.0
  public var interpolationMaxSide3D = 128
  /// How the kNN behind the sparse affinities (Barnes-Hut, FFT) is found.
  public var knn = KNNMethod.auto
  public var seed: UInt64 = 0
  public var threads = defaultThreadCount
  /// Iterations between KL evaluations (for progress and the no-progress stop).
  public var checkEvery = 50
  /// Stop when the KL has not improved for this many iterations (scikit-learn: 300).
  public var iterationsWithoutProgress = 300
  public var minGradientNorm = 1e-7

  public init() {}

  /// The opening angle Barnes-Hut uses for `points` points: `theta`, or by default 0.5
  /// (scikit-learn's and openTSNE's) at every size. Cells are accepted for groups of nearby points
  /// (`SpaceTree.repulsion`), which holds width < θ·distance for each point more strictly than a
  /// walk per point: on 2,000 MNIST digits the embedding's exact objective (dense P) is 0.8% above
  /// the exact method's at 0.5. With one walk per point it was 2.4%, and the default was 0.4 below
  /// 5,000 points to stay within 2%.
  public func barnesHutTheta(points: Int) -> Double { theta ?? 0.5 }

  /// The iteration count a caller that gives none should use: each method follows the tool its
  /// other defaults come from. Exact: scikit-learn's 1,000. Barnes-Hut and FFT: openTSNE's 750
  /// (250 exaggerated + 500). At 750 Barnes-Hut's KL is still below openTSNE's default run on
  /// Fashion-MNIST (5,000 test images 1.1986 against 1.2063, 20,000 1.8246 against 1.8553, the
  /// 60,000 training PNGs 2.4432 against 2.4537); the FFT's is 1.6% above at 20,000 and 0.4% above
  /// at 1,000,000 (bench/results/tsne_defaults.md, tsne_e2e.md, tsne_million.md).
  public static func defaultIterations(for method: GradientMethod) -> Int { method == .exact ? 1000 : 750 }
}

/// Where the learning rates come from when no fixed rate is given.
public enum LearningRateSchedule: String, CaseIterable, Sendable {
  /// openTSNE's for Barnes-Hut and FFT, scikit-learn's for exact. Barnes-Hut's KL with
  /// openTSNE's rates is lower: Fashion-MNIST PCA-50, 1,000 iterations, 1.7770 against 1.8236
  /// (scikit-learn's rate) at 20,000 and 1.1923 against 1.2221 at 5,000 test images, where
  /// openTSNE's own Barnes-Hut reaches 1.7779 and 1.2063 (bench/results/tsne.md).
  case auto
  /// scikit-learn's "auto": max(N/12/4, 50) throughout.
  case scikitLearn = "scikit-learn"
  /// openTSNE's "auto": N/12 during early exaggeration and N after (both at least 200), divided
  /// by 4 because this gradient carries the factor 4 that openTSNE's omits.
  case openTSNE = "opentsne"
}

/// One observation during optimisation; return false from the observer to stop early.
public struct TSNEProgress: Sendable {
  public var iteration: Int
  public var kl: Double
  public var gradientNorm: Double
  public var elapsed: Double
}

/// The result of a run.
public struct Embedding: Sendable {
  /// n × dims, row-major.
  public var coordinates: [Double]
  public var dims: Int
  /// KL(P‖Q) at the end: exact for the exact method, the Barnes-Hut estimate otherwise.
  public var kl: Double
  public var iterations: Int
  public var method: GradientMethod
  /// The learning rates during and after early exaggeration.
  public var learningRate: Double
  public var learningRateAfterExaggeration: Double
  /// Seconds per phase: "affinities", "optimisation".
  public var seconds: [(String, Double)]
  /// The kNN lists behind the sparse affinities (Barnes-Hut, FFT); nil for the exact method.
  public var neighbors: NearestNeighbors? = nil
}

public enum TSNEError: Error, CustomStringConvertible, Equatable {
  case tooFewPoints(Int)
  case perplexityTooLarge(perplexity: Double, points: Int)
  case notFinite(row: Int)
  case badOption(String)
  /// The coordinates stopped being finite, or ran beyond ±`TSNE.runawayCoordinate`, during the
  /// optimisation.
  case diverged(iteration: Int, method: GradientMethod, dims: Int)

  public var description: String {
    switch self {
    case .tooFewPoints(let n): return "t-SNE needs at least 2 images, got \(n)"
    case .perplexityTooLarge(let p, let n):
      return "--perplexity \(p) must be less than the number of images (\(n)); use at most \(max(1, (n - 1) / 3)) for the usual k = 3·perplexity neighbours"
    case .notFinite(let row): return "input row \(row) holds NaN or infinity"
    case .badOption(let text): return text
    case .diverged(let iteration, let method, let dims):
      let advice =
        method == .fft && dims == 3
        ? "the 3D FFT grid is too coarse for this embedding; use --method barnes-hut"
        : "lower --learning-rate"
      return "t-SNE (\(method.rawValue), \(dims)D) diverged at iteration \(iteration): the coordinates ran away (no longer finite, or beyond ±1e6); \(advice)"
    }
  }
}

/// t-SNE (van der Maaten & Hinton 2008; Barnes-Hut: van der Maaten 2014).
public enum TSNE {
  /// A coordinate this far from the origin means the run has blown up: with one degree of freedom
  /// the kernel there is below 1e-12 of its peak (with heavier tails, dof < 1, less small: 1e-7 at
  /// dof 0.1), and real embeddings stay far inside it (1,000,000 Fashion-MNIST points span a few
  /// hundred units). The 3D FFT on too coarse a grid ran to ±5·10¹⁴ with finite
  /// coordinates (KL 22.5; bench/results/tsne_fft3d.md), which only this bound catches.
  public static let runawayCoordinate = 1e6

  /// Embeds `n` rows of `d` values. Deterministic for a given seed whatever `threads` is.
  public static func embed(
    _ data: [Double], rows n: Int, columns d: Int, options: TSNEOptions,
    observer: ((TSNEProgress) -> Bool)? = nil
  ) throws -> Embedding {
    guard n >= 2 else { throw TSNEError.tooFewPoints(n) }
    guard options.perplexity > 0, options.perplexity < Double(n) else {
      throw TSNEError.perplexityTooLarge(perplexity: options.perplexity, points: n)
    }
    guard options.dims == 2 || options.dims == 3 else { throw TSNEError.badOption("--dims must be 2 or 3") }
    for i in 0..<n where !data[(i * d)..<((i + 1) * d)].allSatisfy(\.isFinite) { throw TSNEError.notFinite(row: i) }
    openblas_set_num_threads(1)  // we parallelise ourselves; keeps BLAS results thread-count independent
    let clock = Date()
    let gradient: GradientComputer
    var found: NearestNeighbors? = nil
    switch options.method {
    case .exact:
      let distances = squaredDistances(data, rows: n, columns: d)
      let p = Affinities.dense(squaredDistances: distances, count: n, perplexity: options.perplexity, threads: options.threads)
      gradient = ExactGradient(p: p, n: n, dims: options.dims, dof: options.degreesOfFreedom, threads: options.threads)
    case .barnesHut, .fft:
      if options.method == .fft && options.degreesOfFreedom != 1 {
        throw TSNEError.badOption("--method fft supports one degree of freedom only; use --method barnes-hut for --dof")
      }
      let k = min(n - 1, Int(3 * options.perplexity))
      let index = makeNeighborIndex(options.knn, data: data, rows: n, columns: d, seed: options.seed)
      let neighbors = index.build(k: max(k, 1), threads: options.threads)
      found = neighbors
      let p = Affinities.sparse(neighbors, count: n, perplexity: options.perplexity, threads: options.threads)
      if options.method == .fft && options.dims == 3 {
        let grid = InterpolationGrid(
          nodesPerInterval: options.interpolationNodes3D, minIntervals: 8, intervalWidth: options.interpolationIntervalWidth3D,
          maxSide: options.interpolationMaxSide3D)
        gradient = InterpolationGradient3D(p: p, threads: options.threads, settings: grid)
      } else if options.method == .fft {
        var interpolation = InterpolationGradient(p: p, threads: options.threads)
        interpolation.nodesPerInterval = options.interpolationNodes
        interpolation.intervalWidth = options.interpolationIntervalWidth
        gradient = interpolation
      } else {
        gradient = BarnesHutGradient(
          p: p, dims: options.dims, dof: options.degreesOfFreedom, theta: options.barnesHutTheta(points: n), threads: options.threads)
      }
    }
    let affinitySeconds = Date().timeIntervalSince(clock)
    var y = initialEmbedding(data, rows: n, columns: d, dims: options.dims, seed: options.seed, threads: options.threads)
    let rates = learningRates(options, count: n)
    let start = Date()
    let (kl, iterations) = try optimise(&y, gradient: gradient, options: options, learningRates: rates, start: start, observer: observer)
    return Embedding(
      coordinates: y, dims: options.dims, kl: kl, iterations: iterations, method: options.method, learningRate: rates.exploring,
      learningRateAfterExaggeration: rates.after,
      seconds: [("affinities", affinitySeconds), ("optimisation", Date().timeIntervalSince(start))], neighbors: found)
  }

  /// The learning rates during and after early exaggeration (see `TSNEOptions.schedule`).
  static func learningRates(_ options: TSNEOptions, count n: Int) -> (exploring: Double, after: Double) {
    if let rate = options.learningRate { return (rate, rate) }
    let schedule = options.schedule == .auto ? (options.method == .exact ? .scikitLearn : .openTSNE) : options.schedule
    if schedule == .openTSNE {
      return (max(Double(n) / options.earlyExaggeration, 200) / 4, max(Double(n), 200) / 4)
    }
    let rate = max(Double(n) / options.earlyExaggeration / 4, 50)
    return (rate, rate)
  }

  /// Gradient descent with momentum and per-coordinate gains, as scikit-learn's `_gradient_descent`.
  static func optimise(
    _ y: inout [Double], gradient: GradientComputer, options: TSNEOptions, learningRates: (exploring: Double, after: Double), start: Date,
    observer: ((TSNEProgress) -> Bool)?
  ) throws -> (kl: Double, iterations: Int) {
    let count = y.count
    var update = [Double](repeating: 0, count: count)
    var gains = [Double](repeating: 1, count: count)
    var grad = [Double](repeating: 0, count: count)
    var bestError = Double.infinity, bestIteration = 0
    var lastError = Double.nan
    var iteration = 0
    // As scikit-learn, the two phases are two descents: a stop (no progress, small gradient) in
    // the exaggerated phase ends that phase only, and the second starts with fresh update and gains.
    var exaggerationEnds = options.exaggerationIterations
    while iteration < options.iterations {
      let exploring = iteration < exaggerationEnds
      if iteration == exaggerationEnds && iteration > 0 {
        bestError = .infinity
        bestIteration = iteration
        for k in 0..<count { update[k] = 0; gains[k] = 1 }
      }
      let momentum = exploring ? 0.5 : 0.8
      let exaggeration = exploring ? options.earlyExaggeration : 1
      let learningRate = exploring ? learningRates.exploring : learningRates.after
      let check = (iteration + 1) % options.checkEvery == 0 || iteration == options.iterations - 1
      let error = y.withUnsafeBufferPointer { yb in
        grad.withUnsafeMutableBufferPointer { gradient.compute(yb, exaggeration: exaggeration, withError: check, into: $0) }
      }
      var norm = 0.0, bounded = true
      for k in 0..<count {
        let g = grad[k]
        norm += g * g
        if update[k] * g < 0 { gains[k] += 0.2 } else { gains[k] *= 0.8 }
        if gains[k] < 0.01 { gains[k] = 0.01 }
        update[k] = momentum * update[k] - learningRate * gains[k] * g
        y[k] += update[k]
        bounded = bounded && abs(y[k]) < TSNE.runawayCoordinate  // false for NaN and infinity too
      }
      norm = norm.squareRoot()
      iteration += 1
      guard bounded, norm.isFinite else {
        throw TSNEError.diverged(iteration: iteration, method: options.method, dims: options.dims)
      }
      if let error {
        lastError = error
        if let observer, !observer(TSNEProgress(iteration: iteration, kl: error, gradientNorm: norm, elapsed: Date().timeIntervalSince(start))) {
          break
        }
        var converged = norm <= options.minGradientNorm
        if error < bestError {
          bestError = error
          bestIteration = iteration
        } else if iteration - bestIteration > options.iterationsWithoutProgress {
          converged = true
        }
        if converged {
          if exploring { exaggerationEnds = iteration } else { break }
        }
      }
    }
    if lastError.isNaN || iteration % options.checkEvery != 0 {
      lastError = y.withUnsafeBufferPointer { yb in
        grad.withUnsafeMutableBufferPointer { gradient.compute(yb, exaggeration: 1, withError: true, into: $0) } ?? .nan
      }
    }
    return (lastError, iteration)
  }

  /// PCA of the input to `dims` axes, scaled so the first axis has standard deviation 1e-4.
  /// When the input has no variance (all images identical) a seeded random start is used.
  static func initialEmbedding(_ data: [Double], rows n: Int, columns d: Int, dims: Int, seed: UInt64, threads: Int) -> [Double] {
    if d >= dims {
      let pca = PCA(data, rows: n, columns: d, components: dims, threads: threads)
      let first = (0..<n).map { pca.projected[$0 * dims] }
      let mean = first.reduce(0, +) / Double(n)
      let std = (first.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)).squareRoot()
      if std > 0 && std.isFinite { return pca.projected.map { $0 / std * 1e-4 } }
    }
    var generator = SplitMix64(seed: seed)
    return (0..<(n * dims)).map { _ in generator.nextGaussian() * 1e-4 }
  }

  /// All pairwise squared Euclidean distances (n × n) through one BLAS Gram matrix.
  public static func squaredDistances(_ data: [Double], rows n: Int, columns d: Int) -> [Double] {
    var gram = [Double](repeating: 0, count: n * n)
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(n), Int32(d), 1, data, Int32(d), 0, &gram, Int32(n))
    var distances = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in i..<n {
        let v = i == j ? 0 : max(gram[i * n + i] + gram[j * n + j] - 2 * gram[i * n + j], 0)
        distances[i * n + j] = v
        distances[j * n + i] = v
      }
    }
    return distances
  }
}

