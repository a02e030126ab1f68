#if canImport(Glibc)
import Glibc
#endif

/// JSON input as kubectl reads it: a stream of JSON values (`cat a.json b.json`), each checked
/// against strict JSON — a trailing comma, a comment or a single quote is an error with its line
/// and column, as Go's decoder makes it — and read straight into a YAMLTree, where strings are
/// quoted scalars and numbers, booleans and null plain ones: the field typing is the YAML
/// path's, without a YAML parser.
enum JSONStream {
    /// The stream's values, each a document.
    struct Documents {
        let tree: YAMLTree
        let roots: [Int]
        /// The first mapping with a repeated key (an error once decoding reaches its document).
        let duplicateKeys: (document: Int, error: YAMLTree.DuplicateKeys)?
        /// Where a second thread's reading of a list's items was taken over; nil when all was
        /// read on one thread.
        var splitAt: Int?
        /// Item mode: what the items of each document's top-level `items` list decoded to, by
        /// document number (those items are not in `tree`: their list there is empty).
        var decodedLists: [Int: DecodedChunk] = [:]
    }

    /// Whether text is read as JSON: like kubectl, when it starts with `{` (after whitespace).
    /// A YAML flow mapping with unquoted keys (`{kind: Service}`) stays YAML.
    static func looksLikeJSON(_ text: some Collection<UInt8>) -> Bool {
        var bytes = text.drop { isSpace($0) }
        guard bytes.first == UInt8(ascii: "{") else { return false }
        bytes = bytes.dropFirst().drop { isSpace($0) }
        return bytes.first == UInt8(ascii: "\"") || bytes.first == UInt8(ascii: "}")
    }

    /// Whether a second thread reads part of the stream (see `JSONListSplit`).
    enum Split {
        /// From the middle of streams of `ObjectCollector.parallelThreshold` bytes or more.
        case automatic
        case none
        /// From the first likely list item at or after a byte (tests).
        case near(Int)
    }

    /// Reads and checks the whole stream; the first syntax error is thrown with its document number.
    static func read(_ text: String, file: String, split: Split = .automatic) throws -> Documents {
        try read(text, file: file, split: split, itemDecoder: nil)!
    }

    /// `read` in item mode (see `JSONItemDecoding`): the items of each document's top-level
    /// `items` list are decoded by `decoder` as they are read. Nil when the second thread's
    /// items turn out to belong to another list: the stream is then to be read in tree mode.
    static func read(_ text: String, file: String, split: Split = .automatic, itemDecoder: DocumentDecoder?) throws -> Documents? {
        var text = text
        return try text.withUTF8 { try read(utf8: $0, file: file, split: split, itemDecoder: itemDecoder) }
    }

    /// `read` of UTF-8 text checked by `InputText`.
    static func read(utf8 bytes: UnsafeBufferPointer<UInt8>, file: String, split: Split = .automatic,
                     itemDecoder: DocumentDecoder?) throws -> Documents? {
        var scanner = Scanner(bytes: bytes, file: file)
        scanner.itemDecoder = itemDecoder
        let near: Int?
        switch split {
        case .automatic: near = bytes.count >= ObjectCollector.parallelThreshold ? bytes.count / 2 : nil
        case .none: near = nil
        case .near(let byte): near = byte
        }
        if let near, let cut = JSONListSplit.cut(near: near, in: bytes) {
            scanner.speculation = JSONListSplit.Speculation(bytes: bytes, file: file, cut: cut, itemDecoder: itemDecoder)
        }
        // The second thread reads `bytes`: it is waited for before they go away, whatever happens.
        defer { scanner.speculation?.wait() }
        do {
            return try scanner.documents()
        } catch is ItemListMismatch {
            return nil
        }
    }

    /// Item mode: the second thread decoded the items of a list that is no document's `items`.
    struct ItemListMismatch: Error {}

