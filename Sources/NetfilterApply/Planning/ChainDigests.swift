import NetfilterNetlink

/// PacketPath's record of what each of its regular chains held when it last committed: sets
/// `chains-0` … `chains-31` in table `ip|ip6 packetpath-chains`, one 48-byte element per
/// chain (table name, chain name, a digest of the chain's encoded rules). Sharded because the
/// kernel restarts a set dump's walk for every reply buffer: one set of 110,000 elements took
/// 0.4 s to list, quadratically. While the ruleset
/// generation is still the one PacketPath's last commit produced, a chain whose digest
/// matches the desired one holds exactly the desired rules and is not read back; this is
/// what makes a one-endpoint change cost a few reads instead of reading every chain.
enum ChainDigests {
    static let table: ObjectName = "packetpath-chains"
    static let shards = 32
    /// Elements per message: a message must fit the batch page's 64 KiB overrun area.
    static let elementsPerMessage = 1_000
    /// Table name, chain name, digest.
    static let tableBytes = 8, chainBytes = 32, keyLength = 48

    /// A chain, by table and name.
    struct Key: Hashable, Sendable {
        let table: ObjectName
        let chain: ObjectName
    }

    static func set(_ shard: Int) -> NetfilterSet {
        NetfilterSet(table: table, name: ObjectName("chains-\(shard)"), keyType: NetfilterSet.DataType.integer,
                     keyLength: UInt32(keyLength))
    }

    static func shard(of key: Key) -> Int {
        var hasher = StableHasher()
        hasher.combine(key.table)
        hasher.combine(key.chain)
        return Int(hasher.value % UInt64(shards))
    }

    static func element(_ key: Key, _ digest: UInt64) -> SetElement {
        var bytes = [UInt8](repeating: 0, count: keyLength)
        key.table.withUTF8 { for (index, byte) in $0.prefix(tableBytes).enumerated() { bytes[index] = byte } }
        key.chain.withUTF8 { for (index, byte) in $0.prefix(chainBytes - 1).enumerated() { bytes[tableBytes + index] = byte } }
        for index in 0..<8 { bytes[tableBytes + chainBytes + index] = UInt8(truncatingIfNeeded: digest >> UInt64(56 - 8 * index)) }
        return SetElement(key: bytes)
    }

    static func parse(_ key: UnsafeRawBufferPointer) -> (Key, UInt64)? {
        guard key.count == keyLength else { return nil }
        let bytes = key.bindMemory(to: UInt8.self)
        func name(_ range: Range<Int>) -> ObjectName {
            let field = UnsafeBufferPointer(rebasing: bytes[range])
            return ObjectName(utf8: UnsafeBufferPointer(rebasing: field[0..<(field.firstIndex(of: 0) ?? field.count)]))
        }
        let digest = bytes[(tableBytes + chainBytes)...].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return (Key(table: name(0..<tableBytes), chain: name(tableBytes..<tableBytes + chainBytes)), digest)
    }

    /// The recorded digests; nil when the family has no digest table.
    static func read(_ connection: KernelConnection, family: NetfilterFamily, tables: [TableInfo]) throws -> [Key: UInt64]? {
        guard tables.contains(where: { $0.name == table }) else { return nil }
        var recorded: [Key: UInt64] = [:]
        for shard in 0..<shards {
            try connection.forEachElementKey(of: set(shard).name, in: TableKey(family, table)) { bytes in
                if let (key, digest) = parse(bytes) { recorded[key] = digest }
            }
        }
        return recorded
    }
}
