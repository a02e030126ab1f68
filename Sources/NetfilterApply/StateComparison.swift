import IPTablesNFTEncoding
import NetfilterNetlink

/// Whether the kernel already holds exactly the desired state of one family: the same owned
/// chains with the same rules, and the same PacketPath rules in the built-in chains.
enum StateComparison {
    static func isIdentical(_ desired: DesiredState.Family, _ kernel: KernelState, socket: NetfilterSocket) throws -> Bool {
        var encoder = IPTablesNFTEncoder(family: desired.ruleset.family)
        var scratch: [Expression] = []
        for tableName in Ownership.tables.map({ ObjectName($0) }) {
            let table = desired.table(named: tableName)
            let wanted = table?.regularNames ?? []
            let owned = kernel.ownedChains(table: tableName, desired: wanted)
            guard Set(owned.map(\.name)) == wanted else { return false }
            let ownedNames = wanted

            let kernelBase = kernel.baseChains(table: tableName)
            let desiredBase = table?.baseChains ?? []
            for chain in desiredBase where !kernelBase.contains(where: { $0.name == chain.name }) {
                return false
            }
            for chain in kernelBase {
                let ours = kernel.ownedRules(table: tableName, baseChain: chain.name, ownedChains: ownedNames)
                guard let table, let wantedChain = desiredBase.first(where: { $0.name == chain.name }) else {
                    if !ours.isEmpty { return false }
                    continue
                }
                guard try sameRules(ours, desired, table, wantedChain, &encoder, &scratch) else { return false }
            }
            guard let table else { continue }
            for chain in desired.regularChains(table) {
                let rules = try socket.rules(family: desired.family, table: tableName, chain: chain.name)
                guard try sameRules(rules, desired, table, chain, &encoder, &scratch) else { return false }
            }
        }
        return true
    }

    private static func sameRules(_ kernel: [RuleInfo], _ desired: DesiredState.Family, _ table: DesiredState.TableRef,
                                  _ chain: DesiredState.ChainRef, _ encoder: inout IPTablesNFTEncoder,
                                  _ scratch: inout [Expression]) throws -> Bool {
        guard kernel.count == desired.chain(table, chain).rules.count else { return false }
        var same = true
        try desired.forEachEncodedRule(table, chain, encoder: &encoder, scratch: &scratch) { index, _, expressions in
            if same && kernel[index].expressions != expressions { same = false }
        }
        return same
    }
}
