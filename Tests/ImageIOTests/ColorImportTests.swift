import Foundation
import ImageIO
import TestSupport
import XCTest

/// CIFAR-format batches, .npz archives and colour .npy (fixtures/make_import_fixtures.py: real
/// digits painted in colour and crops of scikit-image's photographs, written by pickle and numpy).
final class ColorImportTests: XCTestCase {
  let root = Repo.fixtures + "/import"

  /// The images a batch must hold (numpy's own interleaving of CIFAR's planes), as 8-bit levels.
  func expectedLevels(_ batch: String) throws -> [UInt8] {
    let array = try NPY.read(batch + ".expected.npy")
    XCTAssertEqual(array.shape, [12, 32, 32, 3])
    return array.values.map { UInt8($0) }
  }

  func expectedLabels(_ csv: String) throws -> (numbers: [String], names: [String]) {
    let rows = try goldenRows(String(csv.dropFirst(Repo.fixtures.count + 1)))
    return (rows.map { $0["label"]! }, rows.map { $0["name"]! })
  }

  func levels(_ set: ImageSet) -> [UInt8] { (0..<set.count).flatMap { set.grayLevels($0) } }

  func testCIFAR10OriginalLayoutWithLabelNames() throws {
    let batch = root + "/cifar10/data_batch_1"
    let set = try Importers.readCIFAR(batch)
    XCTAssertEqual(set.count, 12)
    XCTAssertEqual([set.width, set.height, set.channels], [32, 32, 3])
    XCTAssertEqual(levels(set), try expectedLevels(batch))
    XCTAssertEqual(set.labels.map { $0! }, try expectedLabels(batch + ".labels.csv").names)  // from batches.meta
    XCTAssertEqual(set.labels[0], "airplane")
    XCTAssertEqual(set.image(0).first, Float(set.grayLevels(0)[0]) / 255)
    // Importers.read tells the pickle by its first bytes (the file has no extension)
    let dispatched = try Importers.read(batch)
    XCTAssertEqual(dispatched.pixels, set.pixels)
    XCTAssertEqual(dispatched.labels, set.labels)
  }

  func testCIFARPickledByPython3AtProtocols2And5HaveNumberLabelsWithoutMeta() throws {
    for batch in [root + "/cifar10_py3_proto2/data_batch_1", root + "/cifar10_proto5/test_batch"] {
      let set = try Importers.read(batch)
      XCTAssertEqual(set.channels, 3, batch)
      XCTAssertEqual(levels(set), try expectedLevels(batch), batch)
      XCTAssertEqual(set.labels.map { $0! }, try expectedLabels(batch + ".labels.csv").numbers, batch)
    }
  }

  func testCIFAR100Protocol4FineAndCoarseLabels() throws {
    let batch = root + "/cifar100_proto4/train"
    let fine = try Importers.readCIFAR(batch)
    XCTAssertEqual(levels(fine), try expectedLevels(batch))
    XCTAssertEqual(fine.labels.map { $0! }, try expectedLabels(batch + ".labels.csv").names)
    let coarse = try Importers.readCIFAR(batch, labelKey: "coarse_labels")
    XCTAssertEqual(coarse.labels.map { $0! }, try expectedLabels(batch + ".coarse.csv").names)
    XCTAssertThrowsError(try Importers.readCIFAR(batch, labelKey: "superclass")) { error in
      XCTAssertTrue(String(describing: error).contains("has no 'superclass' entry"), "\(error)")
    }
  }

  func testPickleThatWouldRunCodeIsRefusedUnrun() throws {
    XCTAssertThrowsError(try Importers.read(root + "/evil.pkl")) { error in
      let text = String(describing: error)
      XCTAssertTrue(text.hasPrefix(root + "/evil.pkl: not a readable pickle: "), text)
      XCTAssertTrue(text.contains("posix.system") || text.contains("os.system"), text)
      XCTAssertTrue(text.contains("refuses to load"), text)
    }
  }

