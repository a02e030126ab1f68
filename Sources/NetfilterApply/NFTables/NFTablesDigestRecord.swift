import NetfilterNetlink
import NFTablesEncoding

/// PacketPath's record of the nftables layout it last committed, kept in a table of its own
/// (`ip packetpath-nft`, carrying the ownership record, so `reset` removes it; the kube-proxy
/// tables stay exactly as kube-proxy writes them): for every table, chain, named set and map,
/// a 16-byte element (object id, digest of its typed form: `NFTablesTypedDigest`) in one of
/// 32 sets `d0` … `d31` (sharded: the kernel restarts a set dump's walk for every reply
/// buffer), and in set `state` one element naming the generation the recording commit
/// produced and the state's fingerprint. While the ruleset generation is still that one,
/// nobody else has committed since, so a fresh process knows from the record which objects
/// differ from the desired ones and reads and plans only those (`NFTablesRecordPlan`).
enum NFTablesDigestRecord {
    static let table = TableKey(.ipv4, "packetpath-nft")
    static let shards = 32
    static let keyLength = 16
    /// Elements per message: well inside the batch page's 64 KiB overrun area.
    static let elementsPerMessage = 1_000

    struct Contents {
        /// The generation the recording commit produced.
        let generation: UInt32
        let fingerprint: UInt64
        /// Digest by object id.
        let digests: [UInt64: UInt64]
    }

    static func isRecord(_ info: TableInfo) -> Bool {
        info.family == table.family && info.name == table.name
    }

    static func shardSet(_ shard: Int) -> NetfilterSet {
        NetfilterSet(table: table.name, name: ObjectName("d\(shard)"), keyType: NetfilterSet.DataType.integer,
                     keyLength: UInt32(keyLength))
    }

    static let stateSet = NetfilterSet(table: table.name, name: "state", keyType: NetfilterSet.DataType.integer,
                                       keyLength: UInt32(keyLength))

    static func element(_ first: UInt64, _ second: UInt64) -> SetElement {
        var bytes = [UInt8](repeating: 0, count: keyLength)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: first >> UInt64(56 - 8 * index))
            bytes[8 + index] = UInt8(truncatingIfNeeded: second >> UInt64(56 - 8 * index))
        }
        return SetElement(key: bytes)
    }

    static func stateElement(generation: UInt32, fingerprint: UInt64) -> SetElement {
        element(UInt64(generation), fingerprint)
    }

    private static func parse(_ key: UnsafeRawBufferPointer) -> (UInt64, UInt64)? {
        guard key.count == keyLength else { return nil }
        var first: UInt64 = 0, second: UInt64 = 0
        for index in 0..<8 {
            first = first << 8 | UInt64(key[index])
            second = second << 8 | UInt64(key[8 + index])
        }
        return (first, second)
    }

    /// The record, when `tables` (the ip family's) holds it and it is well formed.
    static func read(_ connection: KernelConnection, tables: [TableInfo]) throws -> Contents? {
        guard tables.contains(where: isRecord) else { return nil }
        var states: [(UInt64, UInt64)] = []
        try connection.forEachElementKey(of: stateSet.name, in: table) { if let state = parse($0) { states.append(state) } }
        guard states.count == 1, let state = states.first, state.0 <= UInt64(UInt32.max) else { return nil }
        var digests: [UInt64: UInt64] = [:]
        for shard in 0..<shards {
            try connection.forEachElementKey(of: shardSet(shard).name, in: table) { bytes in
                if let (id, digest) = parse(bytes) { digests[id] = digest }
            }
        }
        return Contents(generation: UInt32(state.0), fingerprint: state.1, digests: digests)
    }

    /// The operations writing the record of `tables` anew (the old one deleted first).
    static func writeWhole(_ tables: [NFTablesTypedDigest.TableDigests], exists: Bool, generation: UInt32,
                           fingerprint: UInt64, userData: [UInt8]) -> [KernelOperation] {
        var operations: [KernelOperation] = []
        if exists { operations.append(.deleteTable(table)) }
        operations.append(.addNFTTable(table, comment: nil, userData: userData))
        operations.append(.addSet(table, stateSet))
        for shard in 0..<shards { operations.append(.addSet(table, shardSet(shard))) }
        operations.append(.addElements(table, set: stateSet, [stateElement(generation: generation, fingerprint: fingerprint)]))
        var sharded = Array(repeating: [SetElement](), count: shards)
        for tableDigests in tables {
            for object in tableDigests.objects { sharded[shard(of: object.id)].append(element(object.id, object.digest)) }
        }
        for (shard, elements) in sharded.enumerated() { operations += add(elements, to: shardSet(shard)) }
        return operations
    }

    /// The operations turning the record `old` into one where `changed` objects have their new
    /// digests and the state names `generation` and `fingerprint`.
    static func update(_ old: Contents, changed: [NFTablesTypedDigest.Object], generation: UInt32,
                       fingerprint: UInt64) -> [KernelOperation] {
        var removed = Array(repeating: [SetElement](), count: shards)
        var added = Array(repeating: [SetElement](), count: shards)
        for object in changed {
            let index = shard(of: object.id)
            if let digest = old.digests[object.id] { removed[index].append(element(object.id, digest)) }
            added[index].append(element(object.id, object.digest))
        }
        var operations: [KernelOperation] = [
            .deleteElements(table, set: stateSet, [stateElement(generation: old.generation, fingerprint: old.fingerprint)]),
            .addElements(table, set: stateSet, [stateElement(generation: generation, fingerprint: fingerprint)]),
        ]
        for shard in 0..<shards where !removed[shard].isEmpty {
            let set = shardSet(shard)
            for part in stride(from: 0, to: removed[shard].count, by: elementsPerMessage) {
                operations.append(.deleteElements(table, set: set,
                                                  Array(removed[shard][part..<min(part + elementsPerMessage, removed[shard].count)])))
            }
        }
        for shard in 0..<shards { operations += add(added[shard], to: shardSet(shard)) }
        return operations
    }

    private static func add(_ elements: [SetElement], to set: NetfilterSet) -> [KernelOperation] {
        stride(from: 0, to: elements.count, by: elementsPerMessage).map {
            .addElements(table, set: set, Array(elements[$0..<min($0 + elementsPerMessage, elements.count)]))
        }
    }

    static func shard(of id: UInt64) -> Int { Int(id % UInt64(shards)) }
}

extension NFTablesDigestRecord {
    /// What a refused record operation is reported as.
    static let step = NFTablesProgram.Step.elements(ObjectName("PacketPath's digest record (\(table))"))
}

extension NFTablesApplier {
    /// The table PacketPath keeps its digest record in (with `recordDigests`).
    public static var digestRecordTable: TableKey { NFTablesDigestRecord.table }
}
