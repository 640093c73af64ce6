// The OpenBLAS sgemm FLOP rate at the matrix shapes of one GAN training step (bench/gan_bench.py
// compares gan-eval's training throughput with it). Usage: gemm-bench [threads] [batch] [mlp|dcgan]
//   mlp:   the conditional MLP GAN's dense layers, exactly the products gan-eval runs;
//   dcgan: `--arch dcgan` (conditional, 28×28) as a framework runs it: each convolution as one
//          whole-batch im2col product per pass (forward Y = W·cols, dW = dY·colsᵀ, dcols = Wᵀ·dY),
//          the upsampled convolutions at full size. These are the model's nominal FLOPs.
import CBLAS
import Foundation

let threads = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 2 : 2
let batch = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 128 : 128
let model = CommandLine.arguments.count > 3 ? CommandLine.arguments[3] : "mlp"
guard model == "mlp" || model == "dcgan" else {
  FileHandle.standardError.write("gemm-bench: unknown model '\(model)'; use mlp or dcgan\n".data(using: .utf8)!)
  exit(2)
}
openblas_set_num_threads(Int32(threads))

typealias Call = (m: Int, n: Int, k: Int, transA: Bool, transB: Bool)
var calls: [Call] = []
/// A dense layer's forward C[B×out] = X·Wᵀ and backward dW[out×in] = dYᵀ·X, dX[B×in] = dY·W.
func dense(_ i: Int, _ o: Int) -> [Call] { [(batch, o, i, false, true), (o, i, batch, true, false), (batch, i, o, false, false)] }
/// A convolution with `o` outputs, `k` = inputs·kernel² and `p` output positions per image.
func conv(_ o: Int, _ k: Int, _ p: Int) -> [Call] {
  let n = batch * p
  return [(o, n, k, false, false), (o, k, n, false, true), (k, n, o, true, false)]
}
if model == "mlp" {
  // Conditional MLP GAN, noise 100, 10 classes, 28×28: (inputs, outputs) of every dense layer.
  // One step: D forward+backward three times (real, fake, G's pass), G forward+backward once.
  for _ in 0..<3 { for (i, o) in [(794, 512), (512, 256), (256, 1)] { calls += dense(i, o) } }
  for (i, o) in [(110, 128), (128, 256), (256, 512), (512, 784)] { calls += dense(i, o) }
} else {
  // D: 11×28×28 → conv 4×4/2 (64) → conv 4×4/2 (128) → dense 6272 → 1, three passes;
  // G: 110 → dense 6272 → ×2 → conv 3×3 (64) on 14×14 → ×2 → conv 3×3 (1) on 28×28, one pass.
  for _ in 0..<3 { calls += conv(64, 11 * 16, 14 * 14) + conv(128, 64 * 16, 7 * 7) + dense(6272, 1) }
  calls += dense(110, 6272) + conv(64, 128 * 9, 14 * 14) + conv(1, 64 * 9, 28 * 28)
}
let flops = calls.reduce(0.0) { $0 + 2 * Double($1.m * $1.n * $1.k) }

var buffers = calls.map { call -> ([Float], [Float], [Float]) in
  ((0..<(call.m * call.k)).map { _ in Float.random(in: -1...1) }, (0..<(call.k * call.n)).map { _ in Float.random(in: -1...1) },
   [Float](repeating: 0, count: call.m * call.n))
}
@MainActor func step() {
  for (index, call) in calls.enumerated() {
    let lda = call.transA ? call.m : call.k, ldb = call.transB ? call.k : call.n
    cblas_sgemm(
      CblasRowMajor, call.transA ? CblasTrans : CblasNoTrans, call.transB ? CblasTrans : CblasNoTrans, Int32(call.m), Int32(call.n),
      Int32(call.k), 1, buffers[index].0, Int32(lda), buffers[index].1, Int32(ldb), 0, &buffers[index].2, Int32(call.n))
  }
}
let (warm, repeats, perRepeat) = model == "mlp" ? (20, 7, 50) : (1, 5, 1)
for _ in 0..<warm { step() }
var times: [Double] = []
for _ in 0..<repeats {
  let start = Date()
  for _ in 0..<perRepeat { step() }
  times.append(Date().timeIntervalSince(start) / Double(perRepeat))
}
let best = times.sorted()[times.count / 2]
print("{\"model\": \"\(model)\", \"threads\": \(threads), \"batch\": \(batch), \"gemm_calls_per_step\": \(calls.count), \"flop_per_step\": \(flops), \"seconds_per_step\": \(best), \"gflops\": \(flops / best / 1e9)}")
