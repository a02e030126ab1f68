import NetworkAddresses
import RuleModel

/// A chain of one table.
struct ChainKey: Hashable, Comparable, Sendable {
    let table: String
    let chain: ChainName

    static func < (lhs: ChainKey, rhs: ChainKey) -> Bool {
        lhs.table != rhs.table ? lhs.table < rhs.table : lhs.chain < rhs.chain
    }

    var label: String { "\(table) \(chain)" }
}

/// The Service port a per-service chain belongs to.
struct ChainOwner: Sendable {
    let name: String
    let proto: L4Protocol?
    let role: ChainRole

    /// The owner a chain's provenance names; nil for chains no Service port owns.
    init?(_ chain: Chain, in table: Table) {
        guard case .servicePort(let source, let part)? = table.provenance(of: chain), let role = ChainRole(part) else { return nil }
        name = source.name
        proto = source.l4Protocol ?? ParsedProvenance.protocolOf(chain.rules)
        self.role = role
    }
}
