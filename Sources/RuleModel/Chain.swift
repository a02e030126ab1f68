/// The netfilter hooks a base chain can be attached to.
public enum Hook: String, Sendable, Hashable, CaseIterable {
    case prerouting = "PREROUTING"
    case input = "INPUT"
    case forward = "FORWARD"
    case output = "OUTPUT"
    case postrouting = "POSTROUTING"
}

/// Where a base chain is attached: its hook and its priority (lower runs first; iptables'
/// nat prerouting is `dstnat` = -100, filter is 0, nat postrouting is `srcnat` = 100).
public struct BaseChainAttachment: Sendable, Hashable {
    public var hook: Hook
    /// The priority as written; `priority` is its number.
    public var namedPriority: ChainPriority
    /// nftables chain type; nil for iptables' built-in chains, whose type the table implies.
    public var type: ChainType?
    /// What happens to packets that fall off the end of the chain.
    public var policyAccepts: Bool

    public var priority: Int32 { namedPriority.value }

    public init(hook: Hook, priority: ChainPriority, type: ChainType? = nil, policyAccepts: Bool = true) {
        self.hook = hook
        self.namedPriority = priority
        self.type = type
        self.policyAccepts = policyAccepts
    }

    /// An attachment known only by its number (as the kernel reports it).
    public init(hook: Hook, priority: Int32, policyAccepts: Bool = true) {
        self.init(hook: hook, priority: ChainPriority(absolute: priority), policyAccepts: policyAccepts)
    }
}

/// A chain: an ordered list of rules. Base chains are entered by the kernel at their hook;
/// regular chains only through jumps.
public struct Chain: Sendable, Hashable {
    public var name: ChainName
    /// What the chain was laid out for, and so each of its rules that has none of its own: an
    /// entry of its table's `ProvenanceStore` (`Table.provenance(of:)`); none in dumps and for
    /// chains no Service port or policy owns. Declared right after the name, whose padding it fills.
    public var provenanceID: ProvenanceID
    public var rules: [Rule]
    public var attachment: BaseChainAttachment?
    /// nftables chain comment (iptables chains have none).
    public var comment: String?

    public init(_ name: ChainName, rules: [Rule] = [], attachment: BaseChainAttachment? = nil, comment: String? = nil,
                provenanceID: ProvenanceID = .none) {
        self.name = name
        self.provenanceID = provenanceID
        self.rules = rules
        self.attachment = attachment
        self.comment = comment
    }

    /// Provenance is left out, as for rules.
    public static func == (lhs: Chain, rhs: Chain) -> Bool {
        lhs.name == rhs.name && lhs.rules == rhs.rules && lhs.attachment == rhs.attachment && lhs.comment == rhs.comment
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(rules)
        hasher.combine(attachment)
        hasher.combine(comment)
    }

    public var isBase: Bool { attachment != nil }
}
