import NetfilterNetlink
import NFTablesEncoding

/// The smallest transaction that turns a table PacketPath wrote (`current`, read back) into
/// `program`: map and set elements added and removed, a changed chain flushed and refilled
/// (its anonymous sets re-created with its rules; the kernel drops the old ones with the old
/// rules), new chains and sets added, and stale ones deleted once nothing refers to them.
/// Unchanged chains and sets are not touched, and the elements of a dynamic set (affinity
/// entries the data path adds) are never removed by a change elsewhere.
///
/// What nf_tables cannot change in place — the table comment, a chain's base-chain spec or
/// comment, a set's declaration — makes the planner decline (nil); the caller then replaces
/// the table whole, in the same single batch.
///
/// Pure: the same inputs give the same operations, and nothing is read or sent.
public enum NFTablesIncrementalPlan {
    /// What the operations do, for the report.
    public struct Changes: Sendable, Equatable {
        public var chainsCreated = 0
        public var chainsDeleted = 0
        public var chainsRefilled = 0
        public var rulesWritten = 0
        public var rulesDeleted = 0
        public var elementsAdded = 0
        public var elementsDeleted = 0

        public init() {}
    }

    /// Appends the operations to `batch`; nil (and nothing appended) when the table must be
    /// replaced whole.
    public static func plan(_ program: NFTablesProgram, current: NFTablesTableState,
                            into batch: inout NFTablesBatch) -> Changes? {
        guard current.table.comment == program.tableComment else { return nil }
        var currentChains: [ObjectName: NFTablesTableState.Chain] = [:]
        for chain in current.chains { currentChains[chain.info.name] = chain }
        var currentSets: [ObjectName: NFTablesTableState.SetContents] = [:]
        for set in current.sets { currentSets[set.set.name] = set }
        for chain in program.chains {
            if let existing = currentChains[chain.name]?.info, existing.base != chain.base || existing.comment != chain.comment {
                return nil
            }
        }
        for definition in program.sets {
            if let existing = currentSets[definition.set.name], !sameDeclaration(definition.set, existing.set) { return nil }
        }

        let table = TableKey(program.family, program.table)
        var rulesByChain: [ObjectName: [NFTablesProgram.Rule]] = [:]
        for rule in program.rules { rulesByChain[rule.chain, default: []].append(rule) }
        let wantedChains = Set(program.chains.map(\.name))
        let wantedSets = Set(program.sets.map(\.set.name))
        var changes = Changes()
        var operations: [(KernelOperation, NFTablesProgram.Step)] = []

        // 1. New chains, then new sets with their elements (verdicts may name the new chains).
        for chain in program.chains where currentChains[chain.name] == nil {
            operations.append((.addChain(ChainKey(table, chain.name), base: chain.base, comment: chain.comment), .chain(chain.name)))
            changes.chainsCreated += 1
        }
        var elementsToAdd: [(NetfilterSet, [SetElement])] = []
        for definition in program.sets {
            let name = definition.set.name
            guard let existing = currentSets[name] else {
                operations.append((.addSet(table, definition.set), .set(name)))
                elementsToAdd.append((definition.set, definition.elements))
                continue
            }
            // 2. Elements that go (or change: an element's data is replaced by delete and add).
            guard !existing.set.flags.contains(.dynamic) else { continue }
            let (removed, added) = elementChanges(from: existing, to: definition)
            for part in NFTablesPlan.chunks(removed) { operations.append((.deleteElements(table, set: existing.set, part), .elements(name))) }
            elementsToAdd.append((definition.set, added))
            changes.elementsDeleted += removed.count
        }
        // A stale map's verdicts hold their chains: release them before the chains go.
        for stale in current.sets where !wantedSets.contains(stale.set.name) {
            let verdicts = stale.elements.filter { $0.verdict != nil }
            for part in NFTablesPlan.chunks(verdicts) {
                operations.append((.deleteElements(table, set: stale.set, part), .elements(stale.set.name)))
            }
        }
        // 3. Changed and stale chains are emptied; changed and new ones refilled in order.
        var refill: [ObjectName] = []
        for chain in program.chains {
            let wanted = rulesByChain[chain.name] ?? []
            if let existing = currentChains[chain.name] {
                if sameRules(wanted, existing.rules) { continue }
                if !existing.rules.isEmpty {
                    operations.append((.flushChain(ChainKey(table, chain.name)), .chain(chain.name)))
                    changes.rulesDeleted += existing.rules.count
                }
                changes.chainsRefilled += 1
            }
            refill.append(chain.name)
        }
        for chain in current.chains where !wantedChains.contains(chain.info.name) && !chain.rules.isEmpty {
            operations.append((.flushChain(ChainKey(table, chain.info.name)), .chain(chain.info.name)))
            changes.rulesDeleted += chain.rules.count
        }
        for name in refill {
            for (index, rule) in (rulesByChain[name] ?? []).enumerated() {
                let step = NFTablesProgram.Step.rule(chain: name, index: index)
                for anonymous in rule.anonymousSets {
                    operations.append((.addSet(table, anonymous.set), step))
                    for part in NFTablesPlan.chunks(anonymous.elements) { operations.append((.addElements(table, set: anonymous.set, part), step)) }
                }
                operations.append((.addRule(ChainKey(table, name), .nft(rule.expressions, userData: rule.userData), .append), step))
                changes.rulesWritten += 1
            }
        }
        // 4. Elements that come, once every chain they may name exists.
        for (set, elements) in elementsToAdd {
            for part in NFTablesPlan.chunks(elements) { operations.append((.addElements(table, set: set, part), .elements(set.name))) }
            changes.elementsAdded += elements.count
        }
        // 5. Stale sets and chains, now that no rule or element refers to them.
        for stale in current.sets where !wantedSets.contains(stale.set.name) {
            operations.append((.deleteSet(table, name: stale.set.name), .set(stale.set.name)))
        }
        for chain in current.chains where !wantedChains.contains(chain.info.name) {
            operations.append((.deleteChain(ChainKey(table, chain.info.name)), .chain(chain.info.name)))
            changes.chainsDeleted += 1
        }
        for (operation, step) in operations { batch.append(operation, step) }
        return changes
    }

