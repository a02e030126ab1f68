import NetfilterNetlink

/// Splits one large nftables transaction into several without a half-programmed data path.
///
/// The kernel binds each anonymous set (a Service's `numgen` map) in time proportional to the
/// whole pending transaction, so one transaction holding N of them costs O(N²). Packets enter
/// nf_tables only through base chains, so objects of a table this apply creates can be
/// committed early as long as no base chain reaches them: the table, its chains (base chains
/// empty, with policy accept, pass every packet on unchanged), its sets and elements, and the
/// rules of its regular chains go into staging transactions of bounded size; the rules of its
/// base chains, and everything about tables that existed before, go into one final
/// transaction, which makes the new state reachable at once. Creation order is unchanged, so
/// `nft list` prints the same text as after one transaction.
///
/// Only tables that did not exist are staged: a staged apply that fails is undone by
/// deleting them, which leaves every other object as it was.
public enum NFTablesStaging {
    /// Bounds on each staging transaction (the final one is whatever remains).
    public struct Limits: Sendable, Equatable {
        /// Netlink messages per transaction.
        public var messages: Int
        /// Anonymous sets per transaction (each costs time proportional to the transaction).
        public var anonymousSets: Int

        public init(messages: Int, anonymousSets: Int) {
            self.messages = max(1, messages)
            self.anonymousSets = max(1, anonymousSets)
        }

        /// About 500 Services × 10 endpoints per transaction. Binding an anonymous set still
        /// walks the transaction's list of changes (`__nft_set_trans_bind`), so the maps'
        /// share grows with the maps per transaction, while each commit re-validates the
        /// table: at 10,000 Services, with elements sent by set ID, 20,000 messages / 500
        /// maps (36 transactions) measured 0.91× the CPU of 40,000 / 1,000 (18; medians of
        /// 6 interleaved pairs, 8.35 s against 9.2 s) for 7 MB less peak; 80,000 / 2,000
        /// took 1.2×, 10,000 / 500 or 40,000 / 250 no less than 20,000 / 500.
        public static let standard = Limits(messages: 20_000, anonymousSets: 500)
    }

    /// Where each operation of a transaction goes: staging transaction `0..<stagingCount`, or
    /// the final one.
    public struct Split: Sendable {
        let transaction: Transaction
        /// Per operation, its transaction's index (`stagingCount` is the final one).
        let destination: [Int]
        public let stagingCount: Int
        /// The tables the staging transactions create, which an undo deletes.
        public var stagedTables: [TableKey] { stagedTablesWithTransaction.map(\.table) }
        /// Each staged table with the staging transaction creating it.
        let stagedTablesWithTransaction: [(table: TableKey, transaction: Int)]

        /// The staged tables the first `commits` transactions created.
        func tables(createdBy commits: Int) -> [TableKey] {
            stagedTablesWithTransaction.filter { $0.transaction < commits }.map(\.table)
        }

        /// Staging transactions plus the final one.
        public var transactionCount: Int { stagingCount + 1 }

        /// The transactions, in commit order; `tableUserData` replaces the user data of the
        /// tables created (the state record names the generation of the last commit).
        public func transactions(tableUserData: [UInt8]? = nil) -> [Transaction] {
            var result = Array(repeating: Transaction(), count: transactionCount)
            for (index, (operation, tag)) in zip(transaction.operations, transaction.tags).enumerated() {
                var operation = operation
                if let tableUserData, case .addNFTTable(let key, let comment, _) = operation {
                    operation = .addNFTTable(key, comment: comment, userData: tableUserData)
                }
                result[destination[index]].append(operation, tag: tag)
            }
            return result
        }
    }

