import Foundation

/// Softmax of each row of logits, computed stably (max subtracted), in Float64.
public func softmax(_ logits: Tensor) -> [[Double]] {
  (0..<logits.batch).map { r in
    let row = logits.data[(r * logits.features)..<((r + 1) * logits.features)].map(Double.init)
    let top = row.max() ?? 0
    let e = row.map { exp($0 - top) }
    let total = e.reduce(0, +)
    return e.map { $0 / total }
  }
}

/// Mean softmax cross-entropy (nats) of rows of logits against class indices, and its gradient
/// with respect to the logits.
public func softmaxCrossEntropy(_ logits: Tensor, labels: [Int]) -> (loss: Double, gradient: Tensor) {
  precondition(labels.count == logits.batch, "one label per row")
  let probabilities = softmax(logits)
  var loss = 0.0
  var gradient = [Float](repeating: 0, count: logits.data.count)
  let scale = 1 / Double(logits.batch)
  for (r, p) in probabilities.enumerated() {
    loss -= log(max(p[labels[r]], 1e-300))
    for c in p.indices { gradient[r * logits.features + c] = Float((p[c] - (c == labels[r] ? 1 : 0)) * scale) }
  }
  return (loss * scale, Tensor(rows: logits.batch, features: logits.features, data: gradient))
}

/// Mean binary cross-entropy (nats) of one logit per row against targets in [0, 1] (soft labels
/// allowed), computed from logits for stability, and its gradient: σ(z) − t, over the batch.
public func binaryCrossEntropy(_ logits: Tensor, targets: [Float]) -> (loss: Double, gradient: Tensor) {
  precondition(logits.features == 1 && targets.count == logits.batch, "one logit and one target per row")
  var loss = 0.0
  var gradient = [Float](repeating: 0, count: logits.batch)
  let scale = 1 / Double(logits.batch)
  for r in 0..<logits.batch {
    let z = Double(logits.data[r]), t = Double(targets[r])
    // log(1 + e^−|z|) + max(z, 0) − z·t  ==  −t·log σ(z) − (1−t)·log(1−σ(z))
    loss += max(z, 0) - z * t + log1p(exp(-abs(z)))
    gradient[r] = Float((1 / (1 + exp(-z)) - t) * scale)
  }
  return (loss * scale, Tensor(rows: logits.batch, features: 1, data: gradient))
}
