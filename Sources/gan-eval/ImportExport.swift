import ArgumentParser
import GANEval

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

    @Option(help: "Import only the first N images.")
    var limit: Int?

    @Flag(help: "Replace --out if it exists.")
    var overwrite = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
      guard common.out != nil else { throw ValidationError("give --out DIR: the sample directory to write") }
    }

    func run() throws {
      guard let column = Importers.LabelColumn(rawValue: labelColumn) else {
        throw ValidationError("--label-column must be first, last, none or auto")
      }
      let context = common.context(command: "import")
      let (set, line) = try ImportRun.run(
        source: source, labels: labels, labelColumn: column, limit: limit, output: context.outputDirectory, overwrite: overwrite, threads: context.threads)
      print(common.json ? OutputWriter.setJSON(set).render() : line)
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

    @OptionGroup var common: CommonOptions

    func run() throws {
      let set = try loadSets([directory], context: common.context(command: "export"))[0]
      try exportNPY(set, imagesPath: npy, labelsPath: labels)
      print(common.json ? OutputWriter.setJSON(set).render() : "exported \(set.count) images of \(set.width)x\(set.height) to \(npy)" + (labels.map { " and labels to \($0)" } ?? ""))
    }
  }
}
