import Foundation
import GANEval
import Metrics
import TestSupport
import XCTest

/// The plugin platform's contracts: one declaration per option drives everything; plugin modules
/// never import each other; pipelines check plugin options before running.
final class CatalogueTests: XCTestCase {
  func testEveryBuiltInIsUniqueAndDeclaresUsableOptions() throws {
    var seen: Set<String> = []
    for entry in Catalogue.builtins {
      XCTAssertTrue(seen.insert("\(entry.kind) \(entry.name)").inserted, "\(entry.displayName) is listed twice")
      XCTAssertTrue(OptionSpec.isValidName(entry.name), entry.name)
      XCTAssertFalse(entry.summary.isEmpty, entry.name)
      for spec in entry.options {
        XCTAssertFalse(Catalogue.reservedNames.contains(spec.name), "\(entry.displayName) shadows gan-eval's --\(spec.name)")
        XCTAssertFalse(spec.help.isEmpty, "\(entry.displayName) --\(spec.name) has no help")
        // the declaration survives the protocol's JSON unchanged (plugins --json, describe)
        XCTAssertEqual(try OptionSpec(json: spec.json, plugin: entry.name), spec, "\(entry.displayName) --\(spec.name)")
        if let value = spec.defaultValue {
          XCTAssertNoThrow(try spec.parse(value.plainText, plugin: entry.name), "\(entry.displayName) --\(spec.name)'s default is valid")
        }
      }
      // the defaults alone build every plugin that has no required option (fid's default classifier
      // space needs a model path, which is only read when it runs)
      if !entry.options.contains(where: \.required) {
        let values = try entry.values(entry.options.contains { $0.name == "model" } ? ["model": "judge"] : [:])
        switch entry.kind {
        case .metric: XCTAssertNoThrow(try entry.makeMetric(values), entry.name)
        case .transform: XCTAssertNoThrow(try entry.makeTransform(values), entry.name)
        case .generator: XCTAssertNoThrow(try entry.makeGenerator(values), entry.name)
        case .features: XCTAssertNoThrow(try entry.makeFeatures(values), entry.name)
        }
      }
    }
    XCTAssertEqual(try Catalogue.find("gaussian", kind: .transform).name, "gaussian")
    XCTAssertThrowsError(try Catalogue.find("gaussian", kind: .metric)) { XCTAssertTrue("\($0)".contains("'gaussian' is not a known metric plugin"), "\($0)") }
  }

  /// Plugin modules depend on EvalCore and engines only: never on each other, never on GANEval.
  func testNoPluginModuleImportsASiblingPluginModule() throws {
    let plugins = ["Metrics", "FeatureExtractors", "Generators"]
    for module in plugins + ["EvalCore"] {
      let directory = Repo.root + "/Sources/" + module
      for file in try FileManager.default.contentsOfDirectory(atPath: directory) where file.hasSuffix(".swift") {
        let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
        let imports = text.split(separator: "\n").filter { $0.hasPrefix("import ") || $0.hasPrefix("@_exported import ") }
          .map { String($0.split(separator: " ").last!) }
        for imported in imports {
          XCTAssertFalse((plugins + ["GANEval"]).contains(imported) && imported != module, "\(module)/\(file) imports \(imported)")
        }
      }
    }
  }

  func testMetricOptionsComeFromTheDeclarationInSummaryJSON() throws {
    let digits = try RealData.digits().subset(Array(stride(from: 0, to: 5000, by: 50)))
    let dir = temporaryDirectory("declared")
    try writeSampleDirectory(digits, dir + "/real")
    var context = RunContext(outputDirectory: dir + "/out", quiet: true)
    context.seed = 1
    _ = try Evaluation.run(metric: "sharpness", options: [("mode", "wrap")], directories: [dir + "/real"], context: context)
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/summary.json"))) as! [String: Any]
    let parameters = json["parameters"] as! [String: Any]
    XCTAssertEqual(parameters["mode"] as? String, "wrap")
    XCTAssertEqual(parameters["unit"] as? String, "8-bit gray levels squared", "fixed notes follow the options")
    XCTAssertThrowsError(try Evaluation.run(metric: "sharpness", options: [("mode", "bounce")], directories: [dir + "/real"], context: context)) {
      XCTAssertEqual("\($0)", "--mode: 'bounce' is not valid for metric sharpness: give one of reflect, nearest, mirror, constant, wrap")
    }
  }

  /// The sharpness metric is scipy.ndimage.laplace(img.astype(float64)).var() on 8-bit levels:
  /// checked by hand on a 3×3 image (reflect mode: the border repeats the edge sample).
  func testSharpnessIsTheVarianceOfScipysLaplacian() throws {
    let metric = try SharpnessMetric.make()
    // image [[0,0,0],[0,9,0],[0,0,0]]: laplace = [[0,9,0],[9,-36,9],[0,9,0]] in reflect mode
    let value = metric.sharpness([0, 0, 0, 0, 9, 0, 0, 0, 0], width: 3, height: 3)
    let laplacian: [Double] = [0, 9, 0, 9, -36, 9, 0, 9, 0]
    let mean = laplacian.reduce(0, +) / 9
    XCTAssertEqual(value, laplacian.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 9, accuracy: 1e-12)
    XCTAssertEqual(metric.sharpness([Double](repeating: 5, count: 16), width: 4, height: 4), 0, "a flat image has no detail")
  }

  func testLegacyPipelineSpellingsStillRead() throws {
    let dir = temporaryDirectory("legacy")
    try makeDirectory(dir)
    let path = dir + "/p.yaml"
    try writeTextAtomically(path, """
      steps:
        - import: {name: real, source: \(Repo.digitsCSV), limit: 20}
        - import: {name: fake, source: \(Repo.digitsCSV), limit: 20}
        - classifier: {name: judge, input: real, options: {batch: 16, lr: 0.01}}
        - evaluate:
            name: e
            metrics:
              - {metric: classify, sets: [fake, real], options: {model: judge, real: "yes"}}
      """)
    let file = try PipelineFile.load(path)
    XCTAssertEqual(file.steps[2].options, ["batch-size": "16", "learning-rate": "0.01"])
    XCTAssertEqual(file.steps[3].evaluations[0].sets, ["fake"])
    XCTAssertEqual(file.steps[3].evaluations[0].options["real"], "real")
  }
}
