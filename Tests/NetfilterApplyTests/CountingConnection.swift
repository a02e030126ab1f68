import NetfilterApply
import NetfilterNetlink

/// A `KernelConnection` that forwards to another and records which sets' elements were dumped
/// and how often every chain was listed.
final class CountingConnection: KernelConnection {
    let inner: KernelConnection
    private(set) var dumpedSets: [ObjectName] = []
    private(set) var chainListings = 0
    /// The chains whose rules were read.
    private(set) var rulesRead: [ObjectName] = []

    init(_ inner: KernelConnection) {
        self.inner = inner
    }

    func generation() throws -> UInt32 { try inner.generation() }
    func tables(family: NetfilterFamily) throws -> [TableInfo] { try inner.tables(family: family) }
    func chains(family: NetfilterFamily) throws -> [ChainInfo] {
        chainListings += 1
        return try inner.chains(family: family)
    }

    func chains(named names: [ObjectName], in table: TableKey) throws -> [ChainInfo?] {
        try inner.chains(named: names, in: table)
    }
    func rules(of chain: ChainKey) throws -> [RuleInfo] {
        rulesRead.append(chain.name)
        return try inner.rules(of: chain)
    }

    func rules(of chains: [ObjectName], in table: TableKey) throws -> [[RuleInfo]] {
        rulesRead += chains
        return try inner.rules(of: chains, in: table)
    }
    func sets(of table: TableKey) throws -> [NetfilterSet] { try inner.sets(of: table) }

    func elements(of set: ObjectName, in table: TableKey) throws -> [SetElement] {
        dumpedSets.append(set)
        return try inner.elements(of: set, in: table)
    }

    func forEachElementKey(of set: ObjectName, in table: TableKey, _ body: (UnsafeRawBufferPointer) -> Void) throws {
        dumpedSets.append(set)
        try inner.forEachElementKey(of: set, in: table, body)
    }

    func commit(_ transaction: Transaction, generation: UInt32) throws -> CommitStatistics {
        try inner.commit(transaction, generation: generation)
    }

    func legacyTables() throws -> [LegacyIPTable] { try inner.legacyTables() }
}
