/// An error the user can act on: it names the file or parameter, what is wrong, and what would fix it.
public enum EvalError: Error, CustomStringConvertible, Equatable {
  /// An input file that cannot be used (corrupt, wrong format, wrong size, unreadable).
  case badFile(path: String, reason: String)
  /// A command-line or pipeline parameter with a value that cannot work.
  case badParameter(name: String, reason: String)
  /// An output that could not be written.
  case cannotWrite(path: String, reason: String)

  public var description: String {
    switch self {
    case .badFile(let path, let reason): return "\(path): \(reason)"
    case .badParameter(let name, let reason): return "\(name): \(reason)"
    case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
    }
  }

  /// The file the error is about, if any.
  public var path: String? {
    switch self {
    case .badFile(let path, _), .cannotWrite(let path, _): return path
    case .badParameter: return nil
    }
  }
}