  func testDamagedPicklesAreClearErrors() throws {
    let good = try readFile(root + "/cifar10/data_batch_1")
    let dir = temporaryDirectory("pickle")
    // cut anywhere: never a crash, always the file's name
    for cut in [2, 3, 40, 150, good.count / 2, good.count - 1] {
      try writeFile(dir + "/cut", Array(good.prefix(cut)))
      XCTAssertThrowsError(try Importers.readCIFAR(dir + "/cut"), "cut at \(cut)") { error in
        XCTAssertTrue(String(describing: error).hasPrefix(dir + "/cut: "), "\(error)")
      }
    }
    // a length field that claims more than the file holds
    var long = good
    let t = long.firstIndex(of: 0x54)!  // BINSTRING of the pixel data
    long[t + 4] = 0x7F
    try writeFile(dir + "/long", long)
    XCTAssertThrowsError(try Importers.readCIFAR(dir + "/long")) { error in
      XCTAssertTrue(String(describing: error).contains("runs past the end of the file"), "\(error)")
    }
    // an opcode outside the restricted set (INST, protocol 0's class instantiation)
    try writeFile(dir + "/inst", [0x80, 0x02, 0x28, 0x69] + Array("os\nsystem\n".utf8) + [0x2E])
    XCTAssertThrowsError(try Importers.readCIFAR(dir + "/inst")) { error in
      XCTAssertTrue(String(describing: error).contains("opcode 0x69"), "\(error)")
    }
    // a pickle that is not a CIFAR batch
    try writeFile(dir + "/list", [0x80, 0x02, 0x5D, 0x2E])
    XCTAssertThrowsError(try Importers.readCIFAR(dir + "/list")) { error in
      XCTAssertTrue(String(describing: error).contains("without a 'data' entry"), "\(error)")
    }
    // a self-containing list (a cycle) ends in a clear error, not a hang or a crash
    try writeFile(dir + "/cycle", [0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E])
    XCTAssertThrowsError(try Pickle.load(readFile(dir + "/cycle"), path: dir + "/cycle")) { error in
      XCTAssertTrue(String(describing: error).contains("nested deeper"), "\(error)")
    }
    // 100,000 TUPLE1s around one None: refused at the 65th, where releasing the whole chain
    // overflowed the stack before (fuzzing's reproducer: fuzz/regressions/cifar)
    try writeFile(dir + "/deep", [0x80, 0x02, 0x4E] + Array(repeating: 0x85, count: 100_000) + [0x2E])
    XCTAssertThrowsError(try Importers.readCIFAR(dir + "/deep")) { error in
      XCTAssertTrue(String(describing: error).contains("tuples nested deeper than 64 levels (at byte 67)"), "\(error)")
    }
    let found = Repo.root + "/fuzz/regressions/cifar/stack-overflow-40000-nested-tuples.pickle"
    XCTAssertThrowsError(try Importers.readCIFAR(found)) { error in
      XCTAssertTrue(String(describing: error).contains("tuples nested deeper than 64 levels"), "\(error)")
    }
  }

