import Foundation
import ImageIO
import EvalCore
import NeuralNet
import Workers

/// `gan`: a generative adversarial network trained with binary cross-entropy and the
/// non-saturating generator loss (Goodfellow et al. 2014), optionally class-conditional.
///
/// Architectures:
/// - `mlp`: G z(noise)[+one-hot] → 128 → 256 → 512 → H·W·C, LeakyReLU 0.2 (+ norm), tanh;
///   D H·W·C[+one-hot] → 512 → 256 → 1, LeakyReLU 0.2, dropout (+ spectral norm), logit.
/// - `dcgan`: G z[+one-hot] → dense 128·(H/4)·(W/4) → reshape → upsample ×2 → conv 3×3 (64) →
///   upsample ×2 → conv 3×3 (C) → tanh, norm after the dense and first conv; D conv 4×4/2 (64) →
///   conv 4×4/2 (128) → dense 1, LeakyReLU 0.2, dropout (+ spectral norm); D's input is the C
///   image planes, and one-hot labels enter D as constant planes after them.
///
/// C is the real set's channels: 1 for gray, 3 for RGB (the generator then emits RGB).
public struct GAN: Generator, PluginDeclaration, GeneratorLoading {
  public static let name = "gan"
  public static let summary = "GAN (MLP or DCGAN-style), optionally conditional: BCE with the non-saturating G loss, Adam, label smoothing, schedules"

  public enum Architecture: String, CaseIterable, Sendable { case mlp, dcgan }
  public enum Normalisation: String, CaseIterable, Sendable { case none, batch, instance }
  public enum Schedule: String, CaseIterable, Sendable { case constant, step, linear, cosine }
  public enum Conditioning: String, CaseIterable, Sendable { case auto, yes, no }

  public var architecture = Architecture.mlp
  public var noise = 100
  public var epochs = 200
  public var batchSize = 128
  public var learningRate = 2e-4
  public var beta1 = 0.5
  public var beta2 = 0.999
  public var generatorNorm = Normalisation.batch
  public var dropout = 0.3
  public var leakySlope = 0.2
  public var spectralNorm = false
  /// The target for real images in D's loss (1 = no smoothing; 0.9 = one-sided smoothing).
  public var realLabel = 0.9
  public var schedule = Schedule.constant
  /// Grow D's view from 14×14 to 28×28 (see `progressiveAlpha`).
  public var progressive = false
  public var conditioning = Conditioning.auto
  public var sampleEvery = 5
  public var checkpointEvery = 5

  public init() {}

  public static let options: [OptionSpec] = [
    .choice("arch", default: Architecture.mlp, "Architecture: an MLP or a DCGAN-style convolutional pair."),
    .int("noise", default: 100, 1...4096, "Noise dimension."),
    .int("epochs", default: 200, 1...100_000, "Training epochs (passes over the real set)."),
    .int("batch", default: 128, 2...65_536, "Batch size."),
    .number("lr", default: 2e-4, above: 0, below: 1, "Adam learning rate (both networks)."),
    .number("beta1", default: 0.5, min: 0, below: 1, "Adam β1."),
    .number("beta2", default: 0.999, min: 0, below: 1, "Adam β2."),
    .choice("g-norm", default: Normalisation.batch, "Normalisation in G."),
    .number("dropout", default: 0.3, min: 0, below: 1, "Dropout rate in D."),
    .number("leaky", default: 0.2, min: 0, below: 1, "LeakyReLU slope."),
    .bool("spectral-norm", default: false, "Spectral normalisation on D's layers."),
    .number("real-label", default: 0.9, above: 0.5, max: 1, "Target for real images in D's loss (1 = no label smoothing)."),
    .choice("schedule", default: Schedule.constant, "Learning-rate schedule."),
    .bool("progressive", default: false, "Progressive growing 14×14 → 28×28 (a resolution curriculum on D's input)."),
    .choice("conditional", default: Conditioning.auto, "Conditional on labels: auto (when labelled), yes or no."),
    .int("sample-every", default: 5, 0...100_000, "Write a sample grid every K epochs (0: only at the end)."),
    .int("checkpoint-every", default: 5, 1...100_000, "Write a checkpoint every K epochs."),
  ]

  public init(options o: OptionValues) throws {
    architecture = o.choice("arch")
    noise = o.int("noise")
    epochs = o.int("epochs")
    batchSize = o.int("batch")
    learningRate = o.double("lr")
    beta1 = o.double("beta1")
    beta2 = o.double("beta2")
    generatorNorm = o.choice("g-norm")
    dropout = o.double("dropout")
    leakySlope = o.double("leaky")
    spectralNorm = o.bool("spectral-norm")
    realLabel = o.double("real-label")
    schedule = o.choice("schedule")
    progressive = o.bool("progressive")
    conditioning = o.choice("conditional")
    sampleEvery = o.int("sample-every")
    checkpointEvery = o.int("checkpoint-every")
  }

  public var notes: [(String, JSON)] { [("loss", .string("BCE, non-saturating G"))] }

