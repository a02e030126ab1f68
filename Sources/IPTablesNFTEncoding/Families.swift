import NetfilterNetlink
import NetworkAddresses
import RuleModel

extension NetfilterFamily {
    /// `ip` for IPv4, `ip6` for IPv6: the families iptables-nft and ip6tables-nft use.
    public init(_ family: IPFamily) {
        self = family == .ipv4 ? .ipv4 : .ipv6
    }
}

/// How iptables-nft lays out its tables and built-in chains.
public enum IPTablesNFTLayout {
    /// A built-in chain as iptables-nft creates it: chain type `nat` in the nat table and
    /// `filter` elsewhere, the hook, the priority, policy ACCEPT unless the model says DROP.
    public static func baseChain(table: String, attachment: BaseChainAttachment) -> BaseChainSpec {
        let hook: BaseChainSpec.Hook
        switch attachment.hook {
        case .prerouting: hook = .prerouting
        case .input: hook = .input
        case .forward: hook = .forward
        case .output: hook = .output
        case .postrouting: hook = .postrouting
        }
        return BaseChainSpec(type: table == "nat" ? "nat" : "filter", hook: hook, priority: attachment.priority,
                             policyAccepts: attachment.policyAccepts)
    }
}
