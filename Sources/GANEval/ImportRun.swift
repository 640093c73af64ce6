import EvalCore
import ImageIO

/// `import`: reads an IDX, CSV or NPY source and writes a labelled PNG sample directory; the CLI
/// command and the pipeline step both call this.
public enum ImportRun {
  public static func run(
    source: String, labels: String?, labelColumn: Importers.LabelColumn = .auto, keys: ImportKeys = ImportKeys(), color: ColorMode = .auto,
    limit: Int?, output: String, overwrite: Bool, threads: Int
  ) throws -> (set: ImageSet, line: String) {
    if let limit, limit < 1 { throw EvalError.badParameter(name: "--limit", reason: "must be at least 1, got \(limit)") }
    var set = try Importers.read(source, labels: labels, labelColumn: labelColumn, keys: keys, color: color)
    if let limit { set = set.subset(Array(0..<min(limit, set.count))) }
    try ImageSetWriter.write(set, to: output, overwrite: overwrite, threads: threads)
    let labelled = set.isLabelled ? "labelled, \(set.classes.count) classes" : "unlabelled"
    return (set, "imported \(set.count) \(set.isColor ? "RGB " : "")images of \(set.width)x\(set.height) (\(labelled)) from \(source) into \(output)")
  }
}
