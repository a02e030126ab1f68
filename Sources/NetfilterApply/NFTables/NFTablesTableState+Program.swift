import NetfilterNetlink
import NFTablesEncoding

extension NFTablesTableState {
    /// The table as the objects that would create it, in the kernel's order, for
    /// `NFTablesDecoder` (read-back → typed rules).
    public var program: NFTablesProgram {
        var rules: [NFTablesProgram.Rule] = []
        rules.reserveCapacity(chains.reduce(0) { $0 + $1.rules.count })
        for chain in chains {
            for rule in chain.rules {
                rules.append(NFTablesProgram.Rule(chain: chain.info.name, expressions: rule.expressions, userData: rule.userData,
                                                  anonymousSets: rule.anonymousSets.map(\.definition)))
            }
        }
        return NFTablesProgram(family: table.family, table: table.name, tableComment: table.comment,
                               chains: chains.map { NFTablesProgram.Chain(name: $0.info.name, base: $0.info.base, comment: $0.info.comment) },
                               sets: sets.map(\.definition), rules: rules, nextSetID: 0)
    }
}

extension NFTablesTableState.SetContents {
    var definition: NFTablesProgram.SetDefinition { NFTablesProgram.SetDefinition(set: set, elements: elements) }
}
