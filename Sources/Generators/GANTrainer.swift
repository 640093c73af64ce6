import Foundation
import ImageIO
import EvalCore
import NeuralNet
import Plot
import Workers

/// One GAN training run in a run directory:
///
///     generator.ganet          the latest generator (what `gan-eval sample` reads)
///     checkpoint/              generator, discriminator, optimiser moments, position, losses
///     losses.csv, losses.svg   epoch,step,d_loss,g_loss,d_real,d_fake
///     samples/epoch-NNN.png    a fixed-noise sample grid (and .svg) every `sampleEvery` epochs
///     summary.json
///
/// Every random draw of a step (shuffle, noise, dropout) comes from a generator seeded by
/// (seed, epoch, step), so a resumed run continues exactly as an uninterrupted one would.
final class GANTrainer {
  struct LossRow {
    var epoch: Int, step: Int
    var dLoss: Double, gLoss: Double, dReal: Double, dFake: Double
    var csv: [String] { ["\(epoch)", "\(step)", csvNumber(dLoss), csvNumber(gLoss), csvNumber(dReal), csvNumber(dFake)] }
  }

  let gan: GAN
  let real: ImageSet
  let context: RunContext
  let conditional: Bool
  let classes: [String]
  let labels: [Int]
  let generator: Network
  let discriminator: Network
  let adamG: Adam
  let adamD: Adam
  var losses: [LossRow] = []
  /// The next (epoch, step) to run; `globalStep` counts steps done.
  var epoch = 1, step = 0, globalStep = 0
  var secondsBefore = 0.0

  var stepsPerEpoch: Int { max(1, real.count / gan.batchSize) }
  /// Pixels per image plane, and image planes (1 gray, 3 RGB).
  var pixels: Int { real.pixelsPerImage }
  var channels: Int { real.channels }

  init(gan: GAN, real: ImageSet, context: RunContext) throws {
    (self.gan, self.real, self.context) = (gan, real, context)
    guard real.count >= gan.batchSize else {
      throw EvalError.badParameter(name: "--batch", reason: "\(gan.batchSize) is more than the \(real.count) images of \(real.source)")
    }
    switch gan.conditioning {
    case .yes:
      guard real.isLabelled else {
        throw EvalError.badParameter(
          name: real.source, reason: "conditional training needs labels (class subdirectories or labels.csv); use --conditional no for an unconditional GAN")
      }
      conditional = true
    case .no: conditional = false
    case .auto: conditional = real.isLabelled
    }
    classes = conditional ? real.classes : []
    let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    labels = conditional ? real.labels.map { index[$0!]! } : []
    var random = SplitMix64(seed: context.seed ^ 0x6A4E)
    generator = try gan.makeGenerator(classes: classes.count, height: real.height, width: real.width, channels: real.channels, random: &random)
    discriminator = try gan.makeDiscriminator(
      classes: classes.count, height: real.height, width: real.width, channels: real.channels, random: &random)
    generator.metadata = GANModel.metadata(gan: gan, conditional: conditional, classes: classes)
    discriminator.metadata = [("kind", "gan-discriminator")]
    adamG = Adam(generator.parameters, learningRate: Float(gan.learningRate), beta1: Float(gan.beta1), beta2: Float(gan.beta2))
    adamD = Adam(discriminator.parameters, learningRate: Float(gan.learningRate), beta1: Float(gan.beta1), beta2: Float(gan.beta2))
    (adamG.threads, adamD.threads) = (context.threads, context.threads)
    if context.resume { try loadCheckpoint() }
  }

  // MARK: - Training

