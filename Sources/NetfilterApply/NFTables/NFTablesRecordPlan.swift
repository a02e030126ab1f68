import NetfilterNetlink
import NFTablesEncoding
import RuleModel

/// A fresh process's change to the nftables layout, planned from PacketPath's digest record
/// (`NFTablesDigestRecord`) while the ruleset generation is the one the recording commit
/// produced: the desired tables' typed digests (`NFTablesTypedDigest`) are compared with the
/// recorded ones, and only the chains, sets and maps that differ are encoded, read back and
/// planned (`NFTablesIncrementalPlan`, as if the table held nothing else); recorded ones no
/// longer desired are read by the names the record keeps and deleted. At 10,000 Services a
/// one-endpoint change reads one chain instead of 110,000 chains and 10,000 maps.
///
/// Declines (nil) whenever the record cannot vouch for the rest: a desired table missing,
/// foreign or with another comment, a table no longer desired, a stale object without a name
/// in the record, or a change `NFTablesIncrementalPlan` cannot make in place; the caller then
/// plans from the whole state.
enum NFTablesRecordPlan {
    struct Planned {
        var batch = NFTablesBatch()
        var changes = NFTablesIncrementalPlan.Changes()
        /// The objects whose digest the record does not hold, with their tables.
        var changed: [(NFTablesTypedDigest.TableDigests, NFTablesTypedDigest.Object)] = []
        /// Recorded objects no longer desired.
        var stale: [UInt64] = []
        /// Nothing differs from the record.
        var unchanged = false
    }

    /// `existing`: the kernel's tables of every family the desired tables use.
    static func plan(_ desired: [NFTablesTypedDigest.TableDigests], fingerprint: UInt64, record: NFTablesDigestRecord.Contents,
                     generation: UInt32, existing: [TableInfo], connection: KernelConnection) throws -> Planned? {
        let owned = existing.filter { NFTablesOwnership.isOwned($0) && !NFTablesDigestRecord.isRecord($0) }
        guard owned.count == desired.count else { return nil }
        var stillDesired = 0
        var changedByTable: [[NFTablesTypedDigest.Object]] = []
        for table in desired {
            var changed: [NFTablesTypedDigest.Object] = []
            for object in table.objects {
                let recorded = record.digests[object.id]
                if recorded != nil { stillDesired += 1 }
                if recorded != object.digest {
                    // A new or re-commented table is not a change in place.
                    if object.kind == .table { return nil }
                    changed.append(object)
                }
            }
            changedByTable.append(changed)
        }
        var planned = Planned()
        // Recorded objects no longer desired, by table, named by the record.
        var staleByTable = Array(repeating: [NFTablesDigestRecord.Label](), count: desired.count)
        if stillDesired != record.digests.count {
            var ids = Set<UInt64>(minimumCapacity: stillDesired)
            for table in desired { for object in table.objects { ids.insert(object.id) } }
            guard ids.count == desired.reduce(0, { $0 + $1.objects.count }) else { return nil }
            let stale = Set(record.digests.keys.filter { !ids.contains($0) })
            guard let labels = try NFTablesDigestRecord.labels(of: stale, connection: connection) else { return nil }
            for (id, label) in labels {
                guard label.kind != .table, let index = desired.firstIndex(where: { $0.key == label.table }) else { return nil }
                staleByTable[index].append(label)
                planned.stale.append(id)
            }
        }
        if changedByTable.allSatisfy(\.isEmpty) && planned.stale.isEmpty {
            guard fingerprint == record.fingerprint else { return nil }
            planned.unchanged = true
            return planned
        }
        var nextSetID: UInt32 = 1
        for ((table, changed), stale) in zip(zip(desired, changedByTable), staleByTable) where !changed.isEmpty || !stale.isEmpty {
            guard let info = owned.first(where: { $0.family == table.key.family && $0.name == table.key.name }) else { return nil }
            let typed = table.table
            var partial = Table(typed.name, family: typed.family, comment: typed.comment)
            for object in changed {
                switch object.kind {
                case .chain: partial.chains.append(typed.chains[object.index])
                case .set: partial.sets.append(typed.sets[object.index])
                case .map: partial.maps.append(typed.maps[object.index])
                case .table: return nil
                }
            }
            let program = try NFTablesTypedChange.encode(partial, table.family, firstSetID: nextSetID)
            nextSetID = program.nextSetID
            let current = try read(chains: program.chains.map(\.name) + stale.filter { $0.kind == .chain }.map(\.name),
                                   sets: program.sets.map(\.set.name) + stale.filter { $0.kind != .chain }.map(\.name),
                                   table: info, connection: connection)
            guard let changes = NFTablesIncrementalPlan.plan(program, current: current, into: &planned.batch) else { return nil }
            planned.changes.add(changes)
            planned.changed += changed.map { (table, $0) }
        }
        return planned
    }

    /// The kernel's version of the named chains, sets and maps that exist: chains with their
    /// rules (not their anonymous sets: a rule with any then differs and is rewritten, which
    /// its changed digest called for anyway), sets and maps with their elements.
    static func read(chains names: [ObjectName], sets setNames: [ObjectName], table: TableInfo,
                     connection: KernelConnection) throws -> NFTablesTableState {
        let key = TableKey(table.family, table.name)
        let infos = try connection.chains(named: names, in: key).compactMap { $0 }
        let rules = try connection.rules(of: infos.map(\.name), in: key)
        let chains = zip(infos, rules).map { info, rules in
            NFTablesTableState.Chain(info: info, rules: rules.map {
                NFTablesTableState.Rule(handle: $0.handle, expressions: $0.expressions, userData: $0.userData, anonymousSets: [])
            })
        }
        var sets: [NFTablesTableState.SetContents] = []
        if !setNames.isEmpty {
            let wanted = Set(setNames)
            for set in try connection.sets(of: key) where !set.flags.contains(.anonymous) && wanted.contains(set.name) {
                sets.append(NFTablesTableState.SetContents(set: set, elements: try connection.elements(of: set.name, in: key)))
            }
        }
        return NFTablesTableState(table: table, chains: chains, sets: sets)
    }
}