  /// Seeded random damage (byte flips, cuts) to every fixture format: each load must succeed or
  /// throw an error naming the file; a crash or a hang fails the whole test run.
  func testRandomlyDamagedFilesNeverCrash() throws {
    let dir = temporaryDirectory("damage")
    var state: UInt64 = 14
    func next(_ bound: Int) -> Int {
      state = state &* 6364136223846793005 &+ 1442695040888963407  // Knuth's MMIX LCG
      return Int((state >> 33) % UInt64(bound))
    }
    let sources = [
      "cifar10/data_batch_1", "cifar10_py3_proto2/data_batch_1", "cifar100_proto4/train", "cifar10_proto5/test_batch",
      "npz/colour_savez.npz", "npz/colour_savez_compressed.npz",
    ]
    var outcomes = (loaded: 0, refused: 0)
    for source in sources {
      let good = try readFile(root + "/" + source)
      let isArchive = source.hasSuffix(".npz")
      // damage the structure (first 300 bytes and the last 120, where the zip directory is) more than the pixels
      for trial in 0..<60 {
        var bytes = good
        for _ in 0..<(1 + next(3)) {
          let at = trial % 2 == 0 ? next(min(300, bytes.count)) : max(0, bytes.count - 1 - next(120))
          bytes[at] ^= UInt8(1 + next(255))
        }
        if trial % 10 == 9 { bytes.removeLast(next(bytes.count)) }
        let path = dir + "/damaged" + (isArchive ? ".npz" : "")
        try writeFile(path, bytes)
        do {
          _ = try isArchive ? Importers.readNPZ(path) : Importers.readCIFAR(path)
          outcomes.loaded += 1
        } catch let error as EvalError {
          XCTAssertTrue(error.description.hasPrefix(path), "\(source) trial \(trial): \(error)")
          outcomes.refused += 1
        }
      }
    }
    XCTAssertEqual(outcomes.loaded + outcomes.refused, 360)
    XCTAssertGreaterThan(outcomes.refused, 200, "most structural damage must be detected: \(outcomes)")
  }

  func testNPZStoredAndDeflatedMatchNumpysOwnArrays() throws {
    for name in ["colour_savez", "colour_savez_compressed", "positional"] {
      let path = root + "/npz/\(name).npz"
      let set = try Importers.read(path)
      let x = try NPY.read(root + "/npz/\(name).x.npy")
      let y = try NPY.read(root + "/npz/\(name).y.npy")
      XCTAssertEqual(x.shape, [10, 28, 28, 3])
      XCTAssertEqual([set.count, set.height, set.width, set.channels], x.shape, name)
      XCTAssertEqual(levels(set), x.values.map { UInt8($0) }, name)
      XCTAssertEqual(set.pixels, x.values.map { Float($0 / 255) }, name)
      XCTAssertEqual(set.labels.map { $0! }, y.values.map { String(Int($0)) }, name)
    }
  }

  func testNPZNamedArraysAndFloatGray() throws {
    let path = root + "/npz/gray_float_named.npz"
    XCTAssertThrowsError(try Importers.read(path)) { error in
      let text = String(describing: error)
      XCTAssertTrue(text.contains("'train_images'") && text.contains("none is named x"), text)
    }
    let set = try Importers.readNPZ(path, imagesKey: "train_images", labelsKey: "train_labels")
    let x = try NPY.read(root + "/npz/gray_float_named.x.npy")
    XCTAssertEqual([set.count, set.height, set.width, set.channels], [10, 28, 28, 1])
    XCTAssertEqual(set.pixels, x.values.map { Float($0) })
    XCTAssertEqual(set.labels.map { $0! }, try NPY.read(root + "/npz/gray_float_named.y.npy").values.map { String(Int($0)) })
    XCTAssertNil(try Importers.readNPZ(path, imagesKey: "train_images").labels[0])
    XCTAssertThrowsError(try Importers.readNPZ(path, imagesKey: "train_images", labelsKey: "notes")) { error in
      XCTAssertTrue(String(describing: error).contains("[notes]: labels must be 10 integers"), "\(error)")
    }
    XCTAssertThrowsError(try Importers.readNPZ(path, imagesKey: "pixels")) { error in
      XCTAssertTrue(String(describing: error).contains("has no array 'pixels'"), "\(error)")
    }
  }

  func testDamagedNPZAreClearErrors() throws {
    let dir = temporaryDirectory("npz")
    let good = try readFile(root + "/npz/colour_savez_compressed.npz")
    for cut in [10, good.count / 2, good.count - 30] {
      try writeFile(dir + "/cut.npz", Array(good.prefix(cut)))
      XCTAssertThrowsError(try Importers.read(dir + "/cut.npz"), "cut at \(cut)") { error in
        XCTAssertTrue(String(describing: error).hasPrefix(dir + "/cut.npz"), "\(error)")
      }
    }
    // a flipped byte inside the deflated pixels: a zlib error or the CRC-32 catches it
    var flipped = good
    flipped[400] ^= 0x55
    try writeFile(dir + "/flipped.npz", flipped)
    XCTAssertThrowsError(try Importers.read(dir + "/flipped.npz")) { error in
      let text = String(describing: error)
      XCTAssertTrue(text.contains("CRC-32") || text.contains("deflate") || text.contains("inflates"), text)
    }
  }

