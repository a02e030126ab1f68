import NetfilterNetlink
import NFTablesEncoding

/// The one batch an nftables-layout apply commits: tables PacketPath wrote that the state no
/// longer has are deleted, tables it wrote are changed in place (`NFTablesIncrementalPlan`),
/// and the others are created — or replaced whole, when taking over a foreign table or when a
/// change cannot be made in place. Pure.
public enum NFTablesChangePlan {
    public struct Planned: Sendable {
        public var batch = NFTablesBatch()
        public var chainsCreated = 0
        public var chainsDeleted = 0
        public var rulesWritten = 0
        public var rulesDeleted = 0
        /// Tables created or replaced whole rather than changed in place.
        public var wholeTables: [TableKey] = []
    }

    /// `existing`: the kernel's tables of the programs' families; `current`: the read-back of
    /// each table PacketPath wrote that a program is for. `state` goes into tables written whole.
    public static func plan(_ programs: [NFTablesProgram], existing: [TableInfo], current: [TableKey: NFTablesTableState],
                            takeOver: Bool, state: NFTablesOwnership.State) throws -> Planned {
        var planned = Planned()
        for table in existing where NFTablesOwnership.isOwned(table)
            && !programs.contains(where: { $0.family == table.family && $0.table == table.name }) {
            planned.batch.append(.deleteTable(TableKey(table.family, table.name)), .table)
            // What goes with the table is not counted: reading it back only to count would cost more.
        }
        for program in programs {
            let key = TableKey(program.family, program.table)
            if let current = current[key], let changes = NFTablesIncrementalPlan.plan(program, current: current, into: &planned.batch) {
                planned.chainsCreated += changes.chainsCreated
                planned.chainsDeleted += changes.chainsDeleted
                planned.rulesWritten += changes.rulesWritten
                planned.rulesDeleted += changes.rulesDeleted
                continue
            }
            let table = existing.filter { $0.family == program.family && $0.name == program.table }
            planned.batch.append(try NFTablesPlan.plan([program], existing: table, takeOver: takeOver, state: state))
            planned.wholeTables.append(key)
            planned.chainsCreated += program.chains.count
            planned.rulesWritten += program.ruleCount
            if let replaced = current[key] {
                planned.chainsDeleted += replaced.chains.count
                planned.rulesDeleted += replaced.chains.reduce(0) { $0 + $1.rules.count }
            }
        }
        return planned
    }
}
