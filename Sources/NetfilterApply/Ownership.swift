import NetfilterNetlink

/// What PacketPath owns in the kernel, decided from the kernel state alone:
///
/// * **Tables** `ip`/`ip6` `filter` and `nat` are shared with iptables-nft and everybody else:
///   PacketPath creates them when missing and never deletes them.
///   A table PacketPath created carries the comment `packetpath` and is deleted by `reset`
///   when nothing else is left in it.
/// * **Built-in chains** PacketPath created carry the comment too; `reset` deletes them when
///   no foreign rule is left in them.
/// * **Regular chains** in those tables are PacketPath's when their nft comment (chain user
///   data) is `packetpath` — every chain PacketPath creates carries it. A chain the desired
///   ruleset names that exists without the comment is someone else's: the apply fails and
///   names it. Owned chains that are no longer wanted are deleted.
/// * **Rules in built-in (base) chains** are PacketPath's when they jump or go to a chain
///   PacketPath owns. Those are deleted and re-inserted, at the head of the chain and in the
///   ruleset's order; every other rule there is left alone. A desired rule in a built-in
///   chain must therefore jump to one of the ruleset's own chains.
/// * **The state table** `ip|ip6 packetpath` holds, in its comment, the fingerprint of the
///   rules last applied and the ruleset generation that commit produced. While the kernel's
///   generation still equals it, nothing at all has changed since, so an unchanged ruleset
///   needs no read-back.
public enum Ownership {
    public static let chainComment = "packetpath"
    public static let stateTable: ObjectName = "packetpath"
    /// The iptables-nft tables PacketPath writes.
    public static let tables = ["filter", "nat"]

    /// Built-in chains of each table, as iptables names them.
    public static func builtinChains(of table: String) -> [String] {
        table == "nat" ? ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"] : ["INPUT", "FORWARD", "OUTPUT"]
    }

    static func ownsChain(_ chain: ChainInfo) -> Bool {
        chain.base == nil && chain.comment == chainComment
    }

    /// Whether a rule of a base chain is PacketPath's: its verdict targets an owned chain.
    static func ownsBaseChainRule(_ rule: RuleInfo, isOwned: (ObjectName) -> Bool) -> Bool {
        guard case .immediate(let immediate)? = rule.expressions.last,
              case .verdict(let verdict) = immediate.value else { return false }
        switch verdict {
        case .jump(let target), .goto(let target): return isOwned(target)
        default: return false
        }
    }
}
