import NetworkAddresses
import RuleModel

/// Where the first packet enters the node's netfilter hooks.
public enum PacketOrigin: String, Sendable, Codable {
    /// Arrives on an interface (another host, or a pod through its veth): PREROUTING first.
    case network
    /// Sent by a process on the node itself: OUTPUT first.
    case node
}

/// What the tracer needs to know about the node besides its rules.
public struct TraceEnvironment: Sendable {
    /// The node's interface addresses (with prefix lengths, as in NodeSettings), which decide
    /// `-m addrtype --src-type/--dst-type LOCAL` and whether a packet is delivered locally.
    public var interfaceAddresses: [IPPrefix]
    /// nil: decided from the source address (a node address means the node sent it).
    public var origin: PacketOrigin?
    /// Clients already in xt_recent lists (session affinity), by list name; empty means a
    /// client's first connection.
    public var recentEntries: [ChainName: Set<IPAddress>]
    /// How much one trace may explore.
    public var limits: TraceLimits

    public init(interfaceAddresses: [IPPrefix], origin: PacketOrigin? = nil,
                recentEntries: [ChainName: Set<IPAddress>] = [:], limits: TraceLimits = TraceLimits()) {
        self.limits = limits
        self.interfaceAddresses = interfaceAddresses
        self.origin = origin
        self.recentEntries = recentEntries
    }

    /// RTN_LOCAL: one of the node's addresses, or any 127/8 address once IPv4 loopback is up
    /// (the kernel routes the whole loopback prefix locally).
    public func isLocal(_ address: IPAddress) -> Bool {
        interfaceAddresses.contains { prefix in
            prefix.address == address || (prefix.address.isLoopback && prefix.family == .ipv4 && prefix.contains(address))
        }
    }
}
