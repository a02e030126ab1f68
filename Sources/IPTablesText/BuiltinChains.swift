import RuleModel

/// iptables' built-in chains: which hooks each table has, in the order iptables-save lists
/// them, and the priorities iptables-nft registers them with.
public enum BuiltinChains {
    /// Built-in chains of `table` in iptables-save order; empty for unknown tables.
    public static func hooks(of table: String) -> [Hook] {
        switch table {
        case "filter": return [.input, .forward, .output]
        case "nat": return [.prerouting, .input, .output, .postrouting]
        case "mangle": return [.prerouting, .input, .forward, .output, .postrouting]
        case "raw": return [.prerouting, .output]
        case "security": return [.input, .forward, .output]
        default: return []
        }
    }

    /// The base-chain attachment of built-in chain `name` of `table`, nil if it is no built-in.
    public static func attachment(table: String, chain name: String, policyAccepts: Bool = true) -> BaseChainAttachment? {
        guard let hook = Hook(rawValue: name), hooks(of: table).contains(hook) else { return nil }
        return BaseChainAttachment(hook: hook, priority: priority(table: table, hook: hook), policyAccepts: policyAccepts)
    }

    /// Built-in chain `hook` of `table` as a table without it behaves: empty, policy ACCEPT.
    public static func emptyChain(table: String, hook: Hook) -> Chain {
        Chain(ChainName(hook.rawValue), attachment: attachment(table: table, chain: hook.rawValue))
    }

    /// The standard priority of the table at the hook (nat splits: destination NAT before
    /// filter, source NAT after).
    static func priority(table: String, hook: Hook) -> ChainPriority {
        switch table {
        case "raw": return ChainPriority(.raw)
        case "mangle": return ChainPriority(.mangle)
        case "nat": return ChainPriority(hook == .prerouting || hook == .output ? .dstnat : .srcnat)
        case "security": return ChainPriority(.security)
        default: return ChainPriority(.filter)
        }
    }
}
