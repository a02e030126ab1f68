import NetfilterNetlink

/// The kernel as the planner sees it: read the ruleset (with handles and the generation id)
/// and commit a transaction atomically. Implemented over netlink (`NetlinkConnection`) and
/// in memory (`FakeKernel`), which keeps the kernel's rules so that tests need no root.
public protocol KernelConnection: AnyObject {
    /// The ruleset generation: it changes with every committed transaction, by anyone.
    func generation() throws -> UInt32
    func tables(family: NetfilterFamily) throws -> [TableInfo]
    /// Every chain of every table of a family.
    func chains(family: NetfilterFamily) throws -> [ChainInfo]
    /// The chains of `names` in one table, nil where it has none of that name.
    func chains(named names: [ObjectName], in table: TableKey) throws -> [ChainInfo?]
    /// The rules of one chain, in order, with their handles.
    func rules(of chain: ChainKey) throws -> [RuleInfo]
    /// The rules of each chain of `chains` in one table, as `rules(of:)` gives them.
    func rules(of chains: [ObjectName], in table: TableKey) throws -> [[RuleInfo]]
    /// The sets and maps of one table, named and anonymous (`__set0`, `__map3`).
    func sets(of table: TableKey) throws -> [NetfilterSet]
    func elements(of set: ObjectName, in table: TableKey) throws -> [SetElement]
    /// Only the keys of a set's elements, for large sets of plain keys.
    func forEachElementKey(of set: ObjectName, in table: TableKey, _ body: (UnsafeRawBufferPointer) -> Void) throws
    /// Commits every operation or none, and only while the generation is still `generation`:
    /// throws `NetfilterError.generationChanged` if anyone committed since, and
    /// `NetfilterError.batchRejected` (failures tagged with the operation's tag) if the
    /// kernel refused an operation.
    func commit(_ transaction: Transaction, generation: UInt32) throws -> CommitStatistics
    /// The legacy (x_tables) iptables tables in the namespace, which netlink cannot list.
    func legacyTables() throws -> [LegacyIPTable]
}

extension KernelConnection {
    public func legacyTables() throws -> [LegacyIPTable] { [] }

    public func rules(of chains: [ObjectName], in table: TableKey) throws -> [[RuleInfo]] {
        try chains.map { try rules(of: ChainKey(table, $0)) }
    }

    public func chains(named names: [ObjectName], in table: TableKey) throws -> [ChainInfo?] {
        var byName: [ObjectName: ChainInfo] = [:]
        for chain in try chains(family: table.family) where chain.table == table.name { byName[chain.name] = chain }
        return names.map { byName[$0] }
    }
}

/// What a commit sent.
public struct CommitStatistics: Sendable, Equatable {
    public var messages: Int
    public var bytes: Int

    public init(messages: Int, bytes: Int) {
        self.messages = messages
        self.bytes = bytes
    }
}
