import NetworkAddresses

/// One component of a set key or map key.
public enum KeyComponent: Sendable, Hashable {
    case address(IPAddress)
    /// An address range as a prefix; needs an interval set.
    case prefix(IPPrefix)
    case l4Protocol(L4Protocol)
    case port(UInt16)
}

/// An nftables set: packets whose key (a field or a concatenation of fields) is an element
/// match `Match.inSet`. iptables has no equivalent without ipset.
public struct NamedSet: Sendable, Hashable {
    public var name: ChainName
    public var fields: [PacketField]
    public var elements: [[KeyComponent]]
    /// Elements are prefixes (interval set).
    public var intervals: Bool
    /// Elements added by the data path expire after this many seconds (affinity sets).
    public var timeoutSeconds: UInt32?

    public init(name: ChainName, fields: [PacketField], elements: [[KeyComponent]] = [],
                intervals: Bool = false, timeoutSeconds: UInt32? = nil) {
        self.name = name
        self.fields = fields
        self.elements = elements
        self.intervals = intervals
        self.timeoutSeconds = timeoutSeconds
    }
}

/// An nftables verdict map: key → verdict, consulted by `Verdict.verdictMap`.
public struct VerdictMap: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var key: [KeyComponent]
        public var verdict: Verdict

        public init(key: [KeyComponent], verdict: Verdict) {
            self.key = key
            self.verdict = verdict
        }
    }

    public var name: ChainName
    public var fields: [PacketField]
    public var entries: [Entry]

    public init(name: ChainName, fields: [PacketField], entries: [Entry] = []) {
        self.name = name
        self.fields = fields
        self.entries = entries
    }
}
