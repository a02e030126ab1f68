import NetfilterNetlink

/// PacketPath's record of what each of its regular chains held when it last committed: the
/// set `chains` in table `ip|ip6 packetpath-chains`, one 16-byte element per chain (a hash of
/// table and chain name, then a digest of the chain's encoded rules). While the ruleset
/// generation is still the one PacketPath's last commit produced, a chain whose digest
/// matches the desired one holds exactly the desired rules and is not read back; this is
/// what makes a one-endpoint change cost a few reads instead of reading every chain.
enum ChainDigests {
    static let table: ObjectName = "packetpath-chains"
    static let setName: ObjectName = "chains"
    /// Elements per message: a message must fit the batch page's 64 KiB overrun area.
    static let elementsPerMessage = 1_000

    static var set: NetfilterSet {
        NetfilterSet(table: table, name: setName, keyType: NetfilterSet.DataType.integer, keyLength: 16)
    }

    static func nameHash(table: ObjectName, chain: ObjectName) -> UInt64 {
        var hasher = StableHasher()
        hasher.combine(table)
        hasher.combine(UInt64(0x2f))
        hasher.combine(chain)
        return hasher.value
    }

    static func element(_ nameHash: UInt64, _ digest: UInt64) -> SetElement {
        var key: [UInt8] = []
        key.reserveCapacity(16)
        for value in [nameHash, digest] {
            for shift in stride(from: 56, through: 0, by: -8) { key.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        return SetElement(key: key)
    }

    static func parse(_ element: SetElement) -> (UInt64, UInt64)? {
        guard element.key.count == 16 else { return nil }
        func word(_ start: Int) -> UInt64 { element.key[start..<start + 8].reduce(0) { $0 << 8 | UInt64($1) } }
        return (word(0), word(8))
    }

    /// The recorded digests by name hash; nil when the family has no digest table.
    static func read(_ connection: KernelConnection, family: NetfilterFamily, tables: [TableInfo]) throws -> [UInt64: UInt64]? {
        guard tables.contains(where: { $0.name == table }) else { return nil }
        var recorded: [UInt64: UInt64] = [:]
        for element in try connection.elements(of: setName, in: TableKey(family, table)) {
            if let (name, digest) = parse(element) { recorded[name] = digest }
        }
        return recorded
    }
}
