import NetfilterNetlink

/// Why an apply failed. Every case prints as one line.
public enum ApplyError: Error, CustomStringConvertible, Sendable {
    /// The process lacks CAP_NET_ADMIN/CAP_SYS_ADMIN.
    case notPrivileged(String)
    /// The target is the process's own namespace and `host` was not set.
    case refusingHostNamespace(String)
    case namespace(String)
    /// The rulesets cannot be applied as iptables-nft rules (before anything was sent).
    case invalidRuleset(String)
    /// A rule cannot be encoded; names the rule.
    case unencodableRule(location: String, rule: String, reason: String)
    /// The kernel refused the batch; nothing changed. One entry per object it named.
    case rejected([RejectedObject])
    /// The kernel could not be read or written.
    case netfilter(String)
    /// A chain PacketPath needs exists and is not PacketPath's.
    case foreignChain(family: String, table: String, chain: String)
    /// The ruleset kept changing between reading and committing.
    case concurrentChanges(attempts: Int)
    /// An nftables table PacketPath would replace exists and PacketPath did not write it.
    case foreignTable(family: String, table: String)

    public var description: String {
        switch self {
        case .notPrivileged(let reason):
            return "not permitted: \(reason)"
        case .refusingHostNamespace(let namespace):
            return "refusing to apply into \(namespace), the network namespace this process runs in (pass host: true / --host to allow it)"
        case .namespace(let reason):
            return reason
        case .invalidRuleset(let reason):
            return "invalid ruleset: \(reason)"
        case .unencodableRule(let location, let rule, let reason):
            return "\(location): \(reason): \(rule)"
        case .rejected(let objects):
            let first = objects.first.map(\.description) ?? "no reason given"
            let more = objects.count > 1 ? " (+\(objects.count - 1) more)" : ""
            return "the kernel rejected the batch, nothing was changed: \(first)\(more)"
        case .netfilter(let reason):
            return reason
        case .foreignChain(let family, let table, let chain):
            return "\(family) \(table) chain \(chain) exists and is not PacketPath's (it has no \"packetpath\" comment): remove or rename it; nothing was changed"
        case .concurrentChanges(let attempts):
            return "the ruleset kept changing while applying (another program is writing it); gave up after \(attempts) attempts, nothing was changed"
        case .foreignTable(let family, let table):
            return "table \(family) \(table) exists and PacketPath did not write it (kube-proxy's?); refusing to replace it, nothing was changed (--take-over replaces it)"
        }
    }
}

/// One object of a rejected batch, as the kernel reported it.
public struct RejectedObject: Sendable, CustomStringConvertible {
    /// e.g. `ip nat chain KUBE-SVC-X rule 3` or `ip filter chain KUBE-OLD (delete)`.
    public let object: String
    /// The rule in iptables-save form, for rule messages.
    public let rule: String?
    public let errno: Int32
    public let reason: String
    /// The field the kernel pointed at, e.g. `expression 7 (immediate)`.
    public let attribute: String?

    public var description: String {
        var text = "\(object): \(reason)"
        if let attribute { text += " at \(attribute)" }
        if let rule { text += ": \(rule)" }
        return text
    }
}
