// swift-tools-version:6.0
import PackageDescription

// MARK: - System libraries (Debian: libpng-dev, libturbojpeg0-dev, libopenblas-dev, libgsl-dev)

let systemLibraries: [Target] = [
  .systemLibrary(
    name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
    providers: [.apt(["libpng-dev", "zlib1g-dev"])]),
  .systemLibrary(
    name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
    providers: [.apt(["libopenblas-dev"])]),
  .systemLibrary(
    name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg",
    providers: [.apt(["libturbojpeg0-dev"])]),
  // No pkgConfig here: `pkg-config gsl` adds -lgslcblas, and BLAS must come from OpenBLAS.
  .systemLibrary(name: "CGSL", path: "Sources/CGSL", providers: [.apt(["libgsl-dev"])]),
]

// MARK: - Library modules (each depends only downward)

let modules: [Target] = [
  // Owns libpng's setjmp/longjmp and zlib's gzip stream, so Swift never sees a longjmp.
  .target(
    name: "PNGCodec", dependencies: ["CPNG"], path: "Sources/PNGCodec",
    linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("z")]),
  // zlib's raw inflate for .zip members (.npz archives), with its CRC-32.
  .target(name: "ZipCodec", path: "Sources/ZipCodec", linkerSettings: [.linkedLibrary("z")]),
  .target(name: "Workers"),
  .target(name: "ImageIO", dependencies: ["PNGCodec", "ZipCodec", "CTurboJPEG", "Workers"]),
  .target(name: "Plot"),
  .target(name: "LinearAlgebra", dependencies: ["CBLAS"]),
  .target(name: "TSNE", dependencies: ["CBLAS", "LinearAlgebra", "Workers"]),
  .target(name: "FeatureSpace", dependencies: ["CBLAS", "LinearAlgebra", "Workers"]),
  // Intervals (bootstrap, analytic), mergeable moments and size extrapolation over feature sets.
  .target(name: "SetStatistics", dependencies: ["CBLAS", "LinearAlgebra", "Workers", "FeatureSpace"]),
  .target(name: "NeuralNet", dependencies: ["CBLAS", "LinearAlgebra", "Workers"]),
  .target(name: "Classifier", dependencies: ["NeuralNet", "ImageIO", "Workers"]),
  // The plugin API: protocols, option declarations and values, Report/Table/JSON, RunContext.
  .target(name: "EvalCore", dependencies: ["ImageIO", "Workers"]),
  // Plugin modules: each depends on EvalCore and engines, never on a sibling plugin module.
  .target(name: "Metrics", dependencies: ["EvalCore", "ImageIO", "Plot", "Workers", "CGSL", "TSNE", "Classifier", "FeatureSpace", "SetStatistics"]),
  .target(name: "FeatureExtractors", dependencies: ["EvalCore", "ImageIO", "Classifier", "TSNE", "Workers"]),
  .target(name: "Generators", dependencies: ["EvalCore", "NeuralNet", "ImageIO", "Plot", "Workers", "TSNE", "LinearAlgebra"]),
  // The catalogue (built-ins + external plugins), the runs the CLI and pipelines share, pipelines, reports.
  .target(
    name: "GANEval",
    dependencies: [
      "EvalCore", "Metrics", "FeatureExtractors", "Generators", "Classifier", "FeatureSpace", "SetStatistics", "ImageIO", "Plot", "Workers", "CBLAS",
      "LinearAlgebra",
      .product(name: "Yams", package: "Yams"),
    ]),
  .executableTarget(name: "tsne-bench", dependencies: ["TSNE", "ImageIO"]),
  .executableTarget(name: "gemm-bench", dependencies: ["CBLAS"]),
  .executableTarget(name: "setstats-bench", dependencies: ["SetStatistics", "FeatureSpace", "ImageIO", "Workers"]),
  .executableTarget(
    name: "gan-eval",
    dependencies: [
      "GANEval", .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ]),
]

// MARK: - Tests

let tests: [Target] = [
  .target(name: "TestSupport", dependencies: ["ImageIO"], path: "Tests/TestSupport"),
  .testTarget(name: "ImageIOTests", dependencies: ["ImageIO", "TestSupport"]),
  .testTarget(name: "PlotTests", dependencies: ["Plot", "TestSupport"]),
  .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "TestSupport"]),
  .testTarget(name: "ClassifierTests", dependencies: ["Classifier", "FeatureSpace", "ImageIO", "TestSupport"]),
  .testTarget(name: "FeatureSpaceTests", dependencies: ["FeatureSpace", "ImageIO", "TestSupport"]),
  .testTarget(name: "SetStatisticsTests", dependencies: ["SetStatistics", "FeatureSpace", "ImageIO", "TestSupport"]),
  .testTarget(name: "GeneratorsTests", dependencies: ["Generators", "EvalCore", "NeuralNet", "ImageIO", "TestSupport"]),
  .testTarget(name: "TSNETests", dependencies: ["TSNE", "ImageIO", "TestSupport"]),
  .testTarget(name: "MetricsTests", dependencies: ["Metrics", "EvalCore", "ImageIO", "TestSupport"]),
  .testTarget(name: "EvalCoreTests", dependencies: ["EvalCore", "TestSupport"]),
  .testTarget(name: "GANEvalTests", dependencies: ["GANEval", "EvalCore", "Metrics", "Classifier", "ImageIO", "CBLAS", "TestSupport"]),
  .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "SetStatistics"]),
]

let package = Package(
  name: "gan-eval",
  products: [
    .executable(name: "gan-eval", targets: ["gan-eval"]),
    .library(name: "GANEval", targets: ["GANEval"]),
    // the engines whose file formats fuzz/ reads directly (a product, so a change rebuilds the fuzz targets)
    .library(name: "GANEvalFormats", targets: ["NeuralNet", "TSNE", "SetStatistics"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
  ],
  targets: systemLibraries + modules + tests
)
