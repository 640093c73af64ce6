// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for every parser gan-eval reads, kept out of the main package so `make test`
// never needs the fuzzer runtime. Build (see fuzz/run.sh):
//   swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address

// MARK: - One executable per parser, each a single LLVMFuzzerTestOneInput

let parsers = ["png", "idx", "csv", "npy", "labels", "model", "pipeline", "jpeg", "cifar", "npz", "gestats", "tsnemap", "plugin"]


let package = Package(
  name: "gan-eval-fuzz",
  dependencies: [.package(name: "gan-eval", path: "..")],
  targets: [
    .target(
      name: "FuzzTargets",
      dependencies: [.product(name: "GANEval", package: "gan-eval"), .product(name: "GANEvalFormats", package: "gan-eval")]),
    // SwiftPM gives every executable its own main, so each target starts libFuzzer's driver itself.
    .target(name: "CFuzzer"),
  ]
    + parsers.map { .executableTarget(name: "fuzz-\($0)", dependencies: ["FuzzTargets", "CFuzzer"]) }
)
