/// A fast path for the YAML that kubectl, client libraries and generators write: block
/// mappings and sequences (indentless ones too), one-line plain, single- and double-quoted
/// scalars without escapes, `{}` and `[]`, comments, `---` lines; ASCII only.
///
/// For a document inside that subset it builds exactly the tree YAMLEventReader builds from
/// libyaml's events — same nodes, text, styles and marks — at a fraction of libyaml's cost
/// (≈ 250 instructions per byte there). Anything else (anchors, tags, block or multi-line
/// scalars, escapes, flow collections with content, tabs, CR, non-ASCII, repeated keys, and
/// every syntax error) makes it decline the document, and libyaml reads the run from that
/// document on: errors and unusual input keep libyaml's exact behaviour.
struct BlockYAMLReader {
    enum Outcome {
        case document(root: Int)
        case end
        /// The document at `position` is outside the subset; nothing of it is in the tree.
        case declined
    }

    private struct Decline: Error {}

    private let bytes: UnsafeBufferPointer<UInt8>
    /// The start of the next document (a line start) and its 1-based line number.
    private(set) var position = 0
    private(set) var line = 1
    /// The cursor inside a document.
    private var index = 0
    private var lineStart = 0
    private var currentLine = 1
    private var tree = YAMLTree()

    /// Containers nested deeper than this are left to libyaml (bounds the recursion).
    private static let maxDepth = 256
    /// libyaml refuses simple keys longer than 1024 characters.
    private static let maxKeyLength = 1000

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Reads the document at `position` into `tree` (reset first). On `.declined` the tree is
    /// empty and `position`/`line` still name the declined document's start.
    mutating func nextDocument(into tree: inout YAMLTree) -> Outcome {
        guard position < bytes.count else { return .end }
        tree.reset()
        swap(&tree, &self.tree)
        defer { swap(&tree, &self.tree) }
        index = position
        lineStart = position
        currentLine = line
        do {
            let root = try document()
            position = index
            line = currentLine
            return .document(root: root)
        } catch {
            self.tree.reset()
            return .declined
        }
    }

    // MARK: Documents and lines

    private var column: Int { index - lineStart + 1 }

    private mutating func document() throws(Decline) -> Int {
        var indent = try peekLine()
        if indent < 0, startsMarker(at: index) {
            // `---` alone on its line (where `peekLine` stops), after comments if first.
            index += 3
            if index < bytes.count { index += 1 }
            newLine()
            indent = try peekLine()
        }
        guard indent >= 0 else { throw Decline() }
        index = lineStart + indent
        let root = isEntry(index) ? try sequence(indent: indent, indentless: false, depth: 0)
                                  : try mapping(indent: indent, depth: 0)
        guard try peekLine() < 0 else { throw Decline() }
        return root
    }

    /// `---` at a line start, followed by a line break or the end.
    private func startsMarker(at start: Int) -> Bool {
        start + 3 <= bytes.count && bytes[start] == 0x2D && bytes[start + 1] == 0x2D && bytes[start + 2] == 0x2D
            && (start + 3 == bytes.count || bytes[start + 3] == 0x0A)
    }

    private mutating func newLine() {
        currentLine += 1
        lineStart = index
    }

    /// From a line start, skips blank and comment lines. Returns the indentation of the next
    /// line with content (the cursor stays at its start), or -1 at the end of the document
    /// (a `---` line, which the cursor stays at, or the end of the input).
    private mutating func peekLine() throws(Decline) -> Int {
        while index < bytes.count {
            lineStart = index
            if startsMarker(at: index) { return -1 }
            // Other lines starting `---` or `...` may be markers with more on the line.
            if index + 3 <= bytes.count, bytes[index] == bytes[index + 1], bytes[index] == bytes[index + 2],
               bytes[index] == 0x2D || bytes[index] == 0x2E {
                throw Decline()
            }
            var cursor = index
            while cursor < bytes.count, bytes[cursor] == 0x20 { cursor += 1 }
            guard cursor < bytes.count else {
                index = cursor
                return -1
            }
            switch bytes[cursor] {
            case 0x0A:
                index = cursor + 1
                newLine()
            case 0x23:  // a comment line
                index = cursor
                try skipComment()
            case 0x09, 0x0D:
                throw Decline()
            default:
                return cursor - index
            }
        }
        lineStart = index
        return -1
    }