  /// An archive whose .npy header declares a shape far larger than the data: refused from the
  /// header, before inflating, with the directory's size disagreeing too.
  func testNPZHeaderIsCheckedBeforeInflating() throws {
    let dir = temporaryDirectory("npz-bomb")
    var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (100000000, 64, 64, 3), }"
    header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
    let npy = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + [UInt8](repeating: 7, count: 100)
    try writeFile(dir + "/x.npy", npy)
    let zip = Process()
    zip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    zip.arguments = ["python3", "-c", "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED); z.write(sys.argv[2],'x.npy'); z.close()", dir + "/bomb.npz", dir + "/x.npy"]
    try zip.run()
    zip.waitUntilExit()
    XCTAssertEqual(zip.terminationStatus, 0)
    XCTAssertThrowsError(try Importers.readNPZ(dir + "/bomb.npz", maxValues: 1 << 30)) { error in
      XCTAssertTrue(String(describing: error).contains("above the import limit"), "\(error)")
    }
    XCTAssertThrowsError(try Importers.readNPZ(dir + "/bomb.npz", maxValues: Int.max)) { error in
      XCTAssertTrue(String(describing: error).contains("bytes by the archive's directory but"), "\(error)")
    }
  }

  func testColourNPYImportsAsRGBAndExportRoundTrips() throws {
    let path = root + "/npz/colour_savez.x.npy"
    let set = try Importers.read(path, labels: root + "/npz/colour_savez.y.npy")
    XCTAssertEqual([set.count, set.height, set.width, set.channels], [10, 28, 28, 3])
    XCTAssertTrue(set.isColor)
    let dir = temporaryDirectory("rgb-export")
    try exportNPY(set, imagesPath: dir + "/x.npy", labelsPath: dir + "/y.npy")
    let written = try NPY.read(dir + "/x.npy")
    XCTAssertEqual(written.shape, [10, 28, 28, 3])
    XCTAssertEqual(written.descr, "|u1")
    XCTAssertEqual(written.values, try NPY.read(path).values)  // the very bytes numpy wrote
    let back = try Importers.read(dir + "/x.npy", labels: dir + "/y.npy")
    XCTAssertEqual(back.pixels, set.pixels)
    XCTAssertEqual(back.labels, set.labels)
    // a gray set still exports N×H×W
    let gray = try Importers.readNPZ(root + "/npz/gray_float_named.npz", imagesKey: "train_images")
    try exportNPY(gray, imagesPath: dir + "/g.npy", labelsPath: nil)
    XCTAssertEqual(try NPY.read(dir + "/g.npy").shape, [10, 28, 28])
  }

  func testCIFARExportsAsRGBNPY() throws {
    let set = try Importers.readCIFAR(root + "/cifar10_py3_proto2/data_batch_1")
    let dir = temporaryDirectory("cifar-export")
    try exportNPY(set, imagesPath: dir + "/x.npy", labelsPath: dir + "/y.npy")
    let written = try NPY.read(dir + "/x.npy")
    XCTAssertEqual(written.shape, [12, 32, 32, 3])
    XCTAssertEqual(written.values.map { UInt8($0) }, try expectedLevels(root + "/cifar10_py3_proto2/data_batch_1"))
  }

  func testReadWithKeysAndColourMode() throws {
    let npz = root + "/npz/gray_float_named.npz"
    let named = try Importers.read(npz, keys: ImportKeys(images: "train_images", labels: "train_labels"))
    XCTAssertEqual(named.pixels, try Importers.readNPZ(npz, imagesKey: "train_images", labelsKey: "train_labels").pixels)
    XCTAssertEqual(named.labels, try Importers.readNPZ(npz, imagesKey: "train_images", labelsKey: "train_labels").labels)
    let coarse = try Importers.read(root + "/cifar100_proto4/train", keys: ImportKeys(labels: "coarse_labels"))
    XCTAssertEqual(coarse.labels.map { $0! }, try expectedLabels(root + "/cifar100_proto4/train.coarse.csv").names)
    XCTAssertThrowsError(try Importers.read(Repo.digitsCSV, keys: ImportKeys(images: "x"))) { error in
      XCTAssertTrue(String(describing: error).contains("applies to .npz archives and CIFAR-format batches"), "\(error)")
    }
    XCTAssertThrowsError(try Importers.read(root + "/npz/colour_savez.npz", labels: root + "/npz/colour_savez.y.npy")) { error in
      XCTAssertTrue(String(describing: error).contains("carries its own labels"), "\(error)")
    }
    // luma: Pillow's convert("L") rounding on the 8-bit levels, as numpy computes it from the expected pixels
    let batch = root + "/cifar10/data_batch_1"
    let luma = try Importers.read(batch, keys: ImportKeys(), color: .luma)
    XCTAssertEqual(luma.channels, 1)
    let rgb = try expectedLevels(batch)
    var expected: [UInt8] = []
    for p in 0..<(rgb.count / 3) {
      let red: UInt32 = UInt32(rgb[3 * p]) * 19595
      let green: UInt32 = UInt32(rgb[3 * p + 1]) * 38470
      let blue: UInt32 = UInt32(rgb[3 * p + 2]) * 7471
      expected.append(UInt8((red + green + blue + 0x8000) >> 16))
    }
    XCTAssertEqual(levels(luma), expected)
    // rgb: a gray source becomes R = G = B; auto keeps it gray
    let gray = try Importers.read(npz, keys: ImportKeys(images: "train_images"), color: .rgb)
    XCTAssertEqual(gray.channels, 3)
    XCTAssertEqual(levels(gray), levels(named).flatMap { [$0, $0, $0] })
    XCTAssertEqual(try Importers.read(npz, keys: ImportKeys(images: "train_images")).channels, 1)
  }

  /// A colour JPEG set loaded as RGB then converted equals the same set loaded under --color luma.
  func testConvertedLumaMatchesLoadingAsLuma() throws {
    let dir = temporaryDirectory("jpeg-luma")
    for name in ["chelsea_baseline_420_q50", "chelsea_progressive_422"] {
      try writeFile(dir + "/\(name).jpg", readFile(Repo.fixtures + "/jpeg/\(name).jpg"))
    }
    let rgb = try SampleDirectory.load(dir, options: LoadOptions(threads: 2))
    var options = LoadOptions(threads: 2)
    options.color = .luma
    let luma = try SampleDirectory.load(dir, options: options)
    XCTAssertEqual(rgb.converted(to: .luma).pixels, luma.pixels)
    XCTAssertEqual(rgb.converted(to: .auto).pixels, rgb.pixels)
  }

  func testBadColourArrayShapesAreExplained() throws {
    let dir = temporaryDirectory("npy-shapes")
    try NPY.writeUInt8(dir + "/chw.npy", shape: [2, 3, 8, 8], values: [UInt8](repeating: 1, count: 2 * 3 * 64))
    XCTAssertThrowsError(try Importers.read(dir + "/chw.npy")) { error in
      XCTAssertTrue(String(describing: error).contains("channel-first"), "\(error)")
    }
    try NPY.writeUInt8(dir + "/rgba.npy", shape: [2, 8, 8, 4], values: [UInt8](repeating: 1, count: 2 * 4 * 64))
    XCTAssertThrowsError(try Importers.read(dir + "/rgba.npy")) { error in
      XCTAssertTrue(String(describing: error).contains("x[..., :3]"), "\(error)")
    }
  }
}
