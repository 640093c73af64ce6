/// FNV-1a, 64-bit: a small, dependency-free checksum that catches corruption and truncation.
public func fnv1a64<C: Collection>(_ bytes: C, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 where C.Element == UInt8 {
  var hash = seed
  for byte in bytes {
    hash ^= UInt64(byte)
    hash &*= 0x0000_0100_0000_01B3
  }
  return hash
}

/// The bytes before a file's trailing checksum (the FNV-1a 64-bit hash of those bytes, 8 bytes
/// little-endian), or nil when the file is too short to hold one or the hash does not match.
public func checksummedBody(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
  guard bytes.count > 8 else { return nil }
  let body = bytes[..<(bytes.count - 8)]
  let stored = bytes[(bytes.count - 8)...].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
  return fnv1a64(body) == stored ? body : nil
}
