import CLinuxShims
import NetfilterNetlink

/// `KernelConnection` over an nf_tables netlink socket: one batch per transaction, guarded by
/// the generation id in its begin message (the kernel answers ERESTART if it moved).
public final class NetlinkConnection: KernelConnection {
    let socket: NetfilterSocket

    public init(_ socket: NetfilterSocket) {
        self.socket = socket
    }

    public func generation() throws -> UInt32 { try socket.generation() }

    public func tables(family: NetfilterFamily) throws -> [TableInfo] { try socket.tables(family: family) }

    public func chains(family: NetfilterFamily) throws -> [ChainInfo] { try socket.chains(family: family) }

    /// Many single requests per `sendmsg`, no dump (`NetfilterSocket.chains(family:table:names:)`).
    public func chains(named names: [ObjectName], in table: TableKey) throws -> [ChainInfo?] {
        try socket.chains(family: table.family, table: table.name, names: names)
    }

    public func rules(of chain: ChainKey) throws -> [RuleInfo] {
        try socket.rules(family: chain.family, table: chain.table.name, chain: chain.name)
    }

    /// Chain by chain, on two sockets once the table is large (`NetfilterSocket.rules(family:table:chains:)`).
    public func rules(of chains: [ObjectName], in table: TableKey) throws -> [[RuleInfo]] {
        try socket.rules(family: table.family, table: table.name, chains: chains)
    }

    public func sets(of table: TableKey) throws -> [NetfilterSet] {
        try socket.sets(family: table.family, table: table.name)
    }

    public func elements(of set: ObjectName, in table: TableKey) throws -> [SetElement] {
        try socket.elements(family: table.family, table: table.name, set: set)
    }

    public func forEachElementKey(of set: ObjectName, in table: TableKey, _ body: (UnsafeRawBufferPointer) -> Void) throws {
        try socket.forEachElementKey(family: table.family, table: table.name, set: set, body)
    }

    /// Read from /proc/thread-self: the connection lives on a thread inside its namespace.
    public func legacyTables() throws -> [LegacyIPTable] { LegacyIPTables.inCurrentNamespace() }

    public func commit(_ transaction: Transaction, generation: UInt32) throws -> CommitStatistics {
        let messages = transaction.messageCount
        let large = messages > 200_000
        // A batch this large (over 100 MB for a first apply at 10,000 Services) would otherwise
        // stack on top of the heap's free pages, which the process keeps mapped
        // (`ProcessMemory.keepFreedMemoryForReuse`): the planner's and the compiler's
        // temporaries, about 47 MB then. Returned first, the peak is what is live plus the batch
        // (325 → 299 MB there); pages the batch reuses cost a page fault each, as fresh ones do.
        if large { pp_release_free_memory() }
        // Large pages keep the iovec of a huge batch short (sendmsg takes at most 1024).
        let batch = socket.makeBatch(generation: generation, pageSize: large ? 4 << 20 : 1 << 20)
        batch.reserveCapacity(messages: messages)
        var encoder = Transaction.RuleEncoder(transaction)
        for (operation, tag) in zip(transaction.operations, transaction.tags) {
            switch operation {
            case .addTable(let table, let comment):
                batch.addTable(family: table.family, name: table.name, comment: comment, tag: tag)
            case .addNFTTable(let table, let comment, let userData):
                batch.addTable(family: table.family, name: table.name, comment: comment, extraUserData: userData, tag: tag)
            case .deleteTable(let table):
                batch.deleteTable(family: table.family, name: table.name, tag: tag)
            case .addChain(let chain, let base, let comment):
                batch.addChain(family: chain.family, table: chain.table.name, name: chain.name, base: base,
                               comment: comment, tag: tag)
            case .createChain(let chain, let base, let comment):
                batch.addChain(family: chain.family, table: chain.table.name, name: chain.name, base: base,
                               comment: comment, exclusive: true, tag: tag)
            case .flushChain(let chain):
                batch.flushChain(family: chain.family, table: chain.table.name, name: chain.name, tag: tag)
            case .deleteChain(let chain):
                batch.deleteChain(family: chain.family, table: chain.table.name, name: chain.name, tag: tag)
            case .addRule(let chain, .nft(let expressions, let userData), let placement):
                try batch.addRule(family: chain.family, table: chain.table.name, chain: chain.name,
                                  expressions: expressions, position: placement, userData: userData, tag: tag)
            case .addRule(let chain, let source, let placement):
                try encoder.withRule(source) { expressions, compat in
                    try batch.addRule(family: chain.family, table: chain.table.name, chain: chain.name,
                                      expressions: expressions, compat: compat, position: placement, tag: tag)
                }
            case .appendRules(let chain, let rules):
                for index in rules.rules {
                    try encoder.withRule(.desired(rules.rule(index))) { expressions, compat in
                        try batch.addRule(family: chain.family, table: chain.table.name, chain: chain.name,
                                          expressions: expressions, compat: compat, position: .append, tag: tag + index)
                    }
                }
            case .deleteRule(let chain, let handle):
                batch.deleteRule(family: chain.family, table: chain.table.name, chain: chain.name, handle: handle, tag: tag)
            case .addSet(let table, let set):
                batch.addSet(family: table.family, set, tag: tag)
            case .deleteSet(let table, let name):
                batch.deleteSet(family: table.family, table: table.name, name: name, tag: tag)
            case .addElements(let table, let set, let elements):
                batch.addElements(family: table.family, set, elements, tag: tag)
            case .deleteElements(let table, let set, let elements):
                batch.deleteElements(family: table.family, set, elements, tag: tag)
            }
        }
        try socket.commit(batch)
        return CommitStatistics(messages: batch.messageCount, bytes: batch.byteCount)
    }
}