    /// Keys that go and elements that come. An interval set's ranges are start and end
    /// elements that only make sense together, so a changed one is rewritten whole.
    static func elementChanges(from current: NFTablesTableState.SetContents,
                               to desired: NFTablesProgram.SetDefinition) -> (removed: [SetElement], added: [SetElement]) {
        if current.set.flags.contains(.interval) {
            return sameElements(current.elements, desired.elements) ? ([], []) : (current.elements, desired.elements)
        }
        var wanted: [ElementKey: SetElement] = [:]
        wanted.reserveCapacity(desired.elements.count)
        for element in desired.elements { wanted[ElementKey(element)] = element }
        var kept: Set<ElementKey> = []
        var removed: [SetElement] = []
        for element in current.elements {
            let key = ElementKey(element)
            if let match = wanted[key], sameElement(match, element) {
                kept.insert(key)
            } else {
                removed.append(element)
            }
        }
        let added = desired.elements.filter { !kept.contains(ElementKey($0)) }
        return (removed, added)
    }

    /// An element's identity in its set: the key (and, in interval sets, whether it ends a range).
    struct ElementKey: Hashable {
        let key: [UInt8]
        let intervalEnd: Bool

        init(_ element: SetElement) {
            key = element.key
            intervalEnd = element.intervalEnd
        }
    }

    static func sameElement(_ desired: SetElement, _ current: SetElement) -> Bool {
        desired.verdict == current.verdict && desired.data == current.data && desired.userData == current.userData
            && desired.keyEnd == current.keyEnd
    }

    /// The same elements, in any order (the kernel lists hash sets in its own order).
    static func sameElements(_ desired: [SetElement], _ current: [SetElement]) -> Bool {
        guard desired.count == current.count else { return false }
        let order: (SetElement, SetElement) -> Bool = { lhs, rhs in
            lhs.key == rhs.key ? (!lhs.intervalEnd && rhs.intervalEnd) : lhs.key.lexicographicallyPrecedes(rhs.key)
        }
        return zip(desired.sorted(by: order), current.sorted(by: order)).allSatisfy { pair in
            ElementKey(pair.0) == ElementKey(pair.1) && sameElement(pair.0, pair.1)
        }
    }

    /// Flags, key and data types, timeout and nft's user data (the name of an anonymous set is
    /// the kernel's choice, and its set ID is not kept). A kernel set without an element digest
    /// (written by nft, or before PacketPath wrote digests) matches on the rest: the digest only
    /// spares the read-back a dump, and its elements were compared from the dump.
    static func sameDeclaration(_ desired: NetfilterSet, _ current: NetfilterSet) -> Bool {
        var desired = desired
        desired.name = current.name
        desired.table = current.table
        if let userData = desired.userData, AnonymousSetDigest.recorded(in: current.userData) == nil {
            desired.userData = AnonymousSetDigest.removingRecord(from: userData)
        }
        return desired == current && desired.userData == current.userData
    }

    /// Rules equal in order: expressions (an anonymous lookup by its contents, not its name),
    /// comment, and the anonymous sets' declarations and elements.
    static func sameRules(_ desired: [NFTablesProgram.Rule], _ current: [NFTablesTableState.Rule]) -> Bool {
        desired.count == current.count && zip(desired, current).allSatisfy(sameRule)
    }

    static func sameRule(_ desired: NFTablesProgram.Rule, _ current: NFTablesTableState.Rule) -> Bool {
        guard desired.userData == current.userData, desired.expressions.count == current.expressions.count,
              desired.anonymousSets.count == current.anonymousSets.count else { return false }
        for (wanted, found) in zip(desired.expressions, current.expressions) {
            if case .lookup(var lookup) = wanted, AnonymousLookups.isAnonymous(lookup.set) {
                guard case .lookup(let other) = found, AnonymousLookups.isAnonymous(other.set) else { return false }
                lookup.set = other.set
                if lookup != other { return false }
            } else if KernelForm.of(wanted) != found {
                return false
            }
        }
        return zip(desired.anonymousSets, current.anonymousSets).allSatisfy { wanted, found in
            sameDeclaration(wanted.set, found.set) && sameElements(wanted.elements, found.elements)
        }
    }
}

/// A transaction being built, with the step each operation's tag stands for.
public struct NFTablesBatch: Sendable {
    public private(set) var transaction = Transaction()
    public private(set) var steps: [NFTablesProgram.Step] = []

    public init() {}

    mutating func append(_ operation: KernelOperation, _ step: NFTablesProgram.Step) {
        transaction.append(operation, tag: steps.count)
        steps.append(step)
    }

    /// Appends another plan's operations, keeping their tags pointing at their steps.
    mutating func append(_ planned: NFTablesPlan.Planned) {
        // A new table's plan into an empty batch: taken over, not copied (it is the largest).
        guard !steps.isEmpty else {
            transaction = planned.transaction
            steps = planned.steps
            return
        }
        let offset = steps.count
        for (operation, tag) in zip(planned.transaction.operations, planned.transaction.tags) {
            transaction.append(operation, tag: tag + offset)
        }
        steps += planned.steps
    }
}
