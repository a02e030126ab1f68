import IPTablesNFTEncoding
import NetfilterNetlink
import RuleModel

/// The iptables layout's change planned from the typed rulesets PacketPath last committed
/// (`ApplyMemory.AppliedFamily`) instead of from the kernel: chains are paired by name and
/// compared as typed values, and only the chains that differ are encoded and digested; the
/// others keep their remembered digests, from which the family's fingerprint is recombined.
/// Only a changed chain's rules are read (for their handles); new chains are created, gone
/// ones flushed and deleted, and the digest record and state record updated for exactly
/// those. At 10,000 Services a one-endpoint change encodes two chains instead of 110,000.
///
/// Valid only while the kernel's generation is the one PacketPath's commit of `previous`
/// produced. Declines (nil) for anything else than a change of regular chains in the same
/// families and tables — built-in chains, a family or table added or removed, a chain name
/// the full plan would refuse — and the caller then plans from the kernel.
struct RememberedPlan {
    var transaction: Transaction
    /// Kernel objects the transaction touches that the model does not name, by message tag.
    var kernelObjects: [KernelObject] = []
    var report = ApplyReport(outcome: .applied)
    /// Operations other than refreshing the state and digest records.
    var changes = 0
    /// What the memory holds once the transaction is committed.
    var families: [NetfilterFamily: ApplyMemory.AppliedFamily] = [:]

    init?(previous: [NetfilterFamily: ApplyMemory.AppliedFamily], desired: [Ruleset], generation: UInt32,
          rules: (ChainKey) throws -> [RuleInfo]) throws {
        guard Set(desired.map { NetfilterFamily($0.family) }) == Set(previous.keys), Set(previous.keys).count == desired.count
        else { return nil }
        transaction = Transaction(rulesets: desired)
        var records: [Records] = []
        for (index, ruleset) in desired.enumerated() {
            guard let old = previous[NetfilterFamily(ruleset.family)],
                  old.ruleset.tables.map(\.name) == ruleset.tables.map(\.name),
                  let familyRecords = try plan(index, ruleset, from: old, rules: rules) else { return nil }
            records.append(familyRecords)
        }
        guard changes > 0 else { return }
        // Every family's state record names the generation this commit produces, as after a full plan.
        for (index, records) in records.enumerated() {
            let family = NetfilterFamily(desired[index].family)
            let tag = MessageTag(.stateRecord, family: index).packed
            let recordKey = TableKey(family, Ownership.stateTable)
            let record = StateRecord(generation: StateRecord.generation(after: generation),
                                     fingerprint: families[family]!.fingerprint.fingerprint)
            transaction.append(.deleteTable(recordKey), tag: tag)
            transaction.append(.addTable(recordKey, comment: record.comment), tag: tag)
            let digestTable = TableKey(family, ChainDigests.table)
            for (elements, delete) in [(records.staleDigests, true), (records.freshDigests, false)] {
                for (shard, elements) in elements.enumerated() {
                    for start in stride(from: 0, to: elements.count, by: ChainDigests.elementsPerMessage) {
                        let chunk = Array(elements[start..<min(start + ChainDigests.elementsPerMessage, elements.count)])
                        transaction.append(delete ? .deleteElements(digestTable, set: ChainDigests.set(shard), chunk)
                                                  : .addElements(digestTable, set: ChainDigests.set(shard), chunk), tag: tag)
                    }
                }
            }
        }
    }

    /// A family's digest-record elements that go and come, by shard.
    private struct Records {
        var staleDigests: [[NetfilterNetlink.SetElement]] = Array(repeating: [], count: ChainDigests.shards)
        var freshDigests: [[NetfilterNetlink.SetElement]] = Array(repeating: [], count: ChainDigests.shards)

        mutating func replace(_ key: ChainDigests.Key, old: UInt64?, new: UInt64?) {
            if let old { staleDigests[ChainDigests.shard(of: key)].append(ChainDigests.element(key, old)) }
            if let new { freshDigests[ChainDigests.shard(of: key)].append(ChainDigests.element(key, new)) }
        }
    }

    /// One table's operations, gathered by phase as the full planner orders them.
    private struct Phases {
        var deleteRules: [(KernelOperation, Int)] = []
        var flushStale: [(KernelOperation, Int)] = []
        var createChains: [(KernelOperation, Int)] = []
        var fillChains: [(KernelOperation, Int)] = []
        var insert: [(KernelOperation, Int)] = []
        var deleteStale: [(KernelOperation, Int)] = []

        var all: [[(KernelOperation, Int)]] { [deleteRules, flushStale, createChains, fillChains, insert, deleteStale] }
    }

