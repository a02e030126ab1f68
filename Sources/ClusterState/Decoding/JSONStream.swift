/// JSON input as kubectl reads it: a stream of JSON values (`cat a.json b.json`), each checked
/// against strict JSON — a trailing comma, a comment or a single quote is an error with its line
/// and column, as Go's decoder makes it — and handed to the YAML parser one value at a time
/// (JSON is YAML, so the field typing stays the same).
enum JSONStream {
    /// One top-level value: its text and the lines before it.
    struct Value {
        let text: String
        let lineOffset: Int
    }

    /// Whether text is read as JSON: like kubectl, when it starts with `{` (after whitespace).
    /// A YAML flow mapping with unquoted keys (`{kind: Service}`) stays YAML.
    static func looksLikeJSON(_ text: String) -> Bool {
        var bytes = text.utf8.drop { isSpace($0) }
        guard bytes.first == UInt8(ascii: "{") else { return false }
        bytes = bytes.dropFirst().drop { isSpace($0) }
        return bytes.first == UInt8(ascii: "\"") || bytes.first == UInt8(ascii: "}")
    }

    /// Splits and checks the stream; the first syntax error is thrown with its document number.
    static func split(_ text: String, file: String) throws -> [Value] {
        var scanner = Scanner(bytes: Array(text.utf8), file: file)
        return try scanner.values()
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private struct Scanner {
        let bytes: [UInt8]
        let file: String
        var index = 0
        var line = 1
        var lineStart = 0
        var document = 1
        /// Escaped surrogate pairs (`\ud83d\ude00`) in the current value, which the YAML parser
        /// refuses: rewritten as one `\UXXXXXXXX` escape.
        var surrogatePairs: [(range: Range<Int>, scalar: UInt32)] = []

        init(bytes: [UInt8], file: String) {
            self.bytes = bytes
            self.file = file
        }

        mutating func values() throws -> [Value] {
            var result: [Value] = []
            while true {
                skipSpace()
                guard index < bytes.count else { return result }
                let start = index, startLine = line
                surrogatePairs = []
                guard bytes[index] == UInt8(ascii: "{") else {
                    throw error(bytes[index] == UInt8(ascii: "[")
                        ? "expected an object, got a list (a JSON stream holds objects)"
                        : "expected an object (`{`), got \(describe(bytes[index]))")
                }
                try value(depth: 0)
                result.append(Value(text: text(start..<index), lineOffset: startLine - 1))
                document += 1
            }
        }

        private func text(_ range: Range<Int>) -> String {
            guard !surrogatePairs.isEmpty else { return String(decoding: bytes[range], as: UTF8.self) }
            var out: [UInt8] = []
            var position = range.lowerBound
            for pair in surrogatePairs {
                out += bytes[position..<pair.range.lowerBound]
                out += Array("\\U".utf8) + Array(String(pair.scalar, radix: 16).leftPadded(8).utf8)
                position = pair.range.upperBound
            }
            out += bytes[position..<range.upperBound]
            return String(decoding: out, as: UTF8.self)
        }

        private mutating func skipSpace() {
            while index < bytes.count, isSpace(bytes[index]) {
                if bytes[index] == 0x0A {
                    line += 1
                    lineStart = index + 1
                }
                index += 1
            }
        }

        private func error(_ message: String) -> ManifestError {
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

        private mutating func value(depth: Int) throws {
            guard depth < 1000 else { throw error("nested more than 1000 levels deep") }
            skipSpace()
            guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
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
                    try expect(UInt8(ascii: ":"), "':' after a field name")
                    try value(depth: depth + 1)
                    skipSpace()
                    guard index < bytes.count else { throw error("unexpected end of input inside an object") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "}") { index += 1; return }
                    throw error("expected ',' or '}' after a field, got \(describe(bytes[index]))")
                }
            case UInt8(ascii: "["):
                index += 1
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return
                }
                while true {
                    skipSpace()
                    if index < bytes.count, bytes[index] == UInt8(ascii: "]") { throw error("trailing comma before ']'") }
                    try value(depth: depth + 1)
                    skipSpace()
                    guard index < bytes.count else { throw error("unexpected end of input inside a list") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "]") { index += 1; return }
                    throw error("expected ',' or ']' after a list item, got \(describe(bytes[index]))")
                }
            case UInt8(ascii: "\""):
                try string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try number()
            default:
                for word in ["true", "false", "null"] where bytes[index...].starts(with: word.utf8) {
                    index += word.utf8.count
                    return
                }
                throw error("expected a value, got \(describe(bytes[index]))")
            }
        }

        private mutating func string() throws {
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    guard index + 1 < bytes.count else { break }
                    let escape = bytes[index + 1]
                    if escape == UInt8(ascii: "u") {
                        try unicodeEscape()
                        continue
                    }
                    guard Array("\"\\/bfnrt".utf8).contains(escape) else {
                        throw error("invalid escape '\\\(Character(Unicode.Scalar(escape)))' in a string")
                    }
                    index += 2
                case 0..<0x20:
                    throw error(byte == 0x0A ? "a string may not span lines (write \\n)" : "control character in a string (escape it)")
                default:
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

        private mutating func unicodeEscape() throws {
            guard let unit = hexQuad(at: index + 2) else { throw error("\\u needs four hex digits") }
            if (0xD800...0xDBFF).contains(unit) {
                guard bytes[(index + 6)...].starts(with: Array("\\u".utf8)), let low = hexQuad(at: index + 8),
                      (0xDC00...0xDFFF).contains(low) else {
                    throw error("a high surrogate escape must be followed by a low one")
                }
                let scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                surrogatePairs.append((index..<index + 12, scalar))
                index += 12
                return
            }
            if (0xDC00...0xDFFF).contains(unit) { throw error("a low surrogate escape without a high one") }
            index += 6
        }

        private mutating func number() throws {
            let start = index
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
        }
    }
}
