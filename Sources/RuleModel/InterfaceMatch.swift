/// Which interface of the packet an interface match (`-i`, `-o`) looks at.
public enum InterfaceDirection: String, Sendable, Hashable {
    /// The interface the packet arrived on (`-i`); none for packets the node sends.
    case input
    /// The interface routing sends it out of (`-o`); none before routing (PREROUTING).
    case output

    /// The iptables option: `-i` or `-o`.
    public var option: String { self == .input ? "-i" : "-o" }
}

/// An interface name as iptables matches it: exact, or every name starting with the text
/// before a trailing `+` (`cali+`; a lone `+` matches any interface).
public struct InterfaceName: Sendable, Hashable, CustomStringConvertible {
    /// As written, with the `+` when it is a wildcard.
    public let text: String

    /// Interface names are at most 15 bytes (IFNAMSIZ − 1); `+` may only end the name.
    public init?(_ text: String) {
        let base = text.hasSuffix("+") ? text.dropLast() : Substring(text)
        guard !text.isEmpty, text.utf8.count <= 15, !base.contains("+"), !text.contains(" "), !text.contains("/") else {
            return nil
        }
        self.text = text
    }

    public var isWildcard: Bool { text.hasSuffix("+") }

    /// The bytes every matching name starts with (all of the name when it is no wildcard).
    public var stem: Substring { isWildcard ? text.dropLast() : Substring(text) }

    public func matches(_ interface: String) -> Bool {
        isWildcard ? interface.hasPrefix(stem) : interface == text
    }

    public var description: String { text }
}