  func run() throws -> TrainingOutcome {
    useSingleThreadedBLAS()
    try makeDirectory(context.outputDirectory)
    let started = Date()
    var stepsThisRun = 0
    var files: [String] = []
    let total = gan.epochs * stepsPerEpoch
    let progress = ProgressReporter("training gan", total: total, quiet: context.quiet)
    progress.advance(by: min(total, globalStep))
    var interrupted = false
    training: while epoch <= gan.epochs {
      let rate = Float(gan.learningRate(epoch: epoch))
      (adamG.learningRate, adamD.learningRate) = (rate, rate)
      var shuffle = SplitMix64(seed: stepSeed(epoch: epoch, step: -1))
      var order = Array(0..<real.count)
      order.shuffle(using: &shuffle)
      while step < stepsPerEpoch {
        if context.shouldStop() {
          interrupted = true
          break training
        }
        let batch = Array(order[(step * gan.batchSize)..<((step + 1) * gan.batchSize)])
        let row = trainStep(batch)
        losses.append(row)
        step += 1
        globalStep += 1
        stepsThisRun += 1
        let elapsed = Date().timeIntervalSince(started)
        progress.setDetail(
          String(format: "epoch %d/%d batch %d/%d  D %.3f  G %.3f  %.0f img/s", epoch, gan.epochs, step, stepsPerEpoch, row.dLoss, row.gLoss,
            Double(stepsThisRun * gan.batchSize) / max(elapsed, 1e-9)))
        progress.advance()
      }
      let finished = epoch
      epoch += 1
      step = 0
      if let epochEnded = context.epochEnded {
        try epochEnded(finished, finished == gan.epochs, GANModel(generator: generator, noise: gan.noise, classes: classes, height: real.height, width: real.width, channels: channels))
      }
      if gan.sampleEvery > 0 && (finished % gan.sampleEvery == 0 || finished == gan.epochs) {
        files += try writeSampleGrid(epoch: finished)
      }
      if finished % gan.checkpointEvery == 0 || finished == gan.epochs {
        try saveCheckpoint(seconds: secondsBefore + Date().timeIntervalSince(started))
      }
    }
    progress.finish()
    let seconds = Date().timeIntervalSince(started)
    if interrupted { try saveCheckpoint(seconds: secondsBefore + seconds) }
    files += try writeLosses()
    let imagesPerSecond = Double(stepsThisRun * gan.batchSize) / max(seconds, 1e-9)
    let last = losses.suffix(stepsPerEpoch)
    func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }
    var lines = [
      interrupted
        ? "interrupted at epoch \(epoch), step \(step): checkpoint saved; continue with --resume"
        : "trained \(gan.architecture.rawValue) GAN\(conditional ? " (conditional, \(classes.count) classes)" : "") on \(real.count) images for \(gan.epochs) epochs",
      String(format: "%.1f s this run (%.1f s in all), %.0f images/s; last epoch: D loss %.3f, G loss %.3f, D(real) %.3f, D(fake) %.3f",
        seconds, secondsBefore + seconds, imagesPerSecond, mean(last.map(\.dLoss)), mean(last.map(\.gLoss)), mean(last.map(\.dReal)), mean(last.map(\.dFake))),
    ]
    lines.append("model: \(context.outputDirectory)/generator.ganet; sample it with `gan-eval sample \(context.outputDirectory) -n 4800 --out fake`")
    let scalars: [(String, JSON)] = [
      ("epochs_done", .int(interrupted ? epoch - 1 : gan.epochs)), ("steps_done", .int(globalStep)), ("interrupted", .bool(interrupted)),
      ("conditional", .bool(conditional)), ("classes", .array(classes.map(JSON.string))), ("seconds_this_run", .number(seconds)),
      ("seconds_total", .number(secondsBefore + seconds)), ("images_per_second", .number(imagesPerSecond)),
      ("generator_weights", .int(generator.parameterCount)), ("discriminator_weights", .int(discriminator.parameterCount)),
      ("last_epoch_d_loss", .number(mean(last.map(\.dLoss)))), ("last_epoch_g_loss", .number(mean(last.map(\.gLoss)))),
    ]
    return TrainingOutcome(
      epochsDone: interrupted ? epoch - 1 : gan.epochs, stepsDone: globalStep, interrupted: interrupted, seconds: seconds,
      imagesPerSecond: imagesPerSecond, files: files, lines: lines, scalars: scalars)
  }

  func stepSeed(epoch: Int, step: Int) -> UInt64 {
    var mix = SplitMix64(seed: context.seed ^ (UInt64(truncatingIfNeeded: epoch) &* 0x9E37_79B9) ^ (UInt64(truncatingIfNeeded: step + 1) << 40))
    return mix.next()
  }

  /// One D update on a real and a generated batch, then one G update through D.
  func trainStep(_ batch: [Int]) -> LossRow {
    var random = SplitMix64(seed: stepSeed(epoch: epoch, step: step))
    let n = batch.count
    let y = conditional ? batch.map { labels[$0] } : []
    let alpha = gan.progressiveAlpha(epoch: epoch, step: step, stepsPerEpoch: stepsPerEpoch)
    // planes [channel][sample][pixel], as the generator emits them (gray: sample-major)
    let c = channels
    var realPixels = [Float](repeating: 0, count: n * pixels * c)
    for (k, i) in batch.enumerated() {
      for p in 0..<pixels {
        for ch in 0..<c { realPixels[(ch * n + k) * pixels + p] = real.pixels[(i * pixels + p) * c + ch] * 2 - 1 }
      }
    }
    if alpha < 1 { realPixels = blend(realPixels, alpha: alpha) }
    var passG = Pass(training: true, threads: context.threads, seed: random.next())
    var passD = Pass(training: true, threads: context.threads, seed: random.next())
    let z = generatorInput(count: n, labels: y, random: &random)

    // D: real → target `realLabel`, fake → 0.
    let realLogits = discriminator.forward(discriminatorInput(realPixels, labels: y), &passD)
    let (realLoss, realGradient) = binaryCrossEntropy(realLogits, targets: [Float](repeating: Float(gan.realLabel), count: n))
    discriminator.backward(realGradient, passD)
    let fake = generator.forward(z, &passG)
    let fakePixels = alpha < 1 ? blend(fake.data, alpha: alpha) : fake.data
    let fakeInput = discriminatorInput(fakePixels, labels: y)
    let fakeLogits = discriminator.forward(fakeInput, &passD)
    let (fakeLoss, fakeGradient) = binaryCrossEntropy(fakeLogits, targets: [Float](repeating: 0, count: n))
    discriminator.backward(fakeGradient, passD)
    adamD.step()

    // G: non-saturating, D(G(z)) → 1, through the updated D. D's own gradients of this pass are
    // not wanted: its products are skipped, and what the cheap layers add is cleared.
    let logits = discriminator.forward(fakeInput, &passD)
    let (gLoss, gGradient) = binaryCrossEntropy(logits, targets: [Float](repeating: 1, count: n))
    passD.weightGradients = false
    let inputGradient = discriminator.backward(gGradient, passD)
    adamD.zeroGradients()
    var imageGradient = Array(imagePart(inputGradient))
    if alpha < 1 { imageGradient = blend(imageGradient, alpha: alpha) }  // the blend is self-adjoint
    generator.backward(fake.with(imageGradient), passG)
    adamG.step()

    func meanSigmoid(_ t: Tensor) -> Double { t.data.reduce(0.0) { $0 + 1 / (1 + exp(-Double($1))) } / Double(t.data.count) }
    return LossRow(
      epoch: epoch, step: globalStep + 1, dLoss: realLoss + fakeLoss, gLoss: gLoss, dReal: meanSigmoid(realLogits), dFake: meanSigmoid(fakeLogits))
  }

  /// Rows of noise (standard normal) followed by the one-hot label.
  func generatorInput(count: Int, labels: [Int], random: inout SplitMix64) -> Tensor {
    let width = gan.noise + classes.count
    var data = [Float](repeating: 0, count: count * width)
    for r in 0..<count {
      for j in 0..<gan.noise { data[r * width + j] = Float(random.nextGaussian()) }
      if conditional { data[r * width + gan.noise + labels[r]] = 1 }
    }
    return Tensor(rows: count, features: width, data: data)
  }

  /// D's input from image planes `[channel][sample][pixel]`: per sample the C planes one after
  /// the other [+ one-hot] as rows for the MLP; the C image planes [+ one constant plane per
  /// class] for DCGAN.
  func discriminatorInput(_ images: [Float], labels: [Int]) -> Tensor {
    let imageValues = pixels * channels
    let n = images.count / imageValues, c = classes.count
    switch gan.architecture {
    case .mlp:
      if !conditional && channels == 1 { return Tensor(rows: n, features: pixels, data: images) }
      let width = imageValues + c
      var data = [Float](repeating: 0, count: n * width)
      for r in 0..<n {
        for ch in 0..<channels {
          for p in 0..<pixels { data[r * width + ch * pixels + p] = images[(ch * n + r) * pixels + p] }
        }
        if conditional { data[r * width + imageValues + labels[r]] = 1 }
      }
      return Tensor(rows: n, features: width, data: data)
    case .dcgan:
      // planes layout: the image channels first, exactly as given, then the class planes
      var data = images + [Float](repeating: 0, count: n * pixels * c)
      if conditional {
        for r in 0..<n {
          let start = ((channels + labels[r]) * n + r) * pixels
          for p in 0..<pixels { data[start + p] = 1 }
        }
      }
      return Tensor(planes: channels + c, batch: n, height: real.height, width: real.width, data: data)
    }
  }

  /// The image part of D's input gradient as planes `[channel][sample][pixel]` (the generator's layout).
  func imagePart(_ gradient: Tensor) -> ArraySlice<Float> {
    let n = gradient.batch, imageValues = pixels * channels
    if gradient.layout == .planes || (!conditional && channels == 1) { return gradient.data[0..<(n * imageValues)] }
    var out = [Float](repeating: 0, count: n * imageValues)
    for r in 0..<n {
      for ch in 0..<channels {
        for p in 0..<pixels { out[(ch * n + r) * pixels + p] = gradient.data[r * gradient.features + ch * pixels + p] }
      }
    }
    return out[...]
  }

  /// α·x + (1−α)·(2×2 block mean of x), per image plane (each channel of each image).
  func blend(_ images: [Float], alpha: Float) -> [Float] {
    let (w, h) = (real.width, real.height)
    var out = images
    for base in stride(from: 0, to: images.count, by: pixels) {
      for y in stride(from: 0, to: h, by: 2) {
        for x in stride(from: 0, to: w, by: 2) {
          let cells = [(y, x), (y, x + 1), (y + 1, x), (y + 1, x + 1)].filter { $0.0 < h && $0.1 < w }
          let mean = cells.reduce(Float(0)) { $0 + images[base + $1.0 * w + $1.1] } / Float(cells.count)
          for (yy, xx) in cells { out[base + yy * w + xx] = alpha * images[base + yy * w + xx] + (1 - alpha) * mean }
        }
      }
    }
    return out
  }

  // MARK: - Files

  func writeSampleGrid(epoch: Int) throws -> [String] {
    let model = GANModel(generator: generator, noise: gan.noise, classes: classes, height: real.height, width: real.width, channels: channels)
    let perClass = conditional ? 10 : 100
    let labels: [Int]? = conditional ? classes.indices.flatMap { [Int](repeating: $0, count: perClass) } : nil
    let set = try model.sample(count: labels?.count ?? perClass, labels: labels, seed: context.seed ^ 0x6121D, threads: context.threads)
    let directory = context.outputDirectory + "/samples"
    try makeDirectory(directory)
    let png = try mosaic(set, columns: perClass == 100 ? 10 : perClass)
    let stem = directory + String(format: "/epoch-%03d", epoch)
    try writeFileAtomically(stem + ".png", png)
    var grid = ImageGrid(
      title: "\(gan.architecture.rawValue) GAN, epoch \(epoch)" + (conditional ? " (one row per class: \(classes.joined(separator: " ")))" : ""),
      images: [png], imageWidth: (set.width + 1) * (perClass == 100 ? 10 : perClass) + 1,
      imageHeight: (set.height + 1) * (set.count / (perClass == 100 ? 10 : perClass)) + 1, columns: 1)
    grid.zoom = 2
    try writeTextAtomically(stem + ".svg", grid.svg())
    return [stem + ".png", stem + ".svg"]
  }

  func writeLosses() throws -> [String] {
    var table = Table(name: "losses", columns: ["epoch", "step", "d_loss", "g_loss", "d_real", "d_fake"])
    table.rows = losses.map(\.csv)
    try writeTextAtomically(context.outputDirectory + "/losses.csv", table.csv())
    guard context.makeFigures, !losses.isEmpty else { return [context.outputDirectory + "/losses.csv"] }
    // per-epoch means: per-step curves of thousands of noisy points hide each other
    var epochs: [Int] = [], sums: [[Double]] = [], counts: [Int] = []
    for row in losses {
      if epochs.last != row.epoch {
        epochs.append(row.epoch)
        sums.append([0, 0, 0, 0])
        counts.append(0)
      }
      let values = [row.dLoss, row.gLoss, row.dReal, row.dFake]
      for k in 0..<4 { sums[sums.count - 1][k] += values[k] }
      counts[counts.count - 1] += 1
    }
    let x = epochs.map(Double.init)
    let mean = { (k: Int) in zip(sums, counts).map { $0[k] / Double($1) } }
    var chart = Chart(title: "GAN losses (BCE, mean per epoch)", xLabel: "epoch (\(stepsPerEpoch) steps of \(gan.batchSize))", yLabel: "loss (nats)")
    chart.layers = [.line(name: "D loss", x: x, y: mean(0)), .line(name: "G loss", x: x, y: mean(1))]
    var outputs = Chart(title: "D's mean output (per epoch)", xLabel: "epoch", yLabel: "mean sigmoid(D)")
    outputs.layers = [.line(name: "D(real)", x: x, y: mean(2)), .line(name: "D(G(z))", x: x, y: mean(3))]
    outputs.yRange = 0...1
    try writeTextAtomically(context.outputDirectory + "/losses.svg", Panels([chart, outputs], columns: 2).svg())
    return [context.outputDirectory + "/losses.csv", context.outputDirectory + "/losses.svg"]
  }

  func saveCheckpoint(seconds: Double) throws {
    let directory = context.outputDirectory + "/checkpoint"
    try buildDirectoryAtomically(directory, overwrite: true) { staging in
      try writeFile(staging + "/generator.ganet", ModelFile.encode(generator))
      try writeFile(staging + "/discriminator.ganet", ModelFile.encode(discriminator))
      try writeFile(staging + "/optimizer.bin", OptimizerFile.encode([adamG, adamD]))
      try writeFile(staging + "/state.txt", Array("epoch \(epoch)\nstep \(step)\nglobal_step \(globalStep)\nseconds \(seconds)\n".utf8))
      var table = Table(name: "losses", columns: ["epoch", "step", "d_loss", "g_loss", "d_real", "d_fake"])
      table.rows = losses.map(\.csv)
      try writeFile(staging + "/losses.csv", Array(table.csv().utf8))
    }
    try writeFileAtomically(context.outputDirectory + "/generator.ganet", ModelFile.encode(generator))
  }

  func loadCheckpoint() throws {
    let directory = context.outputDirectory + "/checkpoint"
    func fail(_ reason: String) -> EvalError { .badParameter(name: "--resume", reason: "\(directory): \(reason)") }
    guard FileManager.default.fileExists(atPath: directory + "/state.txt") else {
      throw fail("no checkpoint to resume from; start without --resume")
    }
    do {
      let savedG = try ModelFile.decode(try readFile(directory + "/generator.ganet"), path: directory + "/generator.ganet")
      let savedD = try ModelFile.decode(try readFile(directory + "/discriminator.ganet"), path: directory + "/discriminator.ganet")
      guard savedG.layers.map(\.spec) == generator.layers.map(\.spec), savedD.layers.map(\.spec) == discriminator.layers.map(\.spec) else {
        throw fail("the checkpoint's networks differ from these options (architecture, noise, norms or classes changed)")
      }
      generator.copyWeights(from: savedG)
      discriminator.copyWeights(from: savedD)
    } catch let error as NetworkError { throw fail(error.description) }
    guard try OptimizerFile.decode(try readFile(directory + "/optimizer.bin"), into: [adamG, adamD]) else {
      throw fail("optimizer.bin does not match the networks or is corrupt")
    }
    let state = String(decoding: try readFile(directory + "/state.txt"), as: UTF8.self)
    var values: [String: Double] = [:]
    for line in state.split(separator: "\n") {
      let parts = line.split(separator: " ")
      if parts.count == 2, let v = Double(parts[1]) { values[String(parts[0])] = v }
    }
    guard let e = values["epoch"], let s = values["step"], let g = values["global_step"] else { throw fail("state.txt is incomplete") }
    (epoch, step, globalStep, secondsBefore) = (Int(e), Int(s), Int(g), values["seconds"] ?? 0)
    let rows = try parseCSV(String(decoding: try readFile(directory + "/losses.csv"), as: UTF8.self), path: directory + "/losses.csv")
    losses = rows.dropFirst().compactMap { r in
      guard r.count == 6, let e = Int(r[0]), let s = Int(r[1]), let a = Double(r[2]), let b = Double(r[3]), let c = Double(r[4]), let d = Double(r[5]) else { return nil }
      return LossRow(epoch: e, step: s, dLoss: a, gLoss: b, dReal: c, dFake: d)
    }
  }
}

