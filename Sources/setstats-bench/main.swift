// Times FD + KID + PRDC + 1-NN on two feature sets without intervals (today's engines) and with
// B bootstrap replicates (SetStatistics), alternating, and prints one JSON line per run.
//   setstats-bench REAL.npy FAKE.npy [B=200] [repeats=3] [threads=2]
import FeatureSpace
import Foundation
import ImageIO
import SetStatistics
import Workers

//   setstats-bench --file-sizes
//     .gestats size per feature dimension (with and without a 1,000-row subsample) and the time
//     to encode, decode and merge 4 shards of 5,000 rows each.
//   setstats-bench --coverage REAL.npy FAKE.npy [pairs=20] [n=1000] [B=200]
//     cuts both sets into disjoint blocks of n rows (independent draws) and prints, per block
//     pair, each metric's value and 95% interval, to check the intervals' coverage.
let arguments = CommandLine.arguments
if arguments.count >= 2 && arguments[1] == "--file-sizes" {
  runFileSizes()
  exit(0)
}
if arguments.count >= 4 && arguments[1] == "--coverage" {
  runCoverage(Array(arguments.dropFirst(2)))
  exit(0)
}
guard arguments.count >= 3 else {
  FileHandle.standardError.write(Data("usage: setstats-bench REAL.npy FAKE.npy [B] [repeats] [threads]\n".utf8))
  exit(2)
}
func load(_ path: String) -> FeatureMatrix {
  do {
    let array = try NPY.read(path)
    return FeatureMatrix(rows: array.shape[0], columns: array.shape[1], values: array.values)
  } catch {
    FileHandle.standardError.write(Data("setstats-bench: cannot read \(path): \(error)\n".utf8))
    exit(1)
  }
}
let real = load(arguments[1]), fake = load(arguments[2])
let replicates = arguments.count > 3 ? Int(arguments[3])! : 200
let repeats = arguments.count > 4 ? Int(arguments[4])! : 3
let threads = arguments.count > 5 ? Int(arguments[5])! : 2
let seed: UInt64 = 1

func seconds(_ body: () -> Void) -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  body()
  return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// CPU seconds of the whole process (all threads): robust to other jobs on a shared machine.
func cpuSeconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// Today's step: FD, KID (100 subsets of 1,000), PRDC (k = 5), 1-NN.
func plain() -> [String: Double] {
  var out: [String: Double] = [:]
  out["fd_s"] = seconds { out["fd"] = frechetDistance(GaussianStatistics(real), GaussianStatistics(fake)) }
  out["kid_s"] = seconds {
    let subsets = KernelDistance.randomSubsets(realCount: real.rows, fakeCount: fake.rows, seed: seed)
    out["kid"] = meanAndStd(KernelDistance.values(real: real, fake: fake, subsets: subsets, threads: threads)).mean
  }
  out["prdc_s"] = seconds { out["recall"] = PRDC(real: real, fake: fake, k: 5, threads: threads).recall }
  out["onenn_s"] = seconds { out["onenn"] = OneNearestNeighbour(real: real, fake: fake, threads: threads).accuracy }
  return out
}

/// The same values with intervals; KID keeps today's subset mean and adds the interval of the
/// full-set MMD², so its cost is counted in full.
func withIntervals() -> [String: Double] {
  let plan = BootstrapPlan(replicates: replicates, seed: seed)
  var out: [String: Double] = [:]
  out["fd_s"] = seconds {
    let e = frechetDistanceEstimate(real: real, fake: fake, plan: plan, threads: threads)
    (out["fd"], out["fd_low"], out["fd_high"], out["fd_bias"]) = (e.value, e.low, e.high, e.bias)
  }
  out["kid_s"] = seconds {
    let subsets = KernelDistance.randomSubsets(realCount: real.rows, fakeCount: fake.rows, seed: seed)
    out["kid"] = meanAndStd(KernelDistance.values(real: real, fake: fake, subsets: subsets, threads: threads)).mean
    let e = kernelDistanceEstimate(real: real, fake: fake, plan: plan, threads: threads)
    (out["kid_full_set"], out["kid_low"], out["kid_high"]) = (e.value, e.low, e.high)
  }
  out["neighbours_s"] = seconds {
    let e = NeighbourBootstrap(real: real, fake: fake, k: 5, threads: threads).estimates(plan: plan, threads: threads)
    (out["recall"], out["recall_low"], out["recall_high"]) = (e.recall.value, e.recall.low, e.recall.high)
    (out["onenn"], out["onenn_low"], out["onenn_high"]) = (e.oneNNAccuracy.value, e.oneNNAccuracy.low, e.oneNNAccuracy.high)
    out["brute_force_replicates"] = Double(e.bruteForceReplicates)
  }
  return out
}

