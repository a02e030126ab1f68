/// The netfilter hooks a base chain can be attached to.
public enum Hook: String, Sendable, Hashable, CaseIterable {
    case prerouting = "PREROUTING"
    case input = "INPUT"
    case forward = "FORWARD"
    case output = "OUTPUT"
    case postrouting = "POSTROUTING"
}

/// Where a base chain is attached: its hook and its priority (lower runs first; iptables'
/// nat prerouting is -100, filter is 0, nat postrouting is 100).
public struct BaseChainAttachment: Sendable, Hashable {
    public var hook: Hook
    public var priority: Int32
    /// What happens to packets that fall off the end of the chain.
    public var policyAccepts: Bool

    public init(hook: Hook, priority: Int32, policyAccepts: Bool = true) {
        self.hook = hook
        self.priority = priority
        self.policyAccepts = policyAccepts
    }
}

/// A chain: an ordered list of rules. Base chains are entered by the kernel at their hook;
/// regular chains only through jumps.
public struct Chain: Sendable, Hashable {
    public var name: ChainName
    public var rules: [Rule]
    public var attachment: BaseChainAttachment?

    public init(_ name: ChainName, rules: [Rule] = [], attachment: BaseChainAttachment? = nil) {
        self.name = name
        self.rules = rules
        self.attachment = attachment
    }

    public var isBase: Bool { attachment != nil }
}
