/// One lexical unit of nft text. Braces, `;`, `,` and line ends are tokens of their own
/// (the listing form separates statements by line ends, the script form by `;`); quoted
/// strings keep their content without quotes; everything else is a word (`10.0.0.1:80`,
/// `fd00::/64`, `@cluster-ips`, `.`, `:`, `!=`).
struct NFTToken: Equatable {
    enum Kind: Equatable {
        case word, string, open, close, semicolon, comma, newline
    }

    let kind: Kind
    let text: String
    let line: Int

    func isWord(_ word: String) -> Bool { kind == .word && text == word }
}

enum NFTTokenizer {
    struct Failure: Error {
        let line: Int
        let message: String
        let token: String
    }

    /// Tokens of `text`; `#` starts a comment to the end of the line (outside strings).
    static func tokens(_ text: String) throws(Failure) -> [NFTToken] {
        var tokens: [NFTToken] = []
        var line = 1
        var word: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        func flush() {
            if !word.isEmpty {
                tokens.append(NFTToken(kind: .word, text: String(decoding: word, as: UTF8.self), line: line))
                word.removeAll(keepingCapacity: true)
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                flush()
            case UInt8(ascii: "\n"):
                flush()
                tokens.append(NFTToken(kind: .newline, text: "\n", line: line))
                line += 1
            case UInt8(ascii: "#") where word.isEmpty:
                while index + 1 < bytes.count, bytes[index + 1] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ";"), UInt8(ascii: ","):
                flush()
                let kind: NFTToken.Kind = byte == UInt8(ascii: "{") ? .open : byte == UInt8(ascii: "}") ? .close
                    : byte == UInt8(ascii: ";") ? .semicolon : .comma
                tokens.append(NFTToken(kind: kind, text: String(UnicodeScalar(byte)), line: line))
            case UInt8(ascii: "\""):
                flush()
                var content: [UInt8] = []
                var end = index + 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
                    if bytes[end] == UInt8(ascii: "\n") { break }
                    if bytes[end] == UInt8(ascii: "\\"), end + 1 < bytes.count { end += 1 }
                    content.append(bytes[end])
                    end += 1
                }
                guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else {
                    throw Failure(line: line, message: "unterminated string",
                                  token: String(decoding: bytes[index..<min(end, bytes.count)], as: UTF8.self))
                }
                tokens.append(NFTToken(kind: .string, text: String(decoding: content, as: UTF8.self), line: line))
                index = end
            default:
                word.append(byte)
            }
            index += 1
        }
        flush()
        return tokens
    }
}
