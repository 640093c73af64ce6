import ArgumentParser
import Foundation
import GANEval
import ImageIO

extension GanEval {
  struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a labelled PNG sample directory from MNIST IDX, CSV or NumPy .npy files.",
      discussion: """
        IDX: images file (.gz or plain); labels are found beside it (…-images-idx3 → …-labels-idx1) or given with --labels.
        CSV: one image per row, pixel columns plus a label column first or last, header optional.
        NPY: uint8 (0–255) or float (0–1), N×H×W or N×(H·W), with optional --labels .npy.
        """)

    @Argument(help: "The source file (.idx/-ubyte[.gz], .csv[.gz] or .npy).")
    var source: String

    @Option(help: "Labels file (IDX or .npy); IDX labels beside the images are found automatically.")
    var labels: String?

    @Option(help: "CSV label column: first, last, none or auto.")
    var labelColumn: String = "auto"

    @Option(help: "Output sample directory.")
    var out: String

    @Option(help: "Import only the first N images.")
    var limit: Int?

    @Flag(help: "Replace --out if it exists.")
    var overwrite = false

    @Option(help: "Worker threads.")
    var threads: Int = 2

    func run() throws {
      guard let column = Importers.LabelColumn(rawValue: labelColumn) else {
        throw ValidationError("--label-column must be first, last, none or auto")
      }
      var set = try Importers.read(source, labels: labels, labelColumn: column)
      if let limit {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        set = set.subset(Array(0..<min(limit, set.count)))
      }
      try ImageSetWriter.write(set, to: out, overwrite: overwrite, threads: threads)
      let labelled = set.isLabelled ? "labelled, \(set.classes.count) classes" : "unlabelled"
      print("imported \(set.count) images of \(set.width)x\(set.height) (\(labelled)) from \(source) into \(out)")
    }
  }

  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a sample directory as NumPy arrays: uint8 N×H×W images and int64 labels.")

    @Argument(help: "The sample directory.")
    var directory: String

    @Option(help: "Images .npy file to write.")
    var npy: String

    @Option(help: "Labels .npy file to write (the set must have integer labels).")
    var labels: String?

    @Option(help: "Worker threads.")
    var threads: Int = 2

    func run() throws {
      let set = try SampleDirectory.load(directory, options: LoadOptions(threads: threads))
      try exportNPY(set, imagesPath: npy, labelsPath: labels)
      print("exported \(set.count) images of \(set.width)x\(set.height) to \(npy)" + (labels.map { " and labels to \($0)" } ?? ""))
    }
  }
}
