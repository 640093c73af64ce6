extension Pickle {
  /// The stack machine, restricted to the opcodes and callables `Pickle` documents.
  struct Machine {
    let bytes: [UInt8]
    let path: String
    var position = 0
    var stack: [Item] = []
    /// Stack heights at each MARK still open.
    var marks: [Int] = []
    var memo: [Int: Item] = [:]
    /// Values made while freezing the result: shared structure may not multiply past the file's size.
    var frozen = 0
    /// Every container made, emptied at the end so that a pickle with cycles leaks nothing.
    var lists: [ListBox] = []
    var dicts: [DictBox] = []
    static let maxDepth = 64

    init(bytes: [UInt8], path: String) {
      self.bytes = bytes
      self.path = path
    }

    func fail(_ reason: String, at offset: Int? = nil) -> EvalError {
      .badFile(path: path, reason: "not a readable pickle: \(reason) (at byte \(offset ?? position))")
    }

    mutating func run() throws -> Value {
      guard bytes.count >= 2, bytes[0] == 0x80 else {
        throw EvalError.badFile(
          path: path, reason: "not a pickle of protocol 2 or later (what Python and the CIFAR batches write); no other format is read")
      }
      defer {
        for list in lists { list.items = [] }
        for dict in dicts { dict.entries = [] }
      }
      while true {
        let at = position
        let op = try byte()
        switch op {
        case 0x80:  // PROTO
          let version = try byte()
          guard (2...5).contains(version) else { throw fail("pickle protocol \(version) is not read (2 to 5 are)", at: at) }
        case 0x95: position = try offset(after: 8)  // FRAME: a length hint only
        case 0x2E:  // STOP
          guard stack.count == 1, marks.isEmpty else { throw fail("it stops with \(stack.count) values on the stack", at: at) }
          return try freeze(stack[0], depth: 0)
        case 0x28: marks.append(stack.count)  // MARK
        case 0x30: _ = try pop(at)  // POP
        case 0x31: _ = try popMark(at)  // POP_MARK
        case 0x7D:  // EMPTY_DICT
          dicts.append(DictBox())
          stack.append(.dict(dicts.last!))
        case 0x5D:  // EMPTY_LIST
          lists.append(ListBox())
          stack.append(.list(lists.last!))
        case 0x29: stack.append(try tuple([], at: at))  // EMPTY_TUPLE
        case 0x74: stack.append(try tuple(popMark(at), at: at))  // TUPLE
        case 0x85, 0x86, 0x87:  // TUPLE1, TUPLE2, TUPLE3
          var items: [Item] = []
          for _ in 0..<Int(op - 0x84) { items.insert(try pop(at), at: 0) }
          stack.append(try tuple(items, at: at))
        case 0x73:  // SETITEM
          let value = try pop(at), key = try pop(at)
          try top(dictAt: at).entries.append((key, value))
        case 0x75:  // SETITEMS
          let items = try popMark(at)
          guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of values", at: at) }
          let dict = try top(dictAt: at)
          for i in stride(from: 0, to: items.count, by: 2) { dict.entries.append((items[i], items[i + 1])) }
        case 0x61:  // APPEND
          let value = try pop(at)
          try top(listAt: at).items.append(value)
        case 0x65:  // APPENDS
          let items = try popMark(at)
          try top(listAt: at).items.append(contentsOf: items)
        case 0x4A: stack.append(.int(Int(Int32(bitPattern: UInt32(try little(4))))))  // BININT
        case 0x4B: stack.append(.int(Int(try byte())))  // BININT1
        case 0x4D: stack.append(.int(try little(2)))  // BININT2
        case 0x8A:  // LONG1
          let n = Int(try byte())
          guard n <= 8 else { throw fail("an integer of \(n) bytes is too large", at: at) }
          var value: UInt64 = 0
          for (i, b) in try take(n).enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
          if n > 0 && n < 8 && value >> (8 * UInt64(n) - 1) & 1 == 1 { value |= ~UInt64(0) << (8 * UInt64(n)) }  // sign-extend
          stack.append(.int(Int(Int64(bitPattern: value))))
        case 0x4E: stack.append(.none)  // NONE
        case 0x88: stack.append(.bool(true))  // NEWTRUE
        case 0x89: stack.append(.bool(false))  // NEWFALSE
        case 0x47:  // BINFLOAT (big-endian)
          var bits: UInt64 = 0
          for b in try take(8) { bits = bits << 8 | UInt64(b) }
          stack.append(.float(Double(bitPattern: bits)))
        case 0x55, 0x43: stack.append(.bytes(try take(Int(try byte()))))  // SHORT_BINSTRING, SHORT_BINBYTES
        case 0x54:  // BINSTRING (a signed 4-byte length)
          let n = Int(Int32(bitPattern: UInt32(try little(4))))
          guard n >= 0 else { throw fail("a negative string length", at: at) }
          stack.append(.bytes(try take(n)))
        case 0x42: stack.append(.bytes(try take(try little(4))))  // BINBYTES
        case 0x8E, 0x96: stack.append(.bytes(try take(try little(8))))  // BINBYTES8, BYTEARRAY8
        case 0x8C: stack.append(.string(try take(Int(try byte()))))  // SHORT_BINUNICODE
        case 0x58: stack.append(.string(try take(try little(4))))  // BINUNICODE
        case 0x8D: stack.append(.string(try take(try little(8))))  // BINUNICODE8
        case 0x71: memo[Int(try byte())] = try peek(at)  // BINPUT
        case 0x72: memo[try little(4)] = try peek(at)  // LONG_BINPUT
        case 0x94: memo[memo.count] = try peek(at)  // MEMOIZE
        case 0x68, 0x6A:  // BINGET, LONG_BINGET
          let index = op == 0x68 ? Int(try byte()) : try little(4)
          guard let item = memo[index] else { throw fail("memo entry \(index) is read before it is written", at: at) }
          stack.append(item)
        case 0x63:  // GLOBAL "module\nname\n"
          let module = try line(), name = try line()
          stack.append(.callable(try callable(module, name, at: at)))
        case 0x93:  // STACK_GLOBAL
          let name = try pop(at), module = try pop(at)
          guard case .string(let n) = name, case .string(let m) = module else {
            throw fail("STACK_GLOBAL needs two strings", at: at)
          }
          stack.append(.callable(try callable(String(decoding: m, as: UTF8.self), String(decoding: n, as: UTF8.self), at: at)))
        case 0x52:  // REDUCE
          let arguments = try pop(at), function = try pop(at)
          guard case .callable(let callable) = function, case .tuple(let args, _) = arguments else {
            throw fail("REDUCE needs a callable and a tuple of arguments", at: at)
          }
          stack.append(try apply(callable, args, at: at))
        case 0x62:  // BUILD
          let state = try pop(at)
          try build(try peek(at), state: state, at: at)
        case 0x97, 0x98: throw fail("it refers to out-of-band buffers (pickle protocol 5 with buffer_callback); save it in-band", at: at)
        default:
          throw fail(String(format: "opcode 0x%02X is not one the restricted reader supports (it reads data and numpy arrays only)", op), at: at)
        }
      }
    }

    // MARK: reading the input

    mutating func byte() throws -> UInt8 {
      guard position < bytes.count else { throw fail("it ends before its STOP opcode (truncated file?)") }
      defer { position += 1 }
      return bytes[position]
    }

    func offset(after count: Int) throws -> Int {
      guard count >= 0, count <= bytes.count - position else {
        throw fail("a length of \(count) bytes runs past the end of the file (truncated file?)")
      }
      return position + count
    }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
      let end = try offset(after: count)
      defer { position = end }
      return bytes[position..<end]
    }

    /// An unsigned little-endian number of `count` bytes (a length above Int.max fails as too long).
    mutating func little(_ count: Int) throws -> Int {
      var value: UInt64 = 0
      for (i, b) in try take(count).enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
      return value <= UInt64(Int.max) ? Int(value) : Int.max
    }

    /// A newline-terminated name of at most 256 bytes (GLOBAL's operands).
    mutating func line() throws -> String {
      let start = position
      while position < bytes.count && bytes[position] != 0x0A && position - start < 256 { position += 1 }
      guard position < bytes.count, bytes[position] == 0x0A else { throw fail("a GLOBAL name is not terminated", at: start) }
      defer { position += 1 }
      return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    // MARK: the stack

    mutating func pop(_ at: Int) throws -> Item {
      guard let item = stack.last, stack.count > (marks.last ?? 0) else { throw fail("stack underflow", at: at) }
      stack.removeLast()
      return item
    }

    func peek(_ at: Int) throws -> Item {
      guard let item = stack.last, stack.count > (marks.last ?? 0) else { throw fail("stack underflow", at: at) }
      return item
    }

    mutating func popMark(_ at: Int) throws -> [Item] {
      guard let mark = marks.popLast() else { throw fail("no MARK to pop to", at: at) }
      defer { stack.removeLast(stack.count - mark) }
      return Array(stack[mark...])
    }

    func top(dictAt at: Int) throws -> DictBox {
      guard case .dict(let box) = try peek(at) else { throw fail("SETITEM(S) needs a dict", at: at) }
      return box
    }

    func top(listAt at: Int) throws -> ListBox {
      guard case .list(let box) = try peek(at) else { throw fail("APPEND(S) needs a list", at: at) }
      return box
    }

    // MARK: callables, applied as data transformations

    func callable(_ module: String, _ name: String, at: Int) throws -> Callable {
      guard let callable = Callable(module: module, name: name) else {
        throw fail(
          "it names the Python object \(module).\(name), which gan-eval refuses to load "
            + "(a pickle can run any code; this reader rebuilds only dicts, lists, numbers, strings and numpy arrays)", at: at)
      }
      return callable
    }

    func apply(_ callable: Callable, _ args: [Item], at: Int) throws -> Item {
      switch (callable, args.count) {
      case (.reconstructArray, 3):
        guard case .callable(.arrayType) = args[0] else { throw fail("_reconstruct of something other than numpy.ndarray", at: at) }
        return .array(ArrayBox())
      case (.dtypeType, 3):
        guard let kind = text(args[0]) else { throw fail("numpy.dtype needs a type string", at: at) }
        return .dtype(DTypeBox(kind: kind))
      case (.arrayFromBuffer, 4):
        guard case .bytes(let data) = args[0], case .dtype(let dtype) = args[1], case .tuple(let shape, _) = args[2] else {
          throw fail("_frombuffer needs bytes, a dtype and a shape", at: at)
        }
        let box = ArrayBox()
        box.built = try array(shape: shape, dtype: dtype, fortran: text(args[3]) == "F", data: data, at: at)
        return .array(box)
      case (.encodeText, 2):
        guard case .string(let utf8) = args[0], let encoding = text(args[1]), ["latin1", "latin-1", "iso-8859-1"].contains(encoding.lowercased()) else {
          throw fail("_codecs.encode is read only for (text, 'latin1'), as pickle writes bytes in protocol 2", at: at)
        }
        return .bytes(try latin1(utf8, at: at))
      case (.bytesType, 0), (.bytearrayType, 0): return .bytes([])
      case (.bytearrayType, 1):
        guard case .bytes = args[0] else { throw fail("bytearray needs bytes", at: at) }
        return args[0]
      case (.bytearrayType, 2):
        return try apply(.encodeText, args, at: at)
      default:
        throw fail("\(callable) called with \(args.count) arguments is not a form numpy or pickle writes", at: at)
      }
    }

    /// numpy's `ndarray.__setstate__` and `dtype.__setstate__`, for plain numeric types.
    func build(_ target: Item, state: Item, at: Int) throws {
      guard case .tuple(let fields, _) = state else { throw fail("BUILD needs a tuple state", at: at) }
      switch target {
      case .dtype(let dtype):
        guard fields.count >= 2, let order = text(fields[1]), ["<", ">", "|", "="].contains(order) else {
          throw fail("a numpy dtype state without a byte order", at: at)
        }
        if fields.count >= 5, !isNone(fields[2]) || !isNone(fields[3]) || !isNone(fields[4]) {
          throw fail("structured or sub-array numpy dtypes are not read", at: at)
        }
        dtype.byteOrder = order
      case .array(let box):
        // (version, shape, dtype, is_fortran, data), or the older form without the version
        let f = fields.count == 5 ? Array(fields.dropFirst()) : fields
        guard f.count == 4, case .tuple(let shape, _) = f[0], case .dtype(let dtype) = f[1] else {
          throw fail("a numpy array state that is not (version, shape, dtype, fortran, data)", at: at)
        }
        guard case .bytes(let data) = f[3] else {
          throw fail("a numpy array whose data is not raw bytes (an object array?) is not read", at: at)
        }
        box.built = try array(shape: shape, dtype: dtype, fortran: truth(f[2]), data: data, at: at)
      default:
        throw fail("BUILD of anything but a numpy array or dtype is not read", at: at)
      }
    }

    func array(shape items: [Item], dtype: DTypeBox, fortran: Bool, data: ArraySlice<UInt8>, at: Int) throws -> NumpyArray {
      var shape: [Int] = []
      for item in items {
        guard case .int(let size) = item, size >= 0 else { throw fail("a numpy shape of something other than sizes ≥ 0", at: at) }
        shape.append(size)
      }
      let order = dtype.byteOrder == "=" ? "<" : dtype.byteOrder
      guard let kind = NPYData.Kind((order == ">" ? "|" : order) + dtype.kind), order != ">" || kind.size == 1 else {
        throw fail("numpy element type \(order)\(dtype.kind) is not read (use little-endian integers or floats)", at: at)
      }
      let bytesNeeded = NPYData.product(shape).map { $0.multipliedReportingOverflow(by: kind.size) }
      guard let bytesNeeded, !bytesNeeded.overflow, bytesNeeded.partialValue == data.count else {
        throw fail("numpy array of shape \(shape) and type \(dtype.kind) does not match its \(data.count) data bytes", at: at)
      }
      guard !fortran || shape.filter({ $0 > 1 }).count <= 1 else {
        throw fail("numpy array in Fortran order is not read; save np.ascontiguousarray(x)", at: at)
      }
      return NumpyArray(shape: shape, descr: (kind.size == 1 ? "|" : "<") + dtype.kind, data: data)
    }

    func text(_ item: Item) -> String? {
      switch item {
      case .string(let utf8), .bytes(let utf8): return String(decoding: utf8, as: UTF8.self)
      default: return nil
      }
    }

    func isNone(_ item: Item) -> Bool { if case .none = item { return true } else { return false } }

    func truth(_ item: Item) -> Bool {
      switch item {
      case .bool(let b): return b
      case .int(let i): return i != 0
      default: return false
      }
    }

    /// The bytes of text whose characters are all below 256, from its UTF-8.
    func latin1(_ utf8: ArraySlice<UInt8>, at: Int) throws -> ArraySlice<UInt8> {
      var out: [UInt8] = []
      out.reserveCapacity(utf8.count)
      var i = utf8.startIndex
      while i < utf8.endIndex {
        let b = utf8[i]
        if b < 0x80 {
          out.append(b)
          i += 1
        } else if (b == 0xC2 || b == 0xC3), i + 1 < utf8.endIndex, utf8[i + 1] & 0xC0 == 0x80 {
          out.append((b & 0x1F) << 6 | (utf8[i + 1] & 0x3F))
          i += 2
        } else {
          throw fail("latin1 text holds a character above 255", at: at)
        }
      }
      return out[...]
    }

    /// A tuple of `items`, refused past `maxDepth` levels of tuples in tuples as it is made: such
    /// a value could never be returned, and releasing a chain of 40,000 one-item tuples (TUPLE1
    /// repeated, 40 KB of input) recursed past the end of the stack (found by fuzzing). Lists and
    /// dicts are boxes the machine empties one by one when it ends, so only tuples chain.
    func tuple(_ items: [Item], at: Int) throws -> Item {
      var depth = 1
      for case .tuple(_, let inner) in items { depth = max(depth, inner + 1) }
      guard depth <= Machine.maxDepth else { throw fail("tuples nested deeper than \(Machine.maxDepth) levels", at: at) }
      return .tuple(items, depth: depth)
    }

    // MARK: the result as plain values

    mutating func freeze(_ item: Item, depth: Int) throws -> Value {
      guard depth <= Machine.maxDepth else { throw fail("values nested deeper than \(Machine.maxDepth) levels (or a cycle)") }
      frozen += 1
      guard frozen <= bytes.count + 1024 else { throw fail("shared structure expands past the file's size") }
      switch item {
      case .none: return .none
      case .bool(let b): return .bool(b)
      case .int(let i): return .int(i)
      case .float(let f): return .float(f)
      case .bytes(let b): return .bytes(b)
      case .string(let s): return .string(String(decoding: s, as: UTF8.self))
      case .tuple(let items, _): return .tuple(try items.map { try freeze($0, depth: depth + 1) })
      case .list(let box): return .list(try box.items.map { try freeze($0, depth: depth + 1) })
      case .dict(let box):
        return .dict(try box.entries.map { (try freeze($0.key, depth: depth + 1), try freeze($0.value, depth: depth + 1)) })
      case .array(let box):
        guard let built = box.built else { throw fail("a numpy array is never given its data") }
        return .array(built)
      case .callable, .dtype: throw fail("a Python callable or dtype is part of the data, not an array")
      }
    }
  }
}
