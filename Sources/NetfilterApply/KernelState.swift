import NetfilterNetlink

/// What the kernel holds for one family, as far as PacketPath needs to know: which of its
/// tables exist, their chains, the rules of their built-in chains, and the state record.
struct KernelState {
    let family: NetfilterFamily
    let tablesPresent: Set<ObjectName>
    let chainsByTable: [ObjectName: [ChainInfo]]
    /// Rules of every base chain of the filter and nat tables, by table and chain.
    let baseRules: [ObjectName: [ObjectName: [RuleInfo]]]
    let record: StateRecord?
    let recordTableExists: Bool

    /// The family's tables (one small dump): enough to find the state record.
    static func tables(_ socket: NetfilterSocket, family: NetfilterFamily) throws -> [TableInfo] {
        try socket.tables(family: family)
    }

    static func record(in tables: [TableInfo]) -> StateRecord? {
        StateRecord(comment: tables.first { $0.name == Ownership.stateTable }?.comment)
    }

    /// Chains and built-in chain rules of the filter and nat tables, given the family's tables.
    static func read(_ socket: NetfilterSocket, family: NetfilterFamily, tables: [TableInfo]) throws -> KernelState {
        let names = Set(tables.map(\.name))
        let recordTable = tables.first { $0.name == Ownership.stateTable }
        var chainsByTable: [ObjectName: [ChainInfo]] = [:]
        var baseRules: [ObjectName: [ObjectName: [RuleInfo]]] = [:]
        let managed = Set(Ownership.tables.map { ObjectName($0) })
        if !names.isDisjoint(with: managed) {
            for chain in try socket.chains(family: family) where managed.contains(chain.table) {
                chainsByTable[chain.table, default: []].append(chain)
                if chain.base != nil {
                    baseRules[chain.table, default: [:]][chain.name] =
                        try socket.rules(family: family, table: chain.table, chain: chain.name)
                }
            }
        }
        return KernelState(family: family, tablesPresent: names, chainsByTable: chainsByTable, baseRules: baseRules,
                           record: StateRecord(comment: recordTable?.comment), recordTableExists: recordTable != nil)
    }

    var chainCount: Int { chainsByTable.values.reduce(0) { $0 + $1.count } }

    /// PacketPath's regular chains in a table (see `Ownership`).
    func ownedChains(table: ObjectName, desired: Set<ObjectName>) -> [ChainInfo] {
        (chainsByTable[table] ?? []).filter { Ownership.ownsChain($0, desired: desired) }
    }

    func baseChains(table: ObjectName) -> [ChainInfo] {
        (chainsByTable[table] ?? []).filter { $0.base != nil }
    }

    /// PacketPath's rules in a base chain, in chain order.
    func ownedRules(table: ObjectName, baseChain: ObjectName, ownedChains: Set<ObjectName>) -> [RuleInfo] {
        (baseRules[table]?[baseChain] ?? []).filter { Ownership.ownsBaseChainRule($0, ownedChains: ownedChains) }
    }
}
