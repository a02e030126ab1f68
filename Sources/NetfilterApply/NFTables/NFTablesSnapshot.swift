import NetfilterNetlink
import NetworkNamespaces

/// What a fresh nftables-layout apply reads first: the ruleset generation, the ip and ip6
/// tables and PacketPath's digest record (`NFTablesDigestRecord`, an element per chain, set
/// and map: 120,000 at 10,000 Services). Nothing of it depends on the rulesets, so the
/// `packetpath apply` command reads it on another thread while the manifests decode
/// (`KernelReadAhead`); an apply uses it only while the generation is still the one read.
struct NFTablesSnapshot: Sendable {
    let generation: UInt32
    let tables: [NetfilterFamily: [TableInfo]]
    let record: NFTablesDigestRecord.Contents?

    static let families: [NetfilterFamily] = [.ipv4, .ipv6]

    static func read(_ connection: KernelConnection) throws -> NFTablesSnapshot {
        let generation = try connection.generation()
        var tables: [NetfilterFamily: [TableInfo]] = [:]
        for family in families { tables[family] = try connection.tables(family: family) }
        return try read(connection, generation: generation, tables: tables)
    }

    /// The record, after the generation and `tables` (of `families`) were read.
    static func read(_ connection: KernelConnection, generation: UInt32,
                     tables: [NetfilterFamily: [TableInfo]]) throws -> NFTablesSnapshot {
        let record = try NFTablesDigestRecord.read(connection, tables: tables[NFTablesDigestRecord.table.family] ?? [])
        return NFTablesSnapshot(generation: generation, tables: tables, record: record)
    }
}

extension NFTablesApplier {
    /// Starts reading what a fresh apply into `namespace` reads first (generation, tables, the
    /// digest record), to pass to `apply(_:into:readAhead:)` once the rulesets are compiled.
    /// Reads only.
    public func readAhead(_ namespace: NetworkNamespace) -> KernelReadAhead {
        KernelReadAhead.reading(namespace) { .nftables(try NFTablesSnapshot.read($0)) }
    }

    /// The same through any connection (the in-memory `FakeKernel` in tests), read now.
    public func readAhead(connection: KernelConnection) -> KernelReadAhead {
        KernelReadAhead.reading(connection) { .nftables(try NFTablesSnapshot.read($0)) }
    }
}