    /// The high bit of each byte of a word that ends a plain string run: a quote, a backslash,
    /// a control byte or a non-ASCII byte (exact per byte: no borrow between bytes).
    @inline(__always)
    static func plainRunEnds(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func zeroBytes(_ word: UInt64) -> UInt64 {
            let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
            return ~(((word & low7) &+ low7) | word) & highs
        }
        return zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C)) | zeroBytes(word & (ones &* 0xE0))
            | (word & highs)
    }

    /// Where the plain run from `start` may end: the first byte `plainRunEnds` flags, found a
    /// word at a time, or the last eight bytes' start (the caller reads those one by one).
    @inline(__always)
    static func plainRunEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var end = start
        while end + 8 <= bytes.count {
            let stops = plainRunEnds(UnsafeRawPointer(bytes.baseAddress! + end).loadUnaligned(as: UInt64.self))
            if stops != 0 { return end + UInt64(littleEndian: stops).trailingZeroBitCount / 8 }
            end += 8
        }
        return end
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        let file: String
        var tree = YAMLTree()
        var index = 0
        var line = 1
        var lineStart = 0
        /// UTF-8 continuation bytes on the current line before `index` (columns count characters).
        var continuationBytes = 0
        var document = 1
        var duplicateKeys: (document: Int, error: YAMLTree.DuplicateKeys)?
        /// A second thread reading a list's items from a later byte on, taken over on arrival there.
        var speculation: JSONListSplit.Speculation?
        var splitAt: Int?
        /// The second thread's scanner: the indices of the items it read of the list it started in
        /// (they are roots of its tree).
        var itemRoots: [Int]?
        /// Item mode: decodes each item of a document's top-level `items` list as soon as it is
        /// read, from `itemTree` (reset per item, so it stays small and in cache).
        var itemDecoder: DocumentDecoder?
        private var itemTree = YAMLTree()
        /// Whether the list being read is a document's top-level `items` list in item mode, and
        /// what its items decoded to so far (decoding stops at the first error; reading goes on).
        var inItemsList = false
        var listPart = DecodedChunk()
        var decodedLists: [Int: DecodedChunk] = [:]
        /// `JSONFastItem`'s room, kept from item to item.
        private var fastScratch = JSONFastItem.Scratch()

        init(bytes: UnsafeBufferPointer<UInt8>, file: String, reservingFor inputBytes: Int? = nil) {
            self.bytes = bytes
            self.file = file
            tree.reserveCapacity(forInputBytes: inputBytes ?? bytes.count)
        }

        mutating func documents() throws -> Documents {
            var roots: [Int] = []
            while true {
                skipSpace()
                guard index < bytes.count else {
                    return Documents(tree: tree, roots: roots, duplicateKeys: duplicateKeys, splitAt: splitAt,
                                     decodedLists: decodedLists)
                }
                guard bytes[index] == UInt8(ascii: "{") else {
                    throw error(bytes[index] == UInt8(ascii: "[")
                        ? "expected an object, got a list (a JSON stream holds objects)"
                        : "expected an object (`{`), got \(describe(bytes[index]))")
                }
                roots.append(tree.nodes.count)
                try value(depth: 0)
                document += 1
            }
        }

        private var column: Int { index - lineStart + 1 - continuationBytes }

        /// Ends a mapping or list; a repeated key is remembered, not thrown: it is reported when
        /// decoding reaches its document, as the YAML parser reported it.
        mutating func close() {
            do {
                try tree.close()
            } catch {
                if duplicateKeys == nil { duplicateKeys = (document, error) }
            }
        }

        /// Skips whitespace; a run of spaces (indentation, most of `kubectl get -o json`'s
        /// bytes) a word at a time: the first byte of a word that is not a space ends it.
        mutating func skipSpace() {
            let spaces: UInt64 = 0x2020_2020_2020_2020
            while index < bytes.count {
                switch bytes[index] {
                case 0x20:
                    index += 1
                    while index + 8 <= bytes.count {
                        let others = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self) ^ spaces
                        if others != 0 {
                            index += (UInt64(littleEndian: others)).trailingZeroBitCount / 8
                            break
                        }
                        index += 8
                    }
                case 0x0A:
                    index += 1
                    line += 1
                    lineStart = index
                    continuationBytes = 0
                case 0x09, 0x0D:
                    index += 1
                default:
                    return
                }
            }
        }

        func error(_ message: String) -> ManifestError {
            // Columns count characters, not bytes.
            let column = bytes[lineStart..<min(index, bytes.count)].reduce(1) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
            return ManifestError(file: file, document: document, line: line, column: column,
                                 message: "JSON syntax error: \(message)")
        }

        private func describe(_ byte: UInt8) -> String {
            switch byte {
            case UInt8(ascii: "'"): return "a single quote (JSON strings use double quotes)"
            case UInt8(ascii: "/"), UInt8(ascii: "#"): return "a comment (JSON has none)"
            case 0x21...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
            default: return "byte 0x\(String(byte, radix: 16, uppercase: true).leftPadded(2))"
            }
        }

        private mutating func expect(_ byte: UInt8, _ what: String) throws {
            skipSpace()
            guard index < bytes.count else { throw error("unexpected end of input, expected \(what)") }
            guard bytes[index] == byte else { throw error("expected \(what), got \(describe(bytes[index]))") }
            index += 1
        }

        private mutating func value(depth: Int, itemsList: Bool = false) throws {
            guard depth < 1000 else { throw error("nested more than 1000 levels deep") }
            skipSpace()
            guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                tree.open(.mapping, line: line, column: column)
                index += 1
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    close()
                    return
                }
                while true {
                    skipSpace()
                    guard index < bytes.count else { throw error("unexpected end of input inside an object") }
                    if bytes[index] == UInt8(ascii: "}") { throw error("trailing comma before '}'") }
                    guard bytes[index] == UInt8(ascii: "\"") else {
                        throw error("expected a field name in double quotes, got \(describe(bytes[index]))")
                    }
                    try string()
                    let itemsKey = depth == 0 && itemDecoder != nil && tree.lastScalar(equals: "items")
                    try expect(UInt8(ascii: ":"), "':' after a field name")
                    try value(depth: depth + 1, itemsList: itemsKey)
                    skipSpace()
                    guard index < bytes.count else { throw error("unexpected end of input inside an object") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "}") { index += 1; close(); return }
                    throw error("expected ',' or '}' after a field, got \(describe(bytes[index]))")
                }
            case UInt8(ascii: "["):
                tree.open(.sequence, line: line, column: column)
                index += 1
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    close()
                    return
                }
                if itemsList {
                    // The items join no tree: each is decoded as read (this list stays empty).
                    inItemsList = true
                    listPart = DecodedChunk()
                    try listItems(depth: depth)
                    decodedLists[document] = listPart
                    inItemsList = false
                    listPart = DecodedChunk()
                } else {
                    try listItems(depth: depth)
                }
                index += 1
                close()
            case UInt8(ascii: "\""):
                try string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try number()
            default:
                // true, false or null, compared as bytes (no word list built per value).
                let count = bytes[index] == UInt8(ascii: "f") ? 5 : 4
                let word: StaticString = count == 5 ? "false" : bytes[index] == UInt8(ascii: "t") ? "true" : "null"
                guard index + count <= bytes.count, memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0 else {
                    throw error("expected a value, got \(describe(bytes[index]))")
                }
                tree.addScalar(UnsafeBufferPointer(rebasing: bytes[index..<index + count]), plain: true, line: line, column: column)
                index += count
            }
        }

        /// A list's items up to its `]` (left for the caller). `depth`: the list's. At the byte
        /// where a second thread began reading the items of a list as deep, its reading is taken
        /// over: the same bytes read in the same state give the same result.
        mutating func listItems(depth: Int) throws {
            while true {
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { throw error("trailing comma before ']'") }
                if depth == JSONListSplit.listDepth {
                    if index == speculation?.cut {
                        try takeOver()
                        return
                    }
                    itemRoots?.append(tree.nodes.count)
                }
                if inItemsList && depth == JSONListSplit.listDepth {
                    try decodeItem(depth: depth)
                } else {
                    try value(depth: depth + 1)
                }
                skipSpace()
                guard index < bytes.count else { throw error("unexpected end of input inside a list") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { return }
                throw error("expected ',' or ']' after a list item, got \(describe(bytes[index]))")
            }
        }

        /// One item of an `items` list in item mode: read into `itemTree` and decoded at once,
        /// unless an earlier item failed.
        private mutating func decodeItem(depth: Int) throws {
            if listPart.error == nil, let decoder = itemDecoder, decoder.fastJSONItems, decodeFast(decoder) { return }
            swap(&tree, &itemTree)
            defer { swap(&tree, &itemTree) }
            tree.reset()
            try value(depth: depth + 1)
            guard listPart.error == nil, let decoder = itemDecoder else { return }
            // Moved out while it grows, so that it is not copied.
            var part = DecodedChunk()
            swap(&part, &listPart)
            let document = document
            tree.withView { view in decoder.decodeListItem(YAMLValue(tree: view, index: 0), document: document, into: &part) }
            swap(&part, &listPart)
        }

        /// `JSONFastItem`'s reading of the item here: whether it read it (then the scanner is
        /// past it), or gave up (then nothing moved: the tree reads it).
        private mutating func decodeFast(_ decoder: DocumentDecoder) -> Bool {
            var reader = JSONFastItem(bytes: bytes, index: index, line: line, lineStart: lineStart)
            swap(&reader.scratch, &fastScratch)
            defer { swap(&reader.scratch, &fastScratch) }
            do {
                listPart.items.append(try reader.item(file: decoder.file, document: document))
            } catch {
                return false
            }
            // Only ASCII was read: the count of continuation bytes changes only at a new line.
            if reader.line != line { continuationBytes = 0 }
            index = reader.index
            line = reader.line
            lineStart = reader.lineStart
            return true
        }

        /// Continues where the second thread stopped, with its items (or its error) as if read
        /// here: its lines move down to the file's, its document number is set here.
        private mutating func takeOver() throws {
            guard var outcome = speculation?.wait() else { return }
            speculation = nil
            splitAt = index
            let lineOffset = line - 1
            if var failure = outcome.error {
                failure.document = document
                failure.line = failure.line.map { $0 + lineOffset }
                throw failure
            }
            if itemDecoder == nil {
                tree.append(outcome.tree, roots: outcome.roots, lineOffset: lineOffset)
            } else {
                guard inItemsList else { throw ItemListMismatch() }
                if listPart.error == nil { listPart.append(moving: &outcome.part, document: document, lineOffset: lineOffset) }
            }
            if duplicateKeys == nil, let duplicates = outcome.duplicateKeys {
                let mark = SourceMark(line: duplicates.mark.line + lineOffset, column: duplicates.mark.column)
                duplicateKeys = (document, YAMLTree.DuplicateKeys(keys: duplicates.keys, mark: mark))
            }
            index = outcome.end.index
            line = outcome.end.line + lineOffset
            lineStart = outcome.end.lineStart
            continuationBytes = outcome.end.continuationBytes
        }

        /// A string (a value or a field name) as a quoted scalar, unescaped: runs without escapes
        /// are copied whole.
        private mutating func string() throws {
            // Most strings are plain ASCII without escapes: added in one piece, found a word at
            // a time up to the first byte that ends the plain run.
            var end = JSONStream.plainRunEnd(bytes, from: index + 1)
            while end < bytes.count {
                let byte = bytes[end]
                if byte == UInt8(ascii: "\"") {
                    tree.addScalar(UnsafeBufferPointer(rebasing: bytes[(index + 1)..<end]), plain: false, line: line, column: column)
                    index = end + 1
                    return
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
                end += 1
            }
            tree.addScalar(UnsafeBufferPointer(start: nil, count: 0), plain: false, line: line, column: column)
            index += 1
            var run = index
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    tree.appendToLastScalar(UnsafeBufferPointer(rebasing: bytes[run..<index]))
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    tree.appendToLastScalar(UnsafeBufferPointer(rebasing: bytes[run..<index]))
                    guard index + 1 < bytes.count else { index += 1; run = index; continue }
                    let escape = bytes[index + 1]
                    if escape == UInt8(ascii: "u") {
                        try unicodeEscape()
                        run = index
                        continue
                    }
                    let unescaped: UInt8
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped = escape
                    case UInt8(ascii: "b"): unescaped = 0x08
                    case UInt8(ascii: "f"): unescaped = 0x0C
                    case UInt8(ascii: "n"): unescaped = 0x0A
                    case UInt8(ascii: "r"): unescaped = 0x0D
                    case UInt8(ascii: "t"): unescaped = 0x09
                    default:
                        throw error("invalid escape '\\\(Character(Unicode.Scalar(escape)))' in a string")
                    }
                    tree.appendToLastScalar(unescaped)
                    index += 2
                    run = index
                case 0..<0x20:
                    throw error(byte == 0x0A ? "a string may not span lines (write \\n)" : "control character in a string (escape it)")
                default:
                    if byte & 0xC0 == 0x80 { continuationBytes += 1 }
                    index += 1
                }
            }
            throw error("unexpected end of input inside a string")
        }

        private func hexQuad(at position: Int) -> UInt32? {
            guard position + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for byte in bytes[position..<position + 4] {
                guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue else { return nil }
                value = value << 4 | UInt32(digit)
            }
            return value
        }

        /// `\uXXXX`, or an escaped surrogate pair, appended as UTF-8.
        private mutating func unicodeEscape() throws {
            guard let unit = hexQuad(at: index + 2) else { throw error("\\u needs four hex digits") }
            var scalar = unit
            var length = 6
            if (0xD800...0xDBFF).contains(unit) {
                guard index + 6 <= bytes.count, bytes[(index + 6)...].starts(with: "\\u".utf8), let low = hexQuad(at: index + 8),
                      (0xDC00...0xDFFF).contains(low) else {
                    throw error("a high surrogate escape must be followed by a low one")
                }
                scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                length = 12
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw error("a low surrogate escape without a high one")
            }
            for byte in UTF8.encode(Unicode.Scalar(scalar)!)! { tree.appendToLastScalar(byte) }
            index += length
        }

        private mutating func number() throws {
            let start = index
            let startColumn = column
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            func digits() -> Int {
                var count = 0
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                    index += 1
                    count += 1
                }
                return count
            }
            let integerStart = index
            guard digits() > 0 else { throw error("a number needs digits") }
            if bytes[integerStart] == UInt8(ascii: "0") && index - integerStart > 1 {
                index = start
                throw error("a number may not have a leading zero")
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw error("a number needs digits after '.'") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw error("a number needs digits in its exponent") }
            }
            tree.addScalar(UnsafeBufferPointer(rebasing: bytes[start..<index]), plain: true, line: line, column: startColumn)
        }
    }
}
