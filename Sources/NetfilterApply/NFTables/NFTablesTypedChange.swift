import NetfilterNetlink
import NFTablesEncoding
import RuleModel

/// The nftables layout's change from the typed tables PacketPath last committed to the desired
/// ones, found by comparing typed chains, sets and maps by name: only those that differ are
/// encoded (as they were and as they are to be) and planned by `NFTablesIncrementalPlan` as if
/// the table held nothing else. At 10,000 Services a one-endpoint change then encodes a few
/// chains and one map instead of 110,000 chains and 10,000 maps, and compares the rest as
/// typed values.
///
/// Valid only while the kernel's generation is the one PacketPath's commit of `previous`
/// produced (nobody else has changed anything since). Declines (nil) when the change is not
/// one of chains, sets and maps inside tables that stay — a table added, removed or
/// re-commented, or a change the incremental plan cannot make in place — and the caller then
/// plans from the whole state.
enum NFTablesTypedChange {
    struct Planned {
        var batch = NFTablesBatch()
        var changes = NFTablesIncrementalPlan.Changes()
        /// Every desired table (in order) with how it pairs with its previous version: what
        /// the digest record is updated from (`NFTablesRecorded`).
        var tables: [(table: TypedTable, difference: Difference)] = []
    }

    /// How a table's chains, sets and maps pair with its previous version's by name.
    struct Difference {
        /// New or changed (as desired), as a table of their own.
        let changed: Table
        /// Changed or gone (as they were), as a table of their own.
        let stale: Table
        let chains: NameMatching
        let sets: NameMatching
        let maps: NameMatching
    }

    struct TypedTable {
        let key: TableKey
        let family: TableFamily
        let table: Table
    }

    /// `existing`: the kernel's tables of every family the desired or previous tables use,
    /// and of ip and ip6.
    static func plan(previous: [Ruleset], desired: [Ruleset], existing: [TableInfo]) throws -> Planned? {
        guard let before = tables(of: previous), let after = tables(of: desired), before.count == after.count else { return nil }
        // PacketPath's tables in the kernel are exactly the desired ones (none to delete).
        let owned = existing.filter(NFTablesOwnership.isOwned)
        guard owned.count == after.count else { return nil }
        var planned = Planned()
        var nextSetID: UInt32 = 1
        for wanted in after {
            guard let old = before.first(where: { $0.key == wanted.key }), old.table.comment == wanted.table.comment,
                  let info = owned.first(where: { $0.family == wanted.key.family && $0.name == wanted.key.name }),
                  let difference = differing(old.table, wanted.table) else { return nil }
            planned.tables.append((wanted, difference))
            let (changed, stale) = (difference.changed, difference.stale)
            if changed.chains.isEmpty && changed.sets.isEmpty && changed.maps.isEmpty
                && stale.chains.isEmpty && stale.sets.isEmpty && stale.maps.isEmpty { continue }
            let program = try encode(changed, wanted.family, firstSetID: nextSetID)
            nextSetID = program.nextSetID
            let current = NFTablesRemembered.expected(try encode(stale, old.family, firstSetID: 1))
            let state = NFTablesTableState(table: info, chains: current.chains, sets: current.sets)
            guard let changes = NFTablesIncrementalPlan.plan(program, current: state, into: &planned.batch) else { return nil }
            planned.changes.add(changes)
        }
        return planned
    }

    /// The tables of the rulesets with their kernel family; nil when a table appears twice.
    static func tables(of rulesets: [Ruleset]) -> [TypedTable]? {
        var tables: [TypedTable] = []
        for ruleset in rulesets {
            for table in ruleset.tables {
                let family = table.family ?? (ruleset.family == .ipv4 ? .ip : .ip6)
                let netfilter: NetfilterFamily
                switch family {
                case .ip: netfilter = .ipv4
                case .ip6: netfilter = .ipv6
                case .inet: netfilter = .inet
                default: return nil
                }
                let key = TableKey(netfilter, ObjectName(table.name))
                guard !tables.contains(where: { $0.key == key }) else { return nil }
                tables.append(TypedTable(key: key, family: family, table: table))
            }
        }
        return tables
    }

    /// The chains, sets and maps that are new or changed (as desired) and those changed or
    /// gone (as they were), each as a table of their own; nil when a name appears twice.
    static func differing(_ old: Table, _ new: Table) -> Difference? {
        guard let chains = NameMatching(old.chains, new.chains, name: \.name),
              let sets = NameMatching(old.sets, new.sets, name: \.name),
              let maps = NameMatching(old.maps, new.maps, name: \.name) else { return nil }
        let (changedChains, staleChains) = chains.split(old.chains, new.chains)
        let (changedSets, staleSets) = sets.split(old.sets, new.sets)
        let (changedMaps, staleMaps) = maps.split(old.maps, new.maps)
        return Difference(changed: Table(new.name, chains: changedChains, sets: changedSets, maps: changedMaps,
                                         family: new.family, comment: new.comment),
                          stale: Table(old.name, chains: staleChains, sets: staleSets, maps: staleMaps, family: old.family,
                                       comment: old.comment),
                          chains: chains, sets: sets, maps: maps)
    }

    static func encode(_ table: Table, _ family: TableFamily, firstSetID: UInt32) throws -> NFTablesProgram {
        do {
            return try NFTablesEncoder().program(for: table, family: family, firstSetID: firstSetID)
        } catch {
            throw ApplyError.invalidRuleset("table \(table.name): \(error.description)")
        }
    }
}

extension NFTablesIncrementalPlan.Changes {
    mutating func add(_ other: Self) {
        chainsCreated += other.chainsCreated
        chainsDeleted += other.chainsDeleted
        chainsRefilled += other.chainsRefilled
        rulesWritten += other.rulesWritten
        rulesDeleted += other.rulesDeleted
        elementsAdded += other.elementsAdded
        elementsDeleted += other.elementsDeleted
    }
}