    /// Splits `transaction` when it exceeds `limits`; `newTables` are the tables it creates
    /// that do not exist in the kernel (only their objects are staged).
    public static func split(_ transaction: Transaction, newTables: Set<TableKey>, limits: Limits) -> Split {
        let operations = transaction.operations
        let fitsInOne = transaction.messageCount <= limits.messages
            && operations.lazy.filter(isAnonymousSetCreation).count <= limits.anonymousSets
        guard !fitsInOne, !newTables.isEmpty else {
            return Split(transaction: transaction, destination: Array(repeating: 0, count: operations.count),
                         stagingCount: 0, stagedTablesWithTransaction: [])
        }
        let final = Int.max
        var destination = Array(repeating: final, count: operations.count)
        // Base chains of new tables: few, where regular chains number in the hundred thousands.
        var baseChains: Set<ChainKey> = []
        var stagedTables: [(table: TableKey, transaction: Int)] = []
        var current = 0
        var messages = 0
        var anonymousSets = 0
        var index = 0
        while index < operations.count {
            // A rule and the anonymous sets created just before it (bound by set ID within
            // one transaction) form one unit.
            var end = index
            while end < operations.count, isAnonymousSetOperation(operations[end]) { end += 1 }
            end = min(end + 1, operations.count)
            let unit = index..<end
            if let table = stageableTable(operations[end - 1], newTables: newTables, baseChains: &baseChains) {
                let unitMessages = unit.reduce(0) { $0 + operations[$1].messageCount }
                let unitSets = unit.filter { isAnonymousSetCreation(operations[$0]) }.count
                if messages > 0, messages + unitMessages > limits.messages || anonymousSets + unitSets > limits.anonymousSets {
                    current += 1
                    messages = 0
                    anonymousSets = 0
                }
                for position in unit { destination[position] = current }
                if case .addNFTTable = operations[end - 1] { stagedTables.append((table, current)) }
                messages += unitMessages
                anonymousSets += unitSets
            }
            index = end
        }
        let stagingCount = messages > 0 ? current + 1 : current
        for position in destination.indices where destination[position] == final { destination[position] = stagingCount }
        return Split(transaction: transaction, destination: destination, stagingCount: stagingCount,
                     stagedTablesWithTransaction: stagedTables)
    }

    /// The table of `operation` if it may be committed before the final transaction: it
    /// creates an object of a new table and no base chain reaches it yet. A new table's
    /// chains are all created in this transaction, before their rules.
    private static func stageableTable(_ operation: KernelOperation, newTables: Set<TableKey>,
                                       baseChains: inout Set<ChainKey>) -> TableKey? {
        switch operation {
        case .addNFTTable(let key, _, _), .addTable(let key, _):
            return newTables.contains(key) ? key : nil
        case .addChain(let key, let base, _), .createChain(let key, let base, _):
            guard newTables.contains(key.table) else { return nil }
            guard let base else { return key.table }
            baseChains.insert(key)
            // An empty base chain that accepts passes packets on unchanged; one that drops
            // would not, so it is created with its rules in the final transaction.
            return base.policyAccepts ? key.table : nil
        case .addRule(let chain, _, _), .appendRules(let chain, _):
            // Rules of base chains make the new objects reachable: final transaction.
            return newTables.contains(chain.table) && !baseChains.contains(chain) ? chain.table : nil
        case .addSet(let key, _), .addElements(let key, _, _):
            return newTables.contains(key) ? key : nil
        case .deleteTable, .flushChain, .deleteChain, .deleteRule, .deleteSet, .deleteElements:
            return nil
        }
    }

    private static func isAnonymousSetOperation(_ operation: KernelOperation) -> Bool {
        switch operation {
        case .addSet(_, let set), .addElements(_, let set, _): return set.flags.contains(.anonymous)
        default: return false
        }
    }

    private static func isAnonymousSetCreation(_ operation: KernelOperation) -> Bool {
        if case .addSet(_, let set) = operation { return set.flags.contains(.anonymous) }
        return false
    }

    /// The generation after `commits` more commits (the kernel skips 0 when it wraps).
    static func generation(after commits: Int, from generation: UInt32) -> UInt32 {
        var next = generation
        for _ in 0..<commits {
            next &+= 1
            if next == 0 { next = 1 }
        }
        return next
    }
}