/// A tiled PNG of a set: `columns` images per row, 1-pixel dark-gray gaps; gray or RGB as the set.
func mosaic(_ set: ImageSet, columns: Int) throws -> [UInt8] {
  let rows = (set.count + columns - 1) / columns
  let (w, h, c) = (set.width, set.height, set.channels)
  let width = columns * (w + 1) + 1, height = rows * (h + 1) + 1
  var levels = [UInt8](repeating: 64, count: width * height * c)
  for i in 0..<set.count {
    let (gx, gy) = (1 + (i % columns) * (w + 1), 1 + (i / columns) * (h + 1))
    let image = set.grayLevels(i)
    for y in 0..<h {
      for x in 0..<w { for k in 0..<c { levels[((gy + y) * width + gx + x) * c + k] = image[(y * w + x) * c + k] } }
    }
  }
  return try PNG.encode(levels, width: width, height: height, channels: c)
}

/// Adam moments of several optimisers: `GANEVAL-ADAM 1 <optimisers>\n`, then per optimiser
/// `<steps> <arrays>` and `<length>` per array, then the Float32 values, then FNV-1a 64.
enum OptimizerFile {
  static func encode(_ optimisers: [Adam]) -> [UInt8] {
    var header = "GANEVAL-ADAM 1 \(optimisers.count)\n"
    var values: [Float] = []
    for adam in optimisers {
      let (steps, first, second) = adam.moments
      header += "\(steps) \(first.count) " + (first + second).map { "\($0.count)" }.joined(separator: " ") + "\n"
      values += (first + second).joined()
    }
    var bytes = Array(header.utf8)
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    withUnsafeBytes(of: fnv1a64(bytes).littleEndian) { bytes.append(contentsOf: $0) }
    return bytes
  }

