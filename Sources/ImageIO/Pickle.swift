/// A restricted reader for Python pickles of plain data and NumPy arrays (what the CIFAR-10/100
/// "python version" batches hold), that runs no code.
///
/// A pickle is a program for a small stack machine; its GLOBAL and REDUCE opcodes name and call
/// any Python function, which is why `pickle.load` on an untrusted file can run anything. This
/// reader interprets only the opcodes of protocols 2–5 that plain data uses (dicts, lists, tuples,
/// ints, floats, bools, None, byte and text strings, memo), and of callables only the ones that
/// rebuild a NumPy array or dtype or a byte string, applied as data transformations written here
/// (`numpy.core.multiarray._reconstruct` + BUILD, `numpy.dtype` + BUILD,
/// `numpy.core.numeric._frombuffer`, `_codecs.encode(text, "latin1")`, `bytes`/`bytearray`, with
/// numpy 2's `numpy._core` names too). Anything else is refused with the opcode or name.
///
/// Memory stays within a small multiple of the file: every value comes from at least one byte of
/// input, byte strings are slices of it, and containers are shared, not copied.
public enum Pickle {
  /// A value read from a pickle.
  public indirect enum Value {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    /// A byte string (Python 2 `str` or Python 3 `bytes`).
    case bytes(ArraySlice<UInt8>)
    /// A text string (Python `str`/`unicode`).
    case string(String)
    case tuple([Value])
    case list([Value])
    /// Entries in the order the pickle set them (a later equal key replaces an earlier one).
    case dict([(key: Value, value: Value)])
    case array(NumpyArray)

    /// The entry under a text or byte-string key (CIFAR's keys are `b'data'` in Python 3 terms).
    public subscript(key: String) -> Value? {
      guard case .dict(let entries) = self else { return nil }
      return entries.last { $0.key.text == key }?.value
    }

    /// The text of a text or byte string (byte strings decoded as UTF-8).
    public var text: String? {
      switch self {
      case .string(let s): return s
      case .bytes(let b): return String(decoding: b, as: UTF8.self)
      default: return nil
      }
    }

    /// What kind of value this is, in Python's words, for messages.
    public var typeName: String {
      switch self {
      case .none: return "None"
      case .bool: return "bool"
      case .int: return "int"
      case .float: return "float"
      case .bytes: return "bytes"
      case .string: return "str"
      case .tuple: return "tuple"
      case .list: return "list"
      case .dict: return "dict"
      case .array(let a): return "numpy array \(a.descr) \(a.shape)"
      }
    }
  }

  /// A NumPy array rebuilt from a pickle: C-ordered raw bytes of a numeric type.
  public struct NumpyArray {
    public var shape: [Int]
    /// NumPy's type string with byte order: "|u1", "<i8", "<f4", …
    public var descr: String
    public var data: ArraySlice<UInt8>
  }

  /// Reads a pickle held in memory; `path` names it in errors.
  public static func load(_ bytes: [UInt8], path: String) throws -> Value {
    var machine = Machine(bytes: bytes, path: path)
    return try machine.run()
  }
}

extension Pickle {
  /// The callables a pickle may name: each rebuilds data, none runs code.
  enum Callable: Equatable {
    case reconstructArray, arrayType, dtypeType, arrayFromBuffer, encodeText, bytesType, bytearrayType

    init?(module: String, name: String) {
      switch (module, name) {
      case ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"): self = .reconstructArray
      case ("numpy", "ndarray"): self = .arrayType
      case ("numpy", "dtype"): self = .dtypeType
      case ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"): self = .arrayFromBuffer
      case ("_codecs", "encode"): self = .encodeText
      case ("__builtin__", "bytes"), ("builtins", "bytes"): self = .bytesType
      case ("__builtin__", "bytearray"), ("builtins", "bytearray"): self = .bytearrayType
      default: return nil
      }
    }
  }

  /// Shared, growable containers while the machine runs (a memo entry and the stack may hold the
  /// same list); turned into plain values at the end.
  final class ListBox {
    var items: [Item] = []
  }
  final class DictBox {
    var entries: [(key: Item, value: Item)] = []
  }
  final class DTypeBox {
    var kind: String
    var byteOrder = "|"
    init(kind: String) { self.kind = kind }
  }
  final class ArrayBox {
    var built: NumpyArray?
  }

  /// A value on the machine's stack or in its memo.
  indirect enum Item {
    case none, bool(Bool), int(Int), float(Double), bytes(ArraySlice<UInt8>)
    /// Text as its UTF-8 bytes (decoded only when frozen: a protocol-2 array is megabytes of it).
    case string(ArraySlice<UInt8>)
    /// Items, and how many levels of tuples this one is (1 for a tuple of no tuple)
    case tuple([Item], depth: Int)
    case list(ListBox)
    case dict(DictBox)
    case callable(Callable)
    case dtype(DTypeBox)
    case array(ArrayBox)
  }
}
