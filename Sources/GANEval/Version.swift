import CBLAS

/// The tool's version, written into every summary.json.
public let toolVersion = "0.1.0"

/// The BLAS library serving cblas_* calls, as it describes itself (OpenBLAS's build configuration).
public var blasDescription: String {
  guard let config = openblas_get_config() else { return "unknown" }
  return String(cString: config)
}
