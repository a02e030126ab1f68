/// Text that is not iptables-save / iptables-restore input PacketPath understands. Names the
/// input, the line (1-based) and the offending option, so a user can find it in a large dump.
public struct IPTablesParseError: Error, CustomStringConvertible, Sendable, Equatable {
    public var source: String
    public var line: Int
    public var message: String
    /// The line as written (cut after 160 characters).
    public var text: String

    public init(source: String, line: Int, message: String, text: String) {
        self.source = source
        self.line = line
        self.message = message
        self.text = text.count > 160 ? String(text.prefix(160)) + "…" : text
    }

    public var description: String {
        "\(source): line \(line): \(message)" + (text.isEmpty ? "" : " (in: \(text))")
    }
}
