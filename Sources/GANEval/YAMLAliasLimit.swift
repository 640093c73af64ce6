import CYaml
import EvalCore

/// The guard against "billion laughs" pipeline files, run before Yams composes a document.
///
/// An alias is cheap to write and stands for its anchor's whole tree, so nine lines can name 9^9
/// nodes. Yams shares aliased trees, but it hashes every mapping key in full to find duplicates,
/// and the pipeline checks walk what they read, so a document's cost is its expanded size. This
/// counts that size from libyaml's events alone (no tree is built) and refuses a document whose
/// aliases add more than `limit` nodes. Syntax errors are left to Yams, which reports them with
/// their line.
enum YAMLAliasLimit {
  /// Nodes that aliases may add; a pipeline file has a few hundred nodes in all.
  static let limit = 100_000

  static func check(_ text: String, path: String, limit: Int = limit) throws {
    var bytes = Array(text.utf8)
    if bytes.isEmpty { return }
    var parser = yaml_parser_t()
    guard yaml_parser_initialize(&parser) == 1 else { return }
    defer { yaml_parser_delete(&parser) }
    // every size saturates just above the limit, so deep nesting cannot overflow
    let cap = limit + 1
    var anchors: [String: Int] = [:]
    // per open collection: its anchor and the expanded size of what it holds so far
    var open: [(anchor: String?, size: Int)] = []
    var added = 0
    func anchorName(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
      pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }
    func place(_ size: Int, anchor: String?) {
      if let anchor { anchors[anchor] = size }
      if !open.isEmpty { open[open.count - 1].size = min(cap, open[open.count - 1].size + size) }
    }
    try bytes.withUnsafeMutableBufferPointer { buffer in
      yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
      var event = yaml_event_t()
      while true {
        guard yaml_parser_parse(&parser, &event) == 1 else { return }
        defer { yaml_event_delete(&event) }
        switch event.type {
        case YAML_STREAM_END_EVENT:
          return
        case YAML_SCALAR_EVENT:
          place(1, anchor: anchorName(event.data.scalar.anchor))
        case YAML_ALIAS_EVENT:
          // an undefined alias is Yams's error to report
          let size = anchorName(event.data.alias.anchor).flatMap { anchors[$0] } ?? 1
          added = min(cap, added + size)
          if added > limit {
            throw EvalError.badFile(
              path: path + ":\(event.start_mark.line + 1)",
              reason: "its aliases (*name) expand the document past \(limit) nodes (a \"billion laughs\" file); a pipeline needs far fewer: write the repeated part out or use variables:")
          }
          place(size, anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
          open.append((anchorName(event.data.sequence_start.anchor), 1))
        case YAML_MAPPING_START_EVENT:
          open.append((anchorName(event.data.mapping_start.anchor), 1))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
          if let closed = open.popLast() { place(closed.size, anchor: closed.anchor) }
        default:
          break
        }
      }
    }
  }
}
