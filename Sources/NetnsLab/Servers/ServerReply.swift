import ClusterState

/// A port a lab server listens on.
public struct ServedPort: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var port: Int
    public var `protocol`: KubeProtocol

    public init(_ port: Int, _ proto: KubeProtocol) {
        self.port = port
        self.protocol = proto
    }

    public var description: String { "\(port)/\(`protocol`.rawValue)" }

    public static func < (lhs: ServedPort, rhs: ServedPort) -> Bool {
        (lhs.protocol, lhs.port) < (rhs.protocol, rhs.port)
    }
}

/// What a server tells its client: its own name and the source address it saw. The Service
/// lab reads it to learn which endpoint answered and whether the client was masqueraded.
public struct ServerReply: Sendable, Hashable, CustomStringConvertible {
    public var server: String
    public var sawPeer: Endpoint4

    public init(server: String, sawPeer: Endpoint4) {
        self.server = server
        self.sawPeer = sawPeer
    }

    /// One line: `<server> <peer address>:<peer port>`.
    var line: String { "\(server) \(sawPeer)" }

    public var description: String { line }

    /// Parses `line` (without its newline).
    init?(line: Substring) {
        guard let space = line.lastIndex(of: " ") else { return nil }
        let peerText = line[line.index(after: space)...]
        guard let colon = peerText.lastIndex(of: ":"),
              let address = IPAddress4Text.parse(peerText[..<colon]),
              let port = UInt16(peerText[peerText.index(after: colon)...]) else { return nil }
        server = String(line[..<space])
        sawPeer = Endpoint4(address: address, port: port)
    }
}

enum IPAddress4Text {
    static func parse(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }
}
