import EvalCore
import Foundation
import ImageIO
import Plot
import Workers

/// `sharpness`: how much fine detail each image carries, as the variance of its Laplacian (the
/// common blur measure). Blurry generators score low; over-sharpened or noisy ones high.
///
/// The Laplacian is `scipy.ndimage.laplace` on the image as Float64 8-bit gray levels (mode
/// reflect): the second difference [1, −2, 1] down the columns plus across the rows; its
/// population variance (`numpy.var`) over the image's pixels is the image's sharpness.
public struct SharpnessMetric: Metric, PluginDeclaration {
  public static let name = "sharpness"
  public static let summary = "per-image variance of the Laplacian (blur measure, as scipy.ndimage.laplace(img).var() on 8-bit levels)"
  public static let options: [OptionSpec] = [
    .choice("mode", default: BoundaryMode.reflect, "Boundary mode of the Laplacian, as scipy.ndimage.")
  ]

  public let mode: BoundaryMode

  public init(options: OptionValues) throws { mode = options.choice("mode") }

  public var notes: [(String, JSON)] { [("unit", .string("8-bit gray levels squared"))] }

  /// The variance of the Laplacian of one image given as Float64 gray levels (row-major).
  public func sharpness(_ image: [Double], width: Int, height: Int) -> Double {
    var laplacian = [Double](repeating: 0, count: image.count)
    func at(_ x: Int, _ y: Int) -> Double {
      guard let sx = mode.index(x, count: width), let sy = mode.index(y, count: height) else { return 0 }
      return image[sy * width + sx]
    }
    for y in 0..<height {
      for x in 0..<width {
        let centre = image[y * width + x]
        laplacian[y * width + x] = (at(x, y - 1) - 2 * centre + at(x, y + 1)) + (at(x - 1, y) - 2 * centre + at(x + 1, y))
      }
    }
    let mean = laplacian.reduce(0, +) / Double(laplacian.count)
    return laplacian.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(laplacian.count)
  }

  public func evaluate(_ sets: [ImageSet], context: RunContext) throws -> Report {
    var report = Report(metric: Self.name)
    var table = Table(name: "sharpness", columns: ["set", "file", "label", "laplacian_variance"])
    var perSet: [(String, JSON)] = []
    var all: [[Double]] = []
    for set in sets {
      var values = [Double](repeating: 0, count: set.count)
      values.withUnsafeMutableBufferPointer { buffer in
        let out = SharedBuffer(buffer.baseAddress!)
        try? parallelFor(set.count, threads: context.threads) { index in
          out[index] = sharpness(set.lumaLevels(index).map(Double.init), width: set.width, height: set.height)
        }
      }
      all.append(values)
      for i in 0..<set.count { table.rows.append([set.name, set.files[i], set.labels[i] ?? "", csvNumber(values[i])]) }
      let summary = SampleSummary(values)
      perSet.append((set.name, summary.json))
      report.lines.append("\(set.name): n=\(summary.n), Laplacian variance mean \(format4(summary.mean)) (median \(format4(summary.median)))")
    }
    report.tables.append(table)
    report.scalars.append(("sets", .object(perSet)))
    for (set, values) in zip(sets, all).dropFirst() {
      let ratio = SampleSummary(values).mean / SampleSummary(all[0]).mean
      report.scalars.append(("\(set.name)_to_\(sets[0].name)_mean_ratio", .number(ratio)))
      report.lines.append("\(set.name) / \(sets[0].name): mean sharpness ratio \(format4(ratio)) (1 = as sharp)")
    }
    if context.makeFigures {
      let upper = (all.joined().max() ?? 1) + 1e-9
      let bins = Bins(count: 40, lower: 0, upper: upper)
      var chart = Chart(title: "Per-image sharpness", xLabel: "variance of the Laplacian (gray levels²)", yLabel: "share of images")
      for (set, values) in zip(sets, all) {
        var counts = [Double](repeating: 0, count: bins.count)
        for v in values { if let b = bins.index(of: v) { counts[b] += 1 } }
        chart.layers.append(.steps(name: "\(set.name) (n=\(set.count))", edges: bins.edges, heights: counts.map { $0 / Double(max(values.count, 1)) }))
      }
      report.figures.append(Figure(name: "sharpness", svg: chart.svg()))
    }
    return report
  }
}
