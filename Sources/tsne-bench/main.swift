// Runs the TSNE engine on a float matrix from a .npy file, for the side-by-side benchmark
// (bench/tsne_bench.py), so gan-eval and its peers embed exactly the same PCA-50 input.
// Usage: tsne-bench X.npy DIMS exact|barnes-hut|fft ITERATIONS THREADS [TRUST_POINTS]
// Prints one JSON line: seconds (affinities + optimisation), kl, iterations, trustworthiness.
import Foundation
import ImageIO
import TSNE

let arguments = CommandLine.arguments
// tsne-bench place MAP_ROWS.npy NEW_ROWS.npy THREADS: builds a map of the first file's rows (PCA
// to 50, default t-SNE), places the second file's rows into it with the placement defaults, and
// prints one JSON line with both times and both coordinate sets (for bench/tsne_transform_bench.py).
if arguments.count == 5 && arguments[1] == "place", let threads = Int(arguments[4]) {
  let reference = try NPY.read(arguments[2]), fresh = try NPY.read(arguments[3])
  var options = TSNEOptions()
  options.threads = threads
  var clock = Date()
  let map = try TSNEMap.build(reference.values, rows: reference.shape[0], columns: reference.shape[1], options: options).map
  let mapSeconds = Date().timeIntervalSince(clock)
  var placing = PlacementOptions()
  placing.threads = threads
  clock = Date()
  let placed = try map.place(fresh.values, count: fresh.shape[0], options: placing)
  let placeSeconds = Date().timeIntervalSince(clock)
  let list = { (values: [Double]) in "[" + values.map { String($0) }.joined(separator: ",") + "]" }
  print("{\"map_seconds\": \(mapSeconds), \"place_seconds\": \(placeSeconds), \"map\": \(list(map.embedding)), \"placed\": \(list(placed.coordinates))}")
  exit(0)
}
// tsne-bench knn X.npy exact|approx K THREADS OUT.npy: writes the n × k neighbour indices (int64,
// flattened) and prints {"seconds": ...}; bench/tsne_knn_bench.py scores recall against exact.
if arguments.count == 7 && arguments[1] == "knn", let method = KNNMethod(rawValue: arguments[3]), let k = Int(arguments[4]),
  let threads = Int(arguments[5])
{
  let array = try NPY.read(arguments[2])
  let (n, d) = (array.shape[0], array.shape[1])
  let start = Date()
  var index = makeNeighborIndex(method, data: array.values, rows: n, columns: d, seed: 0)
  // TSNE_NND_TREES, TSNE_NND_CANDIDATES, TSNE_NND_ROUNDS, TSNE_NND_LEAF: NN-descent settings for tuning
  if var approx = index as? NNDescentIndex {
    let environment = ProcessInfo.processInfo.environment
    if let v = environment["TSNE_NND_TREES"].flatMap(Int.init) { approx.settings.trees = v }
    if let v = environment["TSNE_NND_CANDIDATES"].flatMap(Int.init) { approx.settings.maxCandidates = v }
    if let v = environment["TSNE_NND_ROUNDS"].flatMap(Int.init) { approx.settings.rounds = v }
    if let v = environment["TSNE_NND_LEAF"].flatMap(Int.init) { approx.settings.leafSize = v }
    if let v = environment["TSNE_NND_DELTA"].flatMap(Double.init) { approx.settings.delta = v }
    index = approx
  }
  let neighbors = index.build(k: k, threads: threads)
  let seconds = Date().timeIntervalSince(start)
  try NPY.writeInt64(arguments[6], values: neighbors.indices.map(Int64.init))
  print("{\"seconds\": \(seconds)}")
  exit(0)
}
guard arguments.count >= 6, let dims = Int(arguments[2]), let method = GradientMethod(rawValue: arguments[3]),
  let iterations = Int(arguments[4]), let threads = Int(arguments[5])
else {
  FileHandle.standardError.write(Data("usage: tsne-bench X.npy DIMS exact|barnes-hut|fft ITERATIONS THREADS [TRUST_POINTS]\n".utf8))
  exit(2)
}
let array = try NPY.read(arguments[1])
let (n, d) = (array.shape[0], array.shape[1])
var options = TSNEOptions()
options.dims = dims
options.method = method
options.iterations = iterations
options.threads = threads
options.iterationsWithoutProgress = Int.max  // run every iteration, as the peers are asked to
// TSNE_SCHEDULE=opentsne|scikit-learn picks the learning-rate schedule (default: the method's own)
if let name = ProcessInfo.processInfo.environment["TSNE_SCHEDULE"], let schedule = LearningRateSchedule(rawValue: name) {
  options.schedule = schedule
}
// TSNE_FFT_NODES and TSNE_FFT_WIDTH set the FFT method's grid (defaults 3 and 1, as openTSNE)
if let nodes = ProcessInfo.processInfo.environment["TSNE_FFT_NODES"].flatMap(Int.init) { options.interpolationNodes = nodes }
// TSNE_THETA sets Barnes-Hut's opening angle (default: auto, 0.5)
if let theta = ProcessInfo.processInfo.environment["TSNE_THETA"].flatMap(Double.init) { options.theta = theta }
// TSNE_KNN=exact|approx|auto picks the kNN method (default: auto)
if let name = ProcessInfo.processInfo.environment["TSNE_KNN"], let knn = KNNMethod(rawValue: name) { options.knn = knn }
if let width = ProcessInfo.processInfo.environment["TSNE_FFT_WIDTH"].flatMap(Double.init) { options.interpolationIntervalWidth = width }
// TSNE_FFT3_NODES, TSNE_FFT3_WIDTH and TSNE_FFT3_SIDE set the 3D FFT grid (nodes, widest interval, largest side)
if let nodes = ProcessInfo.processInfo.environment["TSNE_FFT3_NODES"].flatMap(Int.init) { options.interpolationNodes3D = nodes }
if let width = ProcessInfo.processInfo.environment["TSNE_FFT3_WIDTH"].flatMap(Double.init) { options.interpolationIntervalWidth3D = width }
if let side = ProcessInfo.processInfo.environment["TSNE_FFT3_SIDE"].flatMap(Int.init) { options.interpolationMaxSide3D = side }
let start = Date()
let result: Embedding
do {
  result = try TSNE.embed(array.values, rows: n, columns: d, options: options)
} catch {
  FileHandle.standardError.write(Data("tsne-bench: \(error)\n".utf8))
  exit(1)
}
let seconds = Date().timeIntervalSince(start)
var trust = "null"
if arguments.count > 6, let points = Int(arguments[6]), points > 0 {
  let m = min(points, n)
  trust = String(EmbeddingQuality.trustworthiness(
    input: Array(array.values[0..<(m * d)]), columns: d, embedding: Array(result.coordinates[0..<(m * dims)]), dims: dims, rows: m, k: 10,
    threads: threads))
}
var span = 0.0
for axis in 0..<dims {
  let values = stride(from: axis, to: result.coordinates.count, by: dims).map { result.coordinates[$0] }
  span = max(span, values.max()! - values.min()!)
}
print("{\"seconds\": \(seconds), \"kl\": \(result.kl), \"iterations\": \(result.iterations), \"trustworthiness\": \(trust), \"span\": \(span)}")
