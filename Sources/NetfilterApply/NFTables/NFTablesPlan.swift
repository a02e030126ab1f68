import NetfilterNetlink
import NFTablesEncoding

/// The transaction that makes the kernel hold exactly `programs`' tables (and no other table
/// PacketPath wrote in their families): each table deleted (when PacketPath wrote it, or when
/// taking over) and created again in the same transaction, so the kernel swaps old for new
/// atomically and nothing is ever duplicated.
///
/// A full replace (counters and dynamic set contents such as affinity entries start over):
/// used for a new table, a taken-over one, or a change nf_tables cannot make in place;
/// tables PacketPath already wrote are otherwise changed by `NFTablesIncrementalPlan`.
/// `NFTablesStaging` spreads a transaction creating large new tables over several.
public enum NFTablesPlan {
    /// What a transaction's tags stand for: tag `i` is `steps[i]`.
    public struct Planned: Sendable {
        public var transaction: Transaction
        public var steps: [NFTablesProgram.Step]
        public var replacedTables: Int
    }

    /// Plans against `existing` (the kernel's tables of each program's family). Throws
    /// `ApplyError.foreignTable` when a table exists that PacketPath did not write, unless
    /// `takeOver`.
    /// `state` is recorded in every table (what a later apply compares against).
    public static func plan(_ programs: [NFTablesProgram], existing: [TableInfo], takeOver: Bool,
                            state: NFTablesOwnership.State = .init(fingerprint: 0, generation: 0)) throws -> Planned {
        var transaction = Transaction()
        var steps: [NFTablesProgram.Step] = []
        var replaced = 0
        func append(_ operation: KernelOperation, _ step: NFTablesProgram.Step) {
            transaction.append(operation, tag: steps.count)
            steps.append(step)
        }
        // A table PacketPath wrote that the state no longer has (the policy table once no pod
        // is isolated) must go, or its rules would keep filtering.
        for current in existing where NFTablesOwnership.isOwned(current)
            && !programs.contains(where: { $0.family == current.family && $0.table == current.name }) {
            append(.deleteTable(TableKey(current.family, current.name)), .table)
        }
        for program in programs {
            let table = TableKey(program.family, program.table)
            if let current = existing.first(where: { $0.family == program.family && $0.name == program.table }) {
                guard takeOver || NFTablesOwnership.isOwned(current) else {
                    throw ApplyError.foreignTable(family: "\(program.family)", table: "\(program.table)")
                }
                append(.deleteTable(table), .table)
                replaced += 1
            }
            append(.addNFTTable(table, comment: program.tableComment, userData: NFTablesOwnership.records(state)), .table)
            for chain in program.chains {
                append(.addChain(ChainKey(table, chain.name), base: chain.base, comment: chain.comment), .chain(chain.name))
            }
            for definition in program.sets {
                append(.addSet(table, definition.set), .set(definition.set.name))
            }
            // The encoder emits each chain's rules together: counting within the current chain
            // numbers them without a dictionary of every chain (12.6 MB at 10,000 Services).
            var currentChain: ObjectName?
            var index = 0
            for template in program.rules {
                let rule = template.namingAnonymousSets()
                index = rule.chain == currentChain ? index + 1 : 0
                currentChain = rule.chain
                let step = NFTablesProgram.Step.rule(chain: rule.chain, index: index)
                for anonymous in rule.anonymousSets {
                    append(.addSet(table, anonymous.set), step)
                    // Unbound until the rule below, so the constant set may be filled in parts.
                    for part in chunks(anonymous.elements) { append(.addElements(table, set: anonymous.set, part), step) }
                }
                append(.addRule(ChainKey(table, rule.chain), .nft(rule.expressions, userData: rule.userData), .append), step)
            }
            for definition in program.sets {
                for part in chunks(definition.elements) {
                    append(.addElements(table, set: definition.set, part), .elements(definition.set.name))
                }
            }
        }
        return Planned(transaction: transaction, steps: steps, replacedTables: replaced)
    }

    /// Elements in messages of at most 256: libnftnl does not bounds-check a message, so one
    /// must fit the batch page's 64 KiB overrun area (an element with a comment is ~150 bytes).
    static func chunks(_ elements: [SetElement]) -> [[SetElement]] {
        stride(from: 0, to: elements.count, by: 256).map { Array(elements[$0..<min($0 + 256, elements.count)]) }
    }
}