    /// The family's digest-record changes; nil to decline.
    private mutating func plan(_ index: Int, _ ruleset: Ruleset, from old: ApplyMemory.AppliedFamily,
                               rules: (ChainKey) throws -> [RuleInfo]) throws -> Records? {
        let family = NetfilterFamily(ruleset.family)
        var encoder = IPTablesNFTEncoder(family: ruleset.family)
        var scratch: [Expression] = []
        var digests: [[UInt64]] = []
        var records = Records()
        for (tableIndex, table) in ruleset.tables.enumerated() {
            let oldTable = old.ruleset.tables[tableIndex]
            let oldDigests = old.fingerprint.chainDigests[tableIndex]
            guard let matching = NameMatching(oldTable.chains, table.chains, name: \.name) else { return nil }
            let tableName = ObjectName(table.name)
            let tableKey = TableKey(family, tableName)
            let builtins = Set(Ownership.builtinChains(of: table.name).map { ObjectName($0) })
            var tableDigests = matching.old.map { $0.map { oldDigests[$0] } ?? 0 }
            var phases = Phases()
            for chainIndex in matching.differing {
                let chain = table.chains[chainIndex]
                let name = ObjectName(chain.name)
                let oldIndex = matching.old[chainIndex]
                // Built-in chains (PacketPath's rules among others') and names the full plan
                // refuses are the full planner's.
                guard chain.attachment == nil, oldIndex.map({ oldTable.chains[$0].attachment == nil }) ?? true,
                      name.byteCount <= 28, !builtins.contains(name) else { return nil }
                var encoded: [[Expression]] = []
                let digest = try Fingerprint.digest(of: chain, table: table.name, family: ruleset.family, encoder: &encoder,
                                                    scratch: &scratch) { encoded.append($0) }
                tableDigests[chainIndex] = digest
                let key = ChainKey(tableKey, name)
                let digestKey = ChainDigests.Key(table: tableName, chain: name)
                let tag = MessageTag(.chain, family: index, table: tableIndex, chain: chainIndex).packed
                let ruleTag = { (rule: Int) in MessageTag(.rule, family: index, table: tableIndex, chain: chainIndex, rule: rule).packed }
                guard let oldIndex else {
                    // Exclusive, as in the full plan: a foreign chain of that name makes the batch fail.
                    phases.createChains.append((.createChain(key, base: nil, comment: Ownership.chainComment), tag))
                    phases.fillChains.append((.appendRules(key, DesiredRules(family: index, table: tableIndex, chain: chainIndex,
                                                                             rules: 0..<chain.rules.count)), ruleTag(0)))
                    records.replace(digestKey, old: nil, new: digest)
                    report.chainsCreated += 1
                    report.rulesWritten += chain.rules.count
                    changes += 2
                    continue
                }
                let oldDigest = oldDigests[oldIndex]
                if oldDigest == digest { continue }
                let diff = ChainDiff(current: try rules(key), desired: encoded)
                for handle in diff.deletions {
                    phases.deleteRules.append((.deleteRule(key, handle: handle), kernelTag(family, tableName, name, .deleteRule(handle: handle))))
                }
                for (rule, placement) in diff.insertions {
                    phases.insert.append((.addRule(key, .desired(DesiredRuleRef(family: index, table: tableIndex, chain: chainIndex,
                                                                                  rule: rule)), placement), ruleTag(rule)))
                }
                report.rulesDeleted += diff.deletions.count
                report.rulesWritten += diff.insertions.count
                // The digest record changes even when the rules compare equal: it must be committed.
                changes += diff.deletions.count + diff.insertions.count + 1
                records.replace(digestKey, old: oldDigest, new: digest)
            }
            if !matching.gone.isEmpty {
                // A built-in chain's rule still jumping to a chain that goes is the full planner's error.
                let targets = Set(table.chains.filter { $0.attachment != nil }.flatMap(\.rules).compactMap { rule -> ChainName? in
                    switch rule.verdict {
                    case .jump(let target)?, .goto(let target)?: return target
                    default: return nil
                    }
                })
                for oldIndex in matching.gone {
                    let chain = oldTable.chains[oldIndex]
                    guard chain.attachment == nil, !targets.contains(chain.name) else { return nil }
                    let name = ObjectName(chain.name)
                    let key = ChainKey(tableKey, name)
                    phases.flushStale.append((.flushChain(key), kernelTag(family, tableName, name, .flush)))
                    phases.deleteStale.append((.deleteChain(key), kernelTag(family, tableName, name, .delete)))
                    records.replace(ChainDigests.Key(table: tableName, chain: name), old: oldDigests[oldIndex], new: nil)
                    report.chainsDeleted += 1
                    changes += 2
                }
            }
            for phase in phases.all {
                for (operation, tag) in phase { transaction.append(operation, tag: tag) }
            }
            digests.append(tableDigests)
        }
        let fingerprint = Fingerprint.Result(fingerprint: Fingerprint.combine(ruleset, chainDigests: digests), chainDigests: digests)
        families[family] = ApplyMemory.AppliedFamily(ruleset: ruleset, fingerprint: fingerprint)
        return records
    }

    private mutating func kernelTag(_ family: NetfilterFamily, _ table: ObjectName, _ chain: ObjectName,
                                    _ action: KernelObject.Action) -> Int {
        kernelObjects.append(KernelObject(family: family, table: table, chain: chain, action: action))
        return MessageTag(.kernelObject, family: 0, chain: kernelObjects.count - 1).packed
    }
}
