import ArgumentParser
import GANEval

extension GanEval {
  struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a labelled PNG sample directory from MNIST IDX, CSV, NumPy .npy/.npz or CIFAR batch files.",
      discussion: """
        IDX: images file (.gz or plain); labels are found beside it (…-images-idx3 → …-labels-idx1) or given with --labels.
        CSV: one image per row, pixel columns plus a label column first or last, header optional.
        NPY: uint8 (0–255) or float (0–1), N×H×W, N×(H·W) or N×H×W×3 (RGB), with optional --labels .npy.
        NPZ: arrays x/y, images/labels or arr_0/arr_1, or named with --images-key and --labels-key.
        CIFAR-10/100 "python version" batches (pickles read by a restricted reader that runs no code); label names
        from batches.meta or meta beside the batch; --labels-key coarse_labels picks CIFAR-100's 20 superclasses.
        """)

    @Argument(help: "The source file (.idx/-ubyte[.gz], .csv[.gz] or .npy).")
    var source: String

    @Option(help: "Labels file (IDX or .npy); IDX labels beside the images are found automatically.")
    var labels: String?

    @Option(help: "CSV label column: first, last, none or auto.")
    var labelColumn: String = "auto"

    @Option(help: "Import only the first N images.")
    var limit: Int?

    @Option(help: "The images array of a .npz archive (default: x, images or arr_0).")
    var imagesKey: String?

    @Option(help: "The labels array of a .npz archive or CIFAR batch (default: y, labels or arr_1; CIFAR: labels or fine_labels).")
    var labelsKey: String?

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
        source: source, labels: labels, labelColumn: column, keys: ImportKeys(images: imagesKey, labels: labelsKey), color: context.color,
        limit: limit, output: context.outputDirectory, overwrite: overwrite, threads: context.threads)
      print(common.json ? OutputWriter.setJSON(set).render() : line)
    }
  }

  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a sample directory as NumPy arrays: uint8 N×H×W (gray) or N×H×W×3 (RGB) images and int64 labels.")

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