  static func decode(_ bytes: [UInt8], into optimisers: [Adam]) throws -> Bool {
    guard bytes.count > 8 else { return false }
    let body = bytes[..<(bytes.count - 8)]
    let stored = bytes[(bytes.count - 8)...].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    guard fnv1a64(body) == stored else { return false }
    var lines: [[Int]] = []
    var cursor = body.startIndex
    for _ in 0...optimisers.count {
      guard let end = body[cursor...].firstIndex(of: 10) else { return false }
      let text = String(decoding: body[cursor..<end], as: UTF8.self)
      lines.append(text.split(separator: " ").compactMap { Int($0) })
      cursor = end + 1
    }
    guard lines[0].count == 2, lines[0][1] == optimisers.count else { return false }
    for (index, adam) in optimisers.enumerated() {
      let line = lines[index + 1]
      guard line.count >= 2 else { return false }
      let (steps, arrays) = (line[0], line[1])
      let lengths = Array(line.dropFirst(2))
      guard lengths.count == 2 * arrays else { return false }
      var slices: [[Float]] = []
      for length in lengths {
        guard body.endIndex - cursor >= length * 4 else { return false }
        slices.append((0..<length).map { i in
          let at = cursor + i * 4
          return Float(bitPattern: UInt32(body[at]) | UInt32(body[at + 1]) << 8 | UInt32(body[at + 2]) << 16 | UInt32(body[at + 3]) << 24)
        })
        cursor += length * 4
      }
      guard adam.restore(steps: steps, first: Array(slices[..<arrays]), second: Array(slices[arrays...])) else { return false }
    }
    return cursor == body.endIndex
  }
}
