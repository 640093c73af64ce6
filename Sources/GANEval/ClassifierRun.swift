import Classifier
import Foundation
import ImageIO
import EvalCore
import Plot

/// `classifier train`: trains the LeNet-style classifier on a labelled real set and writes the
/// model (classifier.ganet), the training curve (training.csv, training.svg) and summary.json.
public enum ClassifierRun {
  /// The training options, declared once for `classifier train` and the pipeline's `classifier` step.
  public static let options: [OptionSpec] = [
    .int("epochs", default: 15, 1...10_000, "Passes over the training images."),
    .int("batch-size", default: 128, 1...65_536, "Images per Adam step."),
    .number("learning-rate", default: 1e-3, above: 0, below: 1, "Adam learning rate."),
    .int("shift", default: 2, 0...8, "Random shift augmentation: up to this many pixels in x and y (0 disables)."),
    .number("validation", default: 0.2, min: 0, max: 0.9, "Share of the set held out for validation (0 to 0.9)."),
    .path("test", "A labelled test directory to report accuracy on after training.", role: .set),
    .number(
      "holdout", default: 0, min: 0, max: 0.9,
      "Share of the set never shown to the classifier (seeded), so that metrics judging in its features can compare real images it never saw; the images it saw are listed in training-images.txt."),
  ]

  public static func values(_ pairs: [(String, String)]) throws -> OptionValues {
    try OptionValues(pairs, specs: options, plugin: "classifier train")
  }

  /// Training settings from validated options.
  public static func training(_ values: OptionValues, context: RunContext) -> ClassifierTraining {
    var training = ClassifierTraining()
    training.epochs = values.int("epochs")
    training.batchSize = values.int("batch-size")
    training.learningRate = Float(values.double("learning-rate"))
    training.validationFraction = values.double("validation")
    training.maxShift = values.int("shift")
    (training.seed, training.threads, training.quiet) = (context.seed, context.threads, context.quiet)
    return training
  }

  public static func train(directory: String, options values: OptionValues, context settings: RunContext) throws -> Evaluation.Outcome {
    let training = training(values, context: settings)
    let testDirectory = values.string("test")
    var sets = try loadSets([directory], context: settings)
    let set = sets[0]
    let share = values.double("holdout")
    let split = TrainingImages.holdOut(count: set.count, share: share, seed: settings.seed)
    let shown = share > 0 ? set.subset(split.kept) : set
    let result = try training.train(shown)
    var report = Report(metric: "classifier")
    var table = Table(name: "training", columns: ["epoch", "train_loss", "train_accuracy", "validation_loss", "validation_accuracy", "seconds"])
    for e in result.epochs {
      table.rows.append([
        "\(e.epoch)", csvNumber(e.trainLoss), csvNumber(e.trainAccuracy), e.validationLoss.map(csvNumber) ?? "",
        e.validationAccuracy.map(csvNumber) ?? "", csvNumber(e.seconds),
      ])
    }
    report.tables.append(table)
    report.scalars = [
      ("classes", .array(result.classifier.classes.map(JSON.string))), ("train_n", .int(result.trainCount)),
      ("validation_n", .int(result.validationCount)), ("kept_epoch", .int(result.keptEpoch)),
      ("validation_accuracy", result.keptValidationAccuracy.map(JSON.number) ?? .null), ("seconds", .number(result.seconds)),
      ("parameters", .int(result.classifier.network.parameterCount)), ("feature_dimension", .int(result.classifier.featureDimension)),
      ("architecture", .array(result.classifier.network.layers.map { .string($0.spec.description) })),
    ]
    if share > 0 {
      report.lines.append(
        "held out \(split.heldOut.count) of \(set.count) images of \(set.name) (seeded, --holdout \(share)): never trained on, so metrics in this classifier's features compare real images it never saw")
      report.scalars.append(("held_out_n", .int(split.heldOut.count)))
    }
    report.lines.append(
      "trained on \(result.trainCount) images of \(set.name) in \(String(format: "%.1f", result.seconds)) s (\(result.epochs.count) epochs, \(result.classifier.network.parameterCount) weights)")
    if let accuracy = result.keptValidationAccuracy {
      report.lines.append("validation accuracy \(format4(accuracy)) on \(result.validationCount) held-out images (kept epoch \(result.keptEpoch))")
    }
    if let testDirectory {
      var testSettings = settings
      testSettings.setNames = []
      let test = try loadSets([testDirectory], context: testSettings)[0]
      let testAccuracy = try accuracy(of: result.classifier, on: test, threads: settings.threads)
      report.scalars += [("test_accuracy", .number(testAccuracy)), ("test_n", .int(test.count)), ("test_set", .string(test.name))]
      report.lines.append("test accuracy \(format4(testAccuracy)) on \(test.count) images of \(test.name)")
      sets.append(test)
    }
    if settings.makeFigures {
      let epochs = result.epochs.map { Double($0.epoch) }
      var loss = Chart(title: "Training loss", xLabel: "epoch", yLabel: "cross-entropy (nats)")
      loss.layers.append(.line(name: "train", x: epochs, y: result.epochs.map(\.trainLoss)))
      var accuracy = Chart(title: "Accuracy", xLabel: "epoch", yLabel: "accuracy")
      accuracy.layers.append(.line(name: "train", x: epochs, y: result.epochs.map(\.trainAccuracy)))
      if result.validationCount > 0 {
        loss.layers.append(.line(name: "validation (n=\(result.validationCount))", x: epochs, y: result.epochs.map { $0.validationLoss ?? .nan }))
        accuracy.layers.append(.line(name: "validation (n=\(result.validationCount))", x: epochs, y: result.epochs.map { $0.validationAccuracy ?? .nan }))
      }
      report.figures.append(Figure(name: "training", svg: Panels([loss, accuracy], columns: 2).svg()))
    }
    try makeDirectory(settings.outputDirectory)
    let modelPath = ImageClassifier.modelPath(settings.outputDirectory)
    try writeFileAtomically(modelPath, result.classifier.encoded())
    try TrainingImages(source: set.source, files: shown.files).write(model: settings.outputDirectory)
    guard case .object(let declared) = values.json else { preconditionFailure("option values render as an object") }
    let parameters = JSON.object(declared + [("optimizer", .string("Adam β1 0.9 β2 0.999, cosine decay to 5%"))])
    var written = try OutputWriter.write(report, command: "classifier train", parameters: parameters, sets: sets.map(\.info), context: settings)
    written.insert(modelPath, at: 0)
    let summary = OutputWriter.summaryJSON(report, command: "classifier train", parameters: parameters, sets: sets.map(\.info), context: settings, files: written)
    return Evaluation.Outcome(report: report, sets: sets.map(\.info), written: written, summary: summary)
  }
}
