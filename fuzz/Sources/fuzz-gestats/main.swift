import CFuzzer
import Foundation
import FuzzTargets

// The fuzz target. libFuzzer's own main (linked by -sanitize=fuzzer) also names it.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  FuzzTargets.gestats(UnsafeBufferPointer(start: data, count: size))
  return 0
}

// SwiftPM makes this file the program's entry, so it starts libFuzzer's driver itself; it takes
// libFuzzer's usual flags.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
