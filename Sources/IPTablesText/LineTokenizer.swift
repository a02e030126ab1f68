/// Splits one line of iptables-save/restore text into words the way iptables-restore does:
/// blanks separate words, double quotes group a word that contains blanks, and inside quotes
/// a backslash makes the next character literal (iptables-save writes `\"` and `\\` there).
/// Outside quotes a backslash is an ordinary character, as iptables-restore reads it: an
/// unquoted `a\\b` is the four characters `a\\b`, never `a\b`.
enum LineTokenizer {
    struct UnterminatedQuote: Error {}

    static func words(_ line: Substring) throws -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        var inWord = false
        var quoted = false
        var escaped = false
        for byte in line.utf8 {
            if escaped {
                current.append(byte)
                escaped = false
                continue
            }
            switch byte {
            case UInt8(ascii: "\\") where quoted:
                escaped = true
            case UInt8(ascii: "\""):
                quoted.toggle()
                inWord = true
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                if quoted {
                    current.append(byte)
                } else {
                    if inWord { words.append(String(decoding: current, as: UTF8.self)) }
                    current.removeAll(keepingCapacity: true)
                    inWord = false
                }
            default:
                current.append(byte)
                inWord = true
            }
        }
        if quoted || escaped { throw UnterminatedQuote() }
        if inWord { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }
}
