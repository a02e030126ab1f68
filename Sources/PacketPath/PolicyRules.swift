import ClusterState
import NetworkAddresses
import PacketTrace
import RuleModel

/// Supplies the filter chains that implement the state's NetworkPolicies (the policy
/// compiler, once merged), so that trace, graph and diff see them in the same rule model as
/// kube-proxy's chains.
public protocol PolicyRulesProvider: Sendable {
    /// Tables to merge into the compiled ruleset: new chains, and rules to append to the
    /// built-in chains that enter them.
    func policyTables(for state: ClusterState, family: IPFamily) throws -> [Table]
    /// Which of those chains are policy chains (for the trace's policy verdict).
    var recognizer: any PolicyChainRecognizer { get }
}

extension Ruleset {
    /// The ruleset with `tables` merged in: chains that exist get the new rules appended
    /// (built-in chains keep their attachment), new chains and tables are added.
    public func merging(_ tables: [Table]) -> Ruleset {
        var merged = self
        for extra in tables {
            guard let position = merged.tables.firstIndex(where: { $0.name == extra.name }) else {
                merged.tables.append(extra)
                continue
            }
            var table = merged.tables[position]
            var index = table.chainIndex()
            for chain in extra.chains {
                if let existing = index[chain.name] {
                    table.chains[existing].rules += chain.rules
                    if table.chains[existing].attachment == nil { table.chains[existing].attachment = chain.attachment }
                } else {
                    index[chain.name] = table.chains.count
                    table.chains.append(chain)
                }
            }
            table.sets += extra.sets
            table.maps += extra.maps
            merged.tables[position] = table
        }
        return merged
    }
}
