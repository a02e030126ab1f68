import IPTablesNFTEncoding
import NetfilterNetlink

/// Plans the operations that turn the kernel's state into the desired one, touching only
/// what PacketPath owns (`Ownership`) and only what differs: new and stale chains, the rules
/// that changed inside a changed chain (by handle), PacketPath's rules in the built-in chains
/// when they changed, and the state record. Pure: it reads and sends nothing.
struct Planner {
    /// One family to plan: its desired state, or nil when PacketPath is to own nothing there
    /// any more (a family left out of the input, or `reset`).
    struct FamilyInput {
        let kernel: KernelState
        let desiredIndex: Int?
        let fingerprint: String?
        let digests: Digests?
    }

    /// The chain digests recorded in the kernel (nil: no digest table) and how the desired
    /// ones differ from them.
    struct Digests {
        let recorded: [ChainDigests.Key: UInt64]?
        let delta: DigestDelta
    }

    private(set) var desired: DesiredState
    private(set) var transaction: Transaction
    /// Kernel objects the transaction touches that the model does not name, by message tag.
    private(set) var kernelObjects: [KernelObject] = []
    private(set) var report = ApplyReport(outcome: .applied)
    /// Operations other than refreshing the state record: zero means the kernel already holds
    /// the desired state.
    private(set) var changes = 0

    init(desired: DesiredState) {
        self.desired = desired
        transaction = Transaction(rulesets: desired.families.map(\.ruleset))
        // Two operations per new chain at most, and no regrowth of a 100,000-entry array.
        transaction.reserveCapacity(2 * desired.chainCount + 256)
    }

    /// Drops the validated desired state once planning is done: committing needs only the
    /// transaction, and at 110,000 chains its name index is 10 MB held while a first apply's
    /// 120 MB batch is built. A refusal validates the rulesets again (`desiredForDescribing`).
    mutating func releaseDesired() {
        desired = DesiredState()
    }

    /// The desired state, to name refused objects by.
    func desiredForDescribing() throws -> DesiredState {
        desired.families.count == transaction.rulesets.count ? desired : try DesiredState(transaction.rulesets)
    }

    /// The operations of one table, gathered by phase so that nothing is referenced before it
    /// exists or deleted while still referenced.
    private struct Phases {
        var deleteRules: [(KernelOperation, Int)] = []
        var flushStale: [(KernelOperation, Int)] = []
        var create: [(KernelOperation, Int)] = []
        var insert: [(KernelOperation, Int)] = []
        var deleteStale: [(KernelOperation, Int)] = []

        var all: [[(KernelOperation, Int)]] { [deleteRules, flushStale, create, insert, deleteStale] }
    }