    /// From a `#` to the start of the next line.
    private mutating func skipComment() throws(Decline) {
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == 0x0A {
                newLine()
                return
            }
            // NEL and U+2028/2029 break lines in YAML 1.1; CR too.
            if byte >= 0x80 || byte == 0x0D { throw Decline() }
        }
    }

    /// After a value on its line: spaces, an optional comment, then the line break or the end.
    private mutating func finishLine() throws(Decline) {
        let start = index
        while index < bytes.count, bytes[index] == 0x20 { index += 1 }
        guard index < bytes.count else { return }
        switch bytes[index] {
        case 0x0A:
            index += 1
            newLine()
        case 0x23 where index > start:
            try skipComment()
        default:
            throw Decline()
        }
    }

    /// `- ` or `-` at the end of its line.
    private func isEntry(_ at: Int) -> Bool {
        bytes[at] == 0x2D && (at + 1 == bytes.count || bytes[at + 1] == 0x20 || bytes[at + 1] == 0x0A)
    }

    // MARK: Collections

    /// A block mapping whose first key is at the cursor, in column `indent` (0-based).
    private mutating func mapping(indent: Int, depth: Int) throws(Decline) -> Int {
        guard depth < BlockYAMLReader.maxDepth else { throw Decline() }
        tree.open(.mapping, line: currentLine, column: column)
        while true {
            let colon = try keyEnd()
            tree.addScalar(UnsafeBufferPointer(rebasing: bytes[index..<colon]), plain: true, line: currentLine, column: column)
            let valueMark = (line: currentLine, column: colon - lineStart + 2)
            index = colon + 1
            let afterColon = index
            while index < bytes.count, bytes[index] == 0x20 { index += 1 }
            if index == bytes.count || bytes[index] == 0x0A || (bytes[index] == 0x23 && index > afterColon) {
                // The value is on the lines below, or empty.
                index = afterColon
                try finishLine()
                let next = try peekLine()
                if next > indent {
                    index = lineStart + next
                    if isEntry(index) {
                        _ = try sequence(indent: next, indentless: false, depth: depth + 1)
                    } else {
                        _ = try mapping(indent: next, depth: depth + 1)
                    }
                } else if next == indent, isEntry(lineStart + next) {
                    index = lineStart + next
                    _ = try sequence(indent: next, indentless: true, depth: depth + 1)
                } else {
                    tree.addScalar(UnsafeBufferPointer(start: nil, count: 0), plain: true, line: valueMark.line, column: valueMark.column)
                }
            } else {
                try inlineValue()
            }
            let next = try peekLine()
            guard next == indent else {
                if next > indent { throw Decline() }
                break
            }
            index = lineStart + next
            if isEntry(index) { throw Decline() }
        }
        return try close()
    }

    /// A block sequence whose first `-` is at the cursor, in column `indent`. An indentless
    /// sequence (the value of a key in the same column) ends at the next key.
    private mutating func sequence(indent: Int, indentless: Bool, depth: Int) throws(Decline) -> Int {
        guard depth < BlockYAMLReader.maxDepth else { throw Decline() }
        tree.open(.sequence, line: currentLine, column: column)
        while true {
            // At `-`: the entry's content follows on the same line.
            index += 1
            let afterDash = index
            while index < bytes.count, bytes[index] == 0x20 { index += 1 }
            guard index > afterDash, index < bytes.count, bytes[index] != 0x0A, bytes[index] != 0x23 else { throw Decline() }
            if isEntry(index) { throw Decline() }
            if try lineHoldsKey() {
                _ = try mapping(indent: index - lineStart, depth: depth + 1)
            } else {
                try inlineValue()
            }
            let next = try peekLine()
            guard next == indent else {
                if next > indent { throw Decline() }
                break
            }
            // The cursor stays at the line start when the sequence ends here (`peekLine` needs it).
            guard isEntry(lineStart + next) else {
                if indentless { break }
                throw Decline()
            }
            index = lineStart + next
        }
        return try close()
    }

    private mutating func close() throws(Decline) -> Int {
        do {
            return try tree.close()
        } catch {
            // Repeated keys: libyaml's path reports them, in its order of events and errors.
            throw Decline()
        }
    }

    // MARK: Scalars

    /// The `:` ending a plain key that starts at the cursor (`: ` or `:` at the line's end).
    private func keyEnd() throws(Decline) -> Int {
        guard startsPlainScalar(index) else { throw Decline() }
        var cursor = index + 1
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if byte == 0x3A {
                let after = cursor + 1
                if after == bytes.count || bytes[after] == 0x20 || bytes[after] == 0x0A {
                    // A key ending in spaces (`a : b`) is left to libyaml.
                    guard bytes[cursor - 1] != 0x20, cursor - index <= BlockYAMLReader.maxKeyLength else { throw Decline() }
                    return cursor
                }
            } else if byte == 0x0A || byte == 0x09 || byte == 0x0D || byte >= 0x80 || (byte == 0x23 && bytes[cursor - 1] == 0x20) {
                throw Decline()
            }
            cursor += 1
        }
        throw Decline()
    }

    /// Whether the rest of the line, from a sequence entry's content, is `key: …`.
    private func lineHoldsKey() throws(Decline) -> Bool {
        guard startsPlainScalar(index) else { return false }
        var cursor = index + 1
        while cursor < bytes.count {
            switch bytes[cursor] {
            case 0x0A: return false
            case 0x23 where bytes[cursor - 1] == 0x20: return false
            case 0x3A where cursor + 1 == bytes.count || bytes[cursor + 1] == 0x20 || bytes[cursor + 1] == 0x0A: return true
            default: cursor += 1
            }
        }
        return false
    }

    /// Whether a plain scalar may start here: not an indicator, a space or a line break.
    private func startsPlainScalar(_ at: Int) -> Bool {
        switch bytes[at] {
        case 0x2D, 0x3F, 0x3A, 0x2C, 0x5B, 0x5D, 0x7B, 0x7D, 0x23, 0x26, 0x2A, 0x21, 0x7C, 0x3E, 0x27, 0x22, 0x25, 0x40, 0x60,
             0x20, 0x0A, 0x09, 0x0D:
            return false
        default:
            return bytes[at] < 0x80
        }
    }

    /// `-`, `?` or `:` followed by more than a space starts a plain scalar too (`-1`, `::1`).
    private func startsPlainScalarAfterIndicator(_ at: Int) -> Bool {
        (bytes[at] == 0x2D || bytes[at] == 0x3F || bytes[at] == 0x3A) && at + 1 < bytes.count
            && bytes[at + 1] != 0x20 && bytes[at + 1] != 0x0A && bytes[at + 1] != 0x09 && bytes[at + 1] != 0x0D
    }

    /// A scalar (or `{}`/`[]`) that ends on the cursor's line, then the rest of the line.
    private mutating func inlineValue() throws(Decline) {
        let start = index
        switch bytes[start] {
        case 0x22, 0x27:  // "…" or '…'
            try quoted(bytes[start])
        case 0x7B, 0x5B:  // {} or []
            guard start + 1 < bytes.count, bytes[start + 1] == bytes[start] + 2 else { throw Decline() }
            tree.open(bytes[start] == 0x7B ? .mapping : .sequence, line: currentLine, column: column)
            index += 2
            _ = try close()
        default:
            guard startsPlainScalar(start) || startsPlainScalarAfterIndicator(start) else { throw Decline() }
            var end = start + 1
            var cursor = start + 1
            scan: while cursor < bytes.count {
                let byte = bytes[cursor]
                switch byte {
                case 0x0A:
                    break scan
                case 0x20:
                    if cursor + 1 < bytes.count, bytes[cursor + 1] == 0x23 { break scan }
                case 0x3A:
                    // `: ` here would start a mapping where libyaml refuses one.
                    if cursor + 1 == bytes.count || bytes[cursor + 1] == 0x20 || bytes[cursor + 1] == 0x0A { throw Decline() }
                    end = cursor + 1
                case 0x09, 0x0D:
                    throw Decline()
                default:
                    if byte >= 0x80 { throw Decline() }
                    end = cursor + 1
                }
                cursor += 1
            }
            tree.addScalar(UnsafeBufferPointer(rebasing: bytes[start..<end]), plain: true, line: currentLine, column: column)
            index = cursor
        }
        try finishLine()
    }

    /// A quoted scalar closed on its line; in single quotes `''` is one quote, and double
    /// quotes with a backslash escape are left to libyaml.
    private mutating func quoted(_ quote: UInt8) throws(Decline) {
        tree.addScalar(UnsafeBufferPointer(start: nil, count: 0), plain: false, line: currentLine, column: column)
        var run = index + 1
        var cursor = run
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if byte == quote {
                tree.appendToLastScalar(UnsafeBufferPointer(rebasing: bytes[run..<cursor]))
                if quote == 0x27, cursor + 1 < bytes.count, bytes[cursor + 1] == 0x27 {
                    tree.appendToLastScalar(0x27)
                    cursor += 2
                    run = cursor
                    continue
                }
                index = cursor + 1
                // `"a"#b` or `'a':` are left to libyaml.
                if index < bytes.count, bytes[index] != 0x20, bytes[index] != 0x0A { throw Decline() }
                return
            }
            if byte == 0x0A || byte == 0x09 || byte == 0x0D || byte >= 0x80 || (byte == 0x5C && quote == 0x22) { throw Decline() }
            cursor += 1
        }
        throw Decline()
    }
}
