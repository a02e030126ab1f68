import IPTablesNFTEncoding
import NetfilterApply
import NetfilterNetlink
import NetworkAddresses
import NFTablesEncoding
import RuleModel
#if canImport(Glibc)
import Glibc
#endif

/// Reads kube-proxy's nftables tables (`ip kube-proxy`, `ip6 kube-proxy`) of the namespace a
/// connection is in over netlink — never as `nft list` text — and decodes them into the rule
/// model (`NFTablesDecoder`), so no `nft` binary is needed to diff or trace a live node.
enum NFTNamespaceTables {
    static let tableName: ObjectName = "kube-proxy"
    static let attempts = 3

    /// One ruleset per family that has the table.
    static func rulesets(connection: KernelConnection) throws -> [Ruleset] {
        attempt: for _ in 0..<attempts {
            // Objects are read one request at a time; the generation tells whether anything
            // committed in between, in which case the read may mix two states and is redone.
            let before = try connection.generation()
            var rulesets: [Ruleset] = []
            for family in IPFamily.allCases {
                let netfilterFamily = NetfilterFamily(family)
                guard let info = try connection.tables(family: netfilterFamily).first(where: { $0.name == tableName }) else { continue }
                let state: NFTablesTableState
                do {
                    state = try NFTablesReadBack.read(info, connection: connection)
                } catch NetfilterError.request(_, let code) where code == ENOENT {
                    continue attempt // a chain or set went away mid-read: read everything again
                }
                rulesets.append(Ruleset(family: family, tables: [try NFTablesDecoder().table(from: state.program)]))
            }
            guard try connection.generation() == before else { continue }
            return rulesets
        }
        throw ReadBackError.keptChanging(attempts: attempts)
    }

    /// The iptables-nft rulesets with the nft tables added to the family they belong to.
    static func merged(_ iptables: [Ruleset], _ nft: [Ruleset]) -> [Ruleset] {
        var byFamily: [IPFamily: Ruleset] = [:]
        for ruleset in iptables + nft {
            byFamily[ruleset.family, default: Ruleset(family: ruleset.family)].tables += ruleset.tables
        }
        return byFamily.keys.sorted().map { byFamily[$0]! }
    }
}