  public static func loadModel(run directory: String) throws -> any GeneratorModel { try GANModel.load(directory) }

  /// The learning rate in an epoch (1-based) under the schedule.
  public func learningRate(epoch: Int) -> Double {
    let t = Double(epoch - 1) / Double(max(epochs, 1))
    switch schedule {
    case .constant: return learningRate
    case .step: return learningRate * pow(0.5, Double(Int(t * 3)))  // halves after each third
    case .linear: return learningRate * (1 - t)
    case .cosine: return learningRate * 0.5 * (1 + cos(Double.pi * t))
    }
  }

  /// Progressive growing as a resolution curriculum on D's input: x ↦ α·x + (1−α)·B(x), B the
  /// 2×2 block average (a 14×14 image shown at 28×28). α = 0 for the first quarter of the epochs,
  /// rises linearly to 1 by half-way (the fade-in), then stays 1. The layers keep their size.
  public func progressiveAlpha(epoch: Int, step: Int, stepsPerEpoch: Int) -> Float {
    guard progressive else { return 1 }
    let t = (Double(epoch - 1) + Double(step) / Double(max(stepsPerEpoch, 1))) / Double(max(epochs, 1))
    return Float(min(1, max(0, (t - 0.25) / 0.25)))
  }

  // MARK: - Networks

  func makeGenerator(classes: Int, height: Int, width: Int, channels: Int = 1, random: inout SplitMix64) throws -> Network {
    let input = noise + classes
    func norm(_ n: Int, planes: Bool) -> [any Layer] {
      switch generatorNorm {
      case .none: return []
      case .batch: return [BatchNorm(n)]
      case .instance: return [InstanceNorm(n)]
      }
    }
    let slope = Float(leakySlope)
    switch architecture {
    case .mlp:
      var layers: [any Layer] = []
      var width0 = input
      for size in [128, 256, 512] {
        layers.append(Dense(width0, size, random: &random))
        if width0 != input { layers += norm(size, planes: false) }  // no norm on the first layer, as DCGAN advises
        layers.append(Activation(.leakyRelu(slope)))
        width0 = size
      }
      layers += [
        Dense(512, height * width * channels, random: &random), Activation(.tanh), Reshape(Shape(channels: channels, height: height, width: width)),
      ]
      return try Network(input: Shape(channels: input), layers: layers)
    case .dcgan:
      guard height % 4 == 0 && width % 4 == 0 else {
        throw EvalError.badParameter(name: "--arch", reason: "dcgan needs image sides divisible by 4, got \(width)×\(height); use --arch mlp")
      }
      let base = Shape(channels: 128, height: height / 4, width: width / 4)
      var layers: [any Layer] = [Dense(input, base.count, random: &random)]
      layers += norm(base.count, planes: false)
      layers += [Activation(.relu), Reshape(base), Upsample(2), Convolution(128, 64, kernel: 3, padding: 1, random: &random)]
      layers += norm(64, planes: true)
      layers += [Activation(.relu), Upsample(2), Convolution(64, channels, kernel: 3, padding: 1, random: &random), Activation(.tanh)]
      return try Network(input: Shape(channels: input), layers: layers)
    }
  }

  func makeDiscriminator(classes: Int, height: Int, width: Int, channels imageChannels: Int = 1, random: inout SplitMix64) throws -> Network {
    let slope = Float(leakySlope)
    var drop: [any Layer] { dropout > 0 ? [Dropout(Float(dropout))] : [] }  // a fresh layer per use: layers keep state
    switch architecture {
    case .mlp:
      let input = height * width * imageChannels + classes
      return try Network(
        input: Shape(channels: input),
        layers: [Dense(input, 512, spectralNorm: spectralNorm, random: &random), Activation(.leakyRelu(slope))] + drop
          + [Dense(512, 256, spectralNorm: spectralNorm, random: &random), Activation(.leakyRelu(slope))] + drop
          + [Dense(256, 1, spectralNorm: spectralNorm, random: &random)])
    case .dcgan:
      let channels = imageChannels + classes
      let (h2, w2) = ((height + 1) / 2, (width + 1) / 2)
      let (h4, w4) = ((h2 + 1) / 2, (w2 + 1) / 2)
      return try Network(
        input: Shape(channels: channels, height: height, width: width),
        layers: [Convolution(channels, 64, kernel: 4, stride: 2, padding: 1, spectralNorm: spectralNorm, random: &random), Activation(.leakyRelu(slope))]
          + drop
          + [Convolution(64, 128, kernel: 4, stride: 2, padding: 1, spectralNorm: spectralNorm, random: &random), Activation(.leakyRelu(slope))]
          + drop + [Flatten(), Dense(128 * h4 * w4, 1, spectralNorm: spectralNorm, random: &random)])
    }
  }

  public func train(on real: ImageSet, context: RunContext) throws -> TrainingOutcome {
    try GANTrainer(gan: self, real: real, context: context).run()
  }
}
