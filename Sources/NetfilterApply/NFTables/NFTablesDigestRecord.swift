import NetfilterNetlink
import NFTablesEncoding
import RuleModel

/// PacketPath's record of the nftables layout it last committed, kept in a table of its own
/// (`ip packetpath-nft`, carrying the ownership record, so `reset` removes it; the kube-proxy
/// tables stay exactly as kube-proxy writes them): for every table, chain, named set and map,
/// a 16-byte element (object id, digest of its typed form: `NFTablesTypedDigest`; its kind,
/// table and name in the element's user data, for deleting it once it is no longer desired)
/// in one of 32 sets `d0` … `d31` (sharded: the kernel restarts a set dump's walk for every
/// reply buffer), and in set `state` one element naming the generation the recording commit
/// produced and the state's fingerprint. While the ruleset generation is still that one,
/// nobody else has committed since, so a fresh process knows from the record which objects
/// differ from the desired ones and reads and plans only those (`NFTablesRecordPlan`).
enum NFTablesDigestRecord {
    static let table = TableKey(.ipv4, "packetpath-nft")
    static let shards = 32
    static let keyLength = 16
    /// Elements per message: each at most ~300 bytes with its name, inside the batch page's
    /// 64 KiB overrun area.
    static let elementsPerMessage = 200

    /// A recorded object as its element's user data names it.
    struct Label: Equatable {
        let kind: NFTablesTypedDigest.Kind
        let table: TableKey
        let name: ObjectName
    }

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

    static func element(_ first: UInt64, _ second: UInt64, userData: [UInt8]? = nil) -> NetfilterNetlink.SetElement {
        var bytes = [UInt8](repeating: 0, count: keyLength)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: first >> UInt64(56 - 8 * index))
            bytes[8 + index] = UInt8(truncatingIfNeeded: second >> UInt64(56 - 8 * index))
        }
        return NetfilterNetlink.SetElement(key: bytes, userData: userData)
    }

    /// Kind, family, table name length, table name, object name; nil when too long for user
    /// data (255 bytes): such an object, once stale, makes the plan read everything back.
    static func userData(_ kind: NFTablesTypedDigest.Kind, table: TableKey, name: ChainName) -> [UInt8]? {
        var bytes: [UInt8] = [UInt8(kind.rawValue), table.family.rawValue]
        table.name.withUTF8 { table in
            bytes.append(UInt8(truncatingIfNeeded: table.count))
            bytes += table
        }
        name.withUTF8 { bytes += $0 }
        return bytes.count <= 255 ? bytes : nil
    }

    static func label(_ userData: [UInt8]?) -> Label? {
        guard let data = userData, data.count >= 3, let kind = NFTablesTypedDigest.Kind(rawValue: UInt64(data[0])),
              let family = NetfilterFamily(rawValue: data[1]), 3 + Int(data[2]) <= data.count else { return nil }
        let tableEnd = 3 + Int(data[2])
        let table = data[3..<tableEnd].withUnsafeBufferPointer { ObjectName(utf8: $0) }
        let name = data[tableEnd...].withUnsafeBufferPointer { ObjectName(utf8: $0) }
        return Label(kind: kind, table: TableKey(family, table), name: name)
    }

    static func element(_ object: NFTablesTypedDigest.Object, of table: NFTablesTypedDigest.TableDigests) -> NetfilterNetlink.SetElement {
        element(object.id, object.digest,
                userData: table.name(of: object).flatMap { userData(object.kind, table: table.key, name: $0) })
    }

    /// The labels of `ids` (recorded objects), read from the shards that hold them; nil when
    /// one has none.
    static func labels(of ids: Set<UInt64>, connection: KernelConnection) throws -> [UInt64: Label]? {
        var labels: [UInt64: Label] = [:]
        for shard in Set(ids.map(shard(of:))).sorted() {
            for element in try connection.elements(of: shardSet(shard).name, in: table) {
                guard let (id, _) = element.key.withUnsafeBytes(parse), ids.contains(id) else { continue }
                labels[id] = label(element.userData)
            }
        }
        return labels.count == ids.count ? labels : nil
    }

    static func stateElement(generation: UInt32, fingerprint: UInt64) -> NetfilterNetlink.SetElement {
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
        var sharded = Array(repeating: [NetfilterNetlink.SetElement](), count: shards)
        for tableDigests in tables {
            for object in tableDigests.objects {
                sharded[shard(of: object.id)].append(element(object, of: tableDigests))
            }
        }
        for (shard, elements) in sharded.enumerated() { operations += add(elements, to: shardSet(shard)) }
        return operations
    }

    /// The operations turning the record `old` into one where `changed` objects (of their
    /// tables) have their new digests, `stale` ids are gone, and the state names `generation`
    /// and `fingerprint`.
    static func update(_ old: Contents, changed: [(NFTablesTypedDigest.TableDigests, NFTablesTypedDigest.Object)], stale: [UInt64],
                       generation: UInt32, fingerprint: UInt64) -> [KernelOperation] {
        var removed: [(id: UInt64, digest: UInt64)] = []
        for (_, object) in changed {
            if let digest = old.digests[object.id] { removed.append((object.id, digest)) }
        }
        for id in stale {
            if let digest = old.digests[id] { removed.append((id, digest)) }
        }
        return update(removing: removed, adding: changed, from: (old.generation, old.fingerprint),
                      generation: generation, fingerprint: fingerprint)
    }

    /// The operations deleting the `removing` elements, adding those of `adding` (objects of
    /// their tables), and moving the state from `old` to `generation` and `fingerprint`.
    static func update(removing: [(id: UInt64, digest: UInt64)],
                       adding: [(NFTablesTypedDigest.TableDigests, NFTablesTypedDigest.Object)],
                       from old: (generation: UInt32, fingerprint: UInt64),
                       generation: UInt32, fingerprint: UInt64) -> [KernelOperation] {
        var removed = Array(repeating: [NetfilterNetlink.SetElement](), count: shards)
        var added = Array(repeating: [NetfilterNetlink.SetElement](), count: shards)
        for (id, digest) in removing { removed[shard(of: id)].append(element(id, digest)) }
        for (table, object) in adding { added[shard(of: object.id)].append(element(object, of: table)) }
        var operations: [KernelOperation] = [
            .deleteElements(table, set: stateSet, [stateElement(generation: old.generation, fingerprint: old.fingerprint)]),
            .addElements(table, set: stateSet, [stateElement(generation: generation, fingerprint: fingerprint)]),
        ]
        for shard in 0..<shards {
            operations += messages(removed[shard]).map { .deleteElements(table, set: shardSet(shard), $0) }
        }
        for shard in 0..<shards { operations += add(added[shard], to: shardSet(shard)) }
        return operations
    }

    private static func add(_ elements: [NetfilterNetlink.SetElement], to set: NetfilterSet) -> [KernelOperation] {
        messages(elements).map { .addElements(table, set: set, $0) }
    }

    /// `elements` in runs of at most `elementsPerMessage`, one per message.
    private static func messages(_ elements: [NetfilterNetlink.SetElement]) -> [[NetfilterNetlink.SetElement]] {
        stride(from: 0, to: elements.count, by: elementsPerMessage).map {
            Array(elements[$0..<min($0 + elementsPerMessage, elements.count)])
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
