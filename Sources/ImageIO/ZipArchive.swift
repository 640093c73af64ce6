import ZipCodec

/// A .zip archive held in memory (what NumPy's `savez` writes): its directory, and its members
/// read stored or deflated, with sizes bounded by the caller and CRC-32 checked.
///
/// ZIP64 sizes and offsets are followed; encrypted members, other compression methods and
/// multi-disk archives are refused.
struct ZipArchive {
  struct Member {
    var name: String
    var method: Int
    var crc: UInt32
    var compressedSize: Int
    /// The uncompressed size the directory records (checked against what inflating gives).
    var size: Int
    var localHeaderOffset: Int
    var encrypted: Bool
  }

  let bytes: [UInt8]
  let path: String
  let members: [Member]

  static func isZip(_ bytes: [UInt8]) -> Bool {
    // "PK\u{3}\u{4}" starts a member; "PK\u{5}\u{6}" is an empty archive's only record
    bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && ((bytes[2], bytes[3]) == (3, 4) || (bytes[2], bytes[3]) == (5, 6))
  }

  init(_ bytes: [UInt8], path: String) throws {
    self.bytes = bytes
    self.path = path
    func bad(_ reason: String) -> EvalError { .badFile(path: path, reason: "not a readable .zip/.npz archive: " + reason) }
    func le16(_ at: Int) -> Int { ZipArchive.le16(bytes, at) }
    func le32(_ at: Int) -> Int { ZipArchive.le32(bytes, at) }
    func le64(_ at: Int) -> Int? { ZipArchive.le64(bytes, at) }
    // The end-of-central-directory record: 22 bytes plus a comment of at most 65,535.
    var end = -1
    var at = bytes.count - 22
    while at >= 0 && at >= bytes.count - 22 - 65535 {
      if le32(at) == 0x0605_4B50 {
        end = at
        break
      }
      at -= 1
    }
    guard end >= 0 else { throw bad("no end-of-directory record") }
    guard le16(end + 4) == 0, le16(end + 6) == 0 else { throw bad("multi-disk archives are not supported") }
    var count = le16(end + 10)
    var directorySize = le32(end + 12)
    var directoryOffset = le32(end + 16)
    if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
      // ZIP64: a locator just before the record points at the 64-bit record
      guard end >= 20, le32(end - 20) == 0x0706_4B50, let offset = le64(end - 20 + 8), offset <= bytes.count - 56,
        le32(offset) == 0x0606_4B50, let c = le64(offset + 32), let s = le64(offset + 40), let o = le64(offset + 48)
      else { throw bad("its ZIP64 end-of-directory record is missing or damaged") }
      (count, directorySize, directoryOffset) = (c, s, o)
    }
    guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else {
      throw bad("the directory lies outside the file (truncated?)")
    }
    var members: [Member] = []
    var p = directoryOffset
    let directoryEnd = directoryOffset + directorySize
    for _ in 0..<count {
      guard p + 46 <= directoryEnd, le32(p) == 0x0201_4B50 else { throw bad("directory entry \(members.count + 1) is damaged") }
      let nameLength = le16(p + 28), extraLength = le16(p + 30), commentLength = le16(p + 32)
      guard p + 46 + nameLength + extraLength + commentLength <= directoryEnd else {
        throw bad("directory entry \(members.count + 1) is damaged")
      }
      var member = Member(
        name: String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self), method: le16(p + 10),
        crc: UInt32(le32(p + 16)), compressedSize: le32(p + 20), size: le32(p + 24), localHeaderOffset: le32(p + 42),
        encrypted: le16(p + 8) & 1 != 0)
      // ZIP64 extra field (id 1): 64-bit values for the fields saturated at 0xFFFFFFFF, in this order
      var e = p + 46 + nameLength
      let extraEnd = e + extraLength
      while e + 4 <= extraEnd {
        let id = le16(e), length = le16(e + 2)
        guard e + 4 + length <= extraEnd else { break }
        if id == 1 {
          var q = e + 4
          func next() throws -> Int {
            guard q + 8 <= e + 4 + length, let v = le64(q) else { throw bad("ZIP64 field of \(member.name) is damaged") }
            q += 8
            return v
          }
          if member.size == 0xFFFF_FFFF { member.size = try next() }
          if member.compressedSize == 0xFFFF_FFFF { member.compressedSize = try next() }
          if member.localHeaderOffset == 0xFFFF_FFFF { member.localHeaderOffset = try next() }
        }
        e += 4 + length
      }
      members.append(member)
      p += 46 + nameLength + extraLength + commentLength
    }
    self.members = members
  }

  /// The first `limit` bytes of a member (all of it if shorter): enough to read a header without
  /// inflating the rest.
  func prefix(_ member: Member, _ limit: Int) throws -> [UInt8] {
    try inflate(member, capacity: min(limit, member.size), wantAll: false)
  }

  /// A whole member, which must inflate to exactly `expectedSize` bytes (the caller's bound,
  /// derived from what the member's own header declares) and match its CRC-32.
  func contents(_ member: Member, expectedSize: Int) throws -> [UInt8] {
    guard member.size == expectedSize else {
      throw EvalError.badFile(
        path: path, reason: "member \(member.name) is \(member.size) bytes by the archive's directory but \(expectedSize) by its own header")
    }
    let data = try inflate(member, capacity: expectedSize, wantAll: true)
    let crc = data.withUnsafeBufferPointer { gezip_crc32($0.baseAddress, $0.count) }
    guard crc == member.crc else {
      throw EvalError.badFile(path: path, reason: "member \(member.name) fails its CRC-32 check (the archive is damaged)")
    }
    return data
  }

  private func inflate(_ member: Member, capacity: Int, wantAll: Bool) throws -> [UInt8] {
    func bad(_ reason: String) -> EvalError { .badFile(path: path, reason: "member \(member.name): " + reason) }
    guard !member.encrypted else { throw bad("is encrypted; gan-eval reads unencrypted archives") }
    let h = member.localHeaderOffset
    guard h <= bytes.count - 30, le32(h) == 0x0403_4B50 else { throw bad("its local header is missing or damaged") }
    let start = h + 30 + le16(h + 26) + le16(h + 28)
    guard start <= bytes.count, member.compressedSize <= bytes.count - start else {
      throw bad("its data runs past the end of the file (truncated archive?)")
    }
    let stored = bytes[start..<(start + member.compressedSize)]
    switch member.method {
    case 0:
      guard member.compressedSize == member.size else { throw bad("stored sizes disagree") }
      return Array(stored.prefix(capacity))
    case 8:
      var out = [UInt8](repeating: 0, count: capacity)
      var produced = 0, consumed = 0
      var message = [CChar](repeating: 0, count: 256)
      let status = stored.withUnsafeBufferPointer { input in
        out.withUnsafeMutableBufferPointer { output in
          gezip_inflate_raw(input.baseAddress, input.count, output.baseAddress, capacity, &produced, &consumed, &message, message.count)
        }
      }
      if status < 0 { throw bad(cMessage(message)) }
      if status == 1 && wantAll { throw bad("inflates to more than the \(capacity) bytes its header declares") }
      if wantAll && produced != capacity {
        throw bad("inflates to \(produced) bytes, its header declares \(capacity)")
      }
      if produced < capacity { out.removeLast(capacity - produced) }
      return out
    default:
      throw bad("uses compression method \(member.method); gan-eval reads stored (0) and deflate (8) members")
    }
  }

  private func le16(_ at: Int) -> Int { ZipArchive.le16(bytes, at) }
  private func le32(_ at: Int) -> Int { ZipArchive.le32(bytes, at) }

  private static func le16(_ bytes: [UInt8], _ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
  private static func le32(_ bytes: [UInt8], _ at: Int) -> Int { le16(bytes, at) | le16(bytes, at + 2) << 16 }
  /// A 64-bit little-endian size, or nil when it does not fit an Int or lies outside the bytes.
  private static func le64(_ bytes: [UInt8], _ at: Int) -> Int? {
    guard at >= 0, at + 8 <= bytes.count else { return nil }
    let value = UInt64(le32(bytes, at)) | UInt64(le32(bytes, at + 4)) << 32
    return value <= UInt64(Int.max) ? Int(value) : nil
  }
}
