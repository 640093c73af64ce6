import Classifier
import Foundation
import ImageIO
import Metrics
import Plot

/// `classifier train`: trains the LeNet-style classifier on a labelled real set and writes the
/// model (classifier.ganet), the training curve (training.csv, training.svg) and summary.json.
public enum ClassifierRun {
  /// Training settings from named options (epochs, batch, lr, validation, shift), as a pipeline gives them.
  public static func training(options values: [String: String]) throws -> ClassifierTraining {
    let options = PluginOptions(values, plugin: "classifier")
    try options.rejectUnknown(["epochs", "batch", "lr", "validation", "shift"])
    var training = ClassifierTraining()
    training.epochs = try options.int("epochs", default: training.epochs, in: 1...10_000)
    training.batchSize = try options.int("batch", default: training.batchSize, in: 1...65_536)
    training.learningRate = Float(try options.double("lr", default: Double(training.learningRate), where: { $0 > 0 && $0 < 1 }, expected: "in (0, 1)"))
    training.validationFraction = try options.double("validation", default: training.validationFraction, where: { $0 >= 0 && $0 <= 0.9 }, expected: "from 0 to 0.9")
    training.maxShift = try options.int("shift", default: training.maxShift, in: 0...8)
    return training
  }

  public static func train(
    directory: String, testDirectory: String?, training: ClassifierTraining, settings: RunSettings
  ) throws -> Evaluation.Outcome {
    var sets = try loadSets([directory], settings: settings)
    let set = sets[0]
    let result = try training.train(set)
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
    report.lines.append(
      "trained on \(result.trainCount) images of \(set.name) in \(String(format: "%.1f", result.seconds)) s (\(result.epochs.count) epochs, \(result.classifier.network.parameterCount) weights)")
    if let accuracy = result.keptValidationAccuracy {
      report.lines.append("validation accuracy \(format4(accuracy)) on \(result.validationCount) held-out images (kept epoch \(result.keptEpoch))")
    }
    if let testDirectory {
      var testSettings = settings
      testSettings.setNames = []
      let test = try loadSets([testDirectory], settings: testSettings)[0]
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
    let parameters: [(String, JSON)] = [
      ("epochs", .int(training.epochs)), ("batch_size", .int(training.batchSize)), ("learning_rate", .number(Double("\(training.learningRate)") ?? Double(training.learningRate))),
      ("optimizer", .string("Adam β1 0.9 β2 0.999, cosine decay to 5%")), ("max_shift_pixels", .int(training.maxShift)), ("validation_fraction", .number(training.validationFraction)),
    ]
    var written = try OutputWriter.write(report, command: "classifier train", parameters: parameters, sets: sets, settings: settings)
    written.insert(modelPath, at: 0)
    let summary = OutputWriter.summaryJSON(report, command: "classifier train", parameters: parameters, sets: sets, settings: settings, files: written)
    return Evaluation.Outcome(report: report, sets: sets, written: written, summary: summary)
  }
}
