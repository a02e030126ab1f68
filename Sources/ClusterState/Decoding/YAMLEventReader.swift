internal import CLibYAML

/// Reads YAML with libyaml's event parser straight into a YAMLTree, one document at a time.
///
/// The tree keeps what the decoders read: scalar text and style (plain or quoted), explicit
/// tags (for duplicate keys), and each node's line and column. Aliases point at their anchor's
/// node. As with the composer this replaces, anchors stay defined for the rest of the run, a
/// mapping with a repeated key is an error, and errors carry libyaml's problem and position.
final class YAMLEventReader {
    enum Failure: Error {
        /// A scanner, parser or composer error: its problem, context and position.
        case syntax(problem: String, context: String?, mark: SourceMark)
        case duplicateKeys(YAMLTree.DuplicateKeys)
        /// The reader refused the input (InputText checks it first, so this is rare).
        case reader(problem: String)
        case outOfMemory
    }

    private let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
    private let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
    private var anchors: [String: Int] = [:]
    /// Anchors of the containers still open (registered when they close, as the composer did).
    private var openAnchors: [String?] = []
    private var finished = false
    /// Lines before the input's first line (marks count from the run's start).
    private let lineOffset: Int

    /// `input` must stay valid while the reader is used: libyaml reads it as it goes.
    /// `lineOffset`: lines of the run before `input` (the part BlockYAMLReader read).
    init(_ input: UnsafeBufferPointer<UInt8>, lineOffset: Int = 0) throws(Failure) {
        self.lineOffset = lineOffset
        yaml_parser_initialize(parser)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, input.baseAddress, input.count)
        _ = try nextEvent()  // the stream start
        yaml_event_delete(event)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        event.deallocate()
    }

    /// Reads the next document into `tree` and returns its root node, or nil after the last
    /// one. The tree's earlier documents are dropped unless an anchor could still be referred to.
    func nextDocument(into tree: inout YAMLTree) throws(Failure) -> Int? {
        guard !finished else { return nil }
        let type = try nextEvent()
        yaml_event_delete(event)
        if type == YAML_STREAM_END_EVENT {
            finished = true
            return nil
        }
        if anchors.isEmpty { tree.reset() }
        let root = try readNode(into: &tree)
        _ = try nextEvent()  // the document end
        yaml_event_delete(event)
        return root
    }

    /// Reads events until one whole node is built.
    private func readNode(into tree: inout YAMLTree) throws(Failure) -> Int {
        var depth = 0
        while true {
            let type = try nextEvent()
            defer { yaml_event_delete(event) }
            let mark = SourceMark(line: event.pointee.start_mark.line + 1 + lineOffset, column: event.pointee.start_mark.column + 1)
            var completed: Int?
            switch type {
            case YAML_SCALAR_EVENT:
                let scalar = event.pointee.data.scalar
                var tag: Int32 = 0
                if scalar.quoted_implicit == 0, let name = scalar.tag { tag = tree.tagIndex(String(cString: name)) }
                let index = tree.addScalar(UnsafeBufferPointer(start: scalar.value, count: scalar.length),
                                           plain: scalar.style == YAML_PLAIN_SCALAR_STYLE || scalar.style == YAML_ANY_SCALAR_STYLE,
                                           tag: tag, line: mark.line, column: mark.column)
                register(scalar.anchor, index)
                completed = index
            case YAML_SEQUENCE_START_EVENT:
                tree.open(.sequence, line: mark.line, column: mark.column)
                openAnchors.append(event.pointee.data.sequence_start.anchor.map { String(cString: $0) })
                depth += 1
            case YAML_MAPPING_START_EVENT:
                tree.open(.mapping, line: mark.line, column: mark.column)
                openAnchors.append(event.pointee.data.mapping_start.anchor.map { String(cString: $0) })
                depth += 1
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                let index: Int
                do {
                    index = try tree.close()
                } catch {
                    throw .duplicateKeys(error)
                }
                if let anchor = openAnchors.removeLast() { anchors[anchor] = index }
                depth -= 1
                completed = index
            case YAML_ALIAS_EVENT:
                let name = String(cString: event.pointee.data.alias.anchor)
                guard let index = anchors[name] else {
                    throw .syntax(problem: "found undefined alias", context: nil, mark: mark)
                }
                tree.attach(index)
                completed = index
            default:
                continue
            }
            if depth == 0, let completed { return completed }
        }
    }

    private func register(_ anchor: UnsafeMutablePointer<UInt8>?, _ index: Int) {
        if let anchor { anchors[String(cString: anchor)] = index }
    }

    /// Parses the next event into `event` (the caller deletes it).
    private func nextEvent() throws(Failure) -> yaml_event_type_t {
        guard yaml_parser_parse(parser, event) == 1 else { throw failure() }
        return event.pointee.type
    }

    private func failure() -> Failure {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "unknown problem"
        switch state.error {
        case YAML_MEMORY_ERROR:
            return .outOfMemory
        case YAML_READER_ERROR:
            return .reader(problem: problem)
        default:
            let context = state.context.map { String(cString: $0) }
            return .syntax(problem: problem, context: context,
                           mark: SourceMark(line: state.problem_mark.line + 1 + lineOffset, column: state.problem_mark.column + 1))
        }
    }
}
