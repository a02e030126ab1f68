import NetfilterNetlink
#if canImport(Glibc)
import Glibc
#endif

/// What the kernel holds for one family, as far as PacketPath needs to know: its tables, the
/// chains of the filter and nat tables, the rules of their built-in chains and of the owned
/// chains the planner has to compare, and the state record.
struct KernelState {
    let family: NetfilterFamily
    let tables: [TableInfo]
    let chainsByTable: [ObjectName: [ChainInfo]]
    /// Rules of every base chain of the filter and nat tables, by table and chain.
    let baseRules: [ObjectName: [ObjectName: [RuleInfo]]]
    /// Rules of the regular chains that were read, by table and chain.
    let regularRules: [ObjectName: [ObjectName: [RuleInfo]]]
    /// PacketPath's chains are the recorded ones (`read(owned:)`): the digest delta then says
    /// which desired chains are new.
    var ownedAreRecorded = false

    var tablesPresent: Set<ObjectName> { Set(tables.map(\.name)) }
    var recordTable: TableInfo? { tables.first { $0.name == Ownership.stateTable } }
    var recordTableExists: Bool { recordTable != nil }
    var record: StateRecord? { StateRecord(comment: recordTable?.comment) }

    static func record(in tables: [TableInfo]) -> StateRecord? {
        StateRecord(comment: tables.first { $0.name == Ownership.stateTable }?.comment)
    }

    /// Reads chains and base-chain rules of the filter and nat tables, and the rules of every
    /// regular chain `readRules` asks for.
    static func read(_ connection: KernelConnection, family: NetfilterFamily, tables: [TableInfo],
                     readRules: (ChainInfo) -> Bool) throws -> KernelState {
        var chainsByTable: [ObjectName: [ChainInfo]] = [:]
        var baseRules: [ObjectName: [ObjectName: [RuleInfo]]] = [:]
        var regularRules: [ObjectName: [ObjectName: [RuleInfo]]] = [:]
        let managed = Set(Ownership.tables.map { ObjectName($0) })
        if !Set(tables.map(\.name)).isDisjoint(with: managed) {
            for chain in try connection.chains(family: family) where managed.contains(chain.table) {
                chainsByTable[chain.table, default: []].append(chain)
                let key = ChainKey(TableKey(family, chain.table), chain.name)
                if chain.base != nil {
                    baseRules[chain.table, default: [:]][chain.name] = try connection.rules(of: key)
                } else if readRules(chain) {
                    regularRules[chain.table, default: [:]][chain.name] = try connection.rules(of: key)
                }
            }
        }
        return KernelState(family: family, tables: tables, chainsByTable: chainsByTable, baseRules: baseRules,
                           regularRules: regularRules)
    }

    /// Like `read`, but without listing the chains: PacketPath's own are `owned` (from the
    /// digest record, valid while nobody else has committed), the built-in ones are read by
    /// name. Chains of others are not seen; new chains are created exclusively instead.
    static func read(_ connection: KernelConnection, family: NetfilterFamily, tables: [TableInfo],
                     owned: Dictionary<ChainDigests.Key, UInt64>.Keys, readRules: (ChainInfo) -> Bool) throws -> KernelState {
        var chainsByTable: [ObjectName: [ChainInfo]] = [:]
        var baseRules: [ObjectName: [ObjectName: [RuleInfo]]] = [:]
        var regularRules: [ObjectName: [ObjectName: [RuleInfo]]] = [:]
        let present = Set(tables.map(\.name))
        for table in Ownership.tables.map({ ObjectName($0) }) where present.contains(table) {
            for name in Ownership.builtinChains(of: "\(table)").map({ ObjectName($0) }) {
                let rules: [RuleInfo]
                do {
                    rules = try connection.rules(of: ChainKey(TableKey(family, table), name))
                } catch NetfilterError.request(_, let code) where code == ENOENT {
                    continue
                }
                // Its hook and policy are not needed for planning, only that it is a base chain.
                chainsByTable[table, default: []].append(ChainInfo(family: family, table: table, name: name, handle: 0,
                                                                   base: BaseChainSpec(type: "filter", hook: .input, priority: 0)))
                baseRules[table, default: [:]][name] = rules
            }
        }
        for key in owned where present.contains(key.table) {
            let chain = ChainInfo(family: family, table: key.table, name: key.chain, handle: 0, comment: Ownership.chainComment)
            chainsByTable[key.table, default: []].append(chain)
            if readRules(chain) {
                regularRules[key.table, default: [:]][key.chain] = try connection.rules(of: ChainKey(TableKey(family, key.table), key.chain))
            }
        }
        return KernelState(family: family, tables: tables, chainsByTable: chainsByTable, baseRules: baseRules,
                           regularRules: regularRules, ownedAreRecorded: true)
    }

    var chainCount: Int { chainsByTable.values.reduce(0) { $0 + $1.count } }

    func table(_ name: ObjectName) -> TableInfo? { tables.first { $0.name == name } }

    func baseChains(table: ObjectName) -> [ChainInfo] {
        (chainsByTable[table] ?? []).filter { $0.base != nil }
    }

    /// PacketPath's rules in a base chain, in chain order.
    func ownedRules(table: ObjectName, baseChain: ObjectName, isOwned: (ObjectName) -> Bool) -> [RuleInfo] {
        (baseRules[table]?[baseChain] ?? []).filter { Ownership.ownsBaseChainRule($0, isOwned: isOwned) }
    }
}
