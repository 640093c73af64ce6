import Classifier
import EvalCore
import Foundation
import ImageIO
import Plot
import SetStatistics
import Workers

/// `classify`: reads generated images with our classifier. Accuracy and confusion when they are
/// labelled; for any set the predicted-class distribution, class coverage, mean confidence and an
/// Inception-Score analogue; optionally train-on-synthetic/test-on-real and augmentation gain.
///
/// Sets, in order: FAKE, then REAL when `real` is given, then REAL_TEST when `tstr` is given.
public struct ClassifyMetric: Metric, PluginDeclaration {
  public static let name = "classify"
  public static let summary = "classifier accuracy, confusion, class coverage, confidence, Inception-Score analogue, train-on-synthetic/test-on-real"

  public var model: String
  public var hasReal: Bool
  public var hasTest: Bool
  public var splits: Int
  public var epochs: Int
  public var bootstrap = BootstrapPlan.defaultReplicates
  public var floor = true
  public var judgeOverlap = "exclude"

  public static let options: [OptionSpec] = [
    .path("model", "Classifier directory from `gan-eval classifier train`.", required: true, role: .artifact),
    .path("real", "The real sample directory to compare class distributions with (and train on, for --tstr).", role: .set),
    .path("tstr", "A labelled real test directory: train on FAKE, test here.", role: .set),
    .int("epochs", default: 15, 1...1000, "Epochs for the --tstr classifiers."),
    .int("splits", default: 10, 1...1000, "Splits for the Inception-Score analogue."),
    IntervalOptions.judgeOverlap,
  ] + IntervalOptions.both

  public init(options: OptionValues) throws {
    model = options.string("model") ?? ""
    hasReal = options.has("real")
    hasTest = options.has("tstr")
    splits = options.int("splits")
    epochs = options.int("epochs")
    bootstrap = options.int("bootstrap")
    floor = options.bool("floor")
    judgeOverlap = options.string("judge-overlap") ?? "exclude"
  }

  public var notes: [(String, JSON)] { [("kl", .string("KL(fake predicted ‖ real), bits"))] }

