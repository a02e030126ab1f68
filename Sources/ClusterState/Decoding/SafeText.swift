/// Input quoted in messages can hold anything: control characters, ANSI escape sequences,
/// newlines, bidirectional overrides, megabytes of text. What reaches a terminal is escaped and
/// cut short, so a message stays one readable line that cannot rewrite the screen.
public enum SafeText {
    /// Characters shown of a quoted value.
    public static let quoteLimit = 100

    /// `"value"`, escaped (including `"` and `\`) and cut to `limit` characters.
    public static func quoted(_ text: String, limit: Int = quoteLimit) -> String {
        "\"" + escaped(text, limit: limit, quote: true) + "\""
    }

    /// The text with every control or formatting character escaped (`\n`, `\x1b`, `\u{202e}`),
    /// cut to `limit` characters when given (the cut says how long the whole was).
    public static func escaped(_ text: String, limit: Int? = nil, quote: Bool = false) -> String {
        var result = ""
        var shown = 0
        var total = 0
        for scalar in text.unicodeScalars {
            total += 1
            if let limit, shown >= limit { continue }
            shown += 1
            let value = scalar.value
            switch value {
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0x09: result += "\\t"
            case 0x22 where quote: result += "\\\""
            case 0x5C where quote: result += "\\\\"
            case 0..<0x20, 0x7F: result += "\\x" + String(value, radix: 16).leftPadded(2)
            case 0x80...0x9F, 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF:
                result += "\\u{" + String(value, radix: 16) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        if let limit, total > limit { result += "… (\(total) characters)" }
        return result
    }
}