func json(_ values: [String: Double]) -> String {
  "{" + values.keys.sorted().map { "\"\($0)\": \(values[$0]!)" }.joined(separator: ", ") + "}"
}
print("{\"n_real\": \(real.rows), \"n_fake\": \(fake.rows), \"d\": \(real.columns), \"replicates\": \(replicates), \"threads\": \(threads)}")
for r in 0..<repeats {
  var a: [String: Double] = [:], b: [String: Double] = [:]
  let ca = cpuSeconds()
  let ta = seconds { a = plain() }
  let cb = cpuSeconds()
  let tb = seconds { b = withIntervals() }
  let cc = cpuSeconds()
  print("{\"repeat\": \(r), \"plain_s\": \(ta), \"bootstrap_s\": \(tb), \"plain_cpu_s\": \(cb - ca), \"bootstrap_cpu_s\": \(cc - cb), \"plain\": \(json(a)), \"bootstrap\": \(json(b))}")
  fflush(nil)
}

func runCoverage(_ args: [String]) {
  let real = load(args[0]), fake = load(args[1])
  let pairs = args.count > 2 ? Int(args[2])! : 20, n = args.count > 3 ? Int(args[3])! : 1000
  let plan = BootstrapPlan(replicates: args.count > 4 ? Int(args[4])! : 200, seed: 5)
  precondition(pairs * n <= min(real.rows, fake.rows), "not enough rows for \(pairs) blocks of \(n)")
  for p in 0..<pairs {
    let rows = Array((p * n)..<((p + 1) * n))
    let (r, f) = (real.subset(rows), fake.subset(rows))
    let fd = frechetDistanceEstimate(real: r, fake: f, plan: plan, threads: 2)
    let kid = kernelDistanceEstimate(real: r, fake: f, plan: plan, threads: 2)
    let nb = NeighbourBootstrap(real: r, fake: f, k: 5, threads: 2).estimates(plan: plan, threads: 2)
    var fields: [String] = []
    for (name, e) in [("fd", fd), ("kid", kid), ("precision", nb.precision), ("recall", nb.recall), ("density", nb.density),
                      ("coverage", nb.coverage), ("onenn", nb.oneNNAccuracy)] {
      fields.append("\"\(name)\": [\(e.value), \(e.low), \(e.high), \(e.bias)]")
    }
    print("{\"pair\": \(p), " + fields.joined(separator: ", ") + "}")
    fflush(nil)
  }
}

func runFileSizes() {
  for d in [32, 128, 512, 2048] {
    var random = SplitMix64(seed: UInt64(d))
    var shards: [(path: String, stats: SetStats)] = []
    var buildSeconds = 0.0
    for shard in 0..<4 {
      let rows = 5000
      let values = (0..<(rows * d)).map { _ in random.nextGaussian() }
      var subsample = FeatureSubsample(capacity: 1000, dimension: d, seed: 3)
      var moments = FeatureMoments(dimension: d)
      buildSeconds += seconds {
        moments.add(FeatureMatrix(rows: rows, columns: d, values: values))
        for i in 0..<rows { subsample.add(Array(values[(i * d)..<((i + 1) * d)]), identity: "img-\(shard)-\(i)") }
      }
      let identity = StatsIdentity(
        fileCount: rows, fileListDigest: 0, width: 28, height: 28, channels: 1, extractor: "bench", extractorOptions: "-", shardCount: 4, shards: [shard])
      shards.append(("s\(shard)", SetStats(identity: identity, spaces: [SpaceStats(name: "f", moments: moments, subsample: subsample)])))
    }
    var bare = shards[0].stats
    bare.spaces[0].subsample = nil
    var bytes: [UInt8] = []
    let encodeSeconds = seconds { bytes = shards[0].stats.encode() }
    let decodeSeconds = seconds { _ = try! SetStats.decode(bytes, path: "s0") }
    var merged: SetStats?
    let mergeSeconds = seconds { merged = try! SetStats.merge(shards) }
    print("{\"d\": \(d), \"bytes_moments_only\": \(bare.encode().count), \"bytes_with_1000_row_subsample\": \(bytes.count), \"build_4x5000_rows_s\": \(buildSeconds), \"encode_s\": \(encodeSeconds), \"decode_s\": \(decodeSeconds), \"merge_4_s\": \(mergeSeconds), \"merged_count\": \(merged!.spaces[0].moments.count)}")
  }
}
