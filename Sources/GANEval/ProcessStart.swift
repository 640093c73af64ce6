import LinearAlgebra

/// What every gan-eval process does before it parses its command line.
public func prepareProcess() {
  releaseIdleBLASThreads()
}
