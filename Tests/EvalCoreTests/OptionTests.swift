import EvalCore
import XCTest

final class OptionTests: XCTestCase {
  let specs: [OptionSpec] = [
    .int("bins", default: 256, 1...1000, "Bins."),
    .number("lr", default: 2e-4, above: 0, below: 1, "Learning rate."),
    .bool("progressive", default: false, "Grow."),
    .choice("mode", default: "reflect", choices: ["reflect", "wrap"], "Mode."),
    .string("features", default: "classifier,pixels", "Spaces.", repeatable: true),
    .path("model", "Model.", required: false),
  ]

  func testDefaultsAndTypedValues() throws {
    let values = try OptionValues([("bins", "32"), ("lr", "0.5"), ("progressive", "yes")], specs: specs, plugin: "metric test")
    XCTAssertEqual(values.int("bins"), 32)
    XCTAssertEqual(values.double("lr"), 0.5)
    XCTAssertTrue(values.bool("progressive"))
    XCTAssertEqual(values.string("mode"), "reflect")
    XCTAssertEqual(values.strings("features"), ["classifier,pixels"])
    XCTAssertFalse(values.has("model"))
    XCTAssertEqual(values.json.render(), JSON.object([("bins", .int(32)), ("lr", .number(0.5)), ("progressive", .bool(true)), ("mode", .string("reflect")), ("features", .array([.string("classifier,pixels")]))]).render())
  }

  func testErrorsNameTheOptionThePluginAndTheFix() {
    func message(_ pairs: [(String, String)]) -> String {
      do { _ = try OptionValues(pairs, specs: specs, plugin: "metric test"); return "no error" } catch { return "\(error)" }
    }
    XCTAssertEqual(message([("bins", "0")]), "--bins: '0' is not valid for metric test: give a whole number from 1 to 1000")
    XCTAssertEqual(message([("lr", "1")]), "--lr: '1' is not valid for metric test: give a number in (0, 1)")
    XCTAssertEqual(message([("mode", "bounce")]), "--mode: 'bounce' is not valid for metric test: give one of reflect, wrap")
    XCTAssertTrue(message([("max_bins", "3")]).hasPrefix("--max_bins: is not an option of metric test; its options: --bins"), message([("max_bins", "3")]))
    XCTAssertTrue(message([("Bins", "3")]).contains("did you mean --bins?") == false)
    XCTAssertTrue(message([("bins", "3"), ("bins", "4")]).contains("given twice"))
    let required = [OptionSpec.number("sigma", min: 0, "Standard deviation in pixels.", required: true)]
    XCTAssertThrowsError(try OptionValues([(String, String)](), specs: required, plugin: "transform gaussian")) {
      XCTAssertEqual("\($0)", "--sigma: is required by transform gaussian: standard deviation in pixels.")
    }
  }

  func testRepeatableOptionsCollectInOrder() throws {
    let values = try OptionValues([("features", "pixels"), ("features", "pca:components=8")], specs: specs, plugin: "metric fid")
    XCTAssertEqual(values.strings("features"), ["pixels", "pca:components=8"])
  }

  func testCommandLineWordsSplitIntoSetsAndOptions() throws {
    let (sets, pairs) = try splitArguments(["real/", "--bins", "8", "fake/", "--progressive", "--lr=0.1", "--progressive", "false"], specs: specs)
    XCTAssertEqual(sets, ["real/", "fake/"])
    XCTAssertEqual(pairs.map { "\($0.0)=\($0.1)" }, ["bins=8", "progressive=true", "lr=0.1", "progressive=false"])
    XCTAssertThrowsError(try splitArguments(["real/", "--bins"], specs: specs)) { XCTAssertTrue("\($0)".contains("needs a value")) }
  }

  func testDeclarationsRoundTripThroughTheProtocolJSON() throws {
    for spec in specs {
      XCTAssertEqual(try OptionSpec(json: spec.json, plugin: "p"), spec, spec.name)
    }
    XCTAssertThrowsError(try OptionSpec(json: .object([("name", .string("Bad_Name")), ("type", .string("int"))]), plugin: "p"))
    XCTAssertThrowsError(try OptionSpec(json: .object([("name", .string("k")), ("type", .string("float"))]), plugin: "p"))
    XCTAssertThrowsError(try OptionSpec(json: .object([("name", .string("k")), ("type", .string("int")), ("min", .int(5)), ("default", .int(1))]), plugin: "p"))
  }

  func testJSONParserKeepsOrderAndRefusesHostileInput() throws {
    let json = try JSON.parse(#"{"b": 1, "a": [true, null, -2.5e3, "x\u00e9\n"], "c": {}}"#)
    XCTAssertEqual(json.render(indent: 0), JSON.object([("b", .int(1)), ("a", .array([.bool(true), .null, .number(-2500), .string("xé\n")])), ("c", .object([]))]).render(indent: 0))
    for bad in ["", "{", "[1,]", "{\"a\" 1}", "\"open", "01x", "nul", String(repeating: "[", count: 100) + String(repeating: "]", count: 100), "{} x"] {
      XCTAssertThrowsError(try JSON.parse(bad), bad)
    }
  }
}
