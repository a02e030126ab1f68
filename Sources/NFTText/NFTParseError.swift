/// Why nft text could not be read: where (source and line), what was expected, and the
/// offending token, quoted with control characters escaped and cut after 60 characters so a
/// binary or huge input cannot flood the message.
public struct NFTParseError: Error, CustomStringConvertible, Sendable, Equatable {
    public var source: String
    public var line: Int
    public var message: String
    /// The offending token, already made safe to print ("" at the end of the input).
    public var token: String

    public init(source: String, line: Int, message: String, token: String?) {
        self.source = source
        self.line = line
        self.message = message
        self.token = token.map(NFTParseError.quoted) ?? ""
    }

    public var description: String {
        "\(source): line \(line): \(message)" + (token.isEmpty ? "" : " at \(token)")
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars.prefix(60) {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + (text.unicodeScalars.count > 60 ? "…\"" : "\"")
    }
}
