import NetworkAddresses

/// One component of a set key or map key.
public enum KeyComponent: Sendable, Hashable {
    case address(IPAddress)
    /// An address range as a prefix; needs an interval set.
    case prefix(IPPrefix)
    case l4Protocol(L4Protocol)
    case port(UInt16)
}

/// Data types of set keys (nftables' names), one per component of a concatenated key.
public enum SetDataType: String, Sendable, Hashable, CaseIterable {
    case ipv4Address = "ipv4_addr"
    case ipv6Address = "ipv6_addr"
    case inetProto = "inet_proto"
    case inetService = "inet_service"
    case mark

    /// The address type of `family`.
    public static func address(_ family: IPFamily) -> SetDataType {
        family == .ipv4 ? .ipv4Address : .ipv6Address
    }
}

/// nftables set flags.
public struct SetFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Elements never change after creation (anonymous sets).
    public static let constant = SetFlags(rawValue: 1 << 0)
    /// Elements are ranges or prefixes.
    public static let interval = SetFlags(rawValue: 1 << 1)
    /// Elements may expire.
    public static let timeout = SetFlags(rawValue: 1 << 2)
    /// The data path adds elements (`update @set`).
    public static let dynamic = SetFlags(rawValue: 1 << 3)
}

/// One element of a set: its key and an optional comment.
public struct SetElement: Sendable, Hashable {
    public var key: [KeyComponent]
    public var comment: String?

    public init(_ key: [KeyComponent], comment: String? = nil) {
        self.key = key
        self.comment = comment
    }
}

/// An nftables set: packets whose key (a field or a concatenation of fields) is an element
/// match `Match.inSet`. iptables has no equivalent without ipset.
public struct NamedSet: Sendable, Hashable {
    public var name: ChainName
    /// The packet fields lookups use, in key order.
    public var fields: [PacketField]
    /// The key's declared types, in key order (what `type …` lists).
    public var keyTypes: [SetDataType]
    public var elements: [SetElement]
    public var flags: SetFlags
    /// Elements added by the data path expire after this many seconds (affinity sets).
    public var timeoutSeconds: UInt32?
    public var comment: String?

    public init(name: ChainName, fields: [PacketField], keyTypes: [SetDataType] = [], elements: [SetElement] = [],
                flags: SetFlags = [], timeoutSeconds: UInt32? = nil, comment: String? = nil) {
        self.name = name
        self.fields = fields
        self.keyTypes = keyTypes
        self.elements = elements
        self.flags = flags
        self.timeoutSeconds = timeoutSeconds
        self.comment = comment
    }

    /// Elements are prefixes (interval set).
    public var intervals: Bool { flags.contains(.interval) }
}

/// An nftables verdict map: key → verdict, consulted by `Verdict.verdictMap`.
public struct VerdictMap: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var key: [KeyComponent]
        public var verdict: Verdict
        /// The Service port entry point the element is (`Table.provenance(_:)`), kept in the
        /// verdict's padding; ignored by printers, encoders and equality.
        public var provenanceID: ProvenanceID
        public var comment: String?

        public init(key: [KeyComponent], verdict: Verdict, comment: String? = nil, provenanceID: ProvenanceID = .none) {
            self.key = key
            self.verdict = verdict
            self.provenanceID = provenanceID
            self.comment = comment
        }

        /// What the element does: provenance is left out, so a compiled element equals its dump.
        public static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.key == rhs.key && lhs.verdict == rhs.verdict && lhs.comment == rhs.comment
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(key)
            hasher.combine(verdict)
            hasher.combine(comment)
        }
    }

    public var name: ChainName
    public var fields: [PacketField]
    /// The key's declared types, in key order.
    public var keyTypes: [SetDataType]
    public var entries: [Entry]
    public var comment: String?

    public init(name: ChainName, fields: [PacketField], keyTypes: [SetDataType] = [], entries: [Entry] = [],
                comment: String? = nil) {
        self.name = name
        self.fields = fields
        self.keyTypes = keyTypes
        self.entries = entries
        self.comment = comment
    }
}
