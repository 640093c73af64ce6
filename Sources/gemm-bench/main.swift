// The OpenBLAS sgemm FLOP rate at the matrix shapes of one MLP GAN training step (bench/gan_bench.py
// compares gan-eval's training throughput with it). Usage: gemm-bench [threads] [batch]
import CBLAS
import Foundation

let threads = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 2 : 2
let batch = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 128 : 128
openblas_set_num_threads(Int32(threads))

// Conditional MLP GAN, noise 100, 10 classes, 28×28: (inputs, outputs) of every dense layer.
let generator = [(110, 128), (128, 256), (256, 512), (512, 784)]
let discriminator = [(794, 512), (512, 256), (256, 1)]
// One step: D forward+backward three times (real, fake, G's pass), G forward+backward once.
// Forward C[B×out] = X·Wᵀ; backward dW[out×in] = dYᵀ·X and dX[B×in] = dY·W.
var calls: [(m: Int, n: Int, k: Int, transA: Bool, transB: Bool)] = []
for _ in 0..<3 {
  for (i, o) in discriminator {
    calls += [(batch, o, i, false, true), (o, i, batch, true, false), (batch, i, o, false, false)]
  }
}
for (i, o) in generator { calls += [(batch, o, i, false, true), (o, i, batch, true, false), (batch, i, o, false, false)] }
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
for _ in 0..<20 { step() }
var times: [Double] = []
for _ in 0..<7 {
  let start = Date()
  for _ in 0..<50 { step() }
  times.append(Date().timeIntervalSince(start) / 50)
}
let best = times.sorted()[times.count / 2]
print("{\"threads\": \(threads), \"batch\": \(batch), \"gemm_calls_per_step\": \(calls.count), \"flop_per_step\": \(flops), \"seconds_per_step\": \(best), \"gflops\": \(flops / best / 1e9)}")
