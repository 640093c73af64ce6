import ArgumentParser
import GANEval

extension GanEval {
  /// `stats SET [--shard I/N] --features NAME... [--keep K] --out FILE.gestats`
  struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a set's mergeable statistics (a .gestats file), streaming it in bounded memory; one shard of it with --shard.",
      discussion: """
        Reads SET 2,048 images at a time and writes: the 256-bin pixel histogram over [0,1], every image's entropy as a
        fine histogram (0.001 bits) with its count, mean and M2, images per class (labels.csv or class folders), and for
        each --features space n, the Float64 mean and co-moment matrix (Chan et al.'s pairwise update). Memory does not
        grow with the number of images.

        --shard I/N takes slice I (0-based) of N of the set's file list sorted by path (byte order): contiguous slices
        whose sizes differ by at most one, the first (count mod N) one larger. `gan-eval merge` combines the N files
        into exactly the file one pass would write. --keep K also stores K feature rows per space, a seeded uniform
        subsample (bottom-K of a hash of each file's path and --seed) that merges into the subsample of the whole set;
        fid reads it for KID, precision/recall/density/coverage and the 1-NN test. The file format: docs/stats-format.md.

        Use the file in place of a directory: gan-eval fid REF.gestats fake/ (FD exact), gan-eval histogram REF.gestats
        fake/, gan-eval entropy REF.gestats fake/.
        """)

    @Argument(help: "The sample directory.") var set: String

    @Option(help: "Slice I of N of the sorted file list (0 ≤ I < N), e.g. 0/4; on Slurm $SLURM_ARRAY_TASK_ID/N.")
    var shard: String?

    @Option(
      parsing: .upToNextOption,
      help: "Feature spaces, NAME or NAME:key=value,... (e.g. pixels classifier:model=judge/); none: pixel and entropy statistics only.")
    var features: [String] = []

    @Option(help: "Feature rows to keep per space (a seeded subsample for KID, PRDC and the 1-NN test; 0 keeps none).")
    var keep: Int = 0

    @OptionGroup var common: CommonOptions

    func validate() throws {
      guard keep >= 0 && keep <= 10_000_000 else { throw ValidationError("--keep must be from 0 to 10,000,000 rows, got \(keep)") }
    }

    func run() throws {
      let shard = try shard.map(StatsRun.Shard.init(parsing:)) ?? .whole
      let request = StatsRun.Request(directory: set, shard: shard, features: try StatsRun.featureRequests(features), keep: keep)
      printWritten(try StatsRun.run(request, out: common.out, context: common.context(command: "stats")), json: common.json)
    }
  }

  /// `merge A.gestats B.gestats ... --out ALL.gestats`
  struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Merge the .gestats files of a set's shards into the file of the whole set.",
      discussion: """
        Exact: image, class and histogram counts add up; moments merge with Chan et al.'s pairwise formula in shard order
        (whatever the argument order), equal to one pass to rounding; the --keep subsample is the bottom-K of the union,
        the very rows one pass keeps. Refuses, naming the file and the difference, files of a different image size,
        extractor or extractor options, shard count, feature spaces or bins, shards given twice, and a missing shard
        (unless --partial).
        """)

    @Argument(help: "The shard files (e.g. shard-*.gestats).") var files: [String] = []

    @Flag(help: "Allow missing shards (the result covers only the shards given, and says which).")
    var partial = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
      guard !files.isEmpty else { throw ValidationError("give the .gestats files to merge") }
    }

    func run() throws {
      printWritten(try StatsRun.run(merging: files, requireComplete: !partial, out: common.out, context: common.context(command: "merge")), json: common.json)
    }
  }
}

/// Prints a written stats file's summary.json (--json) or its one-screen description.
func printWritten(_ written: StatsRun.Written, json: Bool) {
  print(json ? written.summary.render() : (written.lines + ["wrote \(written.path)"]).joined(separator: "\n"))
}
