import IPTablesNFTEncoding
import NetfilterNetlink
import NetworkAddresses
import RuleModel

/// Who keeps a chain from being deleted, for the EBUSY message.
enum References {
    /// The first rule of the chain's table that jumps or goes to it and that the transaction
    /// keeps, as `iptables-save` would print it, e.g.
    /// `ip filter chain FOREIGN rule 2: -A FOREIGN -j KUBE-OLD`.
    static func firstUser(of object: KernelObject, connection: KernelConnection, transaction: Transaction) -> String? {
        guard let chains = try? connection.chains(family: object.family) else { return nil }
        var flushed = Set<ChainKey>()
        var deleted = Set<UInt64>()
        for operation in transaction.operations {
            switch operation {
            case .flushChain(let chain): flushed.insert(chain)
            case .deleteRule(let chain, let handle) where chain.table.family == object.family: deleted.insert(handle)
            default: break
            }
        }
        let ipFamily: IPFamily = object.family == .ipv6 ? .ipv6 : .ipv4
        for chain in chains where chain.table == object.table
            && !flushed.contains(ChainKey(TableKey(object.family, chain.table), chain.name)) {
            guard let rules = try? connection.rules(of: ChainKey(TableKey(object.family, chain.table), chain.name)) else { continue }
            for (index, rule) in rules.enumerated() where JumpTargets.of(rule.expressions).contains(object.chain) && !deleted.contains(rule.handle) {
                var text = "\(object.family) \(chain.table) chain \(chain.name) rule \(index + 1)"
                if let decoded = try? IPTablesNFTDecoder(family: ipFamily).decode(rule.expressions) {
                    text += ": " + RulePrinter.text(decoded, chain: ChainName("\(chain.name)"), table: "\(chain.table)", family: ipFamily)
                }
                return text
            }
        }
        return nil
    }
}