    mutating func plan(_ input: FamilyInput, generation: UInt32) throws {
        let kernel = input.kernel
        let family = kernel.family
        let desiredFamily = input.desiredIndex.map { desired.families[$0] }
        var encoder = desiredFamily.map { IPTablesNFTEncoder(family: $0.ruleset.family) }
        for tableName in Ownership.tables.map({ ObjectName($0) }) {
            let tableKey = TableKey(family, tableName)
            let table = desiredFamily?.table(named: tableName)
            let wanted = table?.regularNames ?? []
            let existing = kernel.chainsByTable[tableName] ?? []
            // PacketPath's chains are the recorded ones: the digest delta names the new desired
            // chains and the changed ones, without a table of 100,000 names.
            let fromRecord = kernel.ownedAreRecorded && kernel.tablesPresent.contains(tableName) ? input.digests : nil
            // Else every chain of the table by name, and whether it is PacketPath's (built-in and
            // foreign ones are not): one table instead of several sets of 100,000 names.
            var ownedByName = [ObjectName: Bool](minimumCapacity: fromRecord == nil ? existing.count : 0)
            if fromRecord == nil {
                for chain in existing { ownedByName[chain.name] = Ownership.ownsChain(chain) }
            }
            let isOwned = { (name: ObjectName) in
                if wanted.contains(name) { return true }
                guard let fromRecord else { return ownedByName[name] == true }
                return fromRecord.recorded?[ChainDigests.Key(table: tableName, chain: name)] != nil
            }
            let present = { (name: ObjectName) in
                fromRecord == nil ? ownedByName[name] != nil : kernel.baseRules[tableName]?[name] != nil
            }
            var phases = Phases()

            // PacketPath's rules in the built-in chains: kept when unchanged, else renewed.
            var emptiedBaseChains: [ChainInfo] = []
            for chain in existing where chain.base != nil {
                let key = ChainKey(tableKey, chain.name)
                let ours = kernel.ownedRules(table: tableName, baseChain: chain.name, isOwned: isOwned)
                let desiredChain = table?.baseChains.first { $0.name == chain.name }
                var wantedRules: [[Expression]] = []
                if let desiredFamily, let table, let desiredChain, var current = encoder {
                    wantedRules = try Self.encode(desiredFamily, table, desiredChain, &current)
                    encoder = current
                }
                let foreignLeft = (kernel.baseRules[tableName]?[chain.name]?.count ?? 0) - ours.count
                if table == nil, foreignLeft == 0, chain.comment == Ownership.chainComment {
                    emptiedBaseChains.append(chain)
                }
                // Their documented place is the head of the chain, in order: a foreign rule
                // inserted ahead of them (`iptables -I`) moves them back too.
                let atHead = (kernel.baseRules[tableName]?[chain.name] ?? []).prefix(ours.count).map(\.handle) == ours.map(\.handle)
                guard ours.map(\.expressions) != wantedRules || !atHead else { continue }
                for rule in ours {
                    phases.deleteRules.append((.deleteRule(key, handle: rule.handle),
                                               kernelTag(family, tableName, chain.name, .deleteRule(handle: rule.handle))))
                    report.rulesDeleted += 1
                }
                if let table, let desiredChain, let index = input.desiredIndex {
                    // Each goes to the head, so send them in reverse to keep the ruleset's order.
                    for rule in wantedRules.indices.reversed() {
                        phases.insert.append((.addRule(key, .desired(DesiredRuleRef(family: index, table: table.index,
                                                                                      chain: desiredChain.index, rule: rule)),
                                                       .prepend),
                                              MessageTag(.rule, family: index, table: table.index, chain: desiredChain.index,
                                                         rule: rule).packed))
                        report.rulesWritten += 1
                    }
                }
            }

            // Owned chains still wanted: only the rules that changed (those that were read).
            var newChains: [DesiredState.ChainRef] = []
            if let desiredFamily, let table, let index = input.desiredIndex {
                let tableIndex = table.index
                let regularRules = kernel.regularRules[tableName] ?? [:]
                // Owned desired chains whose rules were read, in model order.
                var compared: [DesiredState.ChainRef] = []
                if let fromRecord {
                    for change in fromRecord.delta.changes where change.key.table == tableName {
                        let chain = DesiredState.ChainRef(index: change.chain, name: change.key.chain, base: nil)
                        if change.recorded == nil {
                            newChains.append(chain)
                        } else if regularRules[chain.name] != nil {
                            compared.append(chain)
                        }
                    }
                } else {
                    for chain in desiredFamily.regularChains(table) {
                        switch ownedByName[chain.name] {
                        case nil:
                            newChains.append(chain)
                        case false?:
                            throw ApplyError.foreignChain(family: "\(family)", table: "\(tableName)", chain: "\(chain.name)")
                        case true?:
                            if regularRules[chain.name] != nil { compared.append(chain) }
                        }
                    }
                }
                for chain in compared {
                    guard let current = regularRules[chain.name] else { continue }
                    var chainEncoder = encoder!
                    let wantedRules = try Self.encode(desiredFamily, table, chain, &chainEncoder)
                    encoder = chainEncoder
                    let diff = ChainDiff(current: current, desired: wantedRules)
                    let key = ChainKey(tableKey, chain.name)
                    for handle in diff.deletions {
                        phases.deleteRules.append((.deleteRule(key, handle: handle),
                                                   kernelTag(family, tableName, chain.name, .deleteRule(handle: handle))))
                    }
                    for (rule, placement) in diff.insertions {
                        phases.insert.append((.addRule(key, .desired(DesiredRuleRef(family: index, table: tableIndex,
                                                                                      chain: chain.index, rule: rule)), placement),
                                              MessageTag(.rule, family: index, table: tableIndex, chain: chain.index, rule: rule).packed))
                    }
                    report.rulesDeleted += diff.deletions.count
                    report.rulesWritten += diff.insertions.count
                }
            }

            // Owned chains no longer wanted: emptied first, deleted last.
            // None when every recorded chain is still desired.
            let noneStale = fromRecord.map { $0.delta.stillDesired == $0.recorded?.count } ?? false
            for chain in existing where !noneStale && Ownership.ownsChain(chain) && !wanted.contains(chain.name) {
                let key = ChainKey(tableKey, chain.name)
                phases.flushStale.append((.flushChain(key), kernelTag(family, tableName, chain.name, .flush)))
                phases.deleteStale.append((.deleteChain(key), kernelTag(family, tableName, chain.name, .delete)))
                report.chainsDeleted += 1
            }

            if let desiredFamily, let table, let index = input.desiredIndex {
                if !kernel.tablesPresent.contains(tableName) {
                    phases.create.append((.addTable(tableKey, comment: Ownership.chainComment),
                                          MessageTag(.table, family: index, table: table.index).packed))
                }
                for chain in table.baseChains where !present(chain.name) {
                    let key = ChainKey(tableKey, chain.name)
                    phases.create.append((.addChain(key, base: chain.base, comment: Ownership.chainComment),
                                          MessageTag(.chain, family: index, table: table.index, chain: chain.index).packed))
                    report.chainsCreated += 1
                    // Its rules jump to regular chains: added with the inserts, after those exist.
                    let count = desiredFamily.chain(table, chain).rules.count
                    phases.insert.append((.appendRules(key, DesiredRules(family: index, table: table.index, chain: chain.index,
                                                                         rules: 0..<count)),
                                          MessageTag(.rule, family: index, table: table.index, chain: chain.index).packed))
                    report.rulesWritten += count
                }
                // New regular chains go straight into the transaction (a full apply has 100,000
                // of them): everything before them in phase order is known by now.
                for phase in [phases.deleteRules, phases.flushStale, phases.create] {
                    for (operation, tag) in phase { transaction.append(operation, tag: tag) }
                    changes += phase.count
                }
                phases.deleteRules = []
                phases.flushStale = []
                phases.create = []
                for chain in newChains {
                    // Exclusive: a foreign chain of that name (which a plan from the digests cannot
                    // see) makes the kernel refuse the batch instead of mixing rules into it.
                    transaction.append(.createChain(ChainKey(tableKey, chain.name), base: nil, comment: Ownership.chainComment),
                                       tag: MessageTag(.chain, family: index, table: table.index, chain: chain.index).packed)
                }
                for chain in newChains {
                    let count = desiredFamily.chain(table, chain).rules.count
                    transaction.append(.appendRules(ChainKey(tableKey, chain.name),
                                                    DesiredRules(family: index, table: table.index, chain: chain.index, rules: 0..<count)),
                                       tag: MessageTag(.rule, family: index, table: table.index, chain: chain.index).packed)
                    report.rulesWritten += count
                }
                report.chainsCreated += newChains.count
                changes += 2 * newChains.count
            } else {
                // Nothing wanted here: built-in chains and the table PacketPath created go too,
                // when nothing foreign is left in them.
                for chain in emptiedBaseChains {
                    phases.deleteStale.append((.deleteChain(ChainKey(tableKey, chain.name)),
                                               kernelTag(family, tableName, chain.name, .delete)))
                }
                let remaining = existing.filter { chain in
                    !(Ownership.ownsChain(chain) || emptiedBaseChains.contains { $0.name == chain.name })
                }
                if kernel.table(tableName)?.comment == Ownership.chainComment, remaining.isEmpty {
                    phases.deleteStale.append((.deleteTable(tableKey), kernelTag(family, tableName, "", .deleteTable)))
                }
            }
            for phase in phases.all {
                for (operation, tag) in phase {
                    transaction.append(operation, tag: tag)
                }
                changes += phase.count
            }
        }

        let recordKey = TableKey(family, Ownership.stateTable)
        if let index = input.desiredIndex, let fingerprint = input.fingerprint {
            if kernel.recordTableExists {
                transaction.append(.deleteTable(recordKey), tag: MessageTag(.stateRecord, family: index).packed)
            }
            // The transaction commits only on `generation`, so afterwards it is the next one.
            let record = StateRecord(generation: StateRecord.generation(after: generation), fingerprint: fingerprint)
            transaction.append(.addTable(recordKey, comment: record.comment), tag: MessageTag(.stateRecord, family: index).packed)
        } else if kernel.recordTableExists {
            transaction.append(.deleteTable(recordKey), tag: kernelTag(family, Ownership.stateTable, "", .deleteTable))
            changes += 1
        }
        recordDigests(input, family: family)
    }