  public func evaluate(_ sets: [ImageSet], context: RunContext) throws -> Report {
    let expected = 1 + (hasReal ? 1 : 0) + (hasTest ? 1 : 0)
    guard sets.count == expected else { throw EvalError.badParameter(name: "classify", reason: "expected \(expected) sets, got \(sets.count)") }
    let fake = sets[0]
    var real = hasReal ? sets[1] : nil
    let test = hasTest ? sets.last : nil
    let (classifier, _) = try ImageClassifier.load(model)
    let classes = classifier.classes, c = classes.count
    var report = Report(metric: Self.name)
    var scalars: [(String, JSON)] = [("classes", .array(classes.map(JSON.string)))]
    if let set = real {
      // the judge reads its own training images better: compare the real images it never saw
      let (unseen, lines) = withoutJudgeTrainingImages(set, judge: model, exclude: judgeOverlap == "exclude", minimum: 10)
      real = unseen
      report.lines += lines
    }

    let progress = ProgressReporter("classifying \(fake.name)", total: fake.count, quiet: context.quiet)
    let probabilities = try classifier.evaluate(fake, threads: context.threads, progress: progress).probabilities
    progress.finish()
    let predicted = predictedClasses(probabilities, classes: c)
    let confidence = predicted.enumerated().map { probabilities[$0 * c + $1] }
    var predictions = Table(name: "predictions", columns: ["set", "file", "label", "predicted", "confidence"])
    for i in 0..<fake.count {
      predictions.rows.append([fake.name, fake.files[i], fake.labels[i] ?? "", classes[predicted[i]], csvNumber(confidence[i])])
    }
    report.tables.append(predictions)

    // Accuracy and confusion, when the generated images carry labels (a conditional generator).
    var fakeCorrect: Int?
    if fake.isLabelled {
      let truth = try classifier.labelIndices(fake)
      var confusion = [Double](repeating: 0, count: c * c)
      for (t, p) in zip(truth, predicted) { confusion[t * c + p] += 1 }
      let correct = zip(truth, predicted).filter { $0 == $1 }.count
      let accuracy = Double(correct) / Double(fake.count)
      fakeCorrect = correct
      var table = Table(name: "confusion", columns: ["true", "predicted", "count"])
      var perClass = Table(name: "per_class_accuracy", columns: ["class", "n", "accuracy"])
      var perClassJSON: [(String, JSON)] = []
      for t in 0..<c {
        for p in 0..<c { table.rows.append([classes[t], classes[p], "\(Int(confusion[t * c + p]))"]) }
        let n = (0..<c).reduce(0.0) { $0 + confusion[t * c + $1] }
        let classAccuracy = n > 0 ? confusion[t * c + t] / n : .nan
        perClass.rows.append([classes[t], "\(Int(n))", csvNumber(classAccuracy)])
        perClassJSON.append((classes[t], .number(classAccuracy)))
      }
      report.tables += [table, perClass]
      scalars += [("accuracy", .number(accuracy)), ("per_class_accuracy", .object(perClassJSON))]
      report.lines.append("accuracy \(format4(accuracy)) on \(fake.count) labelled images (\(fake.name))")
      if context.makeFigures {
        report.figures.append(Figure(name: "confusion", svg: Heatmap(
          title: "Confusion: \(fake.name) (n=\(fake.count)), accuracy \(String(format: "%.1f", accuracy * 100))%",
          rowLabel: "label", columnLabel: "predicted", rows: classes, columns: classes, values: confusion).svg()))
      }
    }

    // Class distribution against the real one.
    let fakeShare = classShares(predicted, classes: c)
    var reference: [Double]
    var referenceName: String
    var realReading: (probabilities: [Double], predicted: [Int])?
    if let real {
      let realProbabilities = try classifier.evaluate(real, threads: context.threads).probabilities
      realReading = (realProbabilities, predictedClasses(realProbabilities, classes: c))
      reference = classShares(realReading!.predicted, classes: c)
      referenceName = "\(real.name) (predicted)"
    } else {
      reference = [Double](repeating: 1 / Double(c), count: c)
      referenceName = "uniform"
    }
    let kl = classKLBits(fakeShare, reference)
    let covered = fakeShare.filter { $0 > 0 }.count
    var distribution = Table(name: "class_distribution", columns: ["class", "fake_count", "fake_share", "reference_share"])
    for k in 0..<c {
      distribution.rows.append([classes[k], "\(Int((fakeShare[k] * Double(fake.count)).rounded()))", csvNumber(fakeShare[k]), csvNumber(reference[k])])
    }
    report.tables.append(distribution)
    let meanConfidence = confidence.reduce(0, +) / Double(max(fake.count, 1))
    let score = inceptionScore(probabilities, classes: c, splits: splits, seed: context.seed ^ 0x15)
    scalars += [
      ("classes_covered", .int(covered)), ("class_kl_bits", .number(kl)), ("class_reference", .string(referenceName)),
      ("min_class_share", .number(fakeShare.min() ?? 0)), ("mean_confidence", .number(meanConfidence)),
      ("inception_score_mean", .number(score.mean)), ("inception_score_std", .number(score.std)), ("inception_score_splits", .int(splits)),
    ]
    report.lines.append("classes covered \(covered)/\(c); KL(predicted ‖ \(referenceName)) \(format4(kl)) bits; smallest class share \(format4(fakeShare.min() ?? 0))")
    report.lines.append("mean confidence \(format4(meanConfidence)); Inception-Score analogue \(format4(score.mean)) ± \(format4(score.std)) (\(splits) splits, max \(c))")
    let (records, notes) = try readingRecords(
      fake: fake, real: real, fakeReading: (probabilities, predicted), fakeCorrect: fakeCorrect, realReading: realReading, classifier: classifier, context: context)
    report.records += records
    report.lines += notes
    if context.makeFigures {
      report.figures.append(Figure(name: "class_distribution", svg: BarChart(
        title: "Predicted class distribution (n=\(fake.count))", xLabel: "class", yLabel: "share of images", categories: classes,
        series: [(name: fake.name, values: fakeShare), (name: referenceName, values: reference)]).svg()))
    }

    // Train on synthetic, test on real; and the gain from adding synthetic to real.
    if let test {
      var training = ClassifierTraining()
      training.epochs = epochs
      training.seed = context.seed
      training.threads = context.threads
      training.quiet = context.quiet
      training.validationFraction = 0
      let tstr = try accuracy(of: training.train(fake, classes: classes).classifier, on: test, threads: context.threads)
      var entry: [(String, JSON)] = [("tstr_accuracy", .number(tstr)), ("test_set", .string(test.name)), ("test_n", .int(test.count))]
      report.lines.append("train on \(fake.name), test on \(test.name): accuracy \(format4(tstr)) (n=\(test.count))")
      if let real {
        let baseline = try accuracy(of: training.train(real, classes: classes).classifier, on: test, threads: context.threads)
        let augmented = try accuracy(of: training.train(concatenate(real, fake), classes: classes).classifier, on: test, threads: context.threads)
        entry += [("real_only_accuracy", .number(baseline)), ("real_plus_fake_accuracy", .number(augmented)), ("augmentation_gain", .number(augmented - baseline))]
        report.lines.append(
          "train on \(real.name): \(format4(baseline)); on \(real.name)+\(fake.name): \(format4(augmented)); augmentation gain \(String(format: "%+.4f", augmented - baseline))")
      }
      scalars.append(("train_synthetic_test_real", .object(entry)))
    }
    report.scalars = scalars
    return report
  }
}

/// exp(E_x KL(p(y|x) ‖ p(y))) per split of the rows, as in Salimans et al. 2016 (with our
/// classifier instead of Inception): mean and population std over the splits. Rows are put in a
/// seeded random order first: sample directories are sorted by class, and a split holding one
/// class would score ≈ 1.
public func inceptionScore(_ probabilities: [Double], classes c: Int, splits: Int, seed: UInt64) -> (mean: Double, std: Double) {
  let n = probabilities.count / c
  var random = SplitMix64(seed: seed)
  var order = Array(0..<n)
  order.shuffle(using: &random)
  var scores: [Double] = []
  for s in 0..<min(splits, n) {
    var weights = [Int](repeating: 0, count: n)
    for r in (s * n / splits)..<((s + 1) * n / splits) { weights[order[r]] = 1 }
    scores.append(weightedInceptionScore(probabilities, classes: c, weights: weights))
  }
  let mean = scores.reduce(0, +) / Double(scores.count)
  return (mean, (scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(scores.count)).squareRoot())
}

/// Two sets of the same image size as one (files keep their set name as a prefix).
func concatenate(_ a: ImageSet, _ b: ImageSet) -> ImageSet {
  ImageSet(
    name: a.name + "+" + b.name, source: a.source, width: a.width, height: a.height,
    files: a.files.map { a.name + "/" + $0 } + b.files.map { b.name + "/" + $0 }, labels: a.labels + b.labels,
    pixels: a.pixels + b.pixels, bitDepth: max(a.bitDepth, b.bitDepth))
}
