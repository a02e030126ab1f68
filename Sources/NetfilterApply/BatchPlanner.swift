import IPTablesNFTEncoding
import NetfilterNetlink

/// Writes the messages that turn the kernel's state of one family into the desired one:
/// replace every owned chain's rules, delete owned chains no longer wanted, replace
/// PacketPath's rules in the built-in chains, leave everything else alone.
struct BatchPlanner {
    let batch: NetfilterBatch
    var report = ApplyReport(outcome: .applied)
    /// Kernel objects the batch touches that are not in the model (stale chains, old jump
    /// rules), indexed by their message tags.
    var kernelObjects: [KernelObject] = []
    let progress: ((ApplyProgress) -> Void)?
    private var rulesDone = 0
    private let rulesTotal: Int

    init(batch: NetfilterBatch, rulesTotal: Int, progress: ((ApplyProgress) -> Void)?) {
        self.batch = batch
        self.rulesTotal = rulesTotal
        self.progress = progress
    }

    mutating func plan(_ desired: DesiredState.Family, _ kernel: KernelState, familyIndex: Int, generation: UInt32,
                       fingerprint: String) throws {
        let family = desired.family
        var encoder = IPTablesNFTEncoder(family: desired.ruleset.family)
        var scratch: [Expression] = []
        scratch.reserveCapacity(16)

        for tableName in Ownership.tables.map({ ObjectName($0) }) {
            let table = desired.table(named: tableName)
            let tableIndex = table?.index ?? 0xff
            let wanted = table?.regularNames ?? []
            let owned = kernel.ownedChains(table: tableName, desired: wanted)
            let ownedNames = wanted.union(owned.map(\.name))

            if let table, !kernel.tablesPresent.contains(tableName) {
                batch.addTable(family: family, name: tableName, tag: MessageTag(.table, family: familyIndex, table: table.index).packed)
            }
            // Old jump rules first, so that no reference keeps a chain from being deleted.
            for chain in kernel.baseChains(table: tableName) {
                for rule in kernel.ownedRules(table: tableName, baseChain: chain.name, ownedChains: ownedNames) {
                    let tag = kernelTag(KernelObject(family: family, table: tableName, chain: chain.name,
                                                     action: .deleteRule(handle: rule.handle)), familyIndex)
                    batch.deleteRule(family: family, table: tableName, chain: chain.name, handle: rule.handle, tag: tag)
                }
            }
            for chain in owned {
                batch.flushChain(family: family, table: tableName, name: chain.name,
                                 tag: kernelTag(KernelObject(family: family, table: tableName, chain: chain.name,
                                                             action: .flush), familyIndex))
            }
            for chain in owned where !wanted.contains(chain.name) {
                batch.deleteChain(family: family, table: tableName, name: chain.name,
                                  tag: kernelTag(KernelObject(family: family, table: tableName, chain: chain.name,
                                                              action: .delete), familyIndex))
                report.chainsDeleted += 1
            }
            guard let table else { continue }

            let existing = Set((kernel.chainsByTable[tableName] ?? []).map(\.name))
            for chain in table.baseChains where !existing.contains(chain.name) {
                batch.addChain(family: family, table: tableName, name: chain.name, base: chain.base,
                               tag: MessageTag(.chain, family: familyIndex, table: tableIndex, chain: chain.index).packed)
                report.chainsCreated += 1
            }
            for chain in desired.regularChains(table) where !existing.contains(chain.name) {
                batch.addChain(family: family, table: tableName, name: chain.name, comment: Ownership.chainComment,
                               tag: MessageTag(.chain, family: familyIndex, table: tableIndex, chain: chain.index).packed)
                report.chainsCreated += 1
            }
            for chain in desired.regularChains(table) {
                try addRules(desired, table, chain, position: .append, familyIndex, &encoder, &scratch)
            }
            for chain in table.baseChains {
                // Each insert goes to the head, so insert in reverse to keep the ruleset's order.
                try addRules(desired, table, chain, position: .prepend, familyIndex, &encoder, &scratch)
            }
        }

        if kernel.recordTableExists {
            batch.deleteTable(family: family, name: Ownership.stateTable,
                              tag: MessageTag(.stateRecord, family: familyIndex).packed)
        }
        // This batch commits only on `generation`, so afterwards the generation is the next one.
        let record = StateRecord(generation: generation &+ 1 == 0 ? 1 : generation &+ 1, fingerprint: fingerprint)
        batch.addTable(family: family, name: Ownership.stateTable, comment: record.comment,
                       tag: MessageTag(.stateRecord, family: familyIndex).packed)
    }

    private mutating func addRules(_ desired: DesiredState.Family, _ table: DesiredState.TableRef,
                                   _ chain: DesiredState.ChainRef, position: NetfilterBatch.RulePosition,
                                   _ familyIndex: Int, _ encoder: inout IPTablesNFTEncoder,
                                   _ scratch: inout [Expression]) throws {
        let family = desired.family
        let count = desired.chain(table, chain).rules.count
        if position == .prepend {
            // Encode in order, send in reverse: collect this (short) chain's rules first.
            var rules: [(Int, NetfilterBatch.Compat, [Expression])] = []
            try desired.forEachEncodedRule(table, chain, encoder: &encoder, scratch: &scratch) { rules.append(($0, $1, $2)) }
            for (index, compat, expressions) in rules.reversed() {
                try batch.addRule(family: family, table: table.name, chain: chain.name, expressions: expressions,
                                  compat: compat, position: .prepend,
                                  tag: MessageTag(.rule, family: familyIndex, table: table.index, chain: chain.index, rule: index).packed)
            }
        } else {
            let batch = self.batch
            try desired.forEachEncodedRule(table, chain, encoder: &encoder, scratch: &scratch) { index, compat, expressions in
                try expressions.withUnsafeBufferPointer { buffer in
                    try batch.addRule(family: family, table: table.name, chain: chain.name, expressions: buffer,
                                      compat: compat, position: .append,
                                      tag: MessageTag(.rule, family: familyIndex, table: table.index, chain: chain.index, rule: index).packed)
                }
            }
        }
        report.rulesWritten += count
        let before = rulesDone
        rulesDone += count
        if let progress, before / 50_000 != rulesDone / 50_000 {
            progress(.building(done: rulesDone, total: rulesTotal))
        }
    }

    private mutating func kernelTag(_ object: KernelObject, _ familyIndex: Int) -> Int {
        kernelObjects.append(object)
        return MessageTag(.kernelObject, family: familyIndex, chain: kernelObjects.count - 1).packed
    }
}

/// A kernel object a batch changes that the desired model does not name.
struct KernelObject: CustomStringConvertible {
    enum Action {
        case flush, delete
        case deleteRule(handle: UInt64)
    }

    let family: NetfilterFamily
    let table: ObjectName
    let chain: ObjectName
    let action: Action

    var description: String {
        switch action {
        case .flush: return "\(family) \(table) chain \(chain) (flushing it)"
        case .delete: return "\(family) \(table) chain \(chain) (deleting it)"
        case .deleteRule(let handle): return "\(family) \(table) chain \(chain) rule handle \(handle) (deleting it)"
        }
    }
}