    /// Brings the digest set up to date: elements of changed or gone chains out, new ones in.
    private mutating func recordDigests(_ input: FamilyInput, family: NetfilterFamily) {
        let key = TableKey(family, ChainDigests.table)
        guard let index = input.desiredIndex, let digests = input.digests else {
            if input.kernel.table(ChainDigests.table) != nil {
                transaction.append(.deleteTable(key), tag: kernelTag(family, ChainDigests.table, "", .deleteTable))
                changes += 1
            }
            return
        }
        let tag = MessageTag(.stateRecord, family: index).packed
        let recorded = digests.recorded ?? [:]
        if digests.recorded == nil {
            transaction.append(.addTable(key, comment: Ownership.chainComment), tag: tag)
            for shard in 0..<ChainDigests.shards {
                transaction.append(.addSet(key, ChainDigests.set(shard)), tag: tag)
            }
        }
        var stale = [[SetElement]](repeating: [], count: ChainDigests.shards)
        var fresh = stale
        // The new and changed chains are known from the delta; the recorded ones are walked only
        // when some of them are no longer desired (110,000 lookups fewer for a change that
        // removes no chain).
        for change in digests.delta.changes {
            let shard = ChainDigests.shard(of: change.key)
            if let old = change.recorded { stale[shard].append(ChainDigests.element(change.key, old)) }
            fresh[shard].append(ChainDigests.element(change.key, change.desired))
        }
        if digests.delta.stillDesired < recorded.count {
            for (chain, digest) in recorded where !digests.delta.isDesired(chain) {
                stale[ChainDigests.shard(of: chain)].append(ChainDigests.element(chain, digest))
            }
        }
        for (elements, delete) in [(stale, true), (fresh, false)] {
            for (shard, elements) in elements.enumerated() {
                for start in stride(from: 0, to: elements.count, by: ChainDigests.elementsPerMessage) {
                    let chunk = Array(elements[start..<min(start + ChainDigests.elementsPerMessage, elements.count)])
                    transaction.append(delete ? .deleteElements(key, set: ChainDigests.set(shard), chunk)
                                              : .addElements(key, set: ChainDigests.set(shard), chunk), tag: tag)
                }
            }
        }
    }

    private static func encode(_ family: DesiredState.Family, _ table: DesiredState.TableRef, _ chain: DesiredState.ChainRef,
                               _ encoder: inout IPTablesNFTEncoder) throws -> [[Expression]] {
        var scratch: [Expression] = []
        var rules: [[Expression]] = []
        try family.forEachEncodedRule(table, chain, encoder: &encoder, scratch: &scratch) { _, _, expressions in
            rules.append(expressions)
        }
        return rules
    }

    private mutating func kernelTag(_ family: NetfilterFamily, _ table: ObjectName, _ chain: ObjectName,
                                    _ action: KernelObject.Action) -> Int {
        kernelObjects.append(KernelObject(family: family, table: table, chain: chain, action: action))
        return MessageTag(.kernelObject, family: 0, chain: kernelObjects.count - 1).packed
    }
}
